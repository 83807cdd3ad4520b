#pragma once

// The Binance spot market data feed: one websocket connection carrying the combined streams
// (<symbol>@bookTicker, @trade or @aggTrade, @depth@100ms) of every configured instrument, and
// REST depth snapshots on request. It owns an I/O thread; frames are parsed there into the
// engine's records and handed to the core through the inbound queue.
//
// Connection life cycle, an explicit state machine on the I/O thread:
//   kConnecting -> kSubscribing -> kStreaming -> (failure, stall, serverShutdown, 24 h) ->
//   kBackingOff -> kConnecting ...      stop() -> kStopped from any state.
// After every subscription the feed tells the core (MarketDataReset) that each instrument's
// book must be rebuilt; the core answers with request_resync(), which fetches a snapshot.
// The watchdog reconnects when any subscribed stream is silent for stale_after, even if the
// socket looks alive. When the queue is full, records are dropped and counted, and the
// instrument is reset (a resync) once the queue has room: the I/O thread never blocks.

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adapters/binance/config.h"
#include "adapters/net/feed_metrics.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/ports/market_data_feed.h"
#include "engine/queue/event_queue.h"

namespace sigex {

class BinanceMarketDataFeed final : public MarketDataFeed {
 public:
  BinanceMarketDataFeed(BinanceMarketDataConfig config, const InstrumentRegistry& instruments,
                        EventQueue<InboundEvent>& queue, const Clock& clock);
  ~BinanceMarketDataFeed() override;

  void set_frame_sink(FrameSink sink) override;  // before start()
  // Validates the endpoints and starts the I/O thread; false with the reason otherwise.
  bool start(std::string& error) override;
  // Stops and joins the I/O thread. Idempotent.
  void stop() override;
  FeedHealth health() const override;
  std::string summary() const override;

  // Any thread, never blocks: fetch a new depth snapshot for the instrument.
  void request_resync(InstrumentId instrument) override;

  // Any thread: a consistent copy of the counters.
  FeedMetrics metrics() const;
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;  // core thread
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;

  // Stream names subscribed, in order (lower-case symbols).
  const std::vector<std::string>& stream_names() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
