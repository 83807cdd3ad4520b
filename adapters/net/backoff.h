#pragma once

// Jittered exponential backoff ("full jitter"): the n-th delay is uniform in
// [min, min(max, initial * 2^n)]. Seeded, so tests are deterministic. Not thread-safe.

#include <cstdint>
#include <random>

#include "engine/core/time.h"

namespace sigex {

class Backoff {
 public:
  Backoff(DurationNs initial_ns, DurationNs max_ns, std::uint64_t seed)
      : initial_ns_(initial_ns), max_ns_(max_ns), random_(seed) {}

  DurationNs next() {
    DurationNs ceiling = initial_ns_;
    for (int i = 0; i < attempt_ && ceiling < max_ns_; ++i) ceiling *= 2;
    if (ceiling > max_ns_) ceiling = max_ns_;
    ++attempt_;
    std::uniform_int_distribution<DurationNs> delay(initial_ns_ / 2, ceiling);
    return delay(random_);
  }
  void reset() { attempt_ = 0; }
  int attempts() const { return attempt_; }

 private:
  DurationNs initial_ns_;
  DurationNs max_ns_;
  int attempt_ = 0;
  std::mt19937_64 random_;
};

}  // namespace sigex
