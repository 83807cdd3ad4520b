// Exchange filters from a real exchangeInfo response (nautilus_trader fixture): parsed exactly,
// and applied so that a sent order is always valid and never more aggressive or larger than
// intended.

#include "adapters/binance/exchange_filters.h"
#include "adapters/binance/parse_exchange_info.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

ExchangeInfo fixture() {
  std::ifstream in(binance_exchange_info_path());
  std::stringstream text;
  text << in.rdbuf();
  auto info = parse_exchange_info(text.str());
  EXPECT_TRUE(info);
  return info ? *info : ExchangeInfo{};
}

TEST(ExchangeFilters, ParsesTheRealExchangeInfo) {
  const ExchangeInfo info = fixture();
  ASSERT_EQ(info.symbols.size(), 2u);
  EXPECT_EQ(info.server_time_ns, 1634942465856LL * kNsPerMs);
  ASSERT_EQ(info.rate_limits.size(), 4u);
  EXPECT_EQ(info.rate_limits[0].type, "REQUEST_WEIGHT");
  EXPECT_EQ(info.rate_limits[0].limit, 1200);
  EXPECT_EQ(info.rate_limits[1].interval_num, 10);
  const SymbolFilters* btc = info.find("BTCUSDT");
  ASSERT_NE(btc, nullptr);
  EXPECT_EQ(btc->status, "TRADING");
  EXPECT_EQ(btc->tick_size, price("0.01"));
  EXPECT_EQ(btc->max_price, price("1000000"));
  EXPECT_EQ(btc->step_size, quantity("0.00001"));
  EXPECT_EQ(btc->max_quantity, quantity("9000"));
  EXPECT_EQ(btc->market_max_quantity, quantity("112.2110882"));
  EXPECT_EQ(btc->min_notional, money("10"));
  EXPECT_EQ(btc->max_num_orders, 200);
  EXPECT_TRUE(btc->market_orders_allowed);
  EXPECT_EQ(info.find("ETHUSDT")->step_size, quantity("0.0001"));
  EXPECT_EQ(info.find("XRPUSDT"), nullptr);
}

TEST(ExchangeFilters, RoundsInTheSafeDirection) {
  const SymbolFilters btc = *fixture().find("BTCUSDT");
  const auto buy = apply_filters(btc, Side::kBuy, OrderType::kLimit, price("61000.019"),
                                 quantity("0.12345678"), {});
  EXPECT_EQ(buy.failure, FilterFailure::kNone);
  EXPECT_EQ(buy.price, price("61000.01"));       // a buy never pays more than asked
  EXPECT_EQ(buy.quantity, quantity("0.12345"));  // never more than intended
  const auto sell = apply_filters(btc, Side::kSell, OrderType::kLimit, price("61000.011"),
                                  quantity("0.12345678"), {});
  EXPECT_EQ(sell.price, price("61000.02"));  // a sell never sells for less
  EXPECT_EQ(sell.quantity, quantity("0.12345"));
  const auto exact =
      apply_filters(btc, Side::kBuy, OrderType::kLimit, price("61000.01"), quantity("0.1"), {});
  EXPECT_EQ(exact.price, price("61000.01"));
  EXPECT_EQ(exact.quantity, quantity("0.1"));
}

TEST(ExchangeFilters, RefusesWhatTheVenueWould) {
  SymbolFilters btc = *fixture().find("BTCUSDT");
  auto check = [&](Side side, OrderType type, const char* p, const char* q) {
    return apply_filters(btc, side, type, price(p), quantity(q), price("60000")).failure;
  };
  EXPECT_EQ(check(Side::kBuy, OrderType::kLimit, "60000", "0.000009"),
            FilterFailure::kQuantityBelowMinimum);
  EXPECT_EQ(check(Side::kBuy, OrderType::kLimit, "60000", "9000.1"),
            FilterFailure::kQuantityAboveMaximum);
  EXPECT_EQ(check(Side::kBuy, OrderType::kLimit, "60000", "0.0001"),
            FilterFailure::kNotionalBelowMinimum);  // 6 USDT
  EXPECT_EQ(check(Side::kBuy, OrderType::kLimit, "1000001", "0.001"),
            FilterFailure::kPriceOutOfRange);
  EXPECT_EQ(check(Side::kBuy, OrderType::kLimit, "0.001", "1"),
            FilterFailure::kPriceOutOfRange);  // rounds to 0
  EXPECT_EQ(check(Side::kBuy, OrderType::kMarket, "0", "120"),
            FilterFailure::kQuantityAboveMaximum);  // MARKET_LOT_SIZE
  EXPECT_EQ(check(Side::kBuy, OrderType::kMarket, "0", "0.0001"),
            FilterFailure::kNotionalBelowMinimum);
  EXPECT_EQ(check(Side::kSell, OrderType::kMarket, "0", "0.01"), FilterFailure::kNone);
  btc.status = "HALT";
  EXPECT_EQ(check(Side::kBuy, OrderType::kLimit, "60000", "0.01"), FilterFailure::kNotTrading);
}

TEST(ExchangeFilters, MalformedDocumentsAreErrors) {
  EXPECT_FALSE(parse_exchange_info("{"));
  EXPECT_FALSE(parse_exchange_info(R"({"symbols":{}})"));
  EXPECT_FALSE(parse_exchange_info(
      R"({"symbols":[{"symbol":"X","filters":[{"filterType":"PRICE_FILTER","minPrice":"0.1","maxPrice":"1e9","tickSize":"0.1"}]}]})"));
  EXPECT_FALSE(parse_exchange_info(
      R"({"symbols":[{"symbol":"X","filters":[{"filterType":"LOT_SIZE","minQty":"0.000000001","maxQty":"1","stepSize":"1"}]}]})"));
}

}  // namespace
}  // namespace sigex
