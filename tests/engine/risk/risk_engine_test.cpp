#include "engine/risk/risk_engine.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class RiskEngineTest : public ::testing::Test {
 protected:
  RiskEngineTest() {
    instrument_ = btcusdt();
    quote_.bid = price("49990");
    quote_.ask = price("50010");
    quote_.last_update_ns = kNow - kNsPerSecond;
    config_.max_order_notional = money("1000");
    config_.max_position_notional = money("2000");
    config_.price_collar_bps = 100;
    config_.max_quote_age_ns = 5 * kNsPerSecond;
  }

  RiskView view() const {
    return RiskView{instrument_, quote_, position_, kNow, cash_, position_.quantity, false, false};
  }

  OrderIntent buy(std::string_view limit, std::string_view size) const {
    OrderIntent intent;
    intent.instrument = 0;
    intent.side = Side::kBuy;
    intent.price = price(limit);
    intent.quantity = quantity(size);
    return intent;
  }

  static constexpr TimeNs kNow = 1'000 * kNsPerSecond;
  Instrument instrument_;
  Quote quote_;
  Position position_;
  Money cash_ = money("10000");
  RiskConfig config_;
};

TEST_F(RiskEngineTest, ApprovesAnOrderWithinEveryLimit) {
  RiskEngine risk(config_);
  EXPECT_EQ(risk.check(buy("50100", "0.01"), view()), RiskDenial::kNone);
  EXPECT_EQ(risk.approvals(), 1u);
}

TEST_F(RiskEngineTest, EachLimitHasItsReason) {
  RiskEngine risk(config_);
  EXPECT_EQ(risk.check(buy("50100", "0.03"), view()), RiskDenial::kMaxOrderNotional);
  EXPECT_EQ(risk.check(buy("50600", "0.01"), view()), RiskDenial::kPriceCollar);
  EXPECT_EQ(risk.check(buy("49400", "0.01"), view()), RiskDenial::kPriceCollar);
  EXPECT_EQ(risk.check(buy("50100", "0"), view()), RiskDenial::kInvalidOrder);
  position_.quantity = quantity("0.035");
  EXPECT_EQ(risk.check(buy("50100", "0.01"), view()), RiskDenial::kMaxPositionNotional);
  position_.quantity = quantity("0");
  cash_ = money("100");
  EXPECT_EQ(risk.check(buy("50100", "0.01"), view()), RiskDenial::kInsufficientBalance);
  OrderIntent sell = buy("49950", "0.01");
  sell.side = Side::kSell;
  EXPECT_EQ(risk.check(sell, view()), RiskDenial::kInsufficientPosition);
  EXPECT_EQ(risk.denials(RiskDenial::kPriceCollar), 2u);
}

TEST_F(RiskEngineTest, FailsClosedOnStaleOrMissingPrices) {
  RiskEngine risk(config_);
  quote_.last_update_ns = kNow - 6 * kNsPerSecond;
  EXPECT_EQ(risk.check(buy("50000", "0.01"), view()), RiskDenial::kMarketDataStale);
  quote_ = Quote{};
  quote_.last_update_ns = kNow;
  EXPECT_EQ(risk.check(buy("50000", "0.01"), view()), RiskDenial::kNoReferencePrice);
}

TEST_F(RiskEngineTest, HaltAndUnknownOutcomeBlockEverything) {
  RiskEngine risk(config_);
  RiskView halted = view();
  halted.trading_halted = true;
  EXPECT_EQ(risk.check(buy("50000", "0.01"), halted), RiskDenial::kTradingHalted);
  RiskView unknown = view();
  unknown.outcome_unknown_pending = true;
  EXPECT_EQ(risk.check(buy("50000", "0.01"), unknown), RiskDenial::kOutcomeUnknown);
}

TEST_F(RiskEngineTest, MarketOrdersArePricedAtTheReference) {
  RiskEngine risk(config_);
  OrderIntent market = buy("0", "0.03");
  market.type = OrderType::kMarket;
  EXPECT_EQ(risk.check(market, view()), RiskDenial::kMaxOrderNotional);
}

}  // namespace
}  // namespace sigex
