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
