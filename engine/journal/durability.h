#pragma once

// How far the journal is durable, for a thread that must not act before it is: a venue's I/O
// thread signs a new order at once but holds it until the intent it carries is committed, so
// the write-ahead rule holds while the core thread's commit and the signing overlap.
// Intents are numbered 1, 2, ... in the order they are written; the journal publishes the
// highest committed number after each commit.

#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "engine/core/time.h"

namespace sigex {

class DurabilityWatermark {
 public:
  enum class Wait : std::uint8_t { kDurable, kFailed, kTimedOut };

  // Any thread. Waits at most `timeout_ns` for intent `sequence` to be durable.
  Wait wait_for(std::uint64_t sequence, DurationNs timeout_ns) const {
    std::unique_lock lock(mutex_);
    const bool done = changed_.wait_for(lock, std::chrono::nanoseconds(timeout_ns),
                                        [&] { return durable_ >= sequence || failed_; });
    if (durable_ >= sequence) return Wait::kDurable;
    return done ? Wait::kFailed : Wait::kTimedOut;
  }

  // The journal's thread.
  void publish(std::uint64_t sequence) {
    {
      std::lock_guard lock(mutex_);
      if (sequence <= durable_) return;
      durable_ = sequence;
    }
    changed_.notify_all();
  }
  // A commit failed: what was not durable never will be.
  void fail() {
    {
      std::lock_guard lock(mutex_);
      failed_ = true;
    }
    changed_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::uint64_t durable_ = 0;
  bool failed_ = false;
};

}  // namespace sigex
