#include "adapters/binance_usdm/parse_account.h"

#include <gtest/gtest.h>

#include <simdjson.h>

#include "engine/portfolio/margin.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// The httpResponse of entry `index` of ccxt's recorded USD-M bodies, as JSON text.
std::string ccxt_body(std::size_t index) {
  const std::string text =
      read_file(std::string(SIGEX_SOURCE_DIR) + "/tests/data/ccxt-usdm/binance.usdm-excerpt.json");
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(text);
  simdjson::dom::element entries = root;
  if (root.is_object()) entries = root["entries"];
  return simdjson::minify(entries.at(index)["httpResponse"]);
}

TEST(UsdmAccount, PositionRiskOfARealMainnetLong) {
  const auto rows = parse_position_risk(ccxt_body(3));
  ASSERT_TRUE(rows) << rows.error().what;
  ASSERT_EQ(rows->size(), 1u);
  const UsdmPositionRisk& row = rows->front();
  EXPECT_EQ(row.symbol, "BTCUSDT");
  EXPECT_EQ(row.position_side, "BOTH");
  EXPECT_EQ(row.amount, quantity("0.009").raw);
  EXPECT_EQ(row.entry_price, price("67445.9").raw);
  EXPECT_EQ(row.liquidation_price, price("64846.98753790").raw);
  // Binance's maintenance margin is 0.4 % of the notional at the mark; sigex's (rounded up,
  // never understated) is within one unit of the eighth decimal of it.
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(20));
  const Instrument& btc = registry.get(0);
  const Money notional = position_notional(btc, Quantity{row.amount}, Price{row.mark_price});
  const Money ours = maintenance_margin(btc, notional);
  EXPECT_GE(ours.raw, row.maintenance_margin);
  EXPECT_LE(ours.raw - row.maintenance_margin, 2);
  const auto held = held_perpetuals(*rows, registry);
  ASSERT_TRUE(held);
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(held->front().held, quantity("0.009"));
}

TEST(UsdmAccount, PerpetualsTheVenueDoesNotListAreFlatAndHedgeModeIsRefused) {
  InstrumentRegistry registry;
  registry.add(btcusdt());  // spot: not a position
  Instrument eth = btcusdt_perpetual();
  eth.symbol = Symbol::from("ETHUSDT");
  eth.token_id = 0;
  registry.add(eth);
  const auto held = held_perpetuals({}, registry);
  ASSERT_TRUE(held);
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ(held->front().instrument, 1);
  EXPECT_EQ(held->front().held.raw, 0);
  UsdmPositionRisk hedge;
  hedge.symbol = "ETHUSDT";
  hedge.position_side = "SHORT";
  EXPECT_FALSE(held_perpetuals({hedge}, registry));
}

TEST(UsdmAccount, FundingIncomeRowsWithStringIds) {
  const auto payments = parse_funding_income(ccxt_body(10));
  ASSERT_TRUE(payments) << payments.error().what;
  ASSERT_EQ(payments->size(), 1u);
  EXPECT_EQ(payments->front().symbol, "BTCUSDT");
  EXPECT_EQ(payments->front().amount, money("-0.04618913").raw);
  EXPECT_EQ(payments->front().time_ns, 1'707'465'600'000 * kNsPerMs);
  EXPECT_EQ(payments->front().transaction_id, 8082457372019390060u);
  EXPECT_FALSE(parse_funding_income("{}"));
  EXPECT_FALSE(parse_position_risk("[{\"positionAmt\":\"1\"}]"));
}

}  // namespace
}  // namespace sigex
