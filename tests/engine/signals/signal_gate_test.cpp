#include "engine/signals/signal_gate.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kDay = 1'700'000'000LL * kNsPerSecond / kNsPerDay * kNsPerDay;

InboundEvent daily_signal(int value, TimeNs date, TimeNs received) {
  InboundEvent event;
  event.kind = MarketEventKind::kTradingSignal;
  event.trading_signal = TradingSignal{
      0, SignalTimeframe::kDaily, static_cast<std::int8_t>(value), 0, 3375, date, received};
  return event;
}

InboundEvent trader_grade(std::int32_t hundredths, TimeNs date, TimeNs received) {
  InboundEvent event;
  event.kind = MarketEventKind::kGrade;
  event.grade = Grade{0, GradeKind::kTraderGrade, hundredths, 3375, date, received};
  return event;
}

TEST(SignalLatest, NewerOrRevisedIsNewSameOrOlderIsNot) {
  SignalLatest latest;
  EXPECT_EQ(latest.admit(daily_signal(1, kDay, kDay)), SignalVerdict::kNew);
  EXPECT_EQ(latest.admit(daily_signal(1, kDay, kDay + 1)), SignalVerdict::kDuplicate);
  EXPECT_EQ(latest.admit(daily_signal(-1, kDay, kDay + 2)), SignalVerdict::kNew)
      << "a revision of the same day";
  EXPECT_EQ(latest.admit(daily_signal(1, kDay - kNsPerDay, kDay + 3)), SignalVerdict::kOutdated);
  EXPECT_EQ(latest.admit(daily_signal(1, kDay + kNsPerDay, kDay + 4)), SignalVerdict::kNew);
  // Kinds are apart: a grade of the same token and date is its own identity.
  EXPECT_EQ(latest.admit(trader_grade(7000, kDay, kDay)), SignalVerdict::kNew);
  EXPECT_EQ(latest.size(), 2u);
  EXPECT_EQ(signal_kind(daily_signal(1, kDay, kDay)), "daily_signal");
  EXPECT_EQ(signal_kind(trader_grade(1, kDay, kDay)), "trader_grade");
}

class SignalGateTest : public ::testing::Test {
 protected:
  void open() {
    std::string error;
    journal_.reset();
    journal_ = Journal::open(directory_.path(), Durability::kNormal, error);
    ASSERT_TRUE(journal_) << error;
    gate_ = std::make_unique<SignalGate>(SignalGateConfig{}, *journal_, instruments_);
    gate_->restore();
  }

  TemporaryDirectory directory_;
  InstrumentRegistry instruments_ = two_instruments();
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<SignalGate> gate_;
};

TEST_F(SignalGateTest, EachSignalIsDeliveredOnceEvenAcrossARestart) {
  open();
  const TimeNs now = kDay + kNsPerHour;
  EXPECT_TRUE(gate_->admit(daily_signal(1, kDay, now), now));
  EXPECT_FALSE(gate_->admit(daily_signal(1, kDay, now + 1), now + 1));
  EXPECT_EQ(gate_->counters().delivered, 1u);
  EXPECT_EQ(gate_->counters().duplicates, 1u);
  ASSERT_TRUE(journal_->flush());

  open();  // a restart: the journal remembers what was delivered
  EXPECT_FALSE(gate_->admit(daily_signal(1, kDay, now + 2), now + 2));
  EXPECT_FALSE(gate_->admit(daily_signal(1, kDay - kNsPerDay, now + 2), now + 2));
  EXPECT_EQ(gate_->counters().duplicates, 1u);
  EXPECT_EQ(gate_->counters().outdated, 1u);
  EXPECT_TRUE(gate_->admit(daily_signal(-1, kDay, now + 3), now + 3)) << "a revision is new";
}

TEST_F(SignalGateTest, AStaleRecordIsJournaledButNeverDelivered) {
  open();
  const TimeNs late = kDay + SignalGateConfig{}.max_daily_signal_age_ns + kNsPerMinute;
  EXPECT_FALSE(gate_->admit(daily_signal(1, kDay, late), late));
  EXPECT_EQ(gate_->counters().stale, 1u);
  EXPECT_EQ(gate_->counters().delivered, 0u);
  // Journaled: seen again (after a restart too), it is a duplicate, not a fresh chance to trade.
  ASSERT_TRUE(journal_->flush());
  open();
  EXPECT_FALSE(gate_->admit(daily_signal(1, kDay, late + 1), late + 1));
  EXPECT_EQ(gate_->counters().duplicates, 1u);
}

}  // namespace
}  // namespace sigex
