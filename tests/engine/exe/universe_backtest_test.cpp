// A universe larger than a hand-written list: fifty spot pairs selected by pattern from an
// exchange-information snapshot, two years of hourly candles from the binary format (half a
// year in the sanitizer builds, which check memory and threads, not scale), daily
// synthetic trader grades, and grade_rebalance holding the ten best. The universe leaves out
// the pairs it must (another quote asset, not trading); the run trades, never holds more than
// ten, reports every instrument, and is deterministic.

#include <chrono>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "engine/exe/app_config.h"
#include "engine/exe/backtest_command.h"
#include "engine/exe/universe.h"
#include "support/test_support.h"
#include "support/universe_data.h"

namespace sigex {
namespace {

using namespace sigex::testing;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kDays = 183;
#else
constexpr int kDays = 731;
#endif

TEST(UniverseBacktest, FiftyInstrumentsYearsOfHourlyCandlesHoldTheTopTenByGrade) {
  TemporaryDirectory directory;
  constexpr int kSymbols = 50;
  const UniverseData data = make_universe_data(directory.path(), kSymbols,
                                               parse_utc_timestamp("2022-01-01").value(), kDays);
  const auto config_path = directory.path() / "universe.toml";
  std::ofstream(config_path) << universe_config(data, directory.path() / "out", 10);
  ConfigErrors errors;
  const AppConfig config = load_app_config(config_path.string(), errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  ASSERT_EQ(config.instruments.size(), static_cast<std::size_t>(kSymbols));  // not T00BTC, ZZZUSDT
  EXPECT_EQ(config.instruments.front().symbol.view(), "T00USDT");
  EXPECT_EQ(config.instruments.front().tick_size.raw, 10'000);  // 0.0001 from the snapshot

  BacktestOptions options;
  options.quiet = true;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(run_backtest(config, options), 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::uint64_t events = data.candles + data.grade_rows;
  // Reported, never asserted (wall clock): bench/RESULTS.md has the measured figures.
  std::printf("universe backtest: %d instruments, %d days hourly, %llu events in %.2f s = %.0f/s\n",
              kSymbols, kDays, static_cast<unsigned long long>(events), seconds,
              static_cast<double>(events) / seconds);

  const std::string summary = read_file(directory.path() / "out" / "summary.json");
  EXPECT_NE(summary.find(fmt::format("\"events_processed\": {},", events)), std::string::npos)
      << summary.substr(0, 2000);
  EXPECT_NE(summary.find("\"input_problems\": 0,"), std::string::npos);
  // Every instrument has its line, with its trades and buy and hold.
  std::size_t lines = 0, held = 0;
  for (auto at = summary.find("{\"symbol\": \"T"); at != std::string::npos;
       at = summary.find("{\"symbol\": \"T", at + 1)) {
    ++lines;
    const auto quantity = summary.find("\"quantity\": \"", at) + 13;
    if (summary.compare(quantity, 4, "0.00") != 0) ++held;
    EXPECT_NE(summary.substr(at, 400).find("\"buy_and_hold_return\": "), std::string::npos);
  }
  EXPECT_EQ(lines, static_cast<std::size_t>(kSymbols));
  EXPECT_LE(held, 10u);
  EXPECT_GT(held, 0u);
  const std::string orders = read_file(directory.path() / "out" / "orders.csv");
  EXPECT_GT(std::count(orders.begin(), orders.end(), '\n'), 100 * kDays / 731);  // 25 a half year

  // The same run again: byte-identical results.
  BacktestOptions again;
  again.quiet = true;
  again.out_dir = (directory.path() / "again").string();
  ASSERT_EQ(run_backtest(config, again), 0);
  for (const char* file : {"orders.csv", "fills.csv", "equity.csv"})
    EXPECT_EQ(read_file(directory.path() / "out" / file),
              read_file(directory.path() / "again" / file))
        << file;
}

// config/backtest-universe.toml as shipped, with the synthetic data where it expects the
// fetched history: it selects the fifty USDT pairs and runs.
TEST(UniverseBacktest, TheBundledExampleConfigurationRunsOnFetchedLayout) {
  TemporaryDirectory directory;
  const UniverseData data = make_universe_data(directory.path() / "data", 50,
                                               parse_utc_timestamp("2023-01-01").value(), 60);
  std::filesystem::create_directories(directory.path() / "config");
  std::filesystem::rename(data.history, directory.path() / "history");
  std::filesystem::copy_file(data.grades, directory.path() / "history" / "grades.jsonl.gz");
  std::filesystem::create_directories(directory.path() / "state-universe");
  std::filesystem::copy_file(data.state / "token-ids.tsv",
                             directory.path() / "state-universe" / "token-ids.tsv");
  const auto config_path = directory.path() / "config" / "backtest-universe.toml";
  std::filesystem::copy_file(std::string(SIGEX_SOURCE_DIR) + "/config/backtest-universe.toml",
                             config_path);
  ConfigErrors errors;
  const AppConfig config = load_app_config(config_path.string(), errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  EXPECT_EQ(config.instruments.size(), 50u);
  BacktestOptions options;
  options.quiet = true;
  options.out_dir = (directory.path() / "out").string();
  ASSERT_EQ(run_backtest(config, options), 0);
  const std::string orders = read_file(directory.path() / "out" / "orders.csv");
  EXPECT_GT(std::count(orders.begin(), orders.end(), '\n'), 10);
}

TEST(Universe, PatternsExclusionsStatusAndTheCap) {
  std::vector<VenueSymbol> listed{
      {"BTCUSDT", "BTC", "USDT", true},     {"ETHUSDT", "ETH", "USDT", true},
      {"BTCUPUSDT", "BTCUP", "USDT", true}, {"LUNAUSDT", "LUNA", "USDT", false},
      {"ETHBTC", "ETH", "BTC", true},       {"SOLUSDT", "SOL", "USDT", true}};
  UniverseConfig universe;
  universe.present = true;
  universe.exclude = {"*UPUSDT"};
  universe.max_instruments = 2;
  std::vector<Instrument> instruments;
  Instrument pinned;
  pinned.symbol = Symbol::from("SOLUSDT");  // written in [[instruments]]: kept, not repeated
  instruments.push_back(pinned);
  std::string error;
  ASSERT_TRUE(expand_universe(universe, listed, "USDT", instruments, error)) << error;
  ASSERT_EQ(instruments.size(), 3u);
  EXPECT_EQ(instruments[1].symbol.view(), "BTCUSDT");
  EXPECT_EQ(instruments[2].symbol.view(), "ETHUSDT");
  EXPECT_TRUE(instruments[1].awaits_venue_rules());

  // Ranked: the top one by score among the universe's; the pinned one stays first.
  universe.top = 1;
  instruments[1].token_id = 1;
  instruments[2].token_id = 2;
  keep_top(universe, 1, {{1, 40.0}, {2, 70.0}}, instruments);
  ASSERT_EQ(instruments.size(), 2u);
  EXPECT_EQ(instruments[0].symbol.view(), "SOLUSDT");
  EXPECT_EQ(instruments[1].symbol.view(), "ETHUSDT");

  universe.symbols = {"*EUR"};
  std::vector<Instrument> none;
  EXPECT_FALSE(expand_universe(universe, listed, "USDT", none, error));
  EXPECT_NE(error.find("selects no symbol"), std::string::npos) << error;
}

}  // namespace
}  // namespace sigex
