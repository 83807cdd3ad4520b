#include "adapters/binance_usdm/order_body.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// Binance's official USD-M HMAC vector (../shared/reference/binance-usdm-futures.md §2.1, F1).
constexpr const char* kFuturesSecret =
    "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

TEST(UsdmOrderBody, TheOfficialFuturesVectorSignsAsDocumented) {
  const auto signer = make_hmac_signer(Secret(std::string(kFuturesSecret)));
  std::string body =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC&recvWindow=5000&"
      "timestamp=1591702613943";
  sign_body(*signer, body);
  EXPECT_TRUE(
      body.ends_with("&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9"))
      << body;
  // F3, a lookup by client order id.
  EXPECT_EQ(signer->sign("symbol=BTCUSDT&origClientOrderId=myOrder1&recvWindow=5000&timestamp="
                         "1591702613943"),
            "de69fe1af23989128f1bf22e4e6bb46d4a4aa90b311b34d294919a45489ed574");
}

TEST(UsdmOrderBody, AReduceOnlyIocCloseOfAShort) {
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(5));
  const auto signer = make_hmac_signer(Secret(std::string(kFuturesSecret)));
  OrderCommand command{};
  command.kind = OrderCommandKind::kNew;
  command.side = Side::kBuy;
  command.type = OrderType::kLimit;
  command.time_in_force = TimeInForce::kImmediateOrCancel;
  command.price = price("61900.10");
  command.quantity = quantity("0.250");
  command.client_order_id = ClientOrderId::from("gtp-XLcRYy-36088f4a8090-0");
  command.reduce_only = true;
  std::string body;
  usdm_new_order_body(command, registry.get(0), 1'700'000'000'123, 5000, *signer, body);
  const std::string unsigned_part =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&price=61900.1&quantity=0.25&"
      "reduceOnly=true&newClientOrderId=gtp-XLcRYy-36088f4a8090-0&newOrderRespType=RESULT&"
      "selfTradePreventionMode=EXPIRE_TAKER&recvWindow=5000&timestamp=1700000000123";
  EXPECT_EQ(body, unsigned_part + "&signature=" + hmac_sha256_hex(kFuturesSecret, unsigned_part));
  // An opening market order carries no reduceOnly and no price.
  command.type = OrderType::kMarket;
  command.reduce_only = false;
  command.side = Side::kSell;
  usdm_new_order_body(command, registry.get(0), 1'700'000'000'123, 5000, *signer, body);
  EXPECT_EQ(body.find("reduceOnly"), std::string::npos);
  EXPECT_EQ(body.find("price="), std::string::npos);
  EXPECT_NE(body.find("side=SELL&type=MARKET&quantity=0.25&"), std::string::npos) << body;
}

}  // namespace
}  // namespace sigex
