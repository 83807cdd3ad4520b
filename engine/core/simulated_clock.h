#pragma once

#include "engine/core/clock.h"

namespace sigex {

// A clock that only moves when told to, and never backwards. Owned by the core thread in a
// backtest; reads from other threads are not supported.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(TimeNs start_ns = 0) : now_ns_(start_ns) {}

  TimeNs now_ns() const override { return now_ns_; }

  // Moves the clock to `time_ns` if that is later than now; earlier times are ignored so that
  // events stamped slightly out of order never rewind time. Returns the resulting time.
  TimeNs advance_to(TimeNs time_ns) {
    if (time_ns > now_ns_) now_ns_ = time_ns;
    return now_ns_;
  }

 private:
  TimeNs now_ns_;
};

}  // namespace sigex
