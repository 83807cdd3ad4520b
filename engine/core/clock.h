#pragma once

// The Clock port. Nothing in engine/ or strategies/ reads the system clock; the composition
// root injects a LiveClock (live and paper) or a SimulatedClock (backtest).

#include "engine/core/time.h"

namespace sigex {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall time in ns since the epoch. Callable from any thread.
  virtual TimeNs now_ns() const = 0;
};

}  // namespace sigex
