#pragma once

// The process exit codes every sigex command uses (the README's "Exit codes" table).

namespace sigex {

inline constexpr int kExitFailure = 1;  // the run failed or could not start (see the log)
inline constexpr int kExitUsage = 2;    // a usage or configuration error: nothing started
inline constexpr int kExitStopped = 3;  // resume later (budget, venue) / daemon unreachable

}  // namespace sigex
