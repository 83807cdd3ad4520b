#pragma once

// What a component running inside the daemon (a market data feed, the signal poller, a live
// venue) shows the operator: its own Prometheus families and its part of `sigex ctl status`.
// The daemon asks on the core thread; a component reads its own counters (atomics or a
// snapshot under its lock) and never blocks. Adding a venue or a feed adds an implementation,
// not a parameter to the daemon's metrics.

#include <cstdint>

#include "engine/core/time.h"
#include "engine/metrics/exposition.h"
#include "engine/status/daemon_status.h"

namespace sigex {

class ReportingComponent {
 public:
  virtual ~ReportingComponent() = default;
  virtual void write_metrics(MetricsExposition& out, TimeNs now_ns) const = 0;
  virtual void write_status(DaemonStatus& status, TimeNs now_ns) const = 0;
  // Conditions an operator must see that the component counted itself (sigex_alerts_total).
  virtual std::uint64_t alerts() const { return 0; }
};

}  // namespace sigex
