#include "engine/health/watchdog.h"

#include <fmt/format.h>

namespace sigex {

WatchdogVerdict Watchdog::verdict(TimeNs now_ns, const std::vector<WatchedFeed>& feeds,
                                  TimeNs watch_start_ns) const {
  const TimeNs turned = last_turn_ns();
  const DurationNs silence = now_ns - (turned == 0 ? watch_start_ns : turned);
  if (silence > max_loop_silence_ns_) {
    return {
        false, "core loop",
        fmt::format("core loop has not turned for {:.1f} s", static_cast<double>(silence) / 1e9)};
  }
  for (const WatchedFeed& feed : feeds) {
    if (feed.max_age_ns <= 0) continue;
    const DurationNs age =
        now_ns - (feed.last_delivery_ns == 0 ? watch_start_ns : feed.last_delivery_ns);
    if (age > feed.max_age_ns) {
      return {
          false, "feed " + feed.name,
          fmt::format("feed {} silent for {:.1f} s (limit {:.1f} s)", feed.name,
                      static_cast<double>(age) / 1e9, static_cast<double>(feed.max_age_ns) / 1e9)};
    }
  }
  return {};
}

}  // namespace sigex
