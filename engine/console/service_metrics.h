#pragma once

// The daemon's Prometheus metrics: what it counts itself (latency histograms, watchdog pings)
// and the text exposition rendered on the core thread from every component's counters, so
// one scrape is one consistent snapshot. Names are prefixed sigex_; see the README's metrics
// table and config/grafana-dashboard.json.

#include <atomic>
#include <cstdint>
#include <string>

#include <string_view>
#include <vector>

#include "engine/metrics/latency_histogram.h"
#include "engine/portfolio/balance_check.h"
#include "engine/ports/reporting_component.h"
#include "engine/queue/hand_over_poll.h"
#include "engine/runtime/engine.h"

namespace sigex {

struct ServiceMetrics {
  LatencyHistogram market_to_decision;  // market event received -> order decided
  LatencyHistogram signal_to_decision;  // signal or grade received -> order decided
  LatencyHistogram decision_to_wire;    // order decided -> request on the wire (live)
  std::atomic<std::uint64_t> watchdog_pings{0};
  std::uint64_t reconciliation_differences_at_start = 0;
  std::uint64_t balance_differences =
      0;  // account balances unlike the journal's positions, at start
  DurationNs start_to_ready_ns = 0;
  DurationNs feed_wait_ns = 0;  // of which waiting for the market data feed (network)
  std::string listen;           // the endpoint's URL, for `ctl status`
};

// The components that contribute families of their own, in the order they are rendered; any
// may be null (not configured, or paper mode without a live venue).
struct MetricsComponents {
  const ReportingComponent* market_data = nullptr;
  const ReportingComponent* signals = nullptr;
  const ReportingComponent* venue = nullptr;
  const ReportingComponent* webhook = nullptr;  // pushed signals
  const ReportingComponent* events = nullptr;   // [service] publish_events
  // Where market data comes from and where orders go ("binance", "coinbase", "simulated"):
  // sigex_venue_info{role,venue}. Empty: not reported.
  std::string_view market_data_venue;
  std::string_view order_venue;
  // The journal's writer: sigex_hand_overs_total{thread="journal"}. Null: not reported.
  const HandOverPoll* journal_hand_overs = nullptr;
  std::uint64_t alerts() const {
    std::uint64_t total = 0;
    for (const ReportingComponent* component : {market_data, signals, venue, webhook, events})
      total += component ? component->alerts() : 0;
    return total;
  }
};

// sigex_info{mode} and sigex_venue_info{role,venue}: what this process is (every sigex process
// that serves metrics: the daemon, the relay).
void write_identity_metrics(MetricsExposition& out, std::string_view mode,
                            const MetricsComponents& components);

// Core thread. `mode`: "live" or "paper".
std::string render_metrics(const ServiceMetrics& metrics, const Engine& engine,
                           std::string_view mode, const MetricsComponents& components,
                           std::size_t queue_depth, bool ready, TimeNs now_ns,
                           TimeNs last_market_event_ns);

}  // namespace sigex
