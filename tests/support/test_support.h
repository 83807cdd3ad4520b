#pragma once

// Shared fixtures for tests: instruments shaped like Binance's BTCUSDT/ETHUSDT and a private
// temporary directory removed at the end of the test.

#include <gtest/gtest.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "engine/core/decimal.h"
#include "engine/core/instrument.h"

namespace sigex {
// Readable gtest failure messages for fixed-point values.
inline void PrintTo(const Price& value, std::ostream* out) { *out << format_decimal(value.raw, 8); }
inline void PrintTo(const Quantity& value, std::ostream* out) {
  *out << format_decimal(value.raw, 8);
}
inline void PrintTo(const Money& value, std::ostream* out) {
  *out << format_decimal(value.raw, kMoneyScale);
}
}  // namespace sigex

namespace sigex::testing {

// The whole file, or "" when it cannot be read.
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

inline Price price(std::string_view text) { return Price{parse_decimal(text, 8).value()}; }
inline Quantity quantity(std::string_view text) { return Quantity{parse_decimal(text, 8).value()}; }
inline Money money(std::string_view text) {
  return Money{parse_decimal(text, kMoneyScale).value()};
}

// Binance's exchange information for BTCUSDT and ETHUSDT (a real capture), which the
// exchange simulator serves.
inline std::string binance_exchange_info_path() {
  return std::string(SIGEX_SOURCE_DIR) + "/tests/data/nautilus/http_spot_market_exchange_info.json";
}

inline Instrument btcusdt() {
  Instrument instrument;
  instrument.symbol = Symbol::from("BTCUSDT");
  instrument.base_asset = AssetCode::from("BTC");
  instrument.quote_asset = AssetCode::from("USDT");
  instrument.tick_size = price("0.01");
  instrument.step_size = quantity("0.00001");
  instrument.min_quantity = quantity("0.00001");
  instrument.min_notional = money("5");
  instrument.token_id = 3375;
  instrument.token_symbol = AssetCode::from("BTC");
  return instrument;
}

inline Instrument ethusdt() {
  Instrument instrument = btcusdt();
  instrument.symbol = Symbol::from("ETHUSDT");
  instrument.base_asset = AssetCode::from("ETH");
  instrument.step_size = quantity("0.0001");
  instrument.min_quantity = quantity("0.0001");
  instrument.token_id = 3306;
  instrument.token_symbol = AssetCode::from("ETH");
  return instrument;
}

// Binance's BTCUSDT USD-M perpetual with its first four leverage brackets (Oct 2024, from
// ../shared/data/freqtrade/binance_leverage_tiers.BTC-ETH-excerpt.json); the maintenance
// amounts are derived by margin.h as Binance derives its `cum`.
inline Instrument btcusdt_perpetual(int leverage = 10) {
  Instrument instrument = btcusdt();
  instrument.kind = InstrumentKind::kPerpetual;
  instrument.step_size = quantity("0.001");
  instrument.min_quantity = quantity("0.001");
  instrument.leverage = leverage;
  const struct {
    const char* cap;
    std::int64_t rate;
    int max_leverage;
  } rows[] = {{"50000", 400'000, 125},
              {"600000", 500'000, 100},
              {"3000000", 650'000, 75},
              {"12000000", 1'000'000, 50}};
  for (const auto& row : rows) {
    instrument.bracket_table[instrument.bracket_count++] =
        MarginBracket{money(row.cap), Rate{row.rate}, Money{0}, row.max_leverage};
  }
  return instrument;
}

// Venues mixed in one configuration: BTCUSDT on Binance, ETH-USDT on Coinbase.
inline InstrumentRegistry instruments_on_two_venues() {
  Instrument binance = btcusdt();
  binance.venue = VenueName::from("binance");
  Instrument coinbase = ethusdt();
  coinbase.symbol = Symbol::from("ETH-USDT");
  coinbase.venue = VenueName::from("coinbase");
  InstrumentRegistry registry;
  registry.add(binance);
  registry.add(coinbase);
  return registry;
}

inline InstrumentRegistry two_instruments() {
  InstrumentRegistry registry;
  registry.add(btcusdt());
  registry.add(ethusdt());
  return registry;
}

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "sigex-test-" + std::to_string(::getpid());
    if (info != nullptr) name += std::string("-") + info->test_suite_name() + "-" + info->name();
    // Parameterised tests are named "Prefix/Suite" and "Case/0": one flat directory each, so
    // that the destructor removes everything the test made.
    std::replace(name.begin(), name.end(), '/', '_');
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace sigex::testing
