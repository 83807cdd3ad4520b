#pragma once

// Configuration of the Coinbase Advanced Trade adapter: the market data feed
// ([market_data.coinbase]). Only what the adapter itself needs; where keys come from is the
// composition root's (the feed is handed key sources and loads them at start()).

#include <cstdint>
#include <string>

#include "adapters/net/timeouts.h"
#include "engine/core/secret.h"
#include "engine/core/time.h"

namespace sigex {

struct CoinbaseMarketDataConfig {
  std::string ws_url = "wss://advanced-trade-ws.coinbase.com";
  std::string rest_url = "https://api.coinbase.com";  // products (public market endpoints)
  std::string tls_ca_file;  // extra trusted CA (PEM); empty: the system store only
  bool level2 = true;
  bool ticker = true;
  bool market_trades = true;
  // A CDP key signs a fresh JWT into every subscribe when both are found (recommended by
  // Coinbase for reliability; market data channels work without). Neither found: no JWT.
  SecretSource key_name{"coinbase_api_key", "", "SIGEX_COINBASE_API_KEY", "Coinbase API key name"};
  SecretSource private_key{"coinbase_api_secret", "", "SIGEX_COINBASE_API_SECRET",
                           "Coinbase API private key"};
  DurationNs connect_timeout_ns = 10 * kNsPerSecond;
  DurationNs handshake_timeout_ns = 10 * kNsPerSecond;
  DurationNs idle_timeout_ns = 30 * kNsPerSecond;  // websocket ping probe, then close
  // Heartbeats arrive every second: none for this long means the connection is dead.
  DurationNs stale_after_ns = 5 * kNsPerSecond;
  // A level2 channel silent this long (Coinbase closes idle channels after 60-90 s): reconnect.
  DurationNs level2_stale_after_ns = 60 * kNsPerSecond;
  DurationNs subscribe_timeout_ns = 5 * kNsPerSecond;  // no acknowledgement: reconnect
  DurationNs watchdog_interval_ns = kNsPerSecond;
  DurationNs backoff_initial_ns = 500 * kNsPerMs;
  DurationNs backoff_max_ns = 30 * kNsPerSecond;
  DurationNs products_timeout_ns = 10 * kNsPerSecond;
  std::uint64_t random_seed = 0;  // jitter seed; 0 = from std::random_device
};

}  // namespace sigex
