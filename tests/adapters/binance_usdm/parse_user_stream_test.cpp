#include "adapters/binance_usdm/parse_user_stream.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

std::string fixture(const std::string& name) {
  return read_file(std::string(SIGEX_SOURCE_DIR) + "/tests/data/" + name);
}

// Binance's documented example (the NT fixture order_update_trade.json), §9.1.
constexpr const char* kOrderTradeUpdate =
    R"({"e":"ORDER_TRADE_UPDATE","E":1568879465651,"T":1568879465651,"o":{"s":"BTCUSDT","c":"TEST","S":"BUY","o":"LIMIT",
 "f":"GTC","q":"0.001","p":"7100.50","ap":"7100.50","sp":"0","x":"TRADE","X":"PARTIALLY_FILLED","i":8886774,
 "l":"0.001","z":"0.001","L":"7100.50","N":"USDT","n":"0.01000000","T":1568879465651,"t":12345678,"b":"0","a":"0",
 "m":true,"R":false,"wt":"CONTRACT_PRICE","ot":"LIMIT","ps":"LONG","cp":false,"AP":"0","cr":"0","pP":false,
 "si":0,"ss":0,"rp":"12.34","V":"EXPIRE_TAKER"}})";

TEST(UsdmUserStream, OrderTradeUpdateCarriesTheFillAndItsRealisedPnl) {
  const auto event = parse_usdm_user_event(kOrderTradeUpdate);
  ASSERT_TRUE(event) << event.error().what;
  ASSERT_EQ(event->kind, UsdmUserEventKind::kOrderUpdate);
  const UsdmOrderUpdate& order = event->order;
  EXPECT_EQ(order.symbol, "BTCUSDT");
  EXPECT_EQ(order.client_order_id.view(), "TEST");
  EXPECT_FALSE(order.venue_order);
  EXPECT_EQ(order.execution_type, "TRADE");
  EXPECT_EQ(order.status, VenueOrderStatus::kPartiallyFilled);
  EXPECT_EQ(order.order_id, 8886774u);
  EXPECT_EQ(order.fill.trade_id, 12345678u);
  EXPECT_EQ(order.fill.quantity, quantity("0.001"));
  EXPECT_EQ(order.fill.price, price("7100.50"));
  EXPECT_EQ(order.fill.commission, money("0.01"));
  EXPECT_EQ(order.fill.commission_asset, "USDT");
  EXPECT_TRUE(order.fill.maker);
  EXPECT_EQ(order.realised_pnl, money("12.34"));
  EXPECT_FALSE(order.reduce_only);
  EXPECT_EQ(event->event_time_ns, 1'568'879'465'651 * kNsPerMs);
}

TEST(UsdmUserStream, ALiquidationIsTheVenuesOwnOrder) {
  std::string liquidation = kOrderTradeUpdate;
  liquidation.replace(liquidation.find(R"("c":"TEST")"), 10,
                      R"("c":"autoclose-1596107620040000020")");
  liquidation.replace(liquidation.find(R"("x":"TRADE")"), 11, R"("x":"CALCULATED")");
  const auto event = parse_usdm_user_event(liquidation);
  ASSERT_TRUE(event) << event.error().what;
  EXPECT_TRUE(event->order.venue_order);
  EXPECT_EQ(event->order.execution_type, "CALCULATED");
  EXPECT_TRUE(is_venue_minted_id("adl_autoclose"));
  EXPECT_TRUE(is_venue_minted_id("settlement_autoclose-1"));
  EXPECT_FALSE(is_venue_minted_id("gtp-XLcRYy-1"));
}

TEST(UsdmUserStream, TradeLiteFromARealStream) {
  const auto event = parse_usdm_user_event(fixture("nautilus-usdm/ws_futures_trade_lite.json"));
  ASSERT_TRUE(event) << event.error().what;
  ASSERT_EQ(event->kind, UsdmUserEventKind::kTradeLite);
  EXPECT_EQ(event->order.symbol, "ETHUSDT");
  EXPECT_EQ(event->order.client_order_id.view(), "O-20240930-081155-001-000-29");
  EXPECT_EQ(event->order.side, Side::kBuy);
  EXPECT_EQ(event->order.fill.quantity, quantity("0.037"));
  EXPECT_EQ(event->order.fill.price, price("2631.90"));
  EXPECT_EQ(event->order.fill.trade_id, 4467432841u);
  EXPECT_EQ(event->order.order_id, 8389765739703625592u);
}

TEST(UsdmUserStream, AccountUpdatesWithBalancesPositionsAndFunding) {
  const auto real = parse_usdm_user_event(fixture("nautilus-usdm/account_update_bnfcr.json"));
  ASSERT_TRUE(real) << real.error().what;
  ASSERT_EQ(real->kind, UsdmUserEventKind::kAccountUpdate);
  EXPECT_EQ(real->reason, "ORDER");
  ASSERT_EQ(real->balances.size(), 1u);
  EXPECT_EQ(real->balances[0].asset, "BNFCR");
  EXPECT_EQ(real->balances[0].wallet, money("5001.28983031").raw);
  EXPECT_TRUE(real->positions.empty());
  // §9.2's example, with a one-way short, and a cross-margin funding event naming its symbol.
  const auto update = parse_usdm_user_event(
      R"({"stream":"k","data":{"e":"ACCOUNT_UPDATE","E":1,"T":1,"a":{"m":"FUNDING_FEE","S":"BTCUSDT","B":[{"a":"USDT","wb":"122624.12345678","cw":"100.12345678","bc":"-0.5"}],"P":[{"s":"BTCUSDT","pa":"-0.020","ep":"6563.6","bep":"6563.559","cr":"0","up":"2.85","mt":"cross","iw":"0","ps":"BOTH"}]}}})");
  ASSERT_TRUE(update) << update.error().what;
  EXPECT_EQ(update->reason, "FUNDING_FEE");
  EXPECT_EQ(update->funding_symbol, "BTCUSDT");
  EXPECT_EQ(update->balances[0].change, money("-0.5").raw);
  ASSERT_EQ(update->positions.size(), 1u);
  EXPECT_EQ(update->positions[0].amount, quantity("-0.02").raw);
  EXPECT_EQ(update->positions[0].position_side, "BOTH");
}

TEST(UsdmUserStream, ListenKeyExpiryWithATextTimeAndBadInput) {
  const auto expired =
      parse_usdm_user_event(R"({"e":"listenKeyExpired","E":"1736996475556","listenKey":"x"})");
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->kind, UsdmUserEventKind::kListenKeyExpired);
  EXPECT_EQ(expired->event_time_ns, 1'736'996'475'556 * kNsPerMs);
  EXPECT_EQ(parse_usdm_user_event(R"({"e":"ALGO_UPDATE","E":1,"o":{}})")->kind,
            UsdmUserEventKind::kOther);
  EXPECT_FALSE(parse_usdm_user_event("not json"));
  // A time past 2262 in milliseconds would overflow nanoseconds (found by the fuzzer).
  EXPECT_FALSE(
      parse_usdm_user_event(R"({"e":"ACCOUNT_UPDATE","E":12723161255208000,"a":{"m":"ORDER"}})"));
  EXPECT_FALSE(parse_usdm_user_event(R"({"e":"ACCOUNT_UPDATE","E":-5,"a":{"m":"ORDER"}})"));
  EXPECT_FALSE(parse_usdm_user_event(R"({"E":1})"));
  std::string no_trade_id = kOrderTradeUpdate;
  no_trade_id.replace(no_trade_id.find(R"("t":12345678)"), 12, R"("t":0)");
  EXPECT_FALSE(parse_usdm_user_event(no_trade_id)) << "a fill must carry its trade id";
  std::string bad_side = kOrderTradeUpdate;
  bad_side.replace(bad_side.find(R"("S":"BUY")"), 9, R"("S":"B")");
  EXPECT_FALSE(parse_usdm_user_event(bad_side));
}

}  // namespace
}  // namespace sigex
