#pragma once

// After a venue refuses an order, the same strategy may not try again on that instrument at
// once: each refusal doubles the wait (initial, 2x, 4x ... up to the cap); an accepted order
// or a fill clears it. This turns "resend on every market event" into a few requests a
// minute at most, whatever a strategy or the flatten logic does. Owned by the core thread.

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>

#include "engine/core/instrument.h"
#include "engine/core/time.h"

namespace sigex {

class RetryBackoff {
 public:
  RetryBackoff(DurationNs initial_ns, DurationNs max_ns)
      : initial_ns_(initial_ns), max_ns_(max_ns) {}

  // A refusal at `now_ns`: returns when the next order may go out.
  TimeNs on_refused(std::size_t strategy, InstrumentId instrument, TimeNs now_ns);
  // An order was accepted or filled: the next one goes out without waiting.
  void on_success(std::size_t strategy, InstrumentId instrument);
  bool allows(std::size_t strategy, InstrumentId instrument, TimeNs now_ns) const;
  // Refusals in a row (0 when none since the last success).
  int refusals(std::size_t strategy, InstrumentId instrument) const;
  void reconfigure(DurationNs initial_ns, DurationNs max_ns) {
    initial_ns_ = initial_ns;
    max_ns_ = max_ns;
  }

 private:
  struct Entry {
    int refusals = 0;
    TimeNs retry_at_ns = 0;
  };
  DurationNs initial_ns_;
  DurationNs max_ns_;
  std::map<std::pair<std::size_t, InstrumentId>, Entry> entries_;
};

}  // namespace sigex
