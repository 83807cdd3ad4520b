#pragma once

// SIGEX_CHECK guards invariants whose violation means the engine's state can no longer be
// trusted. It aborts with the location: crash-only, restart plus reconciliation recovers.

#include <cstdio>
#include <cstdlib>

#define SIGEX_CHECK(condition, message)                                                       \
  do {                                                                                        \
    if (!(condition)) [[unlikely]] {                                                          \
      std::fprintf(stderr, "sigex: invariant broken at %s:%d: %s (%s)\n", __FILE__, __LINE__, \
                   message, #condition);                                                      \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)
