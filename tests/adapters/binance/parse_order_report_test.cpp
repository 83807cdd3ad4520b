// Binance order answers in the documented shapes (ACK, FULL, cancel, query, open orders).

#include "adapters/binance/parse_order_report.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TEST(OrderReport, FullAnswerWithFills) {
  const auto report = parse_order_report(R"({
    "symbol": "BTCUSDT", "orderId": 28, "orderListId": -1,
    "clientOrderId": "6gCrw2kRUAF9CvJDGP16IP", "transactTime": 1507725176595,
    "price": "0.00000000", "origQty": "10.00000000", "executedQty": "10.00000000",
    "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "10.00000000",
    "status": "FILLED", "timeInForce": "GTC", "type": "MARKET", "side": "SELL",
    "workingTime": 1507725176595, "selfTradePreventionMode": "NONE",
    "fills": [
      {"price":"4000.00000000","qty":"1.00000000","commission":"4.00000000","commissionAsset":"USDT","tradeId":56},
      {"price":"3999.00000000","qty":"5.00000000","commission":"19.99500000","commissionAsset":"USDT","tradeId":57}]})");
  ASSERT_TRUE(report) << report.error().what;
  EXPECT_EQ(report->order_id, 28u);
  EXPECT_EQ(report->client_order_id.view(), "6gCrw2kRUAF9CvJDGP16IP");
  EXPECT_EQ(report->status, VenueOrderStatus::kFilled);
  EXPECT_TRUE(is_final(report->status));
  EXPECT_EQ(report->executed_quantity, quantity("10"));
  EXPECT_EQ(report->transact_time_ns, 1507725176595LL * kNsPerMs);
  ASSERT_EQ(report->fills.size(), 2u);
  EXPECT_EQ(report->fills[1].price, price("3999"));
  EXPECT_EQ(report->fills[1].commission, money("19.995"));
  EXPECT_EQ(report->fills[1].trade_id, 57u);
}

TEST(OrderReport, AckCancelAndQuery) {
  const auto ack = parse_order_report(
      R"({"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"6gCrw2kRUAF9CvJDGP16IP","transactTime":1507725176595})");
  EXPECT_FALSE(ack);  // an ACK has no status: sigex always asks for FULL answers
  const auto cancel = parse_order_report(R"({
    "symbol": "LTCBTC", "origClientOrderId": "myOrder1", "orderId": 4, "orderListId": -1,
    "clientOrderId": "cancelMyOrder1", "transactTime": 1684804350068,
    "price": "2.00000000", "origQty": "1.00000000", "executedQty": "0.00000000",
    "origQuoteOrderQty": "0.000000", "cummulativeQuoteQty": "0.00000000",
    "status": "CANCELED", "timeInForce": "GTC", "type": "LIMIT", "side": "BUY",
    "selfTradePreventionMode": "NONE"})");
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->client_order_id.view(), "myOrder1");  // the order's id, not the cancel's
  EXPECT_EQ(cancel->status, VenueOrderStatus::kCanceled);
  const auto open = parse_order_reports(R"([{
    "symbol": "LTCBTC", "orderId": 1, "orderListId": -1, "clientOrderId": "myOrder1",
    "price": "0.1", "origQty": "1.0", "executedQty": "0.0", "cummulativeQuoteQty": "0.0",
    "status": "NEW", "timeInForce": "GTC", "type": "LIMIT", "side": "BUY",
    "stopPrice": "0.0", "icebergQty": "0.0", "time": 1499827319559, "updateTime": 1499827319559,
    "isWorking": true, "workingTime": 1499827319559, "origQuoteOrderQty": "0.000000",
    "selfTradePreventionMode": "NONE"}])");
  ASSERT_TRUE(open);
  ASSERT_EQ(open->size(), 1u);
  EXPECT_EQ((*open)[0].price, price("0.1"));
  EXPECT_FALSE(is_final((*open)[0].status));
}

TEST(OrderReport, HistoryTradesAndTickerCarrySideTimeAndFeeAsset) {
  // GET /api/v3/allOrders rows: creation time and side.
  const auto history = parse_order_reports(
      R"([{"symbol":"BTCUSDT","orderId":28,"orderListId":-1,"clientOrderId":"sf-Ab3xQ9-0c1d2e3f4a5b-0","price":"0.00000000",)"
      R"("origQty":"0.00100000","executedQty":"0.00100000","cummulativeQuoteQty":"60.00000000","status":"FILLED",)"
      R"("timeInForce":"GTC","type":"MARKET","side":"SELL","time":1499827319559,"updateTime":1499827319600}])");
  ASSERT_TRUE(history) << history.error().what;
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].side, Side::kSell);
  EXPECT_EQ((*history)[0].created_time_ns, 1499827319559 * kNsPerMs);
  EXPECT_EQ((*history)[0].transact_time_ns, 1499827319600 * kNsPerMs);
  // As the engine sees it: at the instrument's scales (here 2 and 5 decimals), created time.
  Instrument btc = btcusdt();
  btc.price_scale = 2;
  btc.quantity_scale = 5;
  const AccountOrder order = account_order((*history)[0], btc);
  EXPECT_EQ(order.client_order_id.view(), "sf-Ab3xQ9-0c1d2e3f4a5b-0");
  EXPECT_EQ(order.quantity.raw, 100);  // 0.00100 at 5 decimals
  EXPECT_EQ(order.executed.raw, 100);
  EXPECT_EQ(order.status, "FILLED");
  EXPECT_EQ(order.time_ns, 1499827319559 * kNsPerMs);
  // GET /api/v3/myTrades rows: the commission's asset as charged, and who bought.
  const auto trades = parse_account_trades(
      R"([{"symbol":"BTCUSDT","id":7,"orderId":28,"orderListId":-1,"price":"60000.00000000","qty":"0.00080000",)"
      R"("quoteQty":"48.00000000","commission":"0.00000080","commissionAsset":"BTC","time":1499865549590,)"
      R"("isBuyer":true,"isMaker":false,"isBestMatch":true},)"
      R"({"symbol":"BTCUSDT","id":8,"orderId":29,"orderListId":-1,"price":"60000.00000000","qty":"0.00080000",)"
      R"("quoteQty":"48.00000000","commission":"0.00006000","commissionAsset":"BNB","time":1499865549591,)"
      R"("isBuyer":false,"isMaker":true,"isBestMatch":true}])");
  ASSERT_TRUE(trades) << trades.error().what;
  ASSERT_EQ(trades->size(), 2u);
  EXPECT_EQ((*trades)[0].commission_asset, "BTC");
  EXPECT_EQ((*trades)[0].commission.raw, 80);
  EXPECT_TRUE((*trades)[0].buyer);
  EXPECT_EQ((*trades)[1].commission_asset, "BNB");
  EXPECT_FALSE((*trades)[1].buyer);
  const auto ticker = parse_ticker_price(R"({"symbol":"BNBUSDT","price":"612.34000000"})");
  ASSERT_TRUE(ticker);
  EXPECT_EQ(ticker->raw, 61'234'000'000);
  EXPECT_FALSE(parse_ticker_price(R"({"symbol":"BNBUSDT"})"));
}

TEST(OrderReport, BadAnswersAreErrors) {
  EXPECT_FALSE(parse_order_report("{"));
  EXPECT_FALSE(parse_order_report("[]"));
  EXPECT_FALSE(
      parse_order_report(R"({"symbol":"X","orderId":1,"clientOrderId":"a","status":"WEIRD"})"));
  EXPECT_FALSE(parse_order_report(
      R"({"symbol":"X","orderId":1,"clientOrderId":"a","status":"NEW","executedQty":"1e3"})"));
  EXPECT_FALSE(parse_order_report(
      R"({"symbol":"X","orderId":1,"clientOrderId":"0123456789012345678901234567890123456","status":"NEW"})"));
  EXPECT_EQ(venue_order_status("EXPIRED_IN_MATCH").value(), VenueOrderStatus::kExpired);
}

}  // namespace
}  // namespace sigex
