#pragma once

// How a thread that serves the core thread's hand-overs (the journal's writer, a live venue's
// I/O thread) waits for the next one: [service] io_poll_us.
//
// A consumer that sleeps on its queue has to be woken, and the core thread's hand-over then
// makes the wake-up system call (a futex, and an interrupt to the sleeper's CPU). Measured on
// the 2-vCPU VM (bench/RESULTS.md, "Waking a sleeping thread costs the waker's caches"), that
// call leaves the core's own CPU colder: an order 100 us later took 0.3-0.5 us longer from
// market event to signed request than with a consumer that was not asleep. A consumer that
// is polling is not asleep, so the core's hand-over is a few stores and no system call.
//
// After each hand-over it served, the thread keeps polling for `window` before it sleeps
// again. Between tries it yields its CPU (sched_yield), so other I/O threads on that CPU still
// run when they have work. Window 0 (the default): it sleeps at once, as a blocking queue does.
//
// The window is measured with the injected clock. A clock that steps back ends the window (it
// never stretches one).

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <thread>

#include "engine/core/clock.h"
#include "engine/core/time.h"

namespace sigex {

// One cache line of its own: the serving thread writes it on every hand-over, and its owner's
// neighbouring members (a venue's answer buffer, read by the core thread every turn) must not
// share that line.
class alignas(64) HandOverPoll {
 public:
  static constexpr DurationNs kForever = INT64_MAX;

  // Any thread, before or while the serving thread runs. `window_ns` 0: never poll.
  void set(const Clock* clock, DurationNs window_ns) {
    window_ns_.store(window_ns, std::memory_order_relaxed);
    clock_.store(window_ns > 0 ? clock : nullptr, std::memory_order_release);
  }

  // Serving thread: the next hand-over. `take()` tries without blocking (true: it took one);
  // `wait(timeout_ns)` blocks at most that long (true: it took one). While the window after
  // the last hand-over served is open, and for at most `timeout_ns`, this tries `take`; then
  // it waits for what is left of `timeout_ns`. True when a hand-over was taken.
  template <typename Take, typename Wait>
  bool next(Take&& take, Wait&& wait, DurationNs timeout_ns = kForever) {
    const Clock* clock = clock_.load(std::memory_order_acquire);
    if (clock != nullptr) {
      const TimeNs start = clock->now_ns();
      // The previous call took one, which has been served by now: the window starts here.
      if (took_last_) served_at_ns_ = start;
      const DurationNs window = window_ns_.load(std::memory_order_relaxed);
      const TimeNs until = std::min(served_at_ns_ + window, start + std::min(timeout_ns, window));
      TimeNs now = start;
      while (now >= served_at_ns_ && now < until) {
        if (take()) {
          polled_.fetch_add(1, std::memory_order_relaxed);
          return took_last_ = true;
        }
        std::this_thread::yield();
        now = clock->now_ns();
      }
      if (timeout_ns != kForever) {
        timeout_ns = std::max<DurationNs>(timeout_ns - std::max<DurationNs>(now - start, 0), 0);
      }
    }
    took_last_ = wait(timeout_ns);
    if (took_last_) woken_.fetch_add(1, std::memory_order_relaxed);
    return took_last_;
  }

  // Any thread: hand-overs taken while polling, and after waiting (asleep, unless the queue's
  // own short spin found one).
  std::uint64_t polled() const { return polled_.load(std::memory_order_relaxed); }
  std::uint64_t woken() const { return woken_.load(std::memory_order_relaxed); }

 private:
  std::atomic<const Clock*> clock_{nullptr};
  std::atomic<DurationNs> window_ns_{0};
  // Serving thread.
  bool took_last_ = false;
  TimeNs served_at_ns_ = 0;
  std::atomic<std::uint64_t> polled_{0};
  std::atomic<std::uint64_t> woken_{0};
};

}  // namespace sigex
