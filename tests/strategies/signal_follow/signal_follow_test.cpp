#include "strategies/signal_follow/signal_follow.h"

#include <gtest/gtest.h>

#include "support/strategy_harness.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kDay = 1'700'000'000LL * kNsPerSecond / kNsPerDay * kNsPerDay;

// The strategy inside the real engine, risk, OMS and simulated venue (tests/support).
class SignalFollowTest : public ::testing::Test {
 protected:
  void start(const SignalFollowConfig& config) {
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerHour;
    strategy_ = &harness_.start(std::make_unique<SignalFollow>(config), risk);
    engine_ = &harness_.engine();
  }

  void at(TimeNs time) { harness_.at(time); }
  void quote(std::string_view bid, std::string_view ask, InstrumentId instrument = 0) {
    harness_.quote(instrument, bid, ask, "10");
  }
  void grade(std::string_view value, TimeNs date = kDay, InstrumentId instrument = 0) {
    harness_.grade(instrument, value, date);
  }
  void signal(int value, TimeNs date = kDay, InstrumentId instrument = 0) {
    harness_.signal(instrument, SignalTimeframe::kDaily, value, date);
  }

  Quantity held() const { return engine_->portfolio().position(0).quantity; }
  std::size_t orders() const { return engine_->orders().orders().size(); }

  SignalFollowConfig config() const {
    SignalFollowConfig config;
    config.entry_grade_hundredths = 6000;
    config.exit_grade_hundredths = 4000;
    config.order_notional = money("1000");
    config.price_tolerance_bps = 50;
    config.stop_loss_bps = 500;
    return config;
  }

  StrategyHarness harness_{kDay};
  Engine* engine_ = nullptr;
  SignalFollow* strategy_ = nullptr;
};

TEST_F(SignalFollowTest, BullishSignalWithGoodGradeEntersAndBearishExits) {
  start(config());
  at(kDay + kNsPerMinute);
  quote("20000", "20000.01");
  grade("75.5");
  signal(1);
  EXPECT_EQ(held(), quantity("0.04975"));  // 1000 / 20100.01 (ask + 50 bps), step 0.00001
  const Order& entry = engine_->orders().orders().at(0);
  EXPECT_EQ(entry.side, Side::kBuy);
  EXPECT_EQ(entry.price, price("20100.01"));
  EXPECT_EQ(entry.time_in_force, TimeInForce::kImmediateOrCancel);
  at(kDay + kNsPerDay + kNsPerMinute);
  quote("20500", "20500.01");
  signal(-1, kDay + kNsPerDay);
  EXPECT_EQ(held().raw, 0);
  EXPECT_EQ(strategy_->counters().exits[static_cast<std::size_t>(ExitReason::kBearishSignal)], 1u);
  EXPECT_GT(engine_->portfolio().cash(), money("10000"));
}

TEST_F(SignalFollowTest, LowOrMissingGradeSkipsTheEntry) {
  start(config());
  at(kDay + kNsPerMinute);
  quote("20000", "20000.01");
  signal(1);  // no grade yet
  grade("59.99", kDay + 1);
  signal(1, kDay + 2);
  EXPECT_EQ(orders(), 0u);
  EXPECT_EQ(strategy_->counters().entries_skipped_grade, 2u);
}

TEST_F(SignalFollowTest, EachSignalActsOnceAndStaleOrOlderSignalsAreIgnored) {
  start(config());
  at(kDay + kNsPerMinute);
  quote("20000", "20000.01");
  grade("80");
  signal(1);
  signal(1);              // the same signal again
  signal(-1, kDay - 10);  // older than the last one seen
  at(kDay + 3 * kNsPerDay);
  quote("20000", "20000.01");
  signal(-1, kDay + kNsPerHour);  // 71 hours old: stale (limit 36 h)
  EXPECT_EQ(orders(), 1u);
  EXPECT_EQ(strategy_->counters().superseded_signals, 2u);
  EXPECT_EQ(strategy_->counters().stale_signals, 1u);
  EXPECT_GT(held().raw, 0);
}

TEST_F(SignalFollowTest, StopLossTakeProfitAndTrailingStopOnTicks) {
  SignalFollowConfig stop = config();
  start(stop);
  at(kDay + kNsPerMinute);
  quote("20000", "20000.01");
  grade("80");
  signal(1);
  ASSERT_GT(held().raw, 0);
  quote("19500", "19500.01");  // -2.5 %: inside the 5 % stop
  EXPECT_GT(held().raw, 0);
  quote("18990", "18990.01");  // -5 %: stop
  EXPECT_EQ(held().raw, 0);
  EXPECT_EQ(strategy_->counters().exits[static_cast<std::size_t>(ExitReason::kStopLoss)], 1u);
}

TEST_F(SignalFollowTest, TrailingStopFollowsThePeak) {
  SignalFollowConfig trailing = config();
  trailing.stop_loss_bps = 0;
  trailing.trailing_stop_bps = 300;
  trailing.take_profit_bps = 2000;
  start(trailing);
  at(kDay + kNsPerMinute);
  quote("20000", "20000.01");
  grade("80");
  signal(1);
  quote("21000", "21000.01");
  quote("20500", "20500.01");  // -2.4 % from the peak
  EXPECT_GT(held().raw, 0);
  quote("20360", "20360.01");  // -3.05 % from the peak
  EXPECT_EQ(held().raw, 0);
  EXPECT_EQ(strategy_->counters().exits[static_cast<std::size_t>(ExitReason::kTrailingStop)], 1u);
}

TEST_F(SignalFollowTest, GradeFallingBelowExitThresholdExits) {
  start(config());
  at(kDay + kNsPerMinute);
  quote("20000", "20000.01");
  grade("80");
  signal(1);
  grade("39.99", kDay + kNsPerHour);
  EXPECT_EQ(held().raw, 0);
  EXPECT_EQ(strategy_->counters().exits[static_cast<std::size_t>(ExitReason::kGradeBelowExit)], 1u);
}

TEST_F(SignalFollowTest, GradeScalingSizesTheOrder) {
  SignalFollowConfig scaled = config();
  scaled.scale_by_grade = true;
  start(scaled);
  at(kDay + kNsPerMinute);
  quote("99.99", "100");
  grade("60");
  signal(1);
  EXPECT_EQ(held(), quantity("5.97014"));  // 60 % of 1000 USDT at 100.50
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

// direction = "short" / "both" on a perpetual: the mirror image of the long rules.
class SignalFollowShortTest : public ::testing::Test {
 protected:
  static InstrumentRegistry perpetual() {
    InstrumentRegistry registry;
    registry.add(btcusdt_perpetual(5));
    return registry;
  }
  void start(TradeDirection direction) {
    SignalFollowConfig config;
    config.direction = direction;
    config.entry_grade_hundredths = 6000;
    config.exit_grade_hundredths = 4000;
    config.short_entry_grade_hundredths = 4000;
    config.short_exit_grade_hundredths = 6000;
    config.order_notional = money("1000");
    config.price_tolerance_bps = 50;
    config.stop_loss_bps = 500;
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerHour;
    strategy_ = &harness_.start(std::make_unique<SignalFollow>(config), risk);
  }
  void day(int index, std::string_view bid, std::string_view ask) {
    harness_.at(kDay + index * kNsPerDay + kNsPerMinute);
    harness_.quote(0, bid, ask, "10");
  }
  Quantity held() { return harness_.engine().portfolio().position(0).quantity; }
  const OrderTable& orders() { return harness_.engine().orders().orders(); }

  StrategyHarness harness_{kDay, perpetual()};
  SignalFollow* strategy_ = nullptr;
};

TEST_F(SignalFollowShortTest, BearishSignalWithALowGradeShortsAndBullishCloses) {
  start(TradeDirection::kShort);
  day(0, "20000", "20000.1");
  harness_.grade(0, "35", kDay);
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay);
  // 1000 at the bid less 50 bps (19900), down to the step 0.001: 0.050 short.
  EXPECT_EQ(held(), quantity("-0.05"));
  EXPECT_EQ(orders().at(0).side, Side::kSell);
  EXPECT_EQ(orders().at(0).reason, "bearish_signal");
  day(1, "19000", "19000.1");
  harness_.signal(0, SignalTimeframe::kDaily, 1, kDay + kNsPerDay);
  EXPECT_EQ(held().raw, 0);
  EXPECT_TRUE(orders().back().reduce_only);
  EXPECT_EQ(orders().back().side, Side::kBuy);
  EXPECT_EQ(strategy_->counters().exits[static_cast<std::size_t>(ExitReason::kBullishSignal)], 1u);
  EXPECT_EQ(orders().size(), 2u) << "direction short: a bullish signal opens no long";
  EXPECT_GT(harness_.engine().portfolio().cash(), money("10000"));  // sold 19950, bought ~19000
}

TEST_F(SignalFollowShortTest, AGoodGradeKeepsAShortOut) {
  start(TradeDirection::kShort);
  day(0, "20000", "20000.1");
  harness_.grade(0, "45", kDay);
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay);
  EXPECT_EQ(held().raw, 0);
  EXPECT_EQ(strategy_->counters().entries_skipped_grade, 1u);
}

TEST_F(SignalFollowShortTest, MirroredStopLossAndGradeExit) {
  start(TradeDirection::kShort);
  day(0, "20000", "20000.1");
  harness_.grade(0, "30", kDay);
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay);
  ASSERT_LT(held().raw, 0);
  day(0, "20500", "20500.1");  // +2.5 %: within the 5 % stop
  EXPECT_LT(held().raw, 0);
  day(0, "21100", "21100.1");  // +5.5 % over the entry: the stop is above a short
  EXPECT_EQ(held().raw, 0);
  EXPECT_EQ(strategy_->counters().exits[static_cast<std::size_t>(ExitReason::kStopLoss)], 1u);
  // A new short, closed by the grade rising above short_exit_grade.
  day(2, "20000", "20000.1");
  harness_.grade(0, "30", kDay + 2 * kNsPerDay);
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay + 2 * kNsPerDay);
  ASSERT_LT(held().raw, 0);
  harness_.grade(0, "61", kDay + 3 * kNsPerDay);
  EXPECT_EQ(held().raw, 0);
  EXPECT_EQ(strategy_->counters().exits[static_cast<std::size_t>(ExitReason::kGradeAboveShortExit)],
            1u);
}

TEST_F(SignalFollowShortTest, BothFlipsOnceTheCloseHasFilled) {
  start(TradeDirection::kBoth);
  day(0, "20000", "20000.1");
  harness_.grade(0, "30", kDay);
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay);
  ASSERT_EQ(held(), quantity("-0.05"));
  day(1, "19000", "19000.1");
  harness_.grade(0, "70", kDay + kNsPerDay);  // closes the short (grade above 60)
  EXPECT_EQ(held().raw, 0);
  harness_.signal(0, SignalTimeframe::kDaily, 1, kDay + kNsPerDay);
  EXPECT_GT(held().raw, 0) << "flat and bullish with a good grade: long";
  day(2, "18000", "18000.1");  // -5.3 %: the long's stop
  EXPECT_EQ(held().raw, 0);
  day(3, "18000", "18000.1");
  harness_.grade(0, "20", kDay + 3 * kNsPerDay);
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay + 3 * kNsPerDay);
  EXPECT_LT(held().raw, 0);
  // A long then closed by a bearish signal flips to a short in one step.
  day(4, "18000", "18000.1");
  harness_.grade(0, "65", kDay + 4 * kNsPerDay);
  EXPECT_EQ(held().raw, 0);  // the grade closed the short
  harness_.signal(0, SignalTimeframe::kDaily, 1, kDay + 4 * kNsPerDay);
  ASSERT_GT(held().raw, 0);
  harness_.grade(0, "39", kDay + 5 * kNsPerDay);  // below exit_grade 40 closes the long...
  EXPECT_EQ(held().raw, 0);
  harness_.grade(0, "35", kDay + 6 * kNsPerDay);
  harness_.at(kDay + 6 * kNsPerDay + kNsPerMinute);
  harness_.quote(0, "18000", "18000.1", "10");
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay + 6 * kNsPerDay);
  EXPECT_LT(held().raw, 0);
  EXPECT_EQ(harness_.venue().account().position(0).quantity, held());
}

TEST_F(SignalFollowShortTest, ASignalAgainstThePositionClosesItThenOpensTheOtherSide) {
  start(TradeDirection::kBoth);
  day(0, "20000", "20000.1");
  harness_.grade(0, "70", kDay);
  harness_.signal(0, SignalTimeframe::kDaily, 1, kDay);
  ASSERT_GT(held().raw, 0);
  day(1, "20000", "20000.1");
  harness_.grade(0, "40", kDay + kNsPerDay);  // not below exit_grade 40, at short_entry_grade
  ASSERT_GT(held().raw, 0);
  harness_.signal(0, SignalTimeframe::kDaily, -1, kDay + kNsPerDay);
  EXPECT_EQ(held(), quantity("-0.05"));
  const auto& all = orders();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[1].reduce_only);
  EXPECT_EQ(all[1].side, Side::kSell);
  EXPECT_FALSE(all[2].reduce_only);
  EXPECT_EQ(all[2].side, Side::kSell);
  EXPECT_EQ(strategy_->counters().short_entries, 1u);
}

TEST(SignalFollowOnSpot, ShortDirectionsNeverSellWhatIsNotHeld) {
  StrategyHarness harness(kDay);
  SignalFollowConfig config;
  config.direction = TradeDirection::kBoth;
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerHour;
  harness.start(std::make_unique<SignalFollow>(config), risk);
  harness.at(kDay + kNsPerMinute);
  harness.quote(0, "20000", "20000.1", "10");
  harness.grade(0, "10", kDay);
  harness.signal(0, SignalTimeframe::kDaily, -1, kDay);
  EXPECT_EQ(harness.engine().orders().orders().size(), 0u);
}

}  // namespace
}  // namespace sigex
