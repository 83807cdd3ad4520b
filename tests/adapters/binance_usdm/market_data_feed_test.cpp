// The USD-M feed against two loopback feed simulators, one per route (/public: bookTicker and
// depth with REST snapshots from /fapi/v1/depth; /market: aggTrade and markPrice), feeding the
// real engine: every kind of record arrives, the book syncs by USD-M's continuity rule (each
// diff's `pu` is the previous `u`), and a lost depth update makes the book resync on its own.
// Waiting is on conditions with a failure deadline, never on sleeps.

#include "adapters/binance_usdm/market_data_feed.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "engine/core/live_clock.h"
#include "engine/runtime/engine.h"
#include "engine/sim/simulated_venue.h"
#include "support/test_support.h"
#include "tools/feed_simulator/feed_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// A recording of the four BTCUSDT perpetual streams: a depth snapshot, then diffs chained by
// pu, book tickers, aggregated trades and mark prices, interleaved.
std::string write_recording(const std::filesystem::path& directory) {
  std::string path = (directory / "btcusdt_usdm.txt").string();
  std::ofstream out(path);
  std::int64_t time_ns = 1'723'161'255'000'000'000;
  std::int64_t u = 1000;
  out << time_ns
      << R"( {"lastUpdateId":1000,"E":1723161255000,"T":1723161255000,"bids":[["60000.00","1.000"],["59999.90","2.000"]],"asks":[["60000.10","1.000"],["60000.20","2.000"]]})"
      << "\n";
  for (int i = 0; i < 4000; ++i) {
    time_ns += 1'000'000;
    const std::int64_t ms = time_ns / 1'000'000;
    switch (i % 4) {
      case 0: {
        const std::int64_t first = u + 1, last = u + 3;
        out << time_ns
            << fmt::format(
                   R"( {{"stream":"btcusdt@depth@100ms","data":{{"e":"depthUpdate","E":{},"T":{},"s":"BTCUSDT","U":{},"u":{},"pu":{},"b":[["59999.{}0","1.{:03}"]],"a":[["60000.{}0","1.{:03}"]]}}}})",
                   ms, ms, first, last, u, 5 + i % 3, i % 1000, 3 + i % 5, i % 997)
            << "\n";
        u = last;
        break;
      }
      case 1:
        out << time_ns
            << fmt::format(
                   R"( {{"stream":"btcusdt@bookTicker","data":{{"e":"bookTicker","u":{},"s":"BTCUSDT","b":"60000.00","B":"1.000","a":"60000.10","A":"1.000","T":{},"E":{}}}}})",
                   u, ms, ms)
            << "\n";
        break;
      case 2:
        out << time_ns
            << fmt::format(
                   R"( {{"stream":"btcusdt@aggTrade","data":{{"e":"aggTrade","E":{},"s":"BTCUSDT","a":{},"p":"60000.10","q":"0.010","f":{},"l":{},"T":{},"m":false}}}})",
                   ms, 5000 + i, 9000 + i, 9000 + i, ms)
            << "\n";
        break;
      default:
        out << time_ns
            << fmt::format(
                   R"( {{"stream":"btcusdt@markPrice@1s","data":{{"e":"markPriceUpdate","E":{},"s":"BTCUSDT","p":"60000.05000000","i":"59990.00000000","P":"60001.00000000","r":"0.00010000","T":1723190400000}}}})",
                   ms)
            << "\n";
        break;
    }
  }
  return path;
}

class UsdmFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string recording = write_recording(directory_.path());
    FeedSimulatorOptions options;
    options.inputs = {{recording, "BTCUSDT"}};
    options.frame_interval_us = 200;
    public_ = std::make_unique<FeedSimulator>(options);
    market_ = std::make_unique<FeedSimulator>(options);
    std::string error;
    ASSERT_TRUE(public_->start(error)) << error;
    ASSERT_TRUE(market_->start(error)) << error;

    instruments_.add(btcusdt_perpetual());
    journal_ = Journal::open(directory_.path(), Durability::kNormal, error);
    ASSERT_TRUE(journal_) << error;
    venue_ = std::make_unique<SimulatedVenue>(instruments_, SimulatedVenueConfig{}, money("1000"));
    RiskConfig risk;
    risk.max_quote_age_ns = 5 * kNsPerSecond;
    engine_ =
        std::make_unique<Engine>(instruments_, clock_, *journal_, *venue_, risk, money("1000"));
    queue_ = std::make_unique<EventQueue<InboundEvent>>(65'536, 1);

    UsdmMarketDataConfig config;
    const std::string public_port = std::to_string(public_->port());
    config.feed.ws_url = "ws://127.0.0.1:" + public_port + "/public/stream";
    config.feed.rest_url = "http://127.0.0.1:" + public_port;
    config.market_ws_url = "ws://127.0.0.1:" + std::to_string(market_->port()) + "/market/stream";
    config.feed.stale_after_ns = 3 * kNsPerSecond;  // a stall, not a slow sanitizer build
    config.feed.watchdog_interval_ns = 50 * kNsPerMs;
    config.feed.backoff_initial_ns = 20 * kNsPerMs;
    config.feed.backoff_max_ns = 200 * kNsPerMs;
    config.feed.snapshot_retry_ns = 100 * kNsPerMs;
    config.feed.random_seed = 42;
    feed_ = std::make_unique<UsdmMarketDataFeed>(config, instruments_, *queue_, clock_);
    engine_->set_market_data_control(feed_.get());
    engine_->start();
    ASSERT_TRUE(feed_->start(error)) << error;
  }

  void TearDown() override {
    if (feed_) feed_->stop();
    if (public_) public_->stop();
    if (market_) market_->stop();
  }

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

  TemporaryDirectory directory_;
  std::unique_ptr<FeedSimulator> public_, market_;
  InstrumentRegistry instruments_;
  LiveClock clock_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<SimulatedVenue> venue_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<EventQueue<InboundEvent>> queue_;
  std::unique_ptr<UsdmMarketDataFeed> feed_;
};

TEST_F(UsdmFeedTest, EachRouteCarriesItsStreamsAndEveryKindOfRecordArrives) {
  const auto names = feed_->stream_names();
  EXPECT_EQ(names, (std::vector<std::string>{"btcusdt@bookTicker", "btcusdt@depth@100ms",
                                             "btcusdt@aggTrade", "btcusdt@markPrice@1s"}));
  ASSERT_TRUE(pump_until([&] {
    const EngineCounters& counters = engine_->counters();
    return synced() && counters.quotes > 10 && counters.trades > 10 && counters.mark_prices > 10;
  })) << feed_->summary();
  EXPECT_TRUE(feed_->health().streaming);
  EXPECT_EQ(engine_->book(0).counters().gaps, 0u);
  const FeedMetrics metrics = feed_->metrics();
  EXPECT_EQ(metrics.connects, 2u);  // one connection per route
  EXPECT_EQ(metrics.streams.size(), 4u);
  EXPECT_GE(metrics.snapshots_received, 1u);  // the depth route's snapshot from /fapi/v1/depth
}

TEST_F(UsdmFeedTest, ALostDepthUpdateBreaksThePuChainAndTheBookResyncs) {
  ASSERT_TRUE(pump_until([&] { return synced() && engine_->counters().depth_levels > 20; }));
  const std::uint64_t gaps = engine_->book(0).counters().gaps;
  public_->inject(FeedFault::kSkipDepthUpdate);
  ASSERT_TRUE(pump_until([&] { return engine_->book(0).counters().gaps > gaps; }))
      << feed_->summary();
  ASSERT_TRUE(pump_until([&] { return synced(); }));
  EXPECT_GE(engine_->counters().resync_requests, 1u);
}

}  // namespace
}  // namespace sigex
