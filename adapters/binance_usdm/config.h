#pragma once

// Configuration of the Binance USD-M perpetuals adapter ([execution] with
// venue = "binance_usdm", and [market_data.binance_usdm]). The REST client, polling, order
// waits and history are the spot venue's (BinanceExecutionConfig with market = kUsdm and the
// fapi defaults); what is USD-M's own is here.

#include <string>

#include "adapters/binance/config.h"

namespace sigex {

struct UsdmExecutionConfig {
  BinanceExecutionConfig binance = [] {
    BinanceExecutionConfig config;
    config.rest.market = BinanceMarket::kUsdm;
    config.rest.rest_url = "https://fapi.binance.com";
    config.rest.weight_per_minute = 2400;  // replaced by exchangeInfo's REQUEST_WEIGHT
    config.rest.orders_per_10s = 300;
    config.rest.orders_per_day = 0;  // USD-M counts orders per 10 s and per minute only
    config.ws_api_url.clear();       // the spot WebSocket API is not used
    return config;
  }();
  // The private route of the user data stream; the listenKey is appended. "" = none (orders
  // are polled only).
  std::string user_stream_url = "wss://fstream.binance.com/private/ws";
  DurationNs listen_key_keepalive_ns = 30 * kNsPerMinute;  // the key lives 60 minutes
  // Funding payments are read from GET /fapi/v1/income this often, and at once when the
  // stream announces one (ACCOUNT_UPDATE with reason FUNDING_FEE).
  DurationNs funding_poll_interval_ns = 5 * kNsPerMinute;
  // Positions are compared with what the venue's fills explain this often (positionRisk).
  DurationNs position_check_interval_ns = 60 * kNsPerSecond;
};

}  // namespace sigex
