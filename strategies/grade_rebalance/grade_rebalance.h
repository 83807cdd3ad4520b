#pragma once

// grade_rebalance: holds a portfolio of the configured instruments weighted by their Token
// Metrics grades. An instrument is eligible when its grade is at least `grade_floor` and its
// latest trading signal is bullish (1, or 0 while the trend is 1); both must be fresh
// (`max_grade_age`, `max_signal_age`). With `require_signal = false` the grade alone decides
// (grades-only history). With `top_k`, only the k eligible instruments with the highest
// grades are held (ties: the instrument listed first). Held instruments get weight
// proportional to their grade, each capped at `max_weight`; what a cap leaves over stays in
// cash, as does 1 - `invest_fraction`. Instruments not held are sold.
//
// A rebalance runs `settle` after new grades or signals arrive (so a grade and the signal that
// comes with it act together) and every `rebalance_interval`. It trades only instruments whose
// value is further from target than `drift_band_bps` of equity, sells before it buys (buys
// wait until the sells are done), and uses marketable IOC limit orders `price_tolerance_bps`
// through the touch. Targets are capped at the maximum position notional and orders at the
// maximum order notional; a bigger move continues once the previous orders have filled. The
// risk checks still apply to every order.
//
// Signal hygiene: a grade or signal older than its maximum age is ignored, one older than the
// newest seen for its instrument is ignored (conflicts resolve by timestamp), and each acts at
// most once: a rebalance is driven by the state they leave, not by replaying them.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/core/time.h"
#include "engine/ports/strategy.h"

namespace sigex {

struct GradeRebalanceConfig {
  std::string tag = "gr";
  GradeKind grade = GradeKind::kTraderGrade;
  std::int32_t grade_floor_hundredths = 6000;  // eligible when grade >= 60.00
  std::int64_t max_weight_bps = 5000;          // at most 50 % of the invested equity per asset
  std::int64_t invest_fraction_bps = 9500;     // 5 % of equity stays in cash
  std::int64_t drift_band_bps = 200;           // trade when off target by > 2 % of equity
  int top_k = 0;                               // hold only the k best eligible (0: all)
  bool require_signal = true;                  // a bullish trading signal is needed too
  std::int64_t price_tolerance_bps = 50;
  DurationNs settle_ns = 2 * kNsPerSecond;
  DurationNs rebalance_interval_ns = kNsPerDay;
  DurationNs max_signal_age_ns = 36 * kNsPerHour;
  DurationNs max_grade_age_ns = 7 * kNsPerDay;
  // Orders are sized within the risk limits (the composition root copies them from [risk]):
  // a larger move is made in several orders, each round following the fills of the last.
  Money max_order_notional{100'000 * 100'000'000LL};
  Money max_position_notional{250'000 * 100'000'000LL};
};

struct GradeRebalanceCounters {
  std::uint64_t rebalances = 0;
  std::uint64_t buys = 0;
  std::uint64_t sells = 0;
  std::uint64_t within_band = 0;        // instruments left alone: close enough to target
  std::uint64_t stale_inputs = 0;       // grades or signals too old to use
  std::uint64_t superseded_inputs = 0;  // older than the newest seen for the instrument
};

class GradeRebalance final : public Strategy {
 public:
  explicit GradeRebalance(GradeRebalanceConfig config);

  std::string_view tag() const override { return config_.tag; }
  void on_start(StrategyContext& context) override;
  void on_signal(StrategyContext& context, const TradingSignal& signal) override;
  void on_grade(StrategyContext& context, const Grade& grade) override;
  void on_order_update(StrategyContext& context, const Order& order, OrderEvent event) override;
  void on_fill(StrategyContext& context, const Order& order, const ExecutionEvent& fill) override;
  void on_timer(StrategyContext& context, std::uint64_t tag) override;

  const GradeRebalanceCounters& counters() const { return counters_; }
  std::string summary() const override;
  // The target weight of `instrument` in basis points of equity at the last rebalance.
  std::int64_t target_weight_bps(InstrumentId instrument) const {
    return assets_.at(instrument).target_bps;
  }

 private:
  struct Asset {
    std::int32_t grade_hundredths = -1;
    TimeNs grade_time_ns = 0;
    std::int8_t signal = 0;
    std::int8_t trend = 0;
    TimeNs signal_time_ns = 0;
    std::int64_t target_bps = 0;
  };
  enum TimerTag : std::uint64_t { kSettled = 1, kScheduled = 2 };

  bool eligible(const Asset& asset, TimeNs now_ns) const;
  void compute_targets(TimeNs now_ns);
  void rebalance(StrategyContext& context);
  // Sends the order that moves `instrument` toward `target` (quote asset); true when sent.
  bool trade_toward(StrategyContext& context, InstrumentId instrument, Money target, Money equity,
                    bool buys);
  void schedule_settled(StrategyContext& context);

  GradeRebalanceConfig config_;
  std::vector<Asset> assets_;
  std::vector<InstrumentId> held_;  // scratch: the instruments held at the last rebalance
  GradeRebalanceCounters counters_;
  bool settle_pending_ = false;
  bool schedule_armed_ = false;
  // Sells are out (buys wait for them), or an order was capped by a risk limit: rebalance
  // again once this round's orders are final, if they filled anything.
  bool follow_up_ = false;
  bool filled_ = false;
};

}  // namespace sigex
