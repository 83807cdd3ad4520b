#include "engine/risk/risk_engine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "engine/core/int128.h"
#include "engine/portfolio/margin.h"

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

TEST_F(RiskEngineTest, QuantityAndGrossExposureLimits) {
  config_.max_order_quantity = {quantity("0.005")};
  RiskEngine by_quantity(config_);
  EXPECT_EQ(by_quantity.check(buy("50100", "0.01"), view()), RiskDenial::kMaxOrderQuantity);
  EXPECT_EQ(by_quantity.check(buy("50100", "0.005"), view()), RiskDenial::kNone);
  config_.max_order_quantity.clear();
  config_.max_gross_exposure = money("3000");
  RiskEngine by_exposure(config_);
  RiskView exposed = view();
  exposed.gross_exposure = money("2600");  // other instruments already held
  EXPECT_EQ(by_exposure.check(buy("50100", "0.01"), exposed), RiskDenial::kMaxGrossExposure);
  exposed.gross_exposure = money("2400");
  EXPECT_EQ(by_exposure.check(buy("50100", "0.01"), exposed), RiskDenial::kNone);
}

TEST_F(RiskEngineTest, SelfTradeIsDenied) {
  RiskEngine risk(config_);
  RiskView crossing = view();
  crossing.crosses_own_order = true;
  EXPECT_EQ(risk.check(buy("50100", "0.01"), crossing), RiskDenial::kSelfTrade);
}

TEST_F(RiskEngineTest, TradingStatesAndDisabledStrategies) {
  RiskEngine risk(config_);
  position_.quantity = quantity("0.02");
  OrderIntent sell = buy("49950", "0.01");
  sell.side = Side::kSell;
  RiskView reducing = view();
  reducing.state = TradingState::kReducing;
  EXPECT_EQ(risk.check(buy("50100", "0.01"), reducing), RiskDenial::kReducingOnly);
  EXPECT_EQ(risk.check(sell, reducing), RiskDenial::kNone);  // shrinks the position
  sell.quantity = quantity("0.03");
  EXPECT_EQ(risk.check(sell, reducing), RiskDenial::kReducingOnly);  // would go short
  RiskView halted = view();
  halted.state = TradingState::kHalted;
  sell.quantity = quantity("0.01");
  EXPECT_EQ(risk.check(sell, halted), RiskDenial::kTradingHalted);  // not even reducing
  RiskView disabled = view();
  disabled.strategy_disabled = true;
  EXPECT_EQ(risk.check(sell, disabled), RiskDenial::kStrategyDisabled);
}

TEST_F(RiskEngineTest, OrderRateThrottlePerInstrumentAndOverall) {
  config_.max_orders_per_instrument = 3;
  config_.max_orders_total = 4;
  config_.order_rate_window_ns = 10 * kNsPerSecond;
  RiskEngine risk(config_);
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(risk.check(buy("50100", "0.001"), view()), RiskDenial::kNone);
  EXPECT_EQ(risk.check(buy("50100", "0.001"), view()), RiskDenial::kOrderRateInstrument);
  Instrument eth = ethusdt();
  Quote eth_quote;
  eth_quote.bid = price("2999");
  eth_quote.ask = price("3001");
  eth_quote.last_update_ns = kNow;
  OrderIntent eth_buy = buy("3000", "0.1");
  eth_buy.instrument = 1;
  RiskView eth_view{eth, eth_quote, position_, kNow, cash_, position_.quantity, false, false};
  EXPECT_EQ(risk.check(eth_buy, eth_view), RiskDenial::kNone);  // 4th overall
  EXPECT_EQ(risk.check(eth_buy, eth_view), RiskDenial::kOrderRateTotal);
  // The window moves on: orders older than 10 s no longer count.
  RiskView later = view();
  later.now_ns = kNow + 10 * kNsPerSecond;
  quote_.last_update_ns = later.now_ns;
  EXPECT_EQ(risk.check(buy("50100", "0.001"), later), RiskDenial::kNone);
  EXPECT_EQ(risk.denials(RiskDenial::kOrderRateInstrument), 1u);
  EXPECT_EQ(risk.denials(RiskDenial::kOrderRateTotal), 1u);
}

TEST_F(RiskEngineTest, RepeatedExecutionThrottleTripsOnTheFillOverTheLimit) {
  config_.max_fills = 3;
  config_.fill_window_ns = 60 * kNsPerSecond;
  RiskEngine risk(config_);
  EXPECT_FALSE(risk.record_fill(0, kNow));
  EXPECT_FALSE(risk.record_fill(0, kNow + 1));
  EXPECT_FALSE(risk.record_fill(1, kNow + 2));  // another strategy's fills are its own
  EXPECT_FALSE(risk.record_fill(0, kNow + 3));
  EXPECT_TRUE(risk.record_fill(0, kNow + 4));
  EXPECT_FALSE(risk.record_fill(1, kNow + 61 * kNsPerSecond));
}

// Random orders against random market states and limits: whatever the check approves stays
// within every configured limit, computed here independently.
TEST_F(RiskEngineTest, ApprovedOrdersNeverBreachALimit) {
  std::mt19937_64 random(20261128);
  auto pick = [&](std::int64_t low, std::int64_t high) {
    return std::uniform_int_distribution<std::int64_t>(low, high)(random);
  };
  std::uint64_t approved = 0;
  for (int round = 0; round < 20'000; ++round) {
    config_.max_order_notional = Money{pick(1, 5'000) * 100'000'000LL};
    config_.max_position_notional = Money{pick(1, 10'000) * 100'000'000LL};
    config_.max_gross_exposure = Money{pick(1, 20'000) * 100'000'000LL};
    config_.max_order_quantity = {Quantity{pick(0, 10'000'000)}};
    config_.price_collar_bps = pick(1, 1'000);
    RiskEngine risk(config_);
    const Price reference = Price{pick(10'000, 100'000) * 100'000'000LL};  // USDT per BTC
    quote_ = Quote{};
    quote_.last_trade = reference;
    quote_.last_update_ns = kNow - pick(0, 6) * kNsPerSecond;
    position_.quantity = Quantity{pick(0, 20'000'000)};
    cash_ = Money{pick(0, 100'000) * 100'000'000LL};
    RiskView world = view();
    world.gross_exposure = Money{pick(0, 20'000) * 100'000'000LL};
    const auto state_pick = pick(0, 9);
    world.state = state_pick < 8    ? TradingState::kActive
                  : state_pick == 8 ? TradingState::kReducing
                                    : TradingState::kHalted;
    world.crosses_own_order = pick(0, 9) == 0;
    world.available_to_sell = position_.quantity;
    OrderIntent intent = buy("0", "0");
    intent.side = pick(0, 1) == 0 ? Side::kBuy : Side::kSell;
    intent.type = pick(0, 4) == 0 ? OrderType::kMarket : OrderType::kLimit;
    intent.price = Price{reference.raw + pick(-reference.raw / 20, reference.raw / 20)};
    intent.quantity = Quantity{pick(1, 5'000'000)};
    if (risk.check(intent, world) != RiskDenial::kNone) continue;
    ++approved;
    const Price priced = intent.type == OrderType::kMarket ? reference : intent.price;
    // Prices and quantities have 8 decimals: the product has 16, money 8.
    const Money order_value{static_cast<std::int64_t>(static_cast<Int128>(priced.raw) *
                                                      intent.quantity.raw / 100'000'000)};
    ASSERT_TRUE(quote_.is_fresh(kNow, config_.max_quote_age_ns));
    ASSERT_NE(world.state, TradingState::kHalted);
    ASSERT_FALSE(world.crosses_own_order);
    ASSERT_LE(order_value.raw, config_.max_order_notional.raw + 1);
    if (config_.max_order_quantity[0].raw > 0) {
      ASSERT_LE(intent.quantity, config_.max_order_quantity[0]);
    }
    if (intent.type == OrderType::kLimit) {
      ASSERT_LE(std::abs(static_cast<double>(intent.price.raw - reference.raw)) * 10'000,
                static_cast<double>(reference.raw) * static_cast<double>(config_.price_collar_bps) +
                    10'000);
    }
    if (intent.side == Side::kBuy) {
      ASSERT_EQ(world.state, TradingState::kActive);
      ASSERT_LE(order_value.raw, cash_.raw + 1);
      ASSERT_LE(world.gross_exposure.raw + order_value.raw, config_.max_gross_exposure.raw + 1);
    } else {
      ASSERT_LE(intent.quantity, position_.quantity);
    }
  }
  EXPECT_GT(approved, 1'000u) << "the property was hardly exercised";
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

// Perpetuals: reduce-only orders are never denied for exposure; margin, leverage and the
// distance to the liquidation price bound what opens or grows a position.
class PerpetualRiskTest : public ::testing::Test {
 protected:
  PerpetualRiskTest() {
    InstrumentRegistry registry;
    registry.add(btcusdt_perpetual(10));
    instrument_ = registry.get(0);
    quote_.bid = price("49990");
    quote_.ask = price("50010");
    quote_.last_update_ns = kNow;
    config_.max_order_notional = money("20000");
    config_.max_position_notional = money("30000");
    config_.price_collar_bps = 100;
    config_.max_leverage = {5};
    config_.min_liquidation_distance_bps = 1000;
  }

  RiskView view() const {
    RiskView view{instrument_, quote_, position_, kNow, money("0"), Quantity{0}, false, false};
    view.state = state_;
    view.margin_balance = margin_balance_;
    view.available_margin = available_margin_;
    view.wallet_for_position = margin_balance_;
    return view;
  }

  OrderIntent order(Side side, std::string_view size, bool reduce_only = false) const {
    OrderIntent intent;
    intent.instrument = 0;
    intent.side = side;
    intent.price = side == Side::kBuy ? price("50100") : price("49900");
    intent.quantity = quantity(size);
    intent.reduce_only = reduce_only;
    return intent;
  }

  void hold(std::string_view size, std::string_view entry) {
    position_.quantity = quantity(size);
    position_.entry_price = price(entry);
    position_.cost_basis =
        position_notional(instrument_, position_.quantity, position_.entry_price);
  }

  static constexpr TimeNs kNow = 1'000 * kNsPerSecond;
  Instrument instrument_;
  Quote quote_;
  Position position_;
  TradingState state_ = TradingState::kActive;
  Money margin_balance_ = money("10000");
  Money available_margin_ = money("10000");
  RiskConfig config_;
};

TEST_F(PerpetualRiskTest, ShortsOpenWithinMarginAndLimits) {
  RiskEngine risk(config_);
  EXPECT_EQ(risk.check(order(Side::kSell, "0.2"), view()), RiskDenial::kNone);  // 10000 short
  EXPECT_EQ(risk.check(order(Side::kSell, "0.7"), view()), RiskDenial::kMaxOrderNotional);
  hold("-0.5", "50000");
  EXPECT_EQ(risk.check(order(Side::kSell, "0.2"), view()), RiskDenial::kMaxPositionNotional);
  hold("0", "0");
  available_margin_ = money("900");  // 10000 at 10x needs 1000
  EXPECT_EQ(risk.check(order(Side::kSell, "0.2"), view()), RiskDenial::kInsufficientMargin);
}

TEST_F(PerpetualRiskTest, LeverageOverTheMarginBalanceIsCapped) {
  RiskEngine risk(config_);
  margin_balance_ = money("3000");  // 5x of 3000 is 15000
  EXPECT_EQ(risk.check(order(Side::kBuy, "0.29"), view()), RiskDenial::kNone);
  EXPECT_EQ(risk.check(order(Side::kBuy, "0.31"), view()), RiskDenial::kMaxLeverage);
}

TEST_F(PerpetualRiskTest, AnOrderThatBringsTheLiquidationPriceTooCloseIsDenied) {
  config_.max_leverage = {0};
  config_.max_position_notional = money("100000");
  config_.max_order_notional = money("100000");
  RiskEngine risk(config_);
  margin_balance_ = money("2000");
  // 0.2 BTC long with 2000 behind it: liquidation near 40160, 20 % away: allowed.
  EXPECT_EQ(risk.check(order(Side::kBuy, "0.2"), view()), RiskDenial::kNone);
  // 0.35 BTC: liquidation near 44460, 11 % away: allowed; 0.4 BTC: near 45180, 9.6 %: denied.
  EXPECT_EQ(risk.check(order(Side::kBuy, "0.35"), view()), RiskDenial::kNone);
  EXPECT_EQ(risk.check(order(Side::kBuy, "0.4"), view()), RiskDenial::kLiquidationDistance);
  EXPECT_EQ(risk.check(order(Side::kSell, "0.4"), view()), RiskDenial::kLiquidationDistance);
}

TEST_F(PerpetualRiskTest, ReduceOnlyIsNeverDeniedForExposure) {
  RiskEngine risk(config_);
  hold("-1", "50000");  // 50000 short: beyond every limit (the limits were lowered)
  available_margin_ = money("0");
  margin_balance_ = money("100");
  state_ = TradingState::kReducing;
  EXPECT_EQ(risk.check(order(Side::kBuy, "1", true), view()), RiskDenial::kNone);
  EXPECT_EQ(risk.check(order(Side::kBuy, "0.4", true), view()), RiskDenial::kNone);
  // What would open a position is refused, flagged or not.
  EXPECT_EQ(risk.check(order(Side::kBuy, "1.5", true), view()), RiskDenial::kReducingOnly);
  state_ = TradingState::kActive;
  EXPECT_EQ(risk.check(order(Side::kBuy, "1.5", true), view()),
            RiskDenial::kReduceOnlyWouldIncrease);
  EXPECT_EQ(risk.check(order(Side::kSell, "0.1", true), view()),
            RiskDenial::kReduceOnlyWouldIncrease);
  state_ = TradingState::kReducing;
  EXPECT_EQ(risk.check(order(Side::kSell, "0.1"), view()), RiskDenial::kReducingOnly);
  state_ = TradingState::kHalted;
  EXPECT_EQ(risk.check(order(Side::kBuy, "1", true), view()), RiskDenial::kTradingHalted);
}

TEST_F(PerpetualRiskTest, ClosingAndFlippingNeedMarginOnlyForWhatOpens) {
  RiskEngine risk(config_);
  hold("0.2", "50000");
  available_margin_ = money("0");
  EXPECT_EQ(risk.check(order(Side::kSell, "0.2"), view()), RiskDenial::kNone);  // closes
  EXPECT_EQ(risk.check(order(Side::kSell, "0.3"), view()), RiskDenial::kInsufficientMargin);
  available_margin_ = money("600");  // the 0.1 it opens needs 500
  EXPECT_EQ(risk.check(order(Side::kSell, "0.3"), view()), RiskDenial::kNone);
}

}  // namespace
}  // namespace sigex
