#pragma once

// Configuration of the Coinbase Advanced Trade adapter: the market data feed
// ([market_data.coinbase]). Only what the adapter itself needs; where keys come from is the
// composition root's (the feed is handed key sources and loads them at start()).

#include <cstdint>
#include <memory>
#include <string>

#include "adapters/net/timeouts.h"
#include "engine/core/secret.h"
#include "engine/core/time.h"

namespace sigex {

class CoinbaseSigner;

struct CoinbaseMarketDataConfig {
  std::string ws_url = "wss://advanced-trade-ws.coinbase.com";
  std::string rest_url = "https://api.coinbase.com";  // products (public market endpoints)
  std::string tls_ca_file;  // extra trusted CA (PEM); empty: the system store only
  bool level2 = true;
  bool ticker = true;
  bool market_trades = true;
  // A CDP key signs a fresh JWT into every subscribe when both are found (recommended by
  // Coinbase for reliability; market data channels work without). Neither found: no JWT.
  SecretSource key_name{"coinbase-api-key", "", "SIGEX_COINBASE_API_KEY", "Coinbase API key name"};
  SecretSource private_key{"coinbase-api-secret", "", "SIGEX_COINBASE_API_SECRET",
                           "Coinbase API private key"};
  // The key, once read (the daemon reads it before it clears key variables from the
  // environment); null: the feed reads the sources above itself at start().
  std::shared_ptr<const CoinbaseSigner> signer;
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

// [execution] with venue = "coinbase": the signed REST API of Advanced Trade.
struct CoinbaseExecutionConfig {
  std::string rest_url = "https://api.coinbase.com";
  std::string tls_ca_file;
  HttpTimeouts timeouts{5 * kNsPerSecond, 5 * kNsPerSecond, 10 * kNsPerSecond};
  // A create whose answer was lost is sent again with the same client_order_id (Coinbase
  // returns the existing order for a repeated id) this many times before the OMS is told the
  // outcome is unknown and looks it up.
  int create_retries = 3;
  DurationNs create_retry_wait_ns = 200 * kNsPerMs;
  // The user channel (order updates pushed); "" = none, open orders are polled only.
  std::string user_ws_url = "wss://advanced-trade-ws-user.coinbase.com";
  WebSocketTimeouts ws_timeouts;
  DurationNs user_stale_after_ns = 10 * kNsPerSecond;      // heartbeats come every second
  DurationNs poll_interval_ns = 2 * kNsPerSecond;          // open orders, while the channel is down
  DurationNs stream_poll_interval_ns = 30 * kNsPerSecond;  // safety net while it is live
  DurationNs max_order_wait_ns = 60 * kNsPerSecond;        // rate limited: wait, then give up
  // The account's cash-asset balance is read this often (the user channel does not push
  // balances) and handed to the engine, which limits buys to what it holds.
  DurationNs balance_interval_ns = 60 * kNsPerSecond;
  DurationNs history_lookback_ns = 7 * kNsPerDay;
  // Portfolio rate limit used until the x-ratelimit-* headers say otherwise (per second).
  int requests_per_second = 30;
};

}  // namespace sigex
