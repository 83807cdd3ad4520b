#pragma once

// The wall clock both Coinbase simulators stamp their messages with, as Coinbase does.

#include <chrono>
#include <cstdint>
#include <string>

#include "engine/core/calendar.h"

namespace sigex {

inline std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// RFC 3339 with milliseconds, "...SS.mmmZ".
inline std::string rfc3339(std::int64_t ns) { return format_utc_timestamp(ns); }

}  // namespace sigex
