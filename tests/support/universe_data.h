#pragma once

// A synthetic universe for backtests over many instruments and years (tests and benchmarks):
// hourly candles of `symbols` spot pairs T00USDT, T01USDT, ... written in the binary recorded
// format (as `sigex fetch-market-data --format binary` lays them out), the exchange
// information snapshot that lists them (plus pairs the universe must leave out), daily
// Token Metrics trader grades for each token, and the state directory's token-id cache.
// Prices and grades are deterministic walks: the same arguments make the same bytes.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <zlib.h>

#include "adapters/recorded/binary_records.h"
#include "adapters/recorded/csv_import.h"
#include "engine/core/calendar.h"

namespace sigex::testing {

struct UniverseData {
  std::filesystem::path history;  // <dir>/history: spot/<SYMBOL>/klines-1h.sigexbin, ...
  std::filesystem::path grades;   // <dir>/grades.jsonl.gz
  std::filesystem::path state;    // <dir>/state with token-ids.tsv
  std::uint64_t candles = 0;
  std::uint64_t grade_rows = 0;
};

inline std::string universe_symbol(int index) { return fmt::format("T{:02}USDT", index); }

inline UniverseData make_universe_data(const std::filesystem::path& directory, int symbols,
                                       TimeNs from_ns, int days) {
  UniverseData data;
  data.history = directory / "history";
  data.grades = directory / "grades.jsonl.gz";
  data.state = directory / "state";
  std::filesystem::create_directories(data.history / "spot");
  std::filesystem::create_directories(data.state);
  std::string info = R"({"timezone":"UTC","serverTime":1700000000000,"rateLimits":[],"symbols":[)";
  std::ofstream tokens(data.state / "token-ids.tsv");
  const auto listing = [&](const std::string& symbol, const std::string& base,
                           const std::string& quote, const char* status) {
    info += fmt::format(
        R"({}{{"symbol":"{}","status":"{}","baseAsset":"{}","quoteAsset":"{}","filters":[)"
        R"({{"filterType":"PRICE_FILTER","minPrice":"0.00010000","maxPrice":"1000000.00000000","tickSize":"0.00010000"}},)"
        R"({{"filterType":"LOT_SIZE","minQty":"0.01000000","maxQty":"9000000.00000000","stepSize":"0.01000000"}},)"
        R"({{"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false}}]}})",
        info.ends_with("[") ? "" : ",", symbol, status, base, quote);
  };
  for (int s = 0; s < symbols; ++s) {
    const std::string symbol = universe_symbol(s);
    const std::string base = symbol.substr(0, symbol.size() - 4);
    listing(symbol, base, "USDT", "TRADING");
    tokens << base << '\t' << 10'000 + s << '\t' << "Token " << s << '\n';
    // Hourly candles: a walk in ten-thousandths around 10 + s.
    CsvText csv{symbol + "-1h-all.csv", {}};
    std::int64_t price = std::int64_t{10 + s} * 10'000;
    const std::int64_t hours = static_cast<std::int64_t>(days) * 24;
    for (std::int64_t h = 0; h < hours; ++h) {
      const std::int64_t open = from_ns / kNsPerMs + h * 3'600'000;
      const std::int64_t step = ((h * 7919 + std::int64_t{s} * 104729) % 401) - 200 + (s % 7) - 3;
      const std::int64_t close = std::max<std::int64_t>(price + step, 1'000);
      const std::int64_t high = std::max(price, close) + 50;
      const std::int64_t low = std::max<std::int64_t>(std::min(price, close) - 50, 500);
      const auto text = [](std::int64_t v) {
        return fmt::format("{}.{:04}", v / 10'000, v % 10'000);
      };
      csv.content += fmt::format("{},{},{},{},{},5000.00,{},50000.0,100,2500.00,25000.0,0\n", open,
                                 text(price), text(high), text(low), text(close), open + 3'599'999);
      price = close;
    }
    CsvImport imported;
    std::string error;
    if (!import_csv_texts({csv}, {}, imported, error)) throw std::runtime_error(error);
    data.candles += imported.lines.size();
    std::filesystem::create_directories(data.history / "spot" / symbol);
    if (!write_binary_records((data.history / "spot" / symbol / "klines-1h.sigexbin").string(),
                              BinanceMarket::kSpot, imported.lines, error))
      throw std::runtime_error(error);
  }
  // Listed but not selected: another quote asset, and a pair not trading.
  listing("T00BTC", "T00", "BTC", "TRADING");
  listing("ZZZUSDT", "ZZZ", "USDT", "BREAK");
  info += "]}";
  std::ofstream(data.history / "spot" / "exchange-info.json") << info;
  // Daily trader grades, received 5 minutes after their date: one envelope per day.
  gzFile grades = gzopen(data.grades.c_str(), "wb1");
  for (int d = 0; d < days; ++d) {
    const TimeNs date = from_ns + d * kNsPerDay;
    std::string rows;
    for (int s = 0; s < symbols; ++s) {
      const int grade = 20 + static_cast<int>((d * 37 + s * 53 + (d / 7) * s) % 7'500) / 100;
      rows += fmt::format(
          R"({}{{"TOKEN_ID":{},"TOKEN_SYMBOL":"T{:02}","DATE":"{}","TM_TRADER_GRADE":{}.{:02}}})",
          s == 0 ? "" : ",", 10'000 + s, s, format_utc_timestamp(date), grade, (d * 13 + s) % 100);
      ++data.grade_rows;
    }
    const std::string line =
        fmt::format(R"({} {{"success":true,"message":"synthetic grades","length":{},"data":[{}]}})",
                    date + 5 * kNsPerMinute, symbols, rows) +
        "\n";
    gzwrite(grades, line.data(), static_cast<unsigned>(line.size()));
  }
  gzclose(grades);
  return data;
}

// A backtest configuration over that universe: grade_rebalance holding the `top_k` best.
inline std::string universe_config(const UniverseData& data, const std::filesystem::path& out,
                                   int top_k) {
  return fmt::format(R"([engine]
cash_asset = "USDT"
starting_cash = "100000"
journal_durability = "normal"
state_dir = "{state}"

[logging]
level = "warn"

[universe]
symbols = ["T*USDT"]
max_instruments = 100

[backtest]
exchange_info = ["{history}/spot/exchange-info.json"]
out_dir = "{out}"
equity_interval_s = 86400

[[backtest.inputs]]
path = "{history}/spot/*/klines-1h.sigexbin"

[[backtest.inputs]]
path = "{grades}"

[venue.simulated]
order_latency_us = 50000
maker_fee_bps = 10
taker_fee_bps = 10
bar_participation_bps = 1000
bar_open_tolerance_bps = 100

[risk]
max_order_notional = "20000"
max_position_notional = "30000"
price_collar_bps = 500
max_quote_age_ms = 7200000
max_gross_exposure = "1000000"
max_orders_per_instrument = 0
max_orders_total = 0
max_fills = 0

[signals]
max_grade_age_s = 259200

[strategy.grade_rebalance]
grade = "trader"
grade_floor = "0"
top_k = {top_k}
require_signal = false
max_weight_bps = 2000
invest_fraction_bps = 9500
drift_band_bps = 300
price_tolerance_bps = 100
rebalance_interval_s = 86400
max_grade_age_s = 172800
)",
                     fmt::arg("state", data.state.string()),
                     fmt::arg("history", data.history.string()),
                     fmt::arg("grades", data.grades.string()), fmt::arg("out", out.string()),
                     fmt::arg("top_k", top_k));
}

}  // namespace sigex::testing
