#pragma once

// A latency histogram for the metrics endpoint: fixed bucket bounds from 1 µs to 10 s, one
// relaxed atomic add per observation, safe from any thread (the core records decisions, the
// venue's I/O thread records orders reaching the wire). Never allocates after construction.

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/time.h"

namespace sigex {

class LatencyHistogram {
 public:
  // Upper bounds in ns (Prometheus "le"); an observation above the last lands in +Inf.
  static constexpr std::array<DurationNs, 16> kBoundsNs = {
      1'000,       2'000,       5'000,         10'000,        20'000,    50'000,
      100'000,     250'000,     500'000,       1'000'000,     5'000'000, 25'000'000,
      100'000'000, 500'000'000, 2'000'000'000, 10'000'000'000};

  void record(DurationNs latency_ns) {
    if (latency_ns < 0) latency_ns = 0;  // clocks of two threads; never a negative bucket
    std::size_t bucket = 0;
    while (bucket < kBoundsNs.size() && latency_ns > kBoundsNs[bucket]) ++bucket;
    counts_[bucket].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(latency_ns), std::memory_order_relaxed);
  }

  std::uint64_t count() const {
    std::uint64_t total = 0;
    for (const auto& count : counts_) total += count.load(std::memory_order_relaxed);
    return total;
  }
  // Observations at or below bound `index` (cumulative, as Prometheus wants them).
  std::uint64_t cumulative(std::size_t index) const {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i <= index && i < counts_.size(); ++i)
      total += counts_[i].load(std::memory_order_relaxed);
    return total;
  }
  double sum_seconds() const {
    return static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  }

 private:
  std::array<std::atomic<std::uint64_t>, kBoundsNs.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace sigex
