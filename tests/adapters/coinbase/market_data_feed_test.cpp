// Integration tests: the Coinbase feed against the loopback Coinbase simulator, feeding the
// real engine. The book the engine keeps must equal the simulator's; a lost message, a
// skipped heartbeat, a cut frame, a dropped connection, a stall and an unacknowledged
// subscription must each be noticed and repaired by the feed alone. Waiting is on conditions
// (with a generous failure deadline), never on sleeps.

#include "adapters/coinbase/market_data_feed.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include "adapters/coinbase/signer.h"
#include "engine/core/decimal.h"
#include "engine/core/live_clock.h"
#include "engine/runtime/engine.h"
#include "engine/sim/simulated_venue.h"
#include "support/coinbase_keys.h"
#include "support/test_support.h"
#include "tools/coinbase_simulator/market_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

Instrument btc_usd() {
  Instrument instrument;
  instrument.symbol = Symbol::from("BTC-USD");
  instrument.base_asset = AssetCode::from("BTC");
  instrument.quote_asset = AssetCode::from("USD");
  instrument.price_scale = 2;
  instrument.quantity_scale = 8;
  instrument.tick_size = Price{1};
  instrument.step_size = Quantity{1};
  return instrument;
}

class CoinbaseFeedTest : public ::testing::Test {
 protected:
  void start(bool with_key = false, std::vector<std::string> public_keys = {},
             std::int64_t heartbeat_us = 100'000) {
    CoinbaseMarketSimulatorOptions options;
    options.update_interval_us = 200;
    options.heartbeat_interval_us = heartbeat_us;
    options.public_keys = std::move(public_keys);
    simulator_ = std::make_unique<CoinbaseMarketSimulator>(options);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;

    instruments_.add(btc_usd());
    std::string journal_error;
    journal_ = Journal::open(directory_.path(), Durability::kNormal, journal_error);
    ASSERT_TRUE(journal_) << journal_error;
    venue_ = std::make_unique<SimulatedVenue>(instruments_, SimulatedVenueConfig{}, money("1000"));
    RiskConfig risk;
    risk.max_quote_age_ns = 5 * kNsPerSecond;
    engine_ =
        std::make_unique<Engine>(instruments_, clock_, *journal_, *venue_, risk, money("1000"));
    queue_ = std::make_unique<EventQueue<InboundEvent>>(65'536, 1);

    CoinbaseMarketDataConfig config;
    config.ws_url = simulator_->url();
    // Heartbeats come every 100 ms: 3 s of silence is a stall, not a slow sanitizer build.
    config.stale_after_ns = 3 * kNsPerSecond;
    config.level2_stale_after_ns = 3 * kNsPerSecond;
    config.subscribe_timeout_ns = 300 * kNsPerMs;
    config.connect_timeout_ns = 500 * kNsPerMs;
    config.handshake_timeout_ns = 500 * kNsPerMs;
    config.watchdog_interval_ns = 50 * kNsPerMs;
    config.backoff_initial_ns = 20 * kNsPerMs;
    config.backoff_max_ns = 200 * kNsPerMs;
    config.random_seed = 42;
    config.key_name = SecretSource{"", "", "", "Coinbase API key name"};
    config.private_key = SecretSource{"", "", "", "Coinbase API private key"};
    if (with_key) {
      config.key_name.file = write_key("key-name", kCdpKeyName);
      config.private_key.file = write_key("private-key", kCdpEd25519Secret);
    }
    feed_ = std::make_unique<CoinbaseMarketDataFeed>(config, instruments_, *queue_, clock_);
    engine_->set_market_data_control(feed_.get());
    engine_->start();
    ASSERT_TRUE(feed_->start(error)) << error;
  }

  std::string write_key(const char* name, const char* text) {
    const auto path = directory_.path() / name;
    std::ofstream(path) << text << "\n";
    ::chmod(path.c_str(), 0600);
    return path.string();
  }

  void TearDown() override {
    if (feed_) feed_->stop();
    if (simulator_) simulator_->stop();
  }

  // Drains the queue into the engine until `done` holds. The deadline only turns a hang into a
  // failure; no assertion depends on how long anything took.
  bool pump_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::vector<InboundEvent> batch(1024);
    while (std::chrono::steady_clock::now() < deadline) {
      const std::size_t count = queue_->drain(batch.data(), batch.size());
      for (std::size_t i = 0; i < count; ++i) engine_->process(batch[i]);
      if (done()) return true;
      if (count == 0) std::this_thread::yield();
    }
    return false;
  }

  bool synced() const { return engine_->book(0).status() == BookStatus::kSynced; }
  const BookCounters& book_counters() const { return engine_->book(0).counters(); }

  // Stops the market, drains what was sent, and compares the engine's book with the
  // simulator's, level by level.
  void expect_same_book() {
    simulator_->stall(true);
    // Everything the simulator sent has arrived and the queue is empty: the engine has seen
    // every update the simulator's book holds.
    ASSERT_TRUE(pump_until([&] {
      return feed_->frames_received() == simulator_->messages_sent() &&
             queue_->approximate_size() == 0 && synced();
    }));
    ASSERT_TRUE(synced()) << "gaps " << book_counters().gaps << " out_of_order "
                          << book_counters().out_of_order << " snapshots "
                          << book_counters().snapshots << " too_old "
                          << book_counters().snapshots_too_old << " resyncs "
                          << book_counters().resyncs_requested << " frames "
                          << feed_->frames_received() << " sent " << simulator_->messages_sent();
    const OrderBook& book = engine_->book(0).book();
    for (const bool bids : {true, false}) {
      const auto expected = simulator_->book("BTC-USD", bids);
      const Side side = bids ? Side::kBuy : Side::kSell;
      ASSERT_EQ(book.depth(side), expected.size());
      std::size_t index = 0;
      auto check = [&](const auto& level) {
        EXPECT_EQ(book.level(side, index).price.raw, *parse_decimal(level.first, 2));
        EXPECT_EQ(book.level(side, index).quantity.raw, *parse_decimal(level.second, 8));
        ++index;
      };
      if (bids) {
        for (auto it = expected.rbegin(); it != expected.rend(); ++it) check(*it);
      } else {
        for (const auto& level : expected) check(level);
      }
    }
    simulator_->stall(false);
  }

  TemporaryDirectory directory_;
  LiveClock clock_;
  InstrumentRegistry instruments_;
  std::unique_ptr<CoinbaseMarketSimulator> simulator_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<SimulatedVenue> venue_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<EventQueue<InboundEvent>> queue_;
  std::unique_ptr<CoinbaseMarketDataFeed> feed_;
};

TEST_F(CoinbaseFeedTest, SubscribesOneChannelPerMessageAndKeepsTheVenuesBook) {
  start();
  ASSERT_TRUE(pump_until([&] {
    const FeedMetrics metrics = feed_->metrics();
    return synced() && book_counters().messages_applied > 200 &&
           std::all_of(metrics.streams.begin(), metrics.streams.end(),
                       [](const StreamMetrics& stream) { return stream.messages > 0; });
  }));
  EXPECT_GE(simulator_->subscribes(), 4u);  // heartbeats, level2, ticker, market_trades
  const FeedMetrics metrics = feed_->metrics();
  EXPECT_EQ(metrics.state, FeedState::kStreaming);
  ASSERT_EQ(metrics.streams.size(), 4u);
  for (const auto& stream : metrics.streams) {
    EXPECT_GT(stream.messages, 0u) << stream.name;
    EXPECT_EQ(stream.parse_errors, 0u) << stream.name;
  }
  EXPECT_TRUE(engine_->is_tradeable(0));
  EXPECT_GT(engine_->counters().trades, 0u);
  expect_same_book();
}

TEST_F(CoinbaseFeedTest, ALostMessageIsAGapAndTheBookIsResubscribed) {
  start();
  ASSERT_TRUE(pump_until([&] { return synced() && book_counters().messages_applied > 50; }));
  const std::uint64_t connects = feed_->metrics().connects;
  simulator_->inject(CoinbaseFeedFault::kSkipMessage);
  ASSERT_TRUE(pump_until([&] { return feed_->sequence_gaps() > 0; }));
  ASSERT_TRUE(pump_until([&] { return feed_->resubscriptions() > 0 && synced(); }));
  EXPECT_GE(simulator_->unsubscribes(), 1u);
  EXPECT_GE(simulator_->snapshots_sent(), 2u);
  EXPECT_EQ(feed_->metrics().connects, connects);  // repaired on the same connection
  expect_same_book();
}

TEST_F(CoinbaseFeedTest, ASkippedHeartbeatIsAGapToo) {
  start();
  // A heartbeat has arrived: the next one skipped shows in the counter.
  ASSERT_TRUE(pump_until([&] { return synced() && feed_->metrics().streams[0].messages > 0; }));
  simulator_->inject(CoinbaseFeedFault::kSkipHeartbeat);
  ASSERT_TRUE(pump_until([&] { return feed_->sequence_gaps() > 0; }));
  ASSERT_TRUE(pump_until([&] { return feed_->resubscriptions() > 0 && synced(); }));
  expect_same_book();
}

TEST_F(CoinbaseFeedTest, ACutFrameBreaksTheBookAndItIsRebuilt) {
  start();
  ASSERT_TRUE(pump_until([&] { return synced(); }));
  simulator_->inject(CoinbaseFeedFault::kMalformedFrame);
  ASSERT_TRUE(pump_until([&] {
    std::uint64_t errors = 0;
    for (const auto& stream : feed_->metrics().streams) errors += stream.parse_errors;
    return errors > 0;
  }));
  // The cut message's sequence_num never arrives: the next message shows the gap.
  ASSERT_TRUE(pump_until(
      [&] { return feed_->sequence_gaps() > 0 && feed_->resubscriptions() > 0 && synced(); }));
  expect_same_book();
}

TEST_F(CoinbaseFeedTest, ADroppedConnectionReconnectsAndResubscribes) {
  start();
  ASSERT_TRUE(pump_until([&] { return synced(); }));
  simulator_->inject(CoinbaseFeedFault::kDropConnection);
  ASSERT_TRUE(pump_until([&] {
    return feed_->metrics().connects >= 2 && simulator_->subscribes() >= 8 &&
           book_counters().snapshots >= 2 && synced();
  }));
  EXPECT_GE(simulator_->subscribes(), 8u);
  EXPECT_GE(book_counters().snapshots, 2u);
}

TEST_F(CoinbaseFeedTest, SilentHeartbeatsAndAnUnacknowledgedSubscribeReconnect) {
  start();
  ASSERT_TRUE(pump_until([&] { return synced(); }));
  const std::uint64_t resets = engine_->counters().feed_resets;
  simulator_->stall(true);  // the socket stays open; nothing arrives
  // The silence is noticed and the book is reset at once (untradeable until a new snapshot).
  ASSERT_TRUE(pump_until([&] {
    return feed_->metrics().stale_reconnects > 0 && engine_->counters().feed_resets > resets;
  }));
  simulator_->inject(CoinbaseFeedFault::kIgnoreSubscribe);
  simulator_->stall(false);
  ASSERT_TRUE(pump_until([&] { return simulator_->faults_pending() == 0; }));
  ASSERT_TRUE(
      pump_until([&] { return feed_->metrics().state == FeedState::kStreaming && synced(); }));
  EXPECT_GE(feed_->metrics().connects, 3u);
}

TEST_F(CoinbaseFeedTest, EverySubscribeCarriesAFreshJwtTheVenueVerifies) {
  std::string error;
  auto signer = CoinbaseSigner::make(Secret(std::string(kCdpKeyName)),
                                     Secret(std::string(kCdpEd25519Secret)), error);
  ASSERT_NE(signer, nullptr) << error;
  start(/*with_key=*/true, {signer->public_key_pem()});
  ASSERT_TRUE(pump_until([&] { return synced() && simulator_->subscribes() >= 4; }));
  EXPECT_EQ(simulator_->jwt_refusals(), 0u);
  EXPECT_EQ(simulator_->signed_subscribes(), simulator_->subscribes());
  EXPECT_GE(simulator_->subscribes(), 4u);
}

TEST_F(CoinbaseFeedTest, AKeyTheVenueRefusesIsDroppedAndMarketDataGoesOnWithoutAJwt) {
  // The venue knows another key (ours was revoked): the signed subscriptions are refused, and
  // the feed subscribes again without a JWT, which the public channels accept.
  static constexpr const char* kOtherPem =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
      "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
      "-----END PUBLIC KEY-----\n";
  start(/*with_key=*/true, {kOtherPem});
  ASSERT_TRUE(
      pump_until([&] { return synced() && feed_->metrics().state == FeedState::kStreaming; }));
  EXPECT_GE(simulator_->jwt_refusals(), 1u);
  EXPECT_EQ(simulator_->signed_subscribes(), 0u);
  EXPECT_GE(simulator_->subscribes(), 4u);
}

}  // namespace
}  // namespace sigex
