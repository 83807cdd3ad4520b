#pragma once

// The times of the last N events, to ask "did N events happen within the last W?" in O(1)
// without allocating after construction: with times in order, N events fall within the window
// exactly when the oldest of the last N does. A throttle of N per W is full when that holds.

#include <cstddef>
#include <vector>

#include "engine/core/time.h"

namespace sigex {

class RateWindow {
 public:
  explicit RateWindow(std::size_t events = 0) : times_(events) {}

  // Whether `events` (the capacity) events were recorded after `now_ns - window_ns`.
  bool full(TimeNs now_ns, DurationNs window_ns) const {
    return !times_.empty() && recorded_ >= times_.size() && times_[next_] > now_ns - window_ns;
  }
  // Times must not go backwards.
  void record(TimeNs now_ns) {
    if (times_.empty()) return;
    times_[next_] = now_ns;
    next_ = (next_ + 1) % times_.size();
    ++recorded_;
  }

 private:
  std::vector<TimeNs> times_;  // a ring; times_[next_] is the oldest once it is full
  std::size_t next_ = 0;
  std::size_t recorded_ = 0;
};

}  // namespace sigex
