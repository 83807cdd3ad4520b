#pragma once

// Time is nanoseconds since the Unix epoch (UTC) in a signed 64-bit integer: enough until 2262.

#include <cstdint>

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

}  // namespace sigex
