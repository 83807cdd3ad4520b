#pragma once

// `sigex relay`: one process owns the market data connections of every configured venue and
// the Token Metrics polling (one call budget) for a group of engines, and publishes what it
// receives to NATS JetStream ([nats]; adapters/nats/relay_publisher.h has the subjects, the
// wire format and the sequences). Engines subscribe instead of connecting themselves.
//
// Health as the daemon's: READY=1 once NATS is connected and every feed streams, WATCHDOG=1
// only while the loop turns and market data is fresher than [service] max_market_data_age_s,
// STATUS= with what it published.

#include <functional>
#include <optional>

#include "engine/exe/app_config.h"

namespace sigex {

struct RelayOptions {
  std::optional<double> duration_s;  // stop after this long (wall clock)
  std::function<bool()> stop_when;   // tests: stop when this holds
  bool quiet = false;
};

// Exit codes: 0 stopped by SIGINT/SIGTERM (or the duration), 1 could not start.
int run_relay(const AppConfig& config, const RelayOptions& options);

}  // namespace sigex
