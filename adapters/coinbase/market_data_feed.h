#pragma once

// The Coinbase Advanced Trade market data feed: one websocket connection to
// advanced-trade-ws.coinbase.com carrying the heartbeats, level2, ticker and market_trades
// channels of every configured product (exchange-apis.md §3.4). One channel per subscribe
// message, each with a fresh JWT when a CDP key is configured, sent within Coinbase's 5 s.
// It owns an I/O thread; frames are parsed there (CoinbaseParser) into the engine's records and
// handed to the core through the inbound queue.
//
// Life cycle on the I/O thread: kConnecting -> kSubscribing (until every channel is
// acknowledged) -> kStreaming -> (failure, stale heartbeats or level2, unacknowledged
// subscribe) -> kBackingOff -> kConnecting ...; stop() -> kStopped from any state.
// After every subscription the core is told (MarketDataReset) that each book must be rebuilt;
// the level2 snapshot that follows the subscription rebuilds it. A gap in the connection's
// sequence_num or heartbeat_counter resets the books (the parser's records) and the core's
// request_resync() resubscribes that product's level2 (unsubscribe, subscribe) for a fresh
// snapshot. When the queue is full, records are dropped and counted, and the instrument is
// reset once the queue has room: the I/O thread never blocks.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/coinbase/config.h"
#include "adapters/coinbase/signer.h"
#include "adapters/net/feed_metrics.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/ports/market_data_feed.h"
#include "engine/queue/event_queue.h"

namespace sigex {

// The CDP key that signs subscriptions, from the config's sources: nullopt with an empty
// `error` when none is configured (subscriptions go without a JWT), with `error` when one is
// configured but unusable (the sources are named, never the key).
std::optional<std::shared_ptr<const CoinbaseSigner>> load_subscription_key(
    const CoinbaseMarketDataConfig& config, std::string& error);

class CoinbaseMarketDataFeed final : public MarketDataFeed {
 public:
  CoinbaseMarketDataFeed(CoinbaseMarketDataConfig config, const InstrumentRegistry& instruments,
                         EventQueue<InboundEvent>& queue, const Clock& clock);
  ~CoinbaseMarketDataFeed() override;

  void set_frame_sink(FrameSink sink) override;  // before start()
  // Validates the endpoints, loads the key (when configured) and starts the I/O thread; false
  // with the reason otherwise.
  bool start(std::string& error) override;
  void stop() override;
  FeedHealth health() const override;
  std::string summary() const override;
  // Any thread, never blocks: resubscribe the product's level2 for a fresh snapshot.
  void request_resync(InstrumentId instrument) override;

  FeedMetrics metrics() const;  // any thread
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;
  // Channels subscribed, in order ("heartbeats", "level2", ...).
  const std::vector<std::string>& channels() const;
  std::uint64_t sequence_gaps() const;    // any thread
  std::uint64_t resubscriptions() const;  // level2 resubscriptions for a fresh snapshot
  std::uint64_t frames_received() const;  // every message, on every connection

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
