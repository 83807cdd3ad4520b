#include "adapters/binance_usdm/market_data_feed.h"

#include <algorithm>

namespace sigex {
namespace {

BinanceMarketDataConfig public_route(const UsdmMarketDataConfig& config) {
  BinanceMarketDataConfig route = config.feed;
  route.trade_stream = "none";
  route.mark_price = false;
  return route;
}

BinanceMarketDataConfig market_route(const UsdmMarketDataConfig& config) {
  BinanceMarketDataConfig route = config.feed;
  route.ws_url = config.market_ws_url;
  route.book_ticker = false;
  route.depth = false;
  return route;
}

}  // namespace

UsdmMarketDataFeed::UsdmMarketDataFeed(const UsdmMarketDataConfig& config,
                                       const InstrumentRegistry& instruments,
                                       EventQueue<InboundEvent>& queue, const Clock& clock)
    : public_route_(std::make_unique<BinanceMarketDataFeed>(public_route(config), instruments,
                                                            queue, clock)) {
  if (config.feed.trade_stream != "none" || config.feed.mark_price) {
    market_route_ =
        std::make_unique<BinanceMarketDataFeed>(market_route(config), instruments, queue, clock);
  }
}

UsdmMarketDataFeed::~UsdmMarketDataFeed() { stop(); }

void UsdmMarketDataFeed::set_frame_sink(FrameSink sink) {
  sink_ = std::move(sink);
  if (!sink_) return;
  const auto shared = [this](TimeNs receive_time_ns, std::string_view frame) {
    std::lock_guard lock(sink_mutex_);
    sink_(receive_time_ns, frame);
  };
  public_route_->set_frame_sink(shared);
  if (market_route_) market_route_->set_frame_sink(shared);
}

bool UsdmMarketDataFeed::start(std::string& error) {
  if (!public_route_->start(error)) return false;
  if (market_route_ && !market_route_->start(error)) {
    public_route_->stop();
    return false;
  }
  return true;
}

void UsdmMarketDataFeed::stop() {
  if (market_route_) market_route_->stop();
  public_route_->stop();
}

FeedMetrics UsdmMarketDataFeed::metrics() const {
  FeedMetrics merged = public_route_->metrics();
  if (!market_route_) return merged;
  const FeedMetrics other = market_route_->metrics();
  // Streaming only when both routes are; otherwise the route that is not says where it is.
  if (merged.state == FeedState::kStreaming) merged.state = other.state;
  merged.connects += other.connects;
  merged.reconnects += other.reconnects;
  merged.stale_reconnects += other.stale_reconnects;
  merged.server_shutdowns += other.server_shutdowns;
  merged.scheduled_reconnects += other.scheduled_reconnects;
  merged.unknown_frames += other.unknown_frames;
  merged.streams.insert(merged.streams.end(), other.streams.begin(), other.streams.end());
  return merged;
}

FeedHealth UsdmMarketDataFeed::health() const { return feed_health(metrics()); }

std::string UsdmMarketDataFeed::summary() const { return feed_summary(metrics()); }

void UsdmMarketDataFeed::request_resync(InstrumentId instrument) {
  public_route_->request_resync(instrument);  // depth lives on the public route
}

void UsdmMarketDataFeed::write_metrics(MetricsExposition& out, TimeNs) const {
  write_feed_metrics(out, metrics());
}

void UsdmMarketDataFeed::write_status(DaemonStatus& status, TimeNs) const {
  write_feed_status(status, metrics());
}

std::vector<std::string> UsdmMarketDataFeed::stream_names() const {
  std::vector<std::string> names = public_route_->stream_names();
  if (market_route_) {
    const auto& more = market_route_->stream_names();
    names.insert(names.end(), more.begin(), more.end());
  }
  return names;
}

}  // namespace sigex
