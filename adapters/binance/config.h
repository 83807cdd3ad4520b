#pragma once

// Configuration of the Binance spot adapter: the market data feed ([market_data.binance]) and
// the execution venue with its REST client ([execution] with venue = "binance"). Only what
// the adapter itself needs: how the OMS resolves unknown outcomes is the engine's
// (ResolutionPolicy), and where the keys come from is the composition root's.

#include <cstdint>
#include <string>

#include "adapters/binance/market.h"
#include "adapters/net/timeouts.h"
#include "engine/core/time.h"

namespace sigex {

struct BinanceMarketDataConfig {
  BinanceMarket market = BinanceMarket::kSpot;  // kUsdm: the USD-M perpetual streams
  std::string ws_url = "wss://stream.binance.com:9443/stream";
  std::string rest_url = "https://api.binance.com";
  std::string tls_ca_file;  // extra trusted CA (PEM); empty: the system store only
  bool book_ticker = true;
  std::string trade_stream = "trade";  // "trade", "aggTrade" or "none"
  bool depth = true;
  std::string depth_speed = "100ms";  // "100ms" or "1000ms" (USD-M: "100ms", "250ms", "500ms")
  bool mark_price = false;            // USD-M: <symbol>@markPrice@1s (mark price and funding)
  int snapshot_limit = 1000;          // REST depth snapshot levels (5..5000)
  DurationNs connect_timeout_ns = 10 * kNsPerSecond;
  DurationNs handshake_timeout_ns = 10 * kNsPerSecond;
  DurationNs idle_timeout_ns = 30 * kNsPerSecond;  // websocket ping probe, then close
  DurationNs stale_after_ns = 15 * kNsPerSecond;   // no message on a stream: reconnect
  DurationNs watchdog_interval_ns = kNsPerSecond;
  DurationNs reconnect_after_ns = 23 * kNsPerHour + 30 * kNsPerMinute;  // before Binance's 24 h
  DurationNs backoff_initial_ns = 500 * kNsPerMs;
  DurationNs backoff_max_ns = 30 * kNsPerSecond;
  DurationNs snapshot_timeout_ns = 10 * kNsPerSecond;
  DurationNs snapshot_retry_ns = 2 * kNsPerSecond;
  std::uint64_t random_seed = 0;  // jitter seed; 0 = from std::random_device
};

struct BinanceRestConfig {
  BinanceMarket market = BinanceMarket::kSpot;  // which API's paths (binance_endpoints)
  std::string rest_url = "https://api.binance.com";
  HttpTimeouts timeouts{5 * kNsPerSecond, 5 * kNsPerSecond, 10 * kNsPerSecond};
  DurationNs recv_window_ns = 5 * kNsPerSecond;
  DurationNs max_clock_skew_ns = 500 * kNsPerMs;
  DurationNs clock_sample_max_age_ns = 10 * kNsPerMinute;
  std::int64_t weight_per_minute = 6000;  // replaced by exchangeInfo's REQUEST_WEIGHT
  std::int64_t orders_per_10s = 50;
  std::int64_t orders_per_day = 160'000;
};

struct BinanceExecutionConfig {
  BinanceRestConfig rest;
  std::string key_type = "hmac";  // how the secret signs: "hmac" or "ed25519" (a PEM key)
  // WebSocket API for the user data stream; empty: none (open orders are polled only).
  std::string ws_api_url = "wss://ws-api.binance.com:443/ws-api/v3";
  WebSocketTimeouts ws_timeouts;
  DurationNs poll_interval_ns = 2 * kNsPerSecond;          // open orders, while the stream is down
  DurationNs stream_poll_interval_ns = 30 * kNsPerSecond;  // safety net while the stream is live
  // The account's cash-asset balance is read this often (and pushed by the user data stream
  // whenever it changes) and handed to the engine, which limits buys to what it holds.
  DurationNs balance_interval_ns = 60 * kNsPerSecond;
  DurationNs clock_check_interval_ns = 5 * kNsPerMinute;
  DurationNs clock_recheck_interval_ns = 5 * kNsPerSecond;  // while orders wait for the clock
  // An order refused here (ban, clock skew guard, request budget) waits, in order, and goes
  // out once when the condition clears; after this long it is given up (journaled rejected,
  // -1, never sent) and the strategy's next order waits its retry backoff.
  DurationNs max_order_wait_ns = 60 * kNsPerSecond;
  DurationNs deferred_retry_interval_ns = 200 * kNsPerMs;
  // Start-up: the account's orders and trades over this period are read (allOrders and
  // myTrades, 24 hours per request) so that orders of sigex's strategies that the journal
  // does not know are found before anything trades (0: not read).
  DurationNs history_lookback_ns = 7 * kNsPerDay;
};

}  // namespace sigex
