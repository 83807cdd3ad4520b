// Golden tests: the bundled backtests run twice give byte-identical outputs, and the daily run
// makes exactly the trades recorded in tests/golden/. If a change alters trading on purpose,
// regenerate the golden file with:
//   build/sigex backtest --config config/backtest-daily.toml --out /tmp/g --quiet &&
//   cp /tmp/g/orders.csv tests/golden/backtest_daily_orders.csv
// (and likewise config/backtest-rebalance.toml -> tests/golden/backtest_rebalance_orders.csv)

#include "adapters/recorded/frame_recorder.h"
#include "adapters/recorded/recorded_file.h"
#include "engine/core/simulated_clock.h"
#include "engine/exe/backtest_command.h"
#include "engine/exe/trading_state_command.h"
#include "engine/runtime/engine.h"
#include "engine/sim/simulated_venue.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "support/test_strategies.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  EXPECT_TRUE(file) << path;
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

AppConfig load(const char* name) {
  ConfigErrors errors;
  AppConfig config = load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/" + name, errors);
  EXPECT_TRUE(errors.empty());
  return config;
}

void expect_identical_runs(const char* config_name, const TemporaryDirectory& directory) {
  const AppConfig config = load(config_name);
  for (const char* run : {"first", "second"}) {
    BacktestOptions options;
    options.out_dir = (directory.path() / run).string();
    options.quiet = true;
    ASSERT_EQ(run_backtest(config, options), 0);
  }
  for (const char* file : {"summary.json", "orders.csv", "fills.csv", "equity.csv"}) {
    const std::string first = slurp(directory.path() / "first" / file);
    EXPECT_FALSE(first.empty()) << file;
    EXPECT_EQ(first, slurp(directory.path() / "second" / file)) << config_name << " " << file;
  }
}

TEST(BacktestGolden, DailyRunIsReproducibleAndMakesTheExpectedTrades) {
  TemporaryDirectory directory;
  expect_identical_runs("backtest-daily.toml", directory);
  EXPECT_EQ(slurp(directory.path() / "first" / "orders.csv"),
            slurp(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/backtest_daily_orders.csv"));
  const std::string summary = slurp(directory.path() / "first" / "summary.json");
  EXPECT_NE(summary.find("\"input_problems\": 0,"), std::string::npos);
  EXPECT_NE(summary.find("\"events_processed\": 4689,"), std::string::npos);
  // The benchmark buys BTC at the first daily close, 4285.08, paying the 10 bps taker fee the
  // strategy pays (10000 * 0.999 = 9990.00 of BTC), and holds: the next close, 4108.37, is
  // 9990 * 4108.37 / 4285.08 = 9578.03.
  const std::string equity = slurp(directory.path() / "first" / "equity.csv");
  EXPECT_NE(
      equity.find("2017-08-18T00:00:00.200Z,10000.00000000,10000.00000000,0.00000000,9990.00\n"
                  "2017-08-19T00:00:00.000Z,10000.00000000,10000.00000000,0.00000000,9578.03\n"),
      std::string::npos)
      << equity.substr(0, 300);
  // Without the fee it was 7.624884: (1 + 7.624884) * 0.999 - 1 = 7.61626 (7.616260 unrounded
  // figures).
  EXPECT_NE(summary.find("\"buy_and_hold\": {\"fee_bps\": 10, \"total_return\": 7.616260,"),
            std::string::npos)
      << summary;
  EXPECT_NE(summary.find("\"annualised_figures\": \"computed\""), std::string::npos) << summary;
}

// No backtest acts on a Token Metrics row before its assumed publication. The bundled daily
// signals written as fetch-history once stamped them, at their date (a row dated D received
// at D 00:05, a day before it could have been known): every row is held until D+1 00:05, so
// the run makes exactly the golden trades, and summary.json says how many rows were held.
TEST(BacktestGolden, RowsRecordedBeforeTheirPublicationAreHeldUntilThen) {
  TemporaryDirectory directory;
  AppConfig config = load("backtest-daily.toml");
  const std::string early = (directory.path() / "early.jsonl.gz").string();
  {
    RecordedFile samples(config.backtest.inputs[1].path);
    ASSERT_TRUE(samples.ok()) << config.backtest.inputs[1].path;
    FrameRecorder recorder;
    std::string error;
    ASSERT_TRUE(recorder.open(early, error)) << error;
    InputProblems problems;
    RecordedLine line;
    while (samples.next(line, problems))
      recorder.record(line.receive_time_ns - kNsPerDay, line.frame);
    ASSERT_TRUE(recorder.close());
  }
  config.backtest.inputs[1].path = early;
  BacktestOptions options;
  options.out_dir = (directory.path() / "out").string();
  options.quiet = true;
  ASSERT_EQ(run_backtest(config, options), 0);
  EXPECT_EQ(slurp(directory.path() / "out" / "orders.csv"),
            slurp(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/backtest_daily_orders.csv"));
  const std::string summary = slurp(directory.path() / "out" / "summary.json");
  EXPECT_NE(summary.find("\"token_metrics_publication\": {\"rows_held_until_published\": 3066, "
                         "\"daily_signals\": {\"assumed_delay_s\": 86400, \"observed_rows\": 1533, "
                         "\"observed_delay_s\": {\"min\": 300, \"median\": 300, \"max\": 300}}"),
            std::string::npos)
      << summary;
}

TEST(BacktestGolden, TickRunIsReproducible) {
  TemporaryDirectory directory;
  expect_identical_runs("backtest-tick.toml", directory);
  const std::string orders = slurp(directory.path() / "first" / "orders.csv");
  EXPECT_NE(orders.find("sftick-"), std::string::npos);
  const std::string summary = slurp(directory.path() / "first" / "summary.json");
  EXPECT_NE(summary.find("\"events_processed\": 741262,"), std::string::npos);
  // Eleven minutes: nothing is annualised from 10-second returns (it was a Sharpe of -484.9).
  EXPECT_NE(summary.find("\"annualised_figures\": \"not meaningful: less than 30 days of data\""),
            std::string::npos)
      << summary;
  for (const char* field : {"\"sharpe\": null", "\"sortino\": null", "\"volatility\": null",
                            "\"annualised_return\": null"}) {
    EXPECT_NE(summary.find(field), std::string::npos) << field << "\n" << summary;
  }
}

TEST(BacktestGolden, RebalanceRunIsReproducibleAndMakesTheExpectedTrades) {
  TemporaryDirectory directory;
  expect_identical_runs("backtest-rebalance.toml", directory);
  EXPECT_EQ(slurp(directory.path() / "first" / "orders.csv"),
            slurp(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/backtest_rebalance_orders.csv"));
}

// grade_trend on the bundled daily data: reproducible, and its orders pinned (regenerate with
// build/sigex backtest --config config/backtest-grade-trend.toml --out /tmp/g --quiet).
TEST(BacktestGolden, GradeTrendRunIsReproducibleAndMakesTheExpectedTrades) {
  TemporaryDirectory directory;
  expect_identical_runs("backtest-grade-trend.toml", directory);
  const std::string orders = slurp(directory.path() / "first" / "orders.csv");
  EXPECT_EQ(orders,
            slurp(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/backtest_grade_trend_orders.csv"));
  EXPECT_NE(orders.find(",gt-"), std::string::npos) << "orders carry the strategy's tag";
  const std::string summary = slurp(directory.path() / "first" / "summary.json");
  EXPECT_NE(summary.find("\"risk_denials\": {}"), std::string::npos) << "sized within the limits";
}

// A backtest on a perpetual with Binance's funding history: reproducible, its orders pinned,
// and every fill, fee, funding payment and the final equity equal to an independent
// re-computation of the documented rules (tests/golden/recompute_perpetual_backtest.py, which
// shares no code with sigex).
void expect_perpetual_golden(const char* config_name, const char* golden_orders) {
  TemporaryDirectory directory;
  expect_identical_runs(config_name, directory);
  const std::filesystem::path out = directory.path() / "first";
  EXPECT_EQ(slurp(out / "orders.csv"),
            slurp(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/" + golden_orders));
  const std::string summary = slurp(out / "summary.json");
  EXPECT_NE(summary.find("\"perpetuals\": {"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"liquidations\": 0"), std::string::npos);
  const std::string source = SIGEX_SOURCE_DIR;
  const std::string command = "python3 " + source +
                              "/tests/golden/recompute_perpetual_backtest.py --config " + source +
                              "/config/" + config_name + " --out " + out.string() + " > " +
                              (directory.path() / "check.txt").string() + " 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << slurp(directory.path() / "check.txt");
}

TEST(BacktestGolden, GradeTrendLongShortOnAPerpetualMatchesAnIndependentRecomputation) {
  expect_perpetual_golden("backtest-grade-trend-perp.toml", "backtest_grade_trend_perp_orders.csv");
}

TEST(BacktestGolden, SignalFollowBothWaysOnAPerpetualMatchesAnIndependentRecomputation) {
  expect_perpetual_golden("backtest-signal-both-perp.toml", "backtest_signal_both_perp_orders.csv");
  const std::string orders =
      slurp(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/backtest_signal_both_perp_orders.csv");
  EXPECT_NE(orders.find(",SELL,LIMIT,IOC,"), std::string::npos) << "it shorts";
}

// The input cache is invisible in the results: the spot and USD-M tick backtests give the same
// outputs to the byte from their text, from the run that writes the cache and from the one
// that reads it.
TEST(BacktestGolden, TickRunsFromTheInputCacheGiveTheSameOutputsToTheByte) {
  for (const char* name : {"backtest-tick.toml", "backtest-tick-perp.toml"}) {
    TemporaryDirectory directory;
    const AppConfig text = load(name);
    AppConfig cached = text;
    cached.backtest.input_cache_dir = (directory.path() / "cache").string();
    const std::pair<const char*, const AppConfig*> runs[] = {
        {"text", &text}, {"writes", &cached}, {"reads", &cached}};
    for (const auto& [run, config] : runs) {
      BacktestOptions options;
      options.out_dir = (directory.path() / run).string();
      options.quiet = true;
      ASSERT_EQ(run_backtest(*config, options), 0) << name << " " << run;
    }
    // Every market capture is cached; the Token Metrics rows stay text.
    const auto captures = std::count_if(
        text.backtest.inputs.begin(), text.backtest.inputs.end(),
        [](const auto& input) { return input.path.find("/binance-") != std::string::npos; });
    EXPECT_GT(captures, 0) << name;
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(directory.path() / "cache"),
                            std::filesystem::directory_iterator()),
              captures)
        << name;
    for (const char* file : {"summary.json", "orders.csv", "fills.csv", "equity.csv"}) {
      const std::string expected = slurp(directory.path() / "text" / file);
      EXPECT_FALSE(expected.empty()) << file;
      EXPECT_EQ(slurp(directory.path() / "writes" / file), expected) << name << " " << file;
      EXPECT_EQ(slurp(directory.path() / "reads" / file), expected) << name << " " << file;
    }
  }
}

// Recorded USD-M streams (market = "usdm"): the perpetual's book is built with Binance's
// futures continuity rule, and signal_follow shorts on a bearish sample signal.
TEST(BacktestGolden, APerpetualTickBacktestFromRecordedFuturesStreams) {
  TemporaryDirectory directory;
  expect_identical_runs("backtest-tick-perp.toml", directory);
  const std::string orders = slurp(directory.path() / "first" / "orders.csv");
  EXPECT_EQ(orders,
            slurp(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/backtest_tick_perp_orders.csv"));
  EXPECT_NE(orders.find(",SELL,LIMIT,IOC,"), std::string::npos) << orders;
  const std::string summary = slurp(directory.path() / "first" / "summary.json");
  EXPECT_NE(summary.find("\"input_problems\": 0,"), std::string::npos);
  EXPECT_NE(summary.find("\"status\": \"synced\""), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"gaps\": 0, \"out_of_order\": 0, \"crossed\": 0, "
                         "\"resyncs_requested\": 0"),
            std::string::npos)
      << summary;
}

TEST(BacktestGolden, CrossingTheDailyLossLimitHaltsAndARestartStaysHalted) {
  TemporaryDirectory directory;
  AppConfig config = load("backtest-daily.toml");
  config.risk.daily_loss_limit = Money{200 * 100'000'000LL};  // 2 % of the 10 000 USDT start
  BacktestOptions options;
  options.out_dir = (directory.path() / "out").string();
  options.quiet = true;
  ASSERT_EQ(run_backtest(config, options), 0);
  const std::string summary = slurp(directory.path() / "out" / "summary.json");
  EXPECT_NE(summary.find("\"trading_states\": {\"global\": \"HALTED\"}"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("\"trading_halted\": "), std::string::npos)
      << "no order was tried after the halt";
  // What a restart reads: the journal says HALTED, with the limit as the reason.
  std::string error;
  auto journal = Journal::open(directory.path() / "out" / "state", Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  const auto states = journal->load_trading_states();
  ASSERT_EQ(states.size(), 1u);
  EXPECT_EQ(states[0].state, "HALTED");
  EXPECT_NE(states[0].reason.find("daily_loss_limit"), std::string::npos) << states[0].reason;

  // A restart on that journal: the engine comes up HALTED and the strategy's first order is
  // denied, on a quote long after the loss.
  {
    const InstrumentRegistry instruments = build_registry(config);
    SimulatedClock clock(kNsPerDay * 20'000);
    SimulatedVenue venue(instruments, config.simulated_venue, config.engine.cash_accounts());
    Engine engine(instruments, clock, *journal, venue, config.risk, config.engine.cash_accounts());
    auto buyer = std::make_unique<BuyOnQuote>("one", BuyOnQuote::Times::kOnce);
    BuyOnQuote& strategy = *buyer;
    engine.add_strategy(std::move(buyer));
    engine.start();
    EXPECT_EQ(engine.trading_states().get("global").state, TradingState::kHalted);
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    event.best_bid_offer = BestBidOffer{
        0, 0, clock.now_ns(), price("40000"), quantity("5"), price("40001"), quantity("5"), 1};
    engine.process(event);
    EXPECT_EQ(strategy.tried, 1);
    EXPECT_EQ(strategy.accepted, 0);
    EXPECT_EQ(engine.risk().denials(RiskDenial::kTradingHalted), 1u);
  }
  journal.reset();

  // Only an operator resumes it; mistakes are refused before anything is written.
  TradingStateOptions resume;
  resume.state_dir = (directory.path() / "out" / "state").string();
  resume.set = "paused";
  resume.reason = "checked the account";
  EXPECT_EQ(run_trading_state(config, resume), 2);
  resume.set = "active";
  resume.scope = "instrument:XRPUSDT";
  EXPECT_EQ(run_trading_state(config, resume), 2);
  resume.scope = "global";
  resume.reason.clear();
  EXPECT_EQ(run_trading_state(config, resume), 2);
  resume.reason = "checked the account";
  EXPECT_EQ(run_trading_state(config, resume), 0);
  journal = Journal::open(directory.path() / "out" / "state", Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  const auto resumed = journal->load_trading_states();
  ASSERT_EQ(resumed.size(), 1u);
  EXPECT_EQ(resumed[0].state, "ACTIVE");
  EXPECT_EQ(resumed[0].reason, "operator: checked the account");
  EXPECT_EQ(journal->count_rows("trading_state_history"), 2);
}

TEST(BacktestGolden, BadLinesAreCountedAndFailTheRunUnlessAllowed) {
  TemporaryDirectory directory;
  const auto input = (directory.path() / "input.txt").string();
  std::ofstream(input)
      << R"(1503014400200000000 {"stream":"btcusdt@kline_1d","data":{"e":"kline","E":1503014400000,"s":"BTCUSDT","k":{"t":1502928000000,"T":1503014399999,"s":"BTCUSDT","i":"1d","o":"4469.93","c":"4285.08","h":"4485.39","l":"4200.74","v":"647.86","n":0,"x":true}}})"
         "\n"
      << "garbage line\n"
      << R"(1503014400300000000 {"stream":"btcusdt@kline_1d","data":{"e":"kline","E":15030)"
         "\n";
  AppConfig config = load("backtest-daily.toml");
  config.backtest.inputs = {{input, ""}};
  BacktestOptions options;
  options.out_dir = (directory.path() / "out").string();
  options.quiet = true;
  // By default a single bad line fails the run; the outputs are still written, with them.
  EXPECT_EQ(run_backtest(config, options), 1);
  const std::string summary = slurp(directory.path() / "out" / "summary.json");
  EXPECT_NE(summary.find("\"input_problems\": 2,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"max_input_problems\": 0,"), std::string::npos) << summary;
  EXPECT_NE(summary.find(input + ":2: expected"), std::string::npos) << summary;
  EXPECT_NE(summary.find(input + ":3: syntax"), std::string::npos) << summary;
  // The user may allow some.
  config.backtest.max_input_problems = 2;
  EXPECT_EQ(run_backtest(config, options), 0);
}

// Writes `text` gzip-compressed to `path`.
void write_gzip(const std::string& path, const std::string& text) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(file);
}

// A whole input that cannot be used fails the backtest whatever max_input_problems says, and
// summary.json names it: a gzip file cut short, one whose check fails, an empty file, and a
// file with no line of the recorded shape.
TEST(BacktestGolden, AnUnusableInputFailsTheRunNamingTheFileAndWhere) {
  TemporaryDirectory directory;
  const std::string source =
      std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-daily/btcusdt_kline_1d.jsonl.gz";
  std::string text;
  {
    gzFile file = gzopen(source.c_str(), "rb");
    ASSERT_NE(file, nullptr) << source;
    char chunk[65536];
    for (int read; (read = gzread(file, chunk, sizeof chunk)) > 0;)
      text.append(chunk, static_cast<std::size_t>(read));
    gzclose(file);
  }
  ASSERT_GT(text.size(), 10'000u);
  const auto whole = (directory.path() / "whole.txt.gz").string();
  write_gzip(whole, text);
  const std::string compressed = slurp(whole);

  const auto truncated = (directory.path() / "truncated.txt.gz").string();
  std::ofstream(truncated, std::ios::binary) << compressed.substr(0, compressed.size() / 2);
  const auto damaged = (directory.path() / "damaged.txt.gz").string();
  std::string flipped = compressed;
  flipped[flipped.size() - 6] =
      static_cast<char>(flipped[flipped.size() - 6] ^ 0x5a);  // the CRC-32 at the end
  std::ofstream(damaged, std::ios::binary) << flipped;
  const auto empty = (directory.path() / "empty.txt").string();
  std::ofstream(empty).flush();
  const auto csv = (directory.path() / "klines.csv").string();
  std::ofstream(csv)
      << "open_time,open,high,low,close\n1502928000000,4469.93,4485.39,4200.74,4285.08\n";

  const std::vector<std::pair<std::string, std::string>> cases = {
      {truncated, truncated + ": the gzip stream ends early at compressed byte"},
      {damaged, damaged + ": unreadable at compressed byte"},
      {empty, empty + ": the file is empty"},
      {csv, csv + ": none of its 2 line(s) has the shape '<receive_time_ns> <frame>'"},
  };
  for (const auto& [input, expected] : cases) {
    SCOPED_TRACE(input);
    AppConfig config = load("backtest-daily.toml");
    config.backtest.inputs = {{input, ""}};
    config.backtest.max_input_problems = 1'000'000;  // lines may be allowed; a broken file never
    BacktestOptions options;
    options.out_dir = (directory.path() / "out").string();
    options.quiet = true;
    EXPECT_EQ(run_backtest(config, options), 1);
    const std::string summary = slurp(directory.path() / "out" / "summary.json");
    EXPECT_NE(summary.find(expected), std::string::npos) << summary.substr(0, 3000);
  }
}

}  // namespace
}  // namespace sigex
