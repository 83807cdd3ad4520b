#include "strategies/grade_rebalance/grade_rebalance.h"

#include <gtest/gtest.h>

#include "engine/core/simulated_clock.h"
#include "engine/runtime/engine.h"
#include "engine/sim/simulated_venue.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kStart = 1'700'000'000LL * kNsPerSecond;
constexpr InstrumentId kBtc = 0;
constexpr InstrumentId kEth = 1;

// The strategy inside the real engine, risk, OMS and a zero-latency, fee-free simulated venue.
class GradeRebalanceTest : public ::testing::Test {
 protected:
  void start(GradeRebalanceConfig config) {
    std::string error;
    journal_ = Journal::open(directory_.path(), Durability::kNormal, error);
    ASSERT_TRUE(journal_) << error;
    SimulatedVenueConfig venue_config;
    venue_config.order_latency_ns = 0;
    venue_config.taker_fee_bps = 0;
    venue_config.maker_fee_bps = 0;
    venue_ = std::make_unique<SimulatedVenue>(instruments_, venue_config, money("10000"));
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerDay;
    engine_ = std::make_unique<Engine>(instruments_, clock_, *journal_, *venue_, risk, money("10000"));
    engine_->add_market_observer(venue_.get());
    auto strategy = std::make_unique<GradeRebalance>(config);
    strategy_ = strategy.get();
    engine_->add_strategy(std::move(strategy));
    engine_->start();
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

  void process(InboundEvent event) { engine_->process(event); }
  // Moves the clock on, running timers and venue answers on the way.
  void wait(DurationNs duration) {
    const TimeNs until = clock_.now_ns() + duration;
    while (engine_->next_due_time_ns() <= until) {
      clock_.advance_to(engine_->next_due_time_ns());
      engine_->run_due();
    }
    clock_.advance_to(until);
  }
  // A quote one cent either side of `mid`.
  void quote(InstrumentId instrument, std::string_view mid) {
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    const std::int64_t cent = price("0.01").raw;
    event.best_bid_offer = BestBidOffer{instrument, 0, clock_.now_ns(), Price{price(mid).raw - cent}, quantity("1000"),
                                        Price{price(mid).raw + cent}, quantity("1000"), 1};
    process(event);
  }
  void grade(InstrumentId instrument, std::string_view value, TimeNs date) {
    InboundEvent event;
    event.kind = MarketEventKind::kGrade;
    event.grade = Grade{instrument, GradeKind::kTraderGrade, static_cast<std::int32_t>(parse_decimal(value, 2).value()),
                        instruments_.get(instrument).token_id, date, clock_.now_ns()};
    process(event);
  }
  void signal(InstrumentId instrument, int value, TimeNs date, int trend = 0) {
    InboundEvent event;
    event.kind = MarketEventKind::kTradingSignal;
    event.trading_signal = TradingSignal{instrument, SignalTimeframe::kHourly, static_cast<std::int8_t>(value),
                                         static_cast<std::int8_t>(trend), instruments_.get(instrument).token_id,
                                         date, clock_.now_ns()};
    process(event);
  }
  Money value_of(InstrumentId instrument, std::string_view mark) const {
    const Instrument& spec = instruments_.get(instrument);
    return notional(price(mark), spec.price_scale, engine_->portfolio().position(instrument).quantity,
                    spec.quantity_scale, Rounding::kDown)
        .value();
  }
  std::size_t orders() const { return engine_->orders().orders().size(); }
  // Within a quantity step and the spread of `expected`.
  static ::testing::AssertionResult near(Money value, std::string_view expected) {
    const Money gap = value - money(expected);
    if (gap.raw <= money("1").raw && gap.raw >= -money("1").raw) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << format_decimal(value.raw, kMoneyScale) << " is not near " << expected;
  }

  TemporaryDirectory directory_;
  InstrumentRegistry instruments_ = two_instruments();
  SimulatedClock clock_{kStart};
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<SimulatedVenue> venue_;
  std::unique_ptr<Engine> engine_;
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
  clock_.advance_to(kStart + 2 * kNsPerHour);
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

}  // namespace
}  // namespace sigex
