#pragma once

// The daemon's Prometheus metrics: what it counts itself (latency histograms, watchdog pings)
// and the text exposition rendered on the core thread from every component's counters, so
// one scrape is one consistent snapshot. Names are prefixed sigex_; see the README's metrics
// table and config/grafana-dashboard.json.

#include <atomic>
#include <cstdint>
#include <string>

#include "engine/exe/app_config.h"
#include "engine/runtime/engine.h"
#include "engine/service/latency_histogram.h"

namespace sigex {

class BinanceMarketDataFeed;
class SignalPoller;
class BinanceExecutionVenue;

struct ServiceMetrics {
  LatencyHistogram market_to_decision;  // market event received -> order decided
  LatencyHistogram signal_to_decision;  // signal or grade received -> order decided
  LatencyHistogram decision_to_wire;    // order decided -> request on the wire (live)
  std::atomic<std::uint64_t> watchdog_pings{0};
  std::uint64_t reconciliation_differences_at_start = 0;
  DurationNs start_to_ready_ns = 0;
  DurationNs feed_wait_ns = 0;  // of which waiting for the market data feed (network)
  std::string listen;  // the endpoint's URL, for `ctl status`
};

// Core thread. `feed`, `poller` and `venue` may be null (not configured / paper mode).
std::string render_metrics(const ServiceMetrics& metrics, const Engine& engine, const AppConfig& config,
                           const BinanceMarketDataFeed* feed, const SignalPoller* poller,
                           const BinanceExecutionVenue* venue, std::size_t queue_depth, bool ready,
                           TimeNs now_ns, TimeNs last_market_event_ns);

}  // namespace sigex
