#include "engine/runtime/core_driver.h"

#include <gtest/gtest.h>

#include <vector>

#include "support/strategy_harness.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kStart = 1'700'000'000LL * kNsPerSecond;

// Sets a timer 10 s after every quote; records when quotes and timers were handled.
class Timekeeper final : public Strategy {
 public:
  std::string_view tag() const override { return "time"; }
  void on_quote(StrategyContext& context, const BestBidOffer&) override {
    quotes.push_back(context.now_ns());
    context.set_timer(context.now_ns() + 10 * kNsPerSecond, quotes.size());
  }
  void on_timer(StrategyContext& context, std::uint64_t) override {
    timers.push_back(context.now_ns());
  }
  std::vector<TimeNs> quotes, timers;
};

InboundEvent quote_at(TimeNs receive_ns) {
  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer = BestBidOffer{
      0, 0, receive_ns, price("50000"), quantity("1"), price("50001"), quantity("1"), 1};
  return event;
}

class CoreDriverTest : public ::testing::Test {
 protected:
  CoreDriverTest() {
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerHour;
    strategy_ = &harness_.start(std::make_unique<Timekeeper>(), risk);
    driver_ = std::make_unique<CoreDriver>(harness_.engine(), &harness_.clock());
  }
  StrategyHarness harness_{kStart};
  Timekeeper* strategy_ = nullptr;
  std::unique_ptr<CoreDriver> driver_;
};

TEST_F(CoreDriverTest, AnEventIsHandledAtItsReceiveTimeAndTimersBetweenRunAtTheirOwn) {
  driver_->process(quote_at(kStart + kNsPerSecond));
  driver_->process(quote_at(kStart + 30 * kNsPerSecond));
  EXPECT_EQ(strategy_->quotes,
            (std::vector<TimeNs>{kStart + kNsPerSecond, kStart + 30 * kNsPerSecond}));
  // The first quote's timer fell between the two events: it ran at its own time, first.
  EXPECT_EQ(strategy_->timers, (std::vector<TimeNs>{kStart + 11 * kNsPerSecond}));
  EXPECT_EQ(harness_.clock().now_ns(), kStart + 30 * kNsPerSecond);
}

TEST_F(CoreDriverTest, TheClockNeverMovesBackwards) {
  driver_->tick(kStart + 5 * kNsPerSecond);
  driver_->process(quote_at(kStart + 2 * kNsPerSecond));  // waited in the queue while a tick ran
  EXPECT_EQ(strategy_->quotes, (std::vector<TimeNs>{kStart + 5 * kNsPerSecond}));
  EXPECT_EQ(harness_.clock().now_ns(), kStart + 5 * kNsPerSecond);
}

TEST_F(CoreDriverTest, ATickRunsWhatIsDueWithoutAnInput) {
  driver_->process(quote_at(kStart + kNsPerSecond));
  driver_->tick(kStart + 9 * kNsPerSecond);
  EXPECT_TRUE(strategy_->timers.empty());
  driver_->tick(kStart + 11 * kNsPerSecond);
  EXPECT_EQ(strategy_->timers, (std::vector<TimeNs>{kStart + 11 * kNsPerSecond}));
}

}  // namespace
}  // namespace sigex
