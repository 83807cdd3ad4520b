#pragma once

#include "engine/core/clock.h"

namespace sigex {

// Reads CLOCK_REALTIME. Thread-safe.
class LiveClock final : public Clock {
 public:
  TimeNs now_ns() const override;
};

}  // namespace sigex
