#pragma once

// A strategy inside the real engine, risk, OMS and a simulated venue with zero latency and no
// fees, on a simulated clock: what every strategy test needs. Events are built here, so a test
// reads as the market and the signals it plays.

#include <memory>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "engine/core/simulated_clock.h"
#include "engine/runtime/engine.h"
#include "engine/sim/simulated_venue.h"
#include "support/test_support.h"

namespace sigex::testing {

class StrategyHarness {
 public:
  explicit StrategyHarness(TimeNs start_ns) : clock_(start_ns) {}
  // Instruments other than BTCUSDT and ETHUSDT spot (e.g. perpetuals); before prepare().
  StrategyHarness(TimeNs start_ns, InstrumentRegistry instruments)
      : instruments_(std::move(instruments)), clock_(start_ns) {}

  // A fresh engine (not started) with `risk`; strategies are added with add().
  void prepare(const RiskConfig& risk) {
    std::string error;
    journal_ = Journal::open(directory_.path(), Durability::kNormal, error);
    EXPECT_TRUE(journal_) << error;
    SimulatedVenueConfig venue_config;
    venue_config.order_latency_ns = 0;
    venue_config.taker_fee_bps = 0;
    venue_config.maker_fee_bps = 0;
    venue_ = std::make_unique<SimulatedVenue>(instruments_, venue_config, money("10000"));
    engine_ =
        std::make_unique<Engine>(instruments_, clock_, *journal_, *venue_, risk, money("10000"));
    engine_->add_market_observer(venue_.get());
  }
  template <typename S>
  S& add(std::unique_ptr<S> strategy) {
    S& added = *strategy;
    engine_->add_strategy(std::move(strategy));
    return added;
  }
  // prepare(), add(strategy), start the engine; returns the strategy.
  template <typename S>
  S& start(std::unique_ptr<S> strategy, const RiskConfig& risk) {
    prepare(risk);
    S& added = add(std::move(strategy));
    engine_->start();
    return added;
  }

  void process(const InboundEvent& event) { engine_->process(event); }
  // Sets the clock (no timer runs on the way).
  void at(TimeNs time_ns) { clock_.advance_to(time_ns); }
  // Moves the clock on, running timers and venue answers on the way.
  void wait(DurationNs duration) {
    const TimeNs until = clock_.now_ns() + duration;
    while (engine_->next_due_time_ns() <= until) {
      clock_.advance_to(engine_->next_due_time_ns());
      engine_->run_due();
    }
    clock_.advance_to(until);
  }

  void quote(InstrumentId instrument, std::string_view bid, std::string_view ask,
             std::string_view size) {
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    event.best_bid_offer = BestBidOffer{instrument,     0,          clock_.now_ns(), price(bid),
                                        quantity(size), price(ask), quantity(size),  1};
    process(event);
  }
  void mark(InstrumentId instrument, std::string_view value) {
    InboundEvent event;
    event.kind = MarketEventKind::kMarkPrice;
    event.mark_price =
        MarkPrice{instrument, clock_.now_ns(), clock_.now_ns(), price(value), Rate{0}, 0};
    process(event);
  }
  void grade(InstrumentId instrument, std::string_view value, TimeNs date) {
    InboundEvent event;
    event.kind = MarketEventKind::kGrade;
    event.grade = Grade{instrument,
                        GradeKind::kTraderGrade,
                        static_cast<std::int32_t>(parse_decimal(value, 2).value()),
                        instruments_.get(instrument).token_id,
                        date,
                        clock_.now_ns()};
    process(event);
  }
  void signal(InstrumentId instrument, SignalTimeframe timeframe, int value, TimeNs date,
              int trend = 0) {
    InboundEvent event;
    event.kind = MarketEventKind::kTradingSignal;
    event.trading_signal = TradingSignal{instrument,
                                         timeframe,
                                         static_cast<std::int8_t>(value),
                                         static_cast<std::int8_t>(trend),
                                         instruments_.get(instrument).token_id,
                                         date,
                                         clock_.now_ns()};
    process(event);
  }

  Engine& engine() { return *engine_; }
  Journal& journal() { return *journal_; }
  SimulatedVenue& venue() { return *venue_; }
  const Engine& engine() const { return *engine_; }
  const InstrumentRegistry& instruments() const { return instruments_; }
  SimulatedClock& clock() { return clock_; }

 private:
  TemporaryDirectory directory_;
  InstrumentRegistry instruments_ = two_instruments();
  SimulatedClock clock_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<SimulatedVenue> venue_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace sigex::testing
