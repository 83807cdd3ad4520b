// New-order bodies: the official signing vectors, the exact bodies of spot and USD-M orders,
// and the templates against the parameter-by-parameter builder on generated orders.

#include "adapters/binance/order_body.h"

#include <random>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// Binance's official spot HMAC secret (REST V1-V3) and USD-M vector
// (../shared/reference/binance-usdm-futures.md §2.1, F1).
constexpr const char* kSpotSecret =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
constexpr const char* kFuturesSecret =
    "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";
constexpr const char* kEd25519Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
    "-----END PRIVATE KEY-----\n";

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

OrderCommand limit_order(Side side, TimeInForce time_in_force, std::string_view limit,
                         std::string_view size, std::string_view id) {
  OrderCommand command{};
  command.kind = OrderCommandKind::kNew;
  command.side = side;
  command.type = OrderType::kLimit;
  command.time_in_force = time_in_force;
  command.price = price(limit);
  command.quantity = quantity(size);
  command.client_order_id = ClientOrderId::from(id);
  return command;
}

TEST(UsdmOrderBody, AReduceOnlyIocCloseOfAShort) {
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(5));
  const auto signer = make_hmac_signer(Secret(std::string(kFuturesSecret)));
  OrderCommand command = limit_order(Side::kBuy, TimeInForce::kImmediateOrCancel, "61900.10",
                                     "0.250", "gtp-XLcRYy-36088f4a8090-0");
  command.reduce_only = true;
  NewOrderBodies bodies(BinanceMarket::kUsdm, 5000);
  std::string body;
  bodies.write(command, registry.get(0), 1'700'000'000'123, *signer, body);
  const std::string unsigned_part =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=IOC&price=61900.1&quantity=0.25&"
      "reduceOnly=true&newClientOrderId=gtp-XLcRYy-36088f4a8090-0&newOrderRespType=RESULT&"
      "selfTradePreventionMode=EXPIRE_TAKER&recvWindow=5000&timestamp=1700000000123";
  EXPECT_EQ(body, unsigned_part + "&signature=" + hmac_sha256_hex(kFuturesSecret, unsigned_part));
  // An opening market order carries no reduceOnly and no price.
  command.type = OrderType::kMarket;
  command.reduce_only = false;
  command.side = Side::kSell;
  bodies.write(command, registry.get(0), 1'700'000'000'123, *signer, body);
  EXPECT_EQ(body.find("reduceOnly"), std::string::npos);
  EXPECT_EQ(body.find("price="), std::string::npos);
  EXPECT_NE(body.find("side=SELL&type=MARKET&quantity=0.25&"), std::string::npos) << body;
}

TEST(SpotOrderBody, ALimitBuyIsTheDocumentedParametersSignedWithTheOfficialSecret) {
  const InstrumentRegistry registry = two_instruments();
  const auto signer = make_hmac_signer(Secret(std::string(kSpotSecret)));
  NewOrderBodies bodies(BinanceMarket::kSpot, 5000);
  std::string body;
  bodies.write(limit_order(Side::kBuy, TimeInForce::kGoodTillCancel, "60000.01", "0.00100",
                           "sf-XLcRYy-0123456789ab-1"),
               registry.get(0), 1'499'827'319'559, *signer, body);
  const std::string unsigned_part =
      "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC&price=60000.01&quantity=0.001&"
      "newClientOrderId=sf-XLcRYy-0123456789ab-1&newOrderRespType=FULL&recvWindow=5000&"
      "timestamp=1499827319559";
  EXPECT_EQ(body, unsigned_part + "&signature=" + hmac_sha256_hex(kSpotSecret, unsigned_part));
  // A spot order never carries the futures parameters, even when marked reduce-only.
  OrderCommand sell = limit_order(Side::kSell, TimeInForce::kGoodTillCancel, "60000.01", "0.001",
                                  "sf-XLcRYy-0123456789ab-2");
  sell.reduce_only = true;
  bodies.write(sell, registry.get(0), 1'499'827'319'559, *signer, body);
  EXPECT_EQ(body.find("reduceOnly"), std::string::npos) << body;
  EXPECT_EQ(body.find("selfTradePrevention"), std::string::npos) << body;
}

// The property the hot path rests on: whatever the order, the template writes exactly what
// the parameter-by-parameter builder writes, for both markets and both key types, including
// ids that need percent-encoding, instruments whose ids are reused by another registry, and
// values at every scale.
TEST(NewOrderBodies, TemplatesWriteWhatTheParameterBuilderWritesForEveryOrder) {
  std::string error;
  const auto ed25519 = make_ed25519_signer(Secret(std::string(kEd25519Pem)), error);
  ASSERT_TRUE(ed25519) << error;
  const auto hmac = make_hmac_signer(Secret(std::string(kSpotSecret)));
  const RequestSigner* signers[] = {hmac.get(), ed25519.get()};

  std::mt19937_64 random(20261206);
  const auto pick = [&](std::uint64_t below) { return random() % below; };
  const char* symbols[] = {"BTCUSDT", "ETHUSDT", "1000PEPEUSDT", "SOLUSDC", "BNBBTC"};
  const char* ids[] = {"sf-XLcRYy-0123456789ab-1", "gtp-AbCdEf-36088f4a8090-123456", "x",
                       "by hand/1+2=3&", "adopted_order.id~7"};
  for (const BinanceMarket market : {BinanceMarket::kSpot, BinanceMarket::kUsdm}) {
    for (const std::int64_t recv_window : {5'000, 60'000}) {
      NewOrderBodies bodies(market, recv_window);
      std::string body;
      std::string reference;
      for (int round = 0; round < 4'000; ++round) {
        Instrument instrument = market == BinanceMarket::kUsdm ? btcusdt_perpetual() : btcusdt();
        instrument.id = static_cast<InstrumentId>(pick(4));
        instrument.symbol = Symbol::from(symbols[pick(std::size(symbols))]);
        instrument.price_scale = static_cast<int>(pick(9));
        instrument.quantity_scale = static_cast<int>(pick(9));
        OrderCommand command{};
        command.kind = OrderCommandKind::kNew;
        command.side = pick(2) == 0 ? Side::kBuy : Side::kSell;
        command.type = pick(3) == 0 ? OrderType::kMarket : OrderType::kLimit;
        command.time_in_force =
            pick(2) == 0 ? TimeInForce::kGoodTillCancel : TimeInForce::kImmediateOrCancel;
        command.reduce_only = pick(2) == 0;
        command.price = Price{static_cast<std::int64_t>(pick(std::uint64_t{1} << (pick(62) + 1)))};
        command.quantity =
            Quantity{static_cast<std::int64_t>(pick(std::uint64_t{1} << (pick(62) + 1)))};
        command.client_order_id = ClientOrderId::from(ids[pick(std::size(ids))]);
        const auto timestamp = static_cast<std::int64_t>(1'499'827'319'559 + pick(1'000'000'000));
        const RequestSigner& signer = *signers[pick(2)];
        bodies.write(command, instrument, timestamp, signer, body);
        build_new_order_body(market, command, instrument, timestamp, recv_window, signer,
                             reference);
        ASSERT_EQ(body, reference) << "round " << round;
      }
    }
  }
}

}  // namespace
}  // namespace sigex
