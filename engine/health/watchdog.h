#pragma once

// When sigex may tell systemd it is alive (WATCHDOG=1). Pinging is a claim of health, so it is
// made only while
//  * the core loop has turned within `max_loop_silence` (a hung loop stops the pings), and
//  * every watched feed has delivered within its own maximum age (a dead feed stops them).
// systemd then restarts the service after WatchdogSec. The pinger thread calls due() and
// verdict(); the core thread calls loop_turned(); feeds are read through their ages.
//
// Pure logic with an injected time: tests drive it without a clock or a thread.

#include <atomic>
#include <string>
#include <vector>

#include "engine/core/time.h"

namespace sigex {

struct WatchedFeed {
  std::string name;
  DurationNs max_age_ns = 0;
  TimeNs last_delivery_ns = 0;  // 0: nothing delivered yet (counted from the watch start)
};

struct WatchdogVerdict {
  bool healthy = true;
  std::string subject;  // what is unhealthy ("core loop", "feed market data"): log it once
  std::string reason;   // why, with the numbers, for the log and STATUS=
};

class Watchdog {
 public:
  // `interval`: WATCHDOG_USEC / 2, how often a healthy process pings.
  Watchdog(DurationNs interval_ns, DurationNs max_loop_silence_ns)
      : interval_ns_(interval_ns), max_loop_silence_ns_(max_loop_silence_ns) {}

  // Core thread, every turn of the loop (also when idle).
  void loop_turned(TimeNs now_ns) { last_turn_ns_.store(now_ns, std::memory_order_relaxed); }
  TimeNs last_turn_ns() const { return last_turn_ns_.load(std::memory_order_relaxed); }

  DurationNs interval_ns() const { return interval_ns_; }
  // Pinger thread: true when a ping (if healthy) is due at `now_ns`; advances the schedule.
  bool due(TimeNs now_ns) {
    if (next_ping_ns_ != 0 && now_ns < next_ping_ns_) return false;
    next_ping_ns_ = now_ns + interval_ns_;
    return true;
  }
  // Pinger thread: the loop and every feed are within their limits at `now_ns`. Feeds that
  // never delivered are measured from `watch_start_ns` (the moment the process became ready).
  WatchdogVerdict verdict(TimeNs now_ns, const std::vector<WatchedFeed>& feeds,
                          TimeNs watch_start_ns) const;

 private:
  DurationNs interval_ns_;
  DurationNs max_loop_silence_ns_;
  std::atomic<TimeNs> last_turn_ns_{0};
  TimeNs next_ping_ns_ = 0;
};

}  // namespace sigex
