#pragma once

// How an I/O thread waits (between polls, before a retry). The real waiter wakes early when
// stop() is called; tests inject one that records the requested delays and returns at once,
// so backoff and Retry-After handling are asserted without sleeping.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "engine/core/time.h"

namespace sigex {

class Waiter {
 public:
  virtual ~Waiter() = default;
  // Waits `duration_ns` (<= 0: not at all). False when the wait was ended by a stop request.
  virtual bool wait_for(DurationNs duration_ns) = 0;
  virtual bool stopped() const = 0;
  // Ends a wait in progress early (it returns true): something to do now. Waiters that do not
  // sleep have nothing to end.
  virtual void wake() {}
};

class StoppableWaiter final : public Waiter {
 public:
  bool wait_for(DurationNs duration_ns) override {
    std::unique_lock lock(mutex_);
    if (duration_ns > 0) {
      const std::uint64_t woken = wakes_;
      changed_.wait_for(lock, std::chrono::nanoseconds(duration_ns),
                        [this, woken] { return stop_ || wakes_ != woken; });
    }
    return !stop_;
  }
  void wake() override {
    {
      std::lock_guard lock(mutex_);
      ++wakes_;
    }
    changed_.notify_all();
  }
  bool stopped() const override {
    std::lock_guard lock(mutex_);
    return stop_;
  }
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    changed_.notify_all();
  }
  void reset() {
    std::lock_guard lock(mutex_);
    stop_ = false;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stop_ = false;
  std::uint64_t wakes_ = 0;
};

}  // namespace sigex
