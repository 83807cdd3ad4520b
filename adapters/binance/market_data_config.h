#pragma once

// Configuration of the Binance spot market data feed ([market_data.binance] in TOML).

#include <cstdint>
#include <string>

#include "engine/core/time.h"

namespace sigex {

struct BinanceMarketDataConfig {
  std::string ws_url = "wss://stream.binance.com:9443/stream";
  std::string rest_url = "https://api.binance.com";
  std::string tls_ca_file;             // extra trusted CA (PEM); empty: the system store only
  bool book_ticker = true;
  std::string trade_stream = "trade";  // "trade", "aggTrade" or "none"
  bool depth = true;
  std::string depth_speed = "100ms";   // "100ms" or "1000ms"
  int snapshot_limit = 1000;           // REST depth snapshot levels (5..5000)
  DurationNs connect_timeout_ns = 10 * kNsPerSecond;
  DurationNs handshake_timeout_ns = 10 * kNsPerSecond;
  DurationNs idle_timeout_ns = 30 * kNsPerSecond;     // websocket ping probe, then close
  DurationNs stale_after_ns = 15 * kNsPerSecond;      // no message on a stream: reconnect
  DurationNs watchdog_interval_ns = kNsPerSecond;
  DurationNs reconnect_after_ns = 23 * kNsPerHour + 30 * kNsPerMinute;  // before Binance's 24 h
  DurationNs backoff_initial_ns = 500 * kNsPerMs;
  DurationNs backoff_max_ns = 30 * kNsPerSecond;
  DurationNs snapshot_timeout_ns = 10 * kNsPerSecond;
  DurationNs snapshot_retry_ns = 2 * kNsPerSecond;
  std::uint64_t random_seed = 0;  // jitter seed; 0 = from std::random_device
};

}  // namespace sigex
