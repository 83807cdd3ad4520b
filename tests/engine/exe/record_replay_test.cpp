// `sigex record` against the loopback simulator, then the recording replayed by the backtest's
// reader: the same records, in the same order, with the same receive times.

#include "engine/exe/record_command.h"

#include <gtest/gtest.h>

#include "adapters/recorded/replay_source.h"
#include "engine/core/live_clock.h"
#include "engine/exe/backtest_command.h"
#include "support/test_support.h"
#include "support/tm_support.h"
#include "tools/feed_simulator/feed_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

bool same(const InboundEvent& a, const InboundEvent& b) {
  if (a.kind != b.kind || a.receive_time_ns() != b.receive_time_ns()) return false;
  switch (a.kind) {
    case MarketEventKind::kBestBidOffer: {
      const auto &x = a.best_bid_offer, &y = b.best_bid_offer;
      return x.instrument == y.instrument && x.bid_price == y.bid_price &&
             x.bid_quantity == y.bid_quantity && x.ask_price == y.ask_price &&
             x.ask_quantity == y.ask_quantity && x.update_id == y.update_id;
    }
    case MarketEventKind::kTrade: {
      const auto &x = a.trade, &y = b.trade;
      return x.instrument == y.instrument && x.price == y.price && x.quantity == y.quantity &&
             x.trade_id == y.trade_id && x.venue_time_ns == y.venue_time_ns &&
             x.aggressor == y.aggressor;
    }
    case MarketEventKind::kDepthLevel: {
      const auto &x = a.depth, &y = b.depth;
      return x.instrument == y.instrument && x.side == y.side && x.flags == y.flags &&
             x.price == y.price && x.quantity == y.quantity &&
             x.first_update_id == y.first_update_id && x.last_update_id == y.last_update_id;
    }
    case MarketEventKind::kTradingSignal: {
      const auto &x = a.trading_signal, &y = b.trading_signal;
      return x.instrument == y.instrument && x.signal == y.signal && x.trend == y.trend &&
             x.timeframe == y.timeframe && x.venue_time_ns == y.venue_time_ns;
    }
    case MarketEventKind::kGrade: {
      const auto &x = a.grade, &y = b.grade;
      return x.instrument == y.instrument && x.kind == y.kind && x.hundredths == y.hundredths &&
             x.venue_time_ns == y.venue_time_ns;
    }
    default:
      return false;  // not produced by these feeds
  }
}

TEST(RecordReplay, ARecordedSessionReplaysToTheSameEventsInTheSameOrder) {
  TemporaryDirectory directory;
  const std::string data = std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/";
  FeedSimulatorOptions simulator_options;
  simulator_options.inputs = {{data + "ethusdt_20240808.gz", "ETHUSDT"}};
  FeedSimulator simulator(simulator_options);
  std::string error;
  ASSERT_TRUE(simulator.start(error)) << error;

  ConfigErrors errors;
  const std::string port = std::to_string(simulator.port());
  AppConfig config =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/record-simulator.toml", errors,
                      {"market_data.binance.ws_url=\"ws://127.0.0.1:" + port + "/stream\"",
                       "market_data.binance.rest_url=\"http://127.0.0.1:" + port + "\""});
  ASSERT_TRUE(errors.empty()) << errors.messages().front();

  std::vector<InboundEvent> received;
  RecordOptions options;
  options.out_path = (directory.path() / "session.jsonl.gz").string();
  options.quiet = true;
  options.stop_when = [&] { return simulator.finished(); };
  options.on_event = [&](const InboundEvent& event) {
    if (event.kind != MarketEventKind::kMarketDataReset) received.push_back(event);
  };
  std::FILE* progress = std::tmpfile();
  options.progress = ProgressMode::kAlways;  // --progress always: status lines even into a file
  options.progress_out = progress;
  ASSERT_EQ(run_record(config, options), 0);
  simulator.stop();
  ASSERT_GT(received.size(), 10'000u);
  std::rewind(progress);
  std::string lines;
  for (int c = std::fgetc(progress); c != EOF; c = std::fgetc(progress))
    lines += static_cast<char>(c);
  std::fclose(progress);
  EXPECT_TRUE(lines.starts_with("record: 00:00:00 ")) << lines;  // the first line comes at once
  EXPECT_NE(lines.find(" frames, "), std::string::npos) << lines;

  const InstrumentRegistry instruments = build_registry(config);
  ReplaySource replay(instruments, {{options.out_path}}, 0, INT64_MAX);
  ASSERT_TRUE(replay.open(error)) << error;
  std::vector<InboundEvent> batch;
  std::size_t index = 0;
  std::size_t snapshots = 0;
  while (replay.next(batch)) {
    for (const auto& event : batch) {
      ASSERT_LT(index, received.size());
      ASSERT_TRUE(same(event, received[index])) << "record " << index << " differs";
      if (event.kind == MarketEventKind::kDepthLevel &&
          (event.depth.flags & DepthLevel::kSnapshot)) {
        ++snapshots;
      }
      ++index;
    }
  }
  EXPECT_EQ(index, received.size());
  EXPECT_GT(snapshots, 0u);  // the REST snapshot was recorded and replays too
  EXPECT_EQ(replay.problems().count(), 0u);

  // And `sigex backtest` runs on it unchanged.
  config.backtest.inputs = {{options.out_path, ""}};
  BacktestOptions backtest;
  backtest.out_dir = (directory.path() / "backtest").string();
  backtest.quiet = true;
  EXPECT_EQ(run_backtest(config, backtest), 0);
}

TEST(RecordReplay, TokenMetricsPollingIsRecordedBesideTheMarketData) {
  TemporaryDirectory directory;
  FeedSimulatorOptions feed_options;
  feed_options.inputs = {
      {std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/ethusdt_20240808.gz",
       "ETHUSDT"}};
  FeedSimulator feed(feed_options);
  TmSimulator signals(TmSimulatorOptions{});
  std::string error;
  ASSERT_TRUE(feed.start(error)) << error;
  ASSERT_TRUE(signals.start(error)) << error;
  // Rows dated today and yesterday, so that the poller's lookback (from the live clock) sees them.
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  for (const TimeNs day : {today - kNsPerDay, today}) {
    ASSERT_TRUE(signals.add_item("trading-signals",
                                 daily_row(3306, format_utc_date(day), 1, "61.5"), error))
        << error;
  }
  // The test's environment, changed while no thread of its own runs.
  ::setenv("SIGEX_TEST_TM_KEY", "tm-simulator-key", 1);  // NOLINT(concurrency-mt-unsafe)

  ConfigErrors errors;
  const std::string port = std::to_string(feed.port());
  AppConfig config =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/record-simulator.toml", errors,
                      {"market_data.binance.ws_url=\"ws://127.0.0.1:" + port + "/stream\"",
                       "market_data.binance.rest_url=\"http://127.0.0.1:" + port + "\""});
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  config.engine.state_dir = (directory.path() / "state").string();
  config.token_metrics = simulator_config(signals);
  config.token_metrics.api_key = {"", "", "SIGEX_TEST_TM_KEY", "Token Metrics API key"};

  std::vector<InboundEvent> received;
  RecordOptions options;
  options.out_path = (directory.path() / "session.jsonl.gz").string();
  options.quiet = true;
  options.stop_when = [&] { return feed.finished() && received.size() == 4; };
  options.on_event = [&](const InboundEvent& event) {
    if (event.kind == MarketEventKind::kTradingSignal || event.kind == MarketEventKind::kGrade) {
      received.push_back(event);
    }
  };
  ASSERT_EQ(run_record(config, options), 0);
  feed.stop();
  ASSERT_EQ(received.size(), 4u);  // two rows: grade and signal each
  EXPECT_EQ(signals.requests(), 1u);

  // The signals file replays to the same records; together with the market data file the
  // backtest reads both.
  const std::string signals_path = (directory.path() / "session-signals.jsonl.gz").string();
  ASSERT_EQ(default_signals_path(options.out_path), signals_path);
  const InstrumentRegistry instruments = build_registry(config);
  ReplaySource replay(instruments, {{signals_path}}, 0, INT64_MAX);
  ASSERT_TRUE(replay.open(error)) << error;
  std::vector<InboundEvent> batch;
  std::size_t index = 0;
  while (replay.next(batch)) {
    for (const auto& event : batch) {
      ASSERT_LT(index, received.size());
      EXPECT_TRUE(same(event, received[index])) << "record " << index << " differs";
      ++index;
    }
  }
  EXPECT_EQ(index, received.size());
  config.backtest.inputs = {{options.out_path, ""}, {signals_path, ""}};
  BacktestOptions backtest;
  backtest.out_dir = (directory.path() / "backtest").string();
  backtest.quiet = true;
  EXPECT_EQ(run_backtest(config, backtest), 0);
}

}  // namespace
}  // namespace sigex
