// User data stream messages, from the reference's samples (exchange-apis.md §2.5).

#include "adapters/binance/user_stream.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TEST(UserStreamMessage, NewOrderReport) {
  const auto message = parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"executionReport","E":1499405658658,"s":"ETHBTC","c":"mUvoqJxFIILMdfAW5iGSOW","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","P":"0.00000000","F":"0.00000000","g":-1,"C":"","x":"NEW","X":"NEW","r":"NONE","i":4293153,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null,"T":1499405658657,"t":-1,"v":3,"I":8641984,"w":true,"m":false,"M":false,"O":1499405658657,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","W":1499405658657,"V":"NONE"}})");
  ASSERT_TRUE(message) << message.error().what;
  ASSERT_EQ(message->kind, UserStreamMessageKind::kExecutionReport);
  EXPECT_EQ(message->report.client_order_id.view(), "mUvoqJxFIILMdfAW5iGSOW");
  EXPECT_EQ(message->report.execution_type, "NEW");
  EXPECT_EQ(message->report.order_id, 4293153u);
  EXPECT_EQ(message->report.fill.trade_id, 0u);
  EXPECT_EQ(message->report.transact_time_ns, 1499405658657 * kNsPerMs);
}

TEST(UserStreamMessage, ACancelNamesTheOrderInCapitalC) {
  const auto message = parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"executionReport","E":1499405700000,"s":"ETHBTC","c":"cancelMyOrder1","S":"BUY","o":"LIMIT","f":"GTC","q":"1.00000000","p":"0.10264410","P":"0.00000000","F":"0.00000000","g":-1,"C":"myOrder1","x":"CANCELED","X":"CANCELED","r":"NONE","i":4293153,"l":"0.00000000","z":"0.00000000","L":"0.00000000","n":"0","N":null,"T":1499405699999,"t":-1,"I":8641990,"w":false,"m":false,"M":false,"O":1499405658657,"Z":"0.00000000","Y":"0.00000000","Q":"0.00000000","V":"NONE"}})");
  ASSERT_TRUE(message) << message.error().what;
  EXPECT_EQ(message->report.client_order_id.view(), "myOrder1");
  EXPECT_EQ(message->report.status, VenueOrderStatus::kCanceled);
}

TEST(UserStreamMessage, TradeCarriesTheFill) {
  const auto message = parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"executionReport","E":1,"s":"BTCUSDT","c":"sf-1","C":"","x":"TRADE","X":"PARTIALLY_FILLED","i":7,"l":"0.00400000","z":"0.00400000","L":"60000.01000000","n":"0.24000004","N":"USDT","T":1700000000000,"t":991,"m":true}})");
  ASSERT_TRUE(message) << message.error().what;
  const auto& report = message->report;
  EXPECT_EQ(report.fill.trade_id, 991u);
  EXPECT_EQ(report.fill.quantity, quantity("0.004"));
  EXPECT_EQ(report.fill.price, price("60000.01"));
  EXPECT_EQ(report.fill.commission, money("0.24000004"));
  EXPECT_EQ(report.fill.commission_asset, "USDT");
  EXPECT_TRUE(report.fill.maker);
  EXPECT_EQ(report.cumulative_quantity, quantity("0.004"));
}

TEST(UserStreamMessage, SubscriptionAnswersErrorsAndOtherEvents) {
  auto message =
      parse_user_stream_message(R"({"id":"x","status":200,"result":{"subscriptionId":0}})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->kind, UserStreamMessageKind::kSubscribed);
  message = parse_user_stream_message(
      R"({"id":"x","status":400,"error":{"code":-1022,"msg":"Signature for this request is not valid."}})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->kind, UserStreamMessageKind::kError);
  EXPECT_EQ(message->error_code, -1022);
  message = parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"eventStreamTerminated","E":1728973001334}})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->kind, UserStreamMessageKind::kStreamTerminated);
  message = parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"balanceUpdate","E":1573200697110,"a":"BTC","d":"100.00000000","T":1573200697068}})");
  ASSERT_TRUE(message);
  EXPECT_EQ(message->kind, UserStreamMessageKind::kOther);
  // The documented example of the account position pushed after every balance change.
  message = parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1564034571105,"u":1564034571073,"B":[{"a":"ETH","f":"10000.000000","l":"0.000000"},{"a":"USDT","f":"12.5","l":"0.25000000"}]}})");
  ASSERT_TRUE(message);
  ASSERT_EQ(message->kind, UserStreamMessageKind::kAccountPosition);
  ASSERT_EQ(message->balances.size(), 2u);
  EXPECT_EQ(message->balances[0].asset, "ETH");
  EXPECT_EQ(message->balances[0].free, 10'000LL * 100'000'000);
  EXPECT_EQ(message->balances[1].free, 1'250'000'000);
  EXPECT_EQ(message->balances[1].locked, 25'000'000);
}

TEST(UserStreamMessage, BadInputIsRefusedNotGuessed) {
  EXPECT_FALSE(parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1,"B":[{"a":"USDT","f":"x","l":"0"}]}})"));
  EXPECT_FALSE(parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"outboundAccountPosition","E":1}})"));
  EXPECT_FALSE(
      parse_user_stream_message("{\"subscriptionId\":0,\"event\":{\"e\":\"executionReport\"}}"));
  EXPECT_FALSE(parse_user_stream_message("not json"));
  EXPECT_FALSE(parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"executionReport","s":"BTCUSDT","c":"a","x":"TRADE","X":"FILLED","i":7,"l":"1","z":"1","L":"1","t":-1}})"));
  EXPECT_FALSE(parse_user_stream_message(
      R"({"subscriptionId":0,"event":{"e":"executionReport","s":"BTCUSDT","c":"a","x":"NEW","X":"WEIRD","i":7,"l":"0","z":"0","L":"0"}})"));
}

}  // namespace
}  // namespace sigex
