#include "strategies/grade_rebalance/grade_rebalance.h"

#include <gtest/gtest.h>

#include "support/strategy_harness.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kStart = 1'700'000'000LL * kNsPerSecond;
constexpr InstrumentId kBtc = 0;
constexpr InstrumentId kEth = 1;

// The strategy inside the real engine, risk, OMS and a zero-latency, fee-free simulated venue
// (tests/support).
class GradeRebalanceTest : public ::testing::Test {
 protected:
  void start(const GradeRebalanceConfig& config) {
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerDay;
    strategy_ = &harness_.start(std::make_unique<GradeRebalance>(config), risk);
    engine_ = &harness_.engine();
  }

  static GradeRebalanceConfig config() {
    GradeRebalanceConfig config;
    config.grade_floor_hundredths = 5000;
    config.max_weight_bps = 7000;
    config.invest_fraction_bps = 9000;
    config.drift_band_bps = 200;
    config.price_tolerance_bps = 0;
    config.settle_ns = kNsPerSecond;
    config.max_signal_age_ns = kNsPerHour;
    config.max_grade_age_ns = kNsPerHour;
    return config;
  }

  // Moves the clock on, running timers and venue answers on the way.
  void wait(DurationNs duration) { harness_.wait(duration); }
  // A quote one cent either side of `mid`.
  void quote(InstrumentId instrument, std::string_view mid) {
    const std::int64_t cent = price("0.01").raw;
    harness_.quote(instrument, format_decimal(price(mid).raw - cent, 8),
                   format_decimal(price(mid).raw + cent, 8), "1000");
  }
  void grade(InstrumentId instrument, std::string_view value, TimeNs date) {
    harness_.grade(instrument, value, date);
  }
  void signal(InstrumentId instrument, int value, TimeNs date, int trend = 0) {
    harness_.signal(instrument, SignalTimeframe::kHourly, value, date, trend);
  }
  Money value_of(InstrumentId instrument, std::string_view mark) const {
    const Instrument& spec = harness_.instruments().get(instrument);
    return notional(price(mark), spec.price_scale,
                    engine_->portfolio().position(instrument).quantity, spec.quantity_scale,
                    Rounding::kDown)
        .value();
  }
  std::size_t orders() const { return engine_->orders().orders().size(); }
  // Within a quantity step and the spread of `expected`.
  static ::testing::AssertionResult near(Money value, std::string_view expected) {
    const Money gap = value - money(expected);
    if (gap.raw <= money("1").raw && gap.raw >= -money("1").raw)
      return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << format_decimal(value.raw, kMoneyScale) << " is not near " << expected;
  }

  StrategyHarness harness_{kStart};
  Engine* engine_ = nullptr;
  GradeRebalance* strategy_ = nullptr;
};

TEST_F(GradeRebalanceTest, WeightsFollowGradesAmongBullishAssetsAboveTheFloor) {
  start(config());
  quote(kBtc, "20000");
  quote(kEth, "1000");
  grade(kBtc, "80", kStart);
  grade(kEth, "40", kStart);  // below the floor
  signal(kBtc, 1, kStart);
  signal(kEth, 1, kStart);
  EXPECT_EQ(orders(), 0u);  // nothing before the settle time: grades and signals act together
  wait(2 * kNsPerSecond);
  // Only BTC is eligible: 90 % invested, capped at 70 % of that = 63 % of 10 000.
  EXPECT_EQ(strategy_->target_weight_bps(kBtc), 6300);
  EXPECT_EQ(strategy_->target_weight_bps(kEth), 0);
  EXPECT_TRUE(near(value_of(kBtc, "20000"), "6300"));
  EXPECT_TRUE(near(value_of(kEth, "1000"), "0"));

  // ETH improves: weights 80:60 of 90 % -> BTC 51.42 %, ETH 38.57 %.
  grade(kEth, "60", kStart + kNsPerMinute);
  wait(2 * kNsPerSecond);
  EXPECT_EQ(strategy_->target_weight_bps(kBtc), 5142);
  EXPECT_EQ(strategy_->target_weight_bps(kEth), 3857);
  EXPECT_TRUE(near(value_of(kBtc, "20000"), "5142"));  // sold first, then ETH bought
  EXPECT_TRUE(near(value_of(kEth, "1000"), "3857"));
  EXPECT_EQ(strategy_->counters().sells, 1u);
  EXPECT_EQ(strategy_->counters().buys, 2u);
}

TEST_F(GradeRebalanceTest, BearishOrNeutralWithoutABullishTrendSellsOut) {
  start(config());
  quote(kBtc, "20000");
  grade(kBtc, "80", kStart);
  signal(kBtc, 0, kStart, 1);  // neutral, trend up: still bullish
  wait(2 * kNsPerSecond);
  EXPECT_GT(engine_->portfolio().position(kBtc).quantity.raw, 0);
  signal(kBtc, -1, kStart + kNsPerMinute);
  wait(2 * kNsPerSecond);
  EXPECT_EQ(engine_->portfolio().position(kBtc).quantity.raw, 0);
}

TEST_F(GradeRebalanceTest, SmallDriftIsLeftAlone) {
  start(config());
  quote(kBtc, "20000");
  grade(kBtc, "80", kStart);
  signal(kBtc, 1, kStart);
  wait(2 * kNsPerSecond);
  const std::size_t placed = orders();
  quote(kBtc, "20400");  // +2 %: BTC is now 64.3 % of equity, 1.3 points off target
  grade(kBtc, "81", kStart + kNsPerMinute);
  wait(2 * kNsPerSecond);
  EXPECT_EQ(orders(), placed);
  EXPECT_GE(strategy_->counters().within_band, 1u);
}

TEST_F(GradeRebalanceTest, StaleAndOutOfOrderInputsAreIgnored) {
  start(config());
  harness_.at(kStart + 2 * kNsPerHour);
  quote(kBtc, "20000");
  grade(kBtc, "80", kStart);  // two hours old: stale
  signal(kBtc, 1, kStart + 2 * kNsPerHour);
  grade(kBtc, "90", kStart + 2 * kNsPerHour);
  signal(kBtc, -1, kStart + kNsPerHour);  // older than the bullish one: it does not win
  wait(2 * kNsPerSecond);
  EXPECT_EQ(strategy_->counters().stale_inputs, 1u);
  EXPECT_EQ(strategy_->counters().superseded_inputs, 1u);
  EXPECT_TRUE(near(value_of(kBtc, "20000"), "6300"));
}

TEST_F(GradeRebalanceTest, OrdersStayWithinTheMaximumOrderNotional) {
  GradeRebalanceConfig sized = config();
  sized.max_order_notional = money("2500");
  start(sized);
  quote(kBtc, "20000");
  grade(kBtc, "80", kStart);
  signal(kBtc, 1, kStart);
  wait(2 * kNsPerSecond);
  // 6300 in orders of at most 2500, each round after the last one filled.
  EXPECT_TRUE(near(value_of(kBtc, "20000"), "6300"));
  EXPECT_EQ(orders(), 3u);
  EXPECT_EQ(engine_->risk().denials(RiskDenial::kMaxOrderNotional), 0u);
}

TEST_F(GradeRebalanceTest, TopKHoldsOnlyTheBestGradesAndGradesAloneCanDecide) {
  GradeRebalanceConfig ranked = config();
  ranked.top_k = 1;
  ranked.require_signal = false;  // grades-only history: no trading signal at all
  start(ranked);
  quote(kBtc, "20000");
  quote(kEth, "1000");
  grade(kBtc, "80", kStart);
  grade(kEth, "60", kStart);
  wait(2 * kNsPerSecond);
  // Only the best grade is held: 90 % invested, capped at 70 % of that.
  EXPECT_EQ(strategy_->target_weight_bps(kBtc), 6300);
  EXPECT_EQ(strategy_->target_weight_bps(kEth), 0);
  EXPECT_TRUE(near(value_of(kBtc, "20000"), "6300"));
  // ETH overtakes BTC: BTC is sold, ETH bought.
  grade(kEth, "90", kStart + kNsPerMinute);
  wait(2 * kNsPerSecond);
  EXPECT_EQ(strategy_->target_weight_bps(kBtc), 0);
  EXPECT_EQ(strategy_->target_weight_bps(kEth), 6300);
  EXPECT_TRUE(near(value_of(kBtc, "20000"), "0"));
  EXPECT_TRUE(near(value_of(kEth, "1000"), "6300"));
}

}  // namespace
}  // namespace sigex
