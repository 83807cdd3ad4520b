#include "engine/core/live_clock.h"

#include <ctime>

namespace sigex {

TimeNs LiveClock::now_ns() const {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<TimeNs>(now.tv_sec) * kNsPerSecond + now.tv_nsec;
}

}  // namespace sigex
