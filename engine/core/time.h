#pragma once

// Time is nanoseconds since the Unix epoch (UTC) in a signed 64-bit integer: enough until 2262.

#include <cstdint>
#include <limits>

namespace sigex {

using TimeNs = std::int64_t;
using DurationNs = std::int64_t;

inline constexpr DurationNs kNsPerUs = 1'000;
inline constexpr DurationNs kNsPerMs = 1'000'000;
inline constexpr DurationNs kNsPerSecond = 1'000'000'000;
inline constexpr DurationNs kNsPerMinute = 60 * kNsPerSecond;
inline constexpr DurationNs kNsPerHour = 60 * kNsPerMinute;
inline constexpr DurationNs kNsPerDay = 24 * kNsPerHour;

constexpr TimeNs ms_to_ns(std::int64_t ms) { return ms * kNsPerMs; }

// A venue's millisecond time as nanoseconds, or false when it is negative or past 2262 (the
// conversion would overflow): untrusted input never reaches ms_to_ns unchecked.
constexpr bool checked_ms_to_ns(std::int64_t ms, TimeNs& out) {
  if (ms < 0 || ms > INT64_MAX / kNsPerMs) return false;
  out = ms * kNsPerMs;
  return true;
}

}  // namespace sigex
