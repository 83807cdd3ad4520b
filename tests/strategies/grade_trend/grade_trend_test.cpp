#include "strategies/grade_trend/grade_trend.h"

#include <gtest/gtest.h>

#include "engine/portfolio/margin.h"
#include "support/strategy_harness.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kDay0 = 1'700'000'000LL * kNsPerSecond / kNsPerDay * kNsPerDay;

TEST(GradeAverage, SeededWithTheSimpleAverageThenExponential) {
  GradeAverage average(3);
  average.add(10);
  average.add(20);
  EXPECT_FALSE(average.seeded());
  average.add(30);
  ASSERT_TRUE(average.seeded());
  EXPECT_DOUBLE_EQ(average.value(), 20.0);  // (10 + 20 + 30) / 3
  average.add(40);                          // k = 2 / (3 + 1) = 0.5
  EXPECT_DOUBLE_EQ(average.value(), 30.0);  // 20 + 0.5 * (40 - 20)
  average.add(10);
  EXPECT_DOUBLE_EQ(average.value(), 20.0);  // 30 + 0.5 * (10 - 30)
}

class GradeTrendTest : public ::testing::Test {
 protected:
  void start(const GradeTrendConfig& config) {
    RiskConfig risk;
    risk.max_quote_age_ns = 2 * kNsPerDay;
    strategy_ = &harness_.start(std::make_unique<GradeTrend>(config), risk);
  }
  static GradeTrendConfig config() {
    GradeTrendConfig config;
    config.fast = 2;
    config.slow = 3;
    config.target_fraction_bps = 5'000;
    config.price_tolerance_bps = 0;
    return config;
  }
  // One day: the market, then that day's grade.
  void day(int index, std::string_view grade, std::string_view bid = "20000",
           std::string_view ask = "20000.01") {
    harness_.at(kDay0 + index * kNsPerDay + kNsPerMinute);
    harness_.quote(0, bid, ask, "10");
    harness_.grade(0, grade, kDay0 + index * kNsPerDay);
  }
  Quantity held() { return harness_.engine().portfolio().position(0).quantity; }

  StrategyHarness harness_{kDay0};
  GradeTrend* strategy_ = nullptr;
};

TEST_F(GradeTrendTest, BuysWhenTheFastAverageCrossesAboveAndSellsWhenItCrossesBelow) {
  start(config());
  day(0, "50");
  day(1, "50");
  EXPECT_EQ(strategy_->trend(0), std::nullopt) << "slow needs 3 values";
  day(2, "50");
  EXPECT_EQ(strategy_->trend(0), 0) << "fast 50 = slow 50: flat";
  EXPECT_EQ(held().raw, 0);
  day(3, "80");  // fast 50 + 2/3 * 30 = 70, slow 50 + 1/2 * 30 = 65
  EXPECT_EQ(strategy_->trend(0), 1);
  // Half the equity (10000 USDT) at the ask 20000.01: 0.2499998..., down to the step 0.00001.
  EXPECT_EQ(held(), quantity("0.24999"));
  day(4, "80");  // still up: nothing more
  EXPECT_EQ(harness_.engine().orders().orders().size(), 1u);
  day(5, "20");  // fast 80 + 2/3 * (20 - 80) ≈ 39.6, slow ≈ 51.25
  EXPECT_EQ(strategy_->trend(0), -1);
  EXPECT_EQ(held().raw, 0) << "long_only: a down trend is flat";
  EXPECT_EQ(strategy_->counters().entries, 1u);
  EXPECT_EQ(strategy_->counters().exits, 1u);
  const auto& orders = harness_.engine().orders().orders();
  ASSERT_EQ(orders.size(), 2u);
  EXPECT_EQ(orders[0].reason, "grade_trend_up");
  EXPECT_EQ(orders[1].reason, "grade_trend_down");
}

TEST_F(GradeTrendTest, TheSameGradeTwiceAndOtherGradeKindsChangeNothing) {
  start(config());
  for (int i = 0; i < 3; ++i) day(i, "50");
  day(3, "80");
  ASSERT_EQ(held(), quantity("0.24999"));
  const std::uint64_t grades = strategy_->counters().grades;
  harness_.grade(0, "10", kDay0 + 3 * kNsPerDay);  // the same date again: not a new value
  InboundEvent other;
  other.kind = MarketEventKind::kGrade;
  other.grade =
      Grade{0, GradeKind::kTmGrade, 100, 3375, kDay0 + 4 * kNsPerDay, harness_.clock().now_ns()};
  harness_.process(other);
  EXPECT_EQ(strategy_->counters().grades, grades);
  EXPECT_EQ(held(), quantity("0.24999"));
}

TEST_F(GradeTrendTest, APositionWorthMoreThanOneOrderMayBeIsSoldInParts) {
  GradeTrendConfig limited = config();
  limited.max_order_notional = money("3000");  // from [risk] max_order_notional
  start(limited);
  for (int i = 0; i < 3; ++i) day(i, "50");
  day(3, "80");
  ASSERT_EQ(held(), quantity("0.14999"));  // 3000 at 20000.01, down to the step
  day(4, "20", "40000", "40000.01");       // the price doubled: the position is worth 6000
  EXPECT_EQ(held().raw, 0);
  int sells = 0;
  for (const Order& order : harness_.engine().orders().orders()) {
    if (order.side != Side::kSell) continue;
    ++sells;
    EXPECT_LE(notional(order.price, 8, order.quantity, 8, Rounding::kDown).value(), money("3000"));
  }
  EXPECT_GE(sells, 2);
}

TEST_F(GradeTrendTest, ADecisionWithoutAMarketWaitsForTheNextQuote) {
  start(config());
  for (int i = 0; i < 3; ++i) day(i, "50");
  // The grade arrives two days after the last quote: the quote is too old to trade on.
  harness_.at(kDay0 + 5 * kNsPerDay);
  harness_.grade(0, "80", kDay0 + 5 * kNsPerDay);
  EXPECT_EQ(held().raw, 0);
  harness_.quote(0, "20000", "20000.01", "10");
  EXPECT_EQ(held(), quantity("0.24999"));
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

// The same rules on a perpetual: both directions, a flip closes with reduce-only orders first.
class GradeTrendPerpetualTest : public ::testing::Test {
 protected:
  static InstrumentRegistry perpetual() {
    InstrumentRegistry registry;
    registry.add(btcusdt_perpetual(2));
    return registry;
  }
  void start(TrendMode mode) {
    GradeTrendConfig config;
    config.fast = 2;
    config.slow = 3;
    config.mode = mode;
    config.target_fraction_bps = 5'000;
    config.price_tolerance_bps = 0;
    RiskConfig risk;
    risk.max_quote_age_ns = 2 * kNsPerDay;
    risk.max_order_notional = money("100000");
    risk.max_position_notional = money("100000");
    strategy_ = &harness_.start(std::make_unique<GradeTrend>(config), risk);
  }
  void day(int index, std::string_view grade, std::string_view bid = "20000",
           std::string_view ask = "20000.1") {
    harness_.at(kDay0 + index * kNsPerDay + kNsPerMinute);
    harness_.quote(0, bid, ask, "10");
    harness_.grade(0, grade, kDay0 + index * kNsPerDay);
  }
  Quantity held() { return harness_.engine().portfolio().position(0).quantity; }

  StrategyHarness harness_{kDay0, perpetual()};
  GradeTrend* strategy_ = nullptr;
};

TEST_F(GradeTrendPerpetualTest, GoesShortOnADownTrendAndFlipsOnTheWayBack) {
  start(TrendMode::kLongShort);
  day(0, "50");
  day(1, "50");
  day(2, "50");
  day(3, "20");  // fast 30, slow 35: short
  EXPECT_EQ(strategy_->trend(0), -1);
  // Half the equity (5000 USDT) at the bid 20000, down to the step 0.001: 0.25 short.
  EXPECT_EQ(held(), quantity("-0.25"));
  day(4, "90");  // fast 30 + 2/3 * 60 = 70, slow 35 + 1/2 * 55 = 62.5: long
  EXPECT_EQ(strategy_->trend(0), 1);
  EXPECT_EQ(held().raw, quantity("0.249").raw) << "closed, then opened at the ask";
  const auto& orders = harness_.engine().orders().orders();
  ASSERT_EQ(orders.size(), 3u);
  EXPECT_EQ(orders[0].side, Side::kSell);
  EXPECT_FALSE(orders[0].reduce_only);
  EXPECT_EQ(orders[0].reason, "grade_trend_down");
  EXPECT_EQ(orders[1].side, Side::kBuy);
  EXPECT_TRUE(orders[1].reduce_only);
  EXPECT_EQ(orders[1].quantity, quantity("0.25"));
  EXPECT_EQ(orders[2].side, Side::kBuy);
  EXPECT_FALSE(orders[2].reduce_only);
  EXPECT_EQ(strategy_->counters().entries, 2u);
  EXPECT_EQ(strategy_->counters().exits, 1u);
  // The engine's and the venue's accounts agree.
  EXPECT_EQ(harness_.venue().account().position(0).quantity, held());
  EXPECT_EQ(harness_.venue().account().cash(), harness_.engine().portfolio().cash());
}

TEST_F(GradeTrendPerpetualTest, ShortOnlyIsFlatOnAnUpTrend) {
  start(TrendMode::kShortOnly);
  day(0, "50");
  day(1, "50");
  day(2, "50");
  day(3, "80");
  EXPECT_EQ(held().raw, 0);
  day(4, "10");  // fast 80 + 2/3 * -70 ≈ 33.3, slow 65 + 1/2 * -55 = 37.5: short
  EXPECT_LT(held().raw, 0);
  day(5, "95");
  EXPECT_EQ(held().raw, 0) << "short_only: an up trend is flat";
}

TEST(GradeTrendPerpetual, EntriesFitTheAvailableMarginAtTheLeverage) {
  // All of the equity wanted, at 1x: capped at 99 % of the available margin (fees, tolerance).
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(1));
  StrategyHarness harness(kDay0, std::move(registry));
  GradeTrendConfig config;
  config.fast = 2;
  config.slow = 3;
  config.mode = TrendMode::kLongShort;
  config.target_fraction_bps = 10'000;
  config.price_tolerance_bps = 0;
  RiskConfig risk;
  risk.max_quote_age_ns = 2 * kNsPerDay;
  harness.start(std::make_unique<GradeTrend>(config), risk);
  const char* grades[] = {"50", "50", "50", "80"};
  for (int index = 0; index < 4; ++index) {
    harness.at(kDay0 + index * kNsPerDay + kNsPerMinute);
    harness.quote(0, "20000", "20000.1", "10");
    harness.grade(0, grades[index], kDay0 + index * kNsPerDay);
  }
  const Quantity held = harness.engine().portfolio().position(0).quantity;
  EXPECT_EQ(held, quantity("0.494"));  // 9900 / 20000.1, down to the step
  EXPECT_EQ(harness.engine().risk().denials(RiskDenial::kInsufficientMargin), 0u);
}

// Two instruments ranked by grade: only the best of those trending up is held, and it changes
// hands when another overtakes it.
TEST(GradeTrendRanked, TopKHoldsOnlyTheBestGradesTrendingUp) {
  StrategyHarness harness{kDay0};
  GradeTrendConfig config;
  config.fast = 1;
  config.slow = 2;
  config.top_k = 1;
  config.target_fraction_bps = 4'000;
  config.price_tolerance_bps = 0;
  RiskConfig risk;
  risk.max_quote_age_ns = 30 * kNsPerDay;
  harness.start(std::make_unique<GradeTrend>(config), risk);
  const auto held = [&](InstrumentId id) {
    return harness.engine().portfolio().position(id).quantity.raw;
  };
  const auto day = [&](int index, std::string_view btc, std::string_view eth) {
    harness.at(kDay0 + index * kNsPerDay + kNsPerMinute);
    harness.quote(0, "20000", "20000.01", "10");
    harness.quote(1, "1000", "1000.01", "100");
    harness.grade(0, btc, kDay0 + index * kNsPerDay);
    harness.grade(1, eth, kDay0 + index * kNsPerDay);
    harness.wait(kNsPerSecond);
  };
  day(0, "50", "40");
  day(1, "60", "45");  // both trend up; BTC's 60 is the best grade
  EXPECT_GT(held(0), 0);
  EXPECT_EQ(held(1), 0);
  day(2, "62", "70");  // ETH overtakes: BTC closed, ETH bought
  EXPECT_EQ(held(0), 0);
  EXPECT_GT(held(1), 0);
}

}  // namespace
}  // namespace sigex
