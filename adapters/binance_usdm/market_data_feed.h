#pragma once

// Binance USD-M market data (../shared/reference/binance-usdm-futures.md §1, §8): since
// 2026-04-23 the futures streams are split by route, and a stream subscribed on the wrong
// route fails silently. So the feed holds one Binance feed per route:
//  * /public: <s>@bookTicker and <s>@depth@<speed> with REST snapshots from /fapi/v1/depth
//    (the depth continuity rule is USD-M's: each diff's `pu` equals the previous `u`);
//  * /market: <s>@aggTrade and <s>@markPrice@1s (mark price, index, next funding).
// Both put records on the same queue; the core sees one feed: it is streaming when both
// routes are, resyncs go to the depth route, and the metrics are the routes' merged.

#include <memory>
#include <mutex>

#include "adapters/binance/market_data_feed.h"

namespace sigex {

struct UsdmMarketDataConfig {
  // The /public route's feed (bookTicker, depth, snapshots); its timeouts, backoff and
  // staleness apply to both routes.
  BinanceMarketDataConfig feed = [] {
    BinanceMarketDataConfig config;
    config.market = BinanceMarket::kUsdm;
    config.ws_url = "wss://fstream.binance.com/public/stream";
    config.rest_url = "https://fapi.binance.com";
    config.trade_stream = "aggTrade";
    config.mark_price = true;
    return config;
  }();
  std::string market_ws_url = "wss://fstream.binance.com/market/stream";
};

class UsdmMarketDataFeed final : public MarketDataFeed {
 public:
  UsdmMarketDataFeed(const UsdmMarketDataConfig& config, const InstrumentRegistry& instruments,
                     EventQueue<InboundEvent>& queue, const Clock& clock);
  ~UsdmMarketDataFeed() override;

  void set_frame_sink(FrameSink sink) override;
  bool start(std::string& error) override;
  void stop() override;
  FeedHealth health() const override;
  std::string summary() const override;
  void request_resync(InstrumentId instrument) override;
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;

  FeedMetrics metrics() const;  // the routes' counters merged
  // Stream names of both routes, public first.
  std::vector<std::string> stream_names() const;

 private:
  std::unique_ptr<BinanceMarketDataFeed> public_route_;
  std::unique_ptr<BinanceMarketDataFeed> market_route_;  // null when it has no stream
  std::mutex sink_mutex_;  // the two routes' I/O threads share one frame sink
  FrameSink sink_;
};

}  // namespace sigex
