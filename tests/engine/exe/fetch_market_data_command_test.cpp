// `sigex fetch-market-data` against the loopback archive server (tools/archive_simulator):
// monthly, daily and REST parts put together; a corrupt download refused and fetched again;
// an interrupted run resumed without fetching a finished file twice; rate limits waited out
// and a ban stopping the run; archive format changes (header rows, microseconds); and the
// result, replayed by `sigex backtest`, byte-identical to the same rows imported from CSV.

#include "engine/exe/fetch_market_data_command.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "engine/core/calendar.h"
#include "engine/core/simulated_clock.h"
#include "engine/exe/backtest_command.h"
#include "engine/exe/import_command.h"
#include "support/test_support.h"
#include "tools/archive_simulator/archive_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TimeNs day(const char* text) { return parse_utc_timestamp(text).value(); }

std::string gunzip(const std::filesystem::path& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  std::string text;
  if (file == nullptr) return text;
  std::array<char, 65536> buffer{};
  for (int got = gzread(file, buffer.data(), buffer.size()); got > 0;
       got = gzread(file, buffer.data(), buffer.size())) {
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  gzclose(file);
  return text;
}

// Candles in the archive's CSV layout (no header, milliseconds): a deterministic walk around
// `base` dollars, in cents.
std::vector<std::string> kline_rows(TimeNs from, TimeNs to, std::int64_t step_ms, std::int64_t base,
                                    std::int64_t seed) {
  std::vector<std::string> rows;
  std::int64_t price = base * 100;
  std::int64_t i = 0;
  for (std::int64_t open = from / kNsPerMs; open < to / kNsPerMs; open += step_ms, ++i) {
    const std::int64_t close = price + ((i * 7919 + seed * 104729) % 201) - 100;
    const std::int64_t high = std::max(price, close) + 50;
    const std::int64_t low = std::min(price, close) - 50;
    const auto money = [](std::int64_t cents) {
      return fmt::format("{}.{:02}", cents / 100, cents % 100);
    };
    rows.push_back(
        fmt::format("{},{},{},{},{},12.50000000,{},{}.00000000,{},6.25000000,{}.00000000,0", open,
                    money(price), money(high), money(low), money(close), open + step_ms - 1,
                    close / 8, 100 + i % 50, close / 16));
    price = close;
  }
  return rows;
}

std::vector<std::string> funding_rows(TimeNs from, TimeNs to) {
  std::vector<std::string> rows;
  std::int64_t i = 0;
  for (TimeNs t = from; t < to; t += 8 * kNsPerHour, ++i)
    rows.push_back(fmt::format("{},8,0.000{}", t / kNsPerMs + (i % 3), 100 + (i * 37) % 60));
  return rows;
}

void write_rows(const std::filesystem::path& path, const std::vector<std::string>& rows) {
  std::ofstream out(path);
  for (const std::string& row : rows) out << row << '\n';
}

class FetchMarketDataTest : public ::testing::Test {
 protected:
  void start(ArchiveSimulatorOptions options) {
    simulator_ = std::make_unique<ArchiveSimulator>(options);
    for (const auto& [market, kind, symbol, interval, rows] : series_)
      simulator_->add_rows(market, kind, symbol, interval, rows);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
  }

  void add(BinanceMarket market, ArchiveKind kind, const std::string& symbol,
           const std::string& interval, std::vector<std::string> rows) {
    series_.push_back({market, kind, symbol, interval, std::move(rows)});
  }

  FetchMarketDataOptions options(const std::string& market, std::vector<std::string> symbols,
                                 std::vector<std::string> kinds, const std::string& interval,
                                 const std::string& from, const std::string& to) {
    FetchMarketDataOptions fetch;
    fetch.market = market;
    fetch.symbols = std::move(symbols);
    fetch.kinds = std::move(kinds);
    fetch.interval = interval;
    fetch.from = from;
    fetch.to = to;
    fetch.out_dir = (directory_.path() / "history").string();
    fetch.archive_url = simulator_->base_url();
    fetch.listing_url = simulator_->base_url();
    fetch.rest_url = simulator_->base_url();
    fetch.max_weight_per_minute = 100'000;
    fetch.quiet = true;
    fetch.clock = &clock_;
    return fetch;
  }

  // `sigex import` of the same rows, as a user with the CSVs would run it.
  std::filesystem::path imported(const std::string& name, const std::vector<std::string>& rows,
                                 const std::string& symbol_file, bool mark_price = false) {
    const std::filesystem::path csv = directory_.path() / symbol_file;
    write_rows(csv, rows);
    ImportCommandOptions import;
    import.inputs = {csv.string()};
    import.out_path = (directory_.path() / name).string();
    import.mark_price = mark_price;
    import.quiet = true;
    EXPECT_EQ(run_import(import), 0);
    return import.out_path;
  }

  struct Series {
    BinanceMarket market;
    ArchiveKind kind;
    std::string symbol;
    std::string interval;
    std::vector<std::string> rows;
  };
  std::vector<Series> series_;
  TemporaryDirectory directory_;
  std::unique_ptr<ArchiveSimulator> simulator_;
  SimulatedClock clock_{day("2026-11-28T12:00:00")};
};

TEST_F(FetchMarketDataTest, AMonthOfMinutesAndAYearOfAPerpetualResumeAndBacktestLikeTheCsv) {
  // Spot: 2021-02-01 .. 2021-03-10 of 1 m candles for two symbols. February comes as a monthly
  // file, March 1-7 as daily files, March 8-10 only from REST (the archives lag).
  const auto btc = kline_rows(day("2021-02-01"), day("2021-03-11"), 60'000, 38'000, 1);
  const auto eth = kline_rows(day("2021-02-01"), day("2021-03-11"), 60'000, 1'600, 2);
  add(BinanceMarket::kSpot, ArchiveKind::kKlines, "BTCUSDT", "1m", btc);
  add(BinanceMarket::kSpot, ArchiveKind::kKlines, "ETHUSDT", "1m", eth);
  // USD-M: a year of daily candles and funding for BTCUSDT, with header rows in its files.
  const auto perp = kline_rows(day("2021-01-01"), day("2022-01-01"), 86'400'000, 30'000, 3);
  const auto funding = funding_rows(day("2021-01-01"), day("2022-01-01"));
  add(BinanceMarket::kUsdm, ArchiveKind::kKlines, "BTCUSDT", "1d", perp);
  add(BinanceMarket::kUsdm, ArchiveKind::kFundingRate, "BTCUSDT", "", funding);
  ArchiveSimulatorOptions server;
  server.monthly_until_ns = day("2021-12-01");
  server.daily_until_ns = day("2021-03-08");
  server.listing_page_size = 7;  // several listing pages per prefix
  start(server);

  // The first run: one daily file is served corrupt once (refused by its checksum and fetched
  // again), another is cut mid-body on every try (the run ends with it missing), and the REST
  // fill is rate limited once (429, waited out).
  const std::string corrupt = "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2021-03-02.zip";
  const std::string cut = "data/spot/daily/klines/ETHUSDT/1m/ETHUSDT-1m-2021-03-05.zip";
  const std::string monthly = "data/spot/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2021-02.zip";
  simulator_->corrupt(corrupt, 1);
  simulator_->cut(cut, 3);
  simulator_->rate_limit_next_rest_calls(2, 0);  // exchange information, then a kline page
  auto spot = options("spot", {"BTCUSDT", "ETHUSDT"}, {"klines"}, "1m", "2021-02-01", "2021-03-10");
  spot.attempts = 3;
  EXPECT_EQ(run_fetch_market_data(spot), 1);  // ETHUSDT is missing a day: run again
  EXPECT_EQ(simulator_->requests(corrupt), 2u);
  EXPECT_EQ(simulator_->requests(cut), 3u);
  const std::filesystem::path out = directory_.path() / "history" / "spot";
  EXPECT_TRUE(std::filesystem::exists(out / "BTCUSDT" / "klines-1m.gz"));
  EXPECT_FALSE(std::filesystem::exists(out / "ETHUSDT" / "klines-1m.gz"))
      << "a series with a missing part is not written";
  EXPECT_TRUE(std::filesystem::exists(out / "exchange-info.json"));

  // Resumed: only the missing file is fetched; everything finished is kept.
  const std::uint64_t rest_calls = simulator_->rest_calls();
  ASSERT_EQ(run_fetch_market_data(spot), 0);
  EXPECT_EQ(simulator_->requests(cut), 4u);
  EXPECT_EQ(simulator_->requests(corrupt), 2u);
  EXPECT_EQ(simulator_->requests(monthly), 1u);
  EXPECT_EQ(simulator_->rest_calls(), rest_calls + 1)  // exchange information only
      << "complete REST days are cached";

  // The same rows imported from CSV make the same recorded input, byte for byte...
  const auto btc_csv = imported("btc.gz", btc, "BTCUSDT-1m-2021.csv");
  const auto eth_csv = imported("eth.gz", eth, "ETHUSDT-1m-2021.csv");
  EXPECT_EQ(gunzip(out / "BTCUSDT" / "klines-1m.gz"), gunzip(btc_csv));
  EXPECT_EQ(gunzip(out / "ETHUSDT" / "klines-1m.gz"), gunzip(eth_csv));

  // ... and the same backtest: BTC follows the bundled daily signals (buy 02-06, sell 03-06,
  // buy 03-09).
  ConfigErrors errors;
  AppConfig config =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml", errors);
  ASSERT_TRUE(errors.empty());
  config.engine.state_dir = (directory_.path() / "state").string();
  Instrument ether = config.instruments.front();
  ether.symbol = Symbol::from("ETHUSDT");
  ether.base_asset = AssetCode::from("ETH");
  ether.token_id = 3306;
  ether.token_symbol = AssetCode::from("ETH");
  config.instruments.push_back(ether);
  const std::string signals =
      std::string(SIGEX_SOURCE_DIR) + "/config/data/samples/daily_trading_signals_btc.jsonl.gz";
  const auto backtest = [&](const std::string& name, const std::string& btc_path,
                            const std::string& eth_path) {
    AppConfig run = config;
    run.backtest.inputs = {{btc_path, "", false}, {eth_path, "", false}, {signals, "", false}};
    run.engine.state_dir = (directory_.path() / (name + "-state")).string();
    BacktestOptions backtest_options;
    backtest_options.out_dir = (directory_.path() / name).string();
    backtest_options.quiet = true;
    EXPECT_EQ(run_backtest(run, backtest_options), 0);
    return directory_.path() / name;
  };
  const auto fetched = backtest("fetched", (out / "BTCUSDT" / "klines-1m.gz").string(),
                                (out / "ETHUSDT" / "klines-1m.gz").string());
  const auto from_csv = backtest("csv", btc_csv.string(), eth_csv.string());
  for (const char* file : {"orders.csv", "fills.csv", "equity.csv", "summary.json"})
    EXPECT_EQ(read_file(fetched / file), read_file(from_csv / file)) << file;
  const std::string orders = read_file(fetched / "orders.csv");
  EXPECT_GE(std::count(orders.begin(), orders.end(), '\n'), 4) << orders;

  // The binary format, written from the cache without fetching again: the same backtest.
  auto binary = spot;
  binary.format = "binary";
  const std::uint64_t calls = simulator_->rest_calls();
  ASSERT_EQ(run_fetch_market_data(binary), 0);
  EXPECT_EQ(simulator_->rest_calls(), calls + 1);  // exchange information only
  const auto from_binary = backtest("binary", (out / "BTCUSDT" / "klines-1m.sigexbin").string(),
                                    (out / "ETHUSDT" / "klines-1m.sigexbin").string());
  for (const char* file : {"orders.csv", "fills.csv", "equity.csv", "summary.json"})
    EXPECT_EQ(read_file(fetched / file), read_file(from_binary / file)) << file;

  // The perpetual: eleven monthly files, December's first days daily, its last days and the
  // funding of December from REST; the header rows of USD-M files are read as headers.
  auto usdm =
      options("usdm", {"BTCUSDT"}, {"klines", "fundingRate"}, "1d", "2021-01-01", "2021-12-31");
  ASSERT_EQ(run_fetch_market_data(usdm), 0);
  const std::filesystem::path perp_out = directory_.path() / "history" / "usdm" / "BTCUSDT";
  EXPECT_EQ(gunzip(perp_out / "klines-1d.gz"),
            gunzip(imported("perp.gz", perp, "BTCUSDT-1d-2021.csv")));
  std::vector<std::string> funding_with_header{
      "calc_time,funding_interval_hours,last_funding_rate"};
  funding_with_header.insert(funding_with_header.end(), funding.begin(), funding.end());
  EXPECT_EQ(gunzip(perp_out / "fundingRate.gz"),
            gunzip(imported("funding.gz", funding_with_header, "BTCUSDT-fundingRate-2021.csv")));
  EXPECT_EQ(simulator_->requests(
                "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2021-11.zip"),
            1u);
  EXPECT_GE(simulator_->requests("/fapi/v1/fundingRate"), 1u);
}

TEST_F(FetchMarketDataTest, AFileWithoutAChecksumIsRefusedUnlessAllowed) {
  add(BinanceMarket::kSpot, ArchiveKind::kKlines, "BTCUSDT", "1h",
      kline_rows(day("2024-01-01"), day("2024-01-04"), 3'600'000, 42'000, 1));
  ArchiveSimulatorOptions server;
  server.daily_until_ns = day("2024-01-04");
  start(server);
  const std::string unverified = "data/spot/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip";
  simulator_->drop_checksum(unverified);
  auto fetch = options("spot", {"BTCUSDT"}, {"klines"}, "1h", "2024-01-01", "2024-01-03");
  EXPECT_EQ(run_fetch_market_data(fetch), 1);
  EXPECT_EQ(simulator_->requests(unverified), 0u) << "not downloaded without a checksum";
  EXPECT_FALSE(std::filesystem::exists(directory_.path() / "history/spot/BTCUSDT/klines-1h.gz"));
  fetch.allow_unverified = true;
  EXPECT_EQ(run_fetch_market_data(fetch), 0);
  EXPECT_NE(
      gunzip(directory_.path() / "history/spot/BTCUSDT/klines-1h.gz").find("\"t\":1704153600000"),
      std::string::npos)
      << "2024-01-02's first candle is there";
}

TEST_F(FetchMarketDataTest, SpotArchivesInMicrosecondsFrom2025ReadAsMilliseconds) {
  const auto rows = kline_rows(day("2024-12-31"), day("2025-01-03"), 60'000, 94'000, 4);
  add(BinanceMarket::kSpot, ArchiveKind::kKlines, "BTCUSDT", "1m", rows);
  ArchiveSimulatorOptions server;
  server.daily_until_ns = day("2025-01-03");
  start(server);
  ASSERT_EQ(run_fetch_market_data(
                options("spot", {"BTCUSDT"}, {"klines"}, "1m", "2024-12-31", "2025-01-02")),
            0);
  EXPECT_EQ(gunzip(directory_.path() / "history/spot/BTCUSDT/klines-1m.gz"),
            gunzip(imported("btc.gz", rows, "BTCUSDT-1m-2025.csv")));
}

TEST_F(FetchMarketDataTest, ABanStopsTheRunWithExitThreeAndKeepsWhatIsDone) {
  add(BinanceMarket::kUsdm, ArchiveKind::kKlines, "BTCUSDT", "1h",
      kline_rows(day("2024-01-01"), day("2024-01-05"), 3'600'000, 42'000, 1));
  ArchiveSimulatorOptions server;
  server.daily_until_ns = day("2024-01-03");  // the last two days only from REST
  start(server);
  auto fetch = options("usdm", {"BTCUSDT"}, {"klines"}, "1h", "2024-01-01", "2024-01-04");
  fetch.exchange_info = false;
  simulator_->ban_next_rest_call();
  EXPECT_EQ(run_fetch_market_data(fetch), 3);
  EXPECT_EQ(simulator_->rest_calls(), 1u) << "nothing is sent after a ban";
  EXPECT_TRUE(std::filesystem::exists(directory_.path() /
                                      "history/cache/archive/data/futures/um/daily/klines/"
                                      "BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip"));
  EXPECT_EQ(run_fetch_market_data(fetch), 0);  // later: resumed
  EXPECT_EQ(
      simulator_->requests("data/futures/um/daily/klines/BTCUSDT/1h/BTCUSDT-1h-2024-01-02.zip"),
      1u);
}

TEST_F(FetchMarketDataTest, APerpetualsTradesAndMarkPricesLikeTheirCsv) {
  std::vector<std::string> trades;
  for (int i = 0; i < 300; ++i) {
    trades.push_back(fmt::format(
        "{},{}.{},0.{:03},{},{},{},{}", 1000 + i, 42000 + i % 50, i % 10, 1 + i % 900, 5000 + 2 * i,
        5001 + 2 * i, day("2024-01-01") / kNsPerMs + i * 864'000, i % 3 == 0 ? "true" : "false"));
  }
  const auto marks = kline_rows(day("2024-01-01"), day("2024-01-04"), 3'600'000, 42'000, 5);
  add(BinanceMarket::kUsdm, ArchiveKind::kAggTrades, "BTCUSDT", "", trades);
  add(BinanceMarket::kUsdm, ArchiveKind::kMarkPriceKlines, "BTCUSDT", "1h", marks);
  ArchiveSimulatorOptions server;
  server.daily_until_ns = day("2024-01-03");  // the mark prices of 01-03 only from REST
  start(server);
  // The trades of 01-03 are in no archive yet and REST keeps only 48 hours of them: a gap at
  // the end, reported; the mark prices of 01-03 come from /fapi/v1/markPriceKlines.
  auto fetch = options("usdm", {"BTCUSDT"}, {"aggTrades", "markPriceKlines"}, "1h", "2024-01-01",
                       "2024-01-03");
  fetch.exchange_info = false;
  ASSERT_EQ(run_fetch_market_data(fetch), 0);
  EXPECT_GE(simulator_->requests("/fapi/v1/markPriceKlines"), 1u);
  const std::filesystem::path out = directory_.path() / "history" / "usdm" / "BTCUSDT";
  std::vector<std::string> first_two_days;
  for (const std::string& row : trades) {
    if (std::stoll(row.substr(row.rfind(',', row.rfind(',') - 1) + 1)) <
        day("2024-01-03") / kNsPerMs)
      first_two_days.push_back(row);
  }
  EXPECT_EQ(gunzip(out / "aggTrades.gz"),
            gunzip(imported("trades.gz", first_two_days, "BTCUSDT-aggTrades.csv")));
  EXPECT_EQ(gunzip(out / "markPriceKlines-1h.gz"),
            gunzip(imported("marks.gz", marks, "BTCUSDT-1h-marks.csv", true)));
  EXPECT_NE(gunzip(out / "markPriceKlines-1h.gz").find("\"e\":\"markPriceUpdate\""),
            std::string::npos);

  // A day missing between archived ones is a hole: the series is not written.
  simulator_.reset();
  series_.clear();
  add(BinanceMarket::kUsdm, ArchiveKind::kAggTrades, "ETHUSDT", "",
      {"1,2300.1,0.5,1,1,1704067200000,true", "3,2301.1,0.5,3,3,1704240000000,true"});
  server.daily_until_ns = day("2024-01-04");  // 01-01 and 01-03 archived, 01-02 not
  start(server);
  simulator_->withdraw("data/futures/um/daily/aggTrades/ETHUSDT/ETHUSDT-aggTrades-2024-01-02.zip");
  auto holed = options("usdm", {"ETHUSDT"}, {"aggTrades"}, "1h", "2024-01-01", "2024-01-03");
  holed.exchange_info = false;
  EXPECT_EQ(run_fetch_market_data(holed), 1);
  EXPECT_FALSE(std::filesystem::exists(directory_.path() / "history/usdm/ETHUSDT/aggTrades.gz"));
}

TEST_F(FetchMarketDataTest, BadArgumentsAreRefusedWithExitTwo) {
  start({});
  EXPECT_EQ(run_fetch_market_data(
                options("spot", {"BTCUSDT"}, {"fundingRate"}, "1h", "2024-01-01", "2024-01-02")),
            2);  // funding rates are USD-M only
  EXPECT_EQ(run_fetch_market_data(
                options("spot", {"btc-usdt"}, {"klines"}, "1h", "2024-01-01", "2024-01-02")),
            2);
  EXPECT_EQ(run_fetch_market_data(
                options("spot", {"BTCUSDT"}, {"klines"}, "7m", "2024-01-01", "2024-01-02")),
            2);
  EXPECT_EQ(run_fetch_market_data(
                options("spot", {"BTCUSDT"}, {"klines"}, "1h", "2024-01-03", "2024-01-02")),
            2);
  EXPECT_EQ(simulator_->rest_calls(), 0u);
}

}  // namespace
}  // namespace sigex
