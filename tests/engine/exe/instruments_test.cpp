// Instruments configured by symbol alone: completed from a stored exchange-information
// snapshot in backtests, from the venue at start-up in live and paper sessions, refused with
// a clear message when neither is there; `sigex instruments` prints the pinned tables.

#include "engine/exe/instruments_command.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "adapters/binance/settings.h"
#include "engine/core/simulated_clock.h"
#include "engine/exe/app_config.h"
#include "engine/exe/backtest_command.h"
#include "engine/exe/intake_setup.h"
#include "support/test_support.h"
#include "support/tm_support.h"
#include "tools/archive_simulator/archive_simulator.h"
#include "tools/tm_simulator/tm_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

const std::string kUsdmInfo = std::string(SIGEX_SOURCE_DIR) +
                              "/tests/data/nautilus-usdm/http_futures_market_exchange_info.json";

const std::string kBracket =
    "[[instruments.brackets]]\nnotional_cap = \"50000\"\nmaintenance_margin_rate = "
    "\"0.004\"\nmax_leverage = 125\n";

std::string backtest_with_snapshot() {
  return "[backtest]\nexchange_info = [\"" + kUsdmInfo + "\"]\n[[backtest.inputs]]\npath = \"" +
         SIGEX_SOURCE_DIR +
         "/config/data/binance-daily/btcusdt_kline_1d.jsonl.gz\"\nmarket = \"usdm\"\n";
}

std::string config_text(const std::string& instruments, const std::string& backtest) {
  return R"([engine]
cash_asset = "USDT"
starting_cash = "10000"
)" + instruments +
         backtest;
}

TEST(Instruments, ASymbolAloneIsCompletedFromTheBacktestsSnapshot) {
  ConfigErrors errors;
  const AppConfig config = load_app_config_text(
      config_text("[[instruments]]\nsymbol = \"BTCUSDT\"\nkind = \"perpetual\"\n" + kBracket,
                  backtest_with_snapshot()),
      "/tmp/sigex-test.toml", errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  const Instrument& btc = config.instruments.front();
  EXPECT_FALSE(btc.awaits_venue_rules());
  EXPECT_EQ(btc.base_asset.view(), "BTC");
  EXPECT_EQ(btc.quote_asset.view(), "USDT");
  EXPECT_EQ(btc.tick_size.raw, 10'000'000);        // 0.1 at 8 decimals
  EXPECT_EQ(btc.step_size.raw, 100'000);           // 0.001
  EXPECT_EQ(btc.min_notional.raw, 1'000'000'000);  // 10 USDT
  EXPECT_EQ(btc.token_symbol.view(), "BTC");       // Token Metrics symbol: the base asset
}

TEST(Instruments, AnUnlistedSymbolOrAHalfTableIsAConfigError) {
  ConfigErrors errors;
  load_app_config_text(
      config_text("[[instruments]]\nsymbol = \"NOPEUSDT\"\nkind = \"perpetual\"\n" + kBracket,
                  backtest_with_snapshot()),
      "/tmp/sigex-test.toml", errors);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.messages().front().find("lists no perpetual NOPEUSDT"), std::string::npos)
      << errors.messages().front();
  ConfigErrors half;
  load_app_config_text(
      config_text("[[instruments]]\nsymbol = \"BTCUSDT\"\ntick_size = \"0.01\"\n", ""),
      "/tmp/sigex-test.toml", half);
  ASSERT_FALSE(half.empty());
  EXPECT_NE(half.messages().front().find("or give only symbol and kind"), std::string::npos)
      << half.messages().front();
}

TEST(Instruments, ABacktestWithoutRulesIsRefused) {
  TemporaryDirectory directory;
  ConfigErrors errors;
  const AppConfig config = load_app_config_text(
      config_text("[[instruments]]\nsymbol = \"BTCUSDT\"\n", ""), "/tmp/sigex-test.toml", errors);
  ASSERT_TRUE(errors.empty());
  BacktestOptions options;
  options.out_dir = directory.path().string();
  options.quiet = true;
  EXPECT_EQ(run_backtest(config, options), 2);
}

TEST(Instruments, LiveAndPaperSessionsAskTheVenueAtStartUp) {
  ArchiveSimulatorOptions server;
  ArchiveSimulator simulator(server);  // serves /api/v3/exchangeInfo for the symbols it has
  simulator.add_rows(BinanceMarket::kSpot, ArchiveKind::kKlines, "SOLUSDT", "1h",
                     {"1704067200000,100.00,101.00,99.00,100.50,10,1704070799999,1000,5,5,500,0"});
  std::string error;
  ASSERT_TRUE(simulator.start(error)) << error;
  BinanceMarketDataSettings settings;
  settings.config.rest_url = simulator.base_url();
  Instrument sol;
  sol.symbol = Symbol::from("SOLUSDT");
  sol.tick_size = Price{0};
  sol.step_size = Quantity{0};
  std::vector<Instrument> instruments{sol};
  ASSERT_TRUE(settings.complete_instruments(instruments, "USDT", error)) << error;
  EXPECT_EQ(instruments.front().base_asset.view(), "SOL");
  EXPECT_EQ(instruments.front().tick_size.raw, 1'000'000);  // 0.01
  EXPECT_EQ(instruments.front().min_notional.raw, 500'000'000);
  EXPECT_EQ(simulator.requests("/api/v3/exchangeInfo"), 1u);
  // Another cash asset: refused, naming the instrument.
  instruments = {sol};
  EXPECT_FALSE(settings.complete_instruments(instruments, "USDC", error));
  EXPECT_NE(error.find("SOLUSDT: its quote asset is USDT"), std::string::npos) << error;
}

TEST(Instruments, TheCommandPrintsPinnableTables) {
  TemporaryDirectory directory;
  InstrumentsCommandOptions options;
  options.symbols = {"BTCUSDT", "ETHUSDT"};
  options.market = "usdm";
  options.exchange_info_path = kUsdmInfo;
  const auto path = directory.path() / "out.toml";
  options.out = std::fopen(path.c_str(), "w");
  const int status = run_instruments(options);
  std::fclose(options.out);
  options.out = stdout;
  ASSERT_EQ(status, 0);
  std::ifstream in(path);
  const std::string printed((std::istreambuf_iterator<char>(in)), {});
  EXPECT_NE(
      printed.find("[[instruments]]\nsymbol = \"BTCUSDT\"\nkind = \"perpetual\"\nbase_asset = "
                   "\"BTC\"\nquote_asset = \"USDT\"\ntick_size = \"0.1\"\n"),
      std::string::npos)
      << printed;
  // What it prints is a valid configuration once the brackets (a signed endpoint) are added.
  EXPECT_NE(printed.find("# [[instruments.brackets]]"), std::string::npos) << printed;
  std::string pinned;
  std::istringstream lines(printed);
  for (std::string line; std::getline(lines, line);) {
    pinned += line + "\n";
    if (line.starts_with("# [[instruments.brackets]]")) pinned += kBracket;
  }
  ConfigErrors errors;
  load_app_config_text("[engine]\ncash_asset = \"USDT\"\n" + pinned, "/tmp/x.toml", errors);
  EXPECT_TRUE(errors.empty()) << (errors.empty() ? "" : errors.messages().front());
  options.symbols = {"NOPEUSDT"};
  EXPECT_EQ(run_instruments(options), 2);
}

// [universe] top N at start-up: ranked by Token Metrics' market-cap list or by each token's
// latest grade; the instruments written in [[instruments]] stay first.
TEST(Instruments, AUniverseKeepsTheTokenMetricsTopNAtStartUp) {
  TemporaryDirectory directory;
  TmSimulator simulator{TmSimulatorOptions{}};
  std::string error;
  ASSERT_TRUE(simulator.start(error)) << error;
  // Largest market cap first: C, A, B.
  for (const char* row :
       {R"({"TOKEN_ID":3,"TOKEN_SYMBOL":"CCC"})", R"({"TOKEN_ID":1,"TOKEN_SYMBOL":"AAA"})",
        R"({"TOKEN_ID":2,"TOKEN_SYMBOL":"BBB"})"})
    ASSERT_TRUE(simulator.add_item("top-market-cap-tokens", row, error)) << error;
  for (const char* row : {R"({"TOKEN_ID":1,"TOKEN_SYMBOL":"AAA","TM_GRADE":90.5})",
                          R"({"TOKEN_ID":2,"TOKEN_SYMBOL":"BBB","TM_GRADE":40})",
                          R"({"TOKEN_ID":3,"TOKEN_SYMBOL":"CCC","TM_GRADE":70})"})
    ASSERT_TRUE(simulator.add_item("tm-grade", row, error)) << error;
  // The test's environment, changed while no thread of its own runs.
  ::setenv("SIGEX_TEST_TM_KEY", "tm-simulator-key", 1);  // NOLINT(concurrency-mt-unsafe)
  AppConfig config;
  config.engine.state_dir = (directory.path() / "state").string();
  config.token_metrics = simulator_config(simulator);
  config.token_metrics.api_key = {"", "", "SIGEX_TEST_TM_KEY", "Token Metrics API key"};
  config.token_metrics.resolve_tokens = false;
  config.universe.present = true;
  config.universe.top = 2;
  config.listed_instruments = 1;
  std::vector<Instrument> instruments;
  for (const auto& [symbol, token] : std::vector<std::pair<const char*, TokenId>>{
           {"PINUSDT", 9}, {"AAAUSDT", 1}, {"BBBUSDT", 2}, {"CCCUSDT", 3}}) {
    Instrument instrument;
    instrument.symbol = Symbol::from(symbol);
    instrument.token_id = token;
    instruments.push_back(instrument);
  }
  SimulatedClock clock(parse_utc_timestamp("2026-01-01").value());
  TokenMetricsIntake intake;
  ASSERT_TRUE(prepare_token_metrics(config, clock, intake, instruments, error)) << error;
  const auto symbols = [](const std::vector<Instrument>& list) {
    std::string text;
    for (const Instrument& instrument : list) text += std::string(instrument.symbol.view()) + " ";
    return text;
  };
  config.universe.rank_by = UniverseRank::kMarketCap;
  std::vector<Instrument> by_cap = instruments;
  ASSERT_TRUE(rank_universe(config, clock, intake, by_cap, error)) << error;
  EXPECT_EQ(symbols(by_cap), "PINUSDT CCCUSDT AAAUSDT ");
  config.universe.rank_by = UniverseRank::kGrade;
  config.universe.grade = GradeKind::kTmGrade;
  std::vector<Instrument> by_grade = instruments;
  ASSERT_TRUE(rank_universe(config, clock, intake, by_grade, error)) << error;
  EXPECT_EQ(symbols(by_grade), "PINUSDT AAAUSDT CCCUSDT ");
}

}  // namespace
}  // namespace sigex
