#pragma once

// [service] warm_order_path_us on a live venue's I/O thread. While no order is sent, the
// request of the venue's last order is built and signed again every interval, into scratch,
// and never sent: the next real order's request building and signing then find their code
// and the key's state in the CPU's caches instead of memory (bench/RESULTS.md, "An order
// after a quiet spell"). Nothing leaves the process and no venue state changes; the core
// thread's half is Engine::rehearse_order_path.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <optional>

#include "engine/core/time.h"
#include "engine/events/events.h"
#include "engine/metrics/exposition.h"

namespace sigex {

class SigningRehearsal {
 public:
  // Any thread; from the I/O thread's next order on. 0: never.
  void set_interval(DurationNs every_ns) { every_ns_.store(every_ns, std::memory_order_relaxed); }

  // I/O thread: an order's request went out (or was about to); it is the one rehearsed, the
  // first rehearsal an interval from now.
  void order_sent(const OrderCommand& command, TimeNs now_ns) {
    const DurationNs every_ns = every_ns_.load(std::memory_order_relaxed);
    if (every_ns <= 0) return;
    last_ = command;
    next_ns_ = now_ns + every_ns;
  }

  // I/O thread: `wake_ns`, or the next rehearsal's time if that comes first.
  TimeNs wake_by(TimeNs wake_ns) const { return last_ ? std::min(wake_ns, next_ns_) : wake_ns; }

  // I/O thread: when one is due, calls `build_and_sign` with the last order's command (it
  // writes the request into scratch and signs it, and sends nothing).
  template <typename BuildAndSign>
  void run_if_due(TimeNs now_ns, BuildAndSign&& build_and_sign) {
    if (!last_ || now_ns < next_ns_) return;
    build_and_sign(*last_);
    next_ns_ = now_ns + every_ns_.load(std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
  }

  // Any thread.
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  void write_metrics(MetricsExposition& out) const {
    out.single("sigex_venue_signing_rehearsals_total", "counter",
               "The last order's request built and signed again while idle, never sent "
               "([service] warm_order_path_us).",
               static_cast<double>(count()));
  }

 private:
  std::atomic<DurationNs> every_ns_{0};
  std::optional<OrderCommand> last_;
  TimeNs next_ns_ = 0;
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace sigex
