#pragma once

// grade_trend: trades the trend of a Token Metrics grade, as Token Metrics' own example
// strategy does. For each instrument, two exponential moving averages of the grade (periods
// `fast` and `slow`), each seeded with the simple average of its first `period` values (the
// TA-Lib convention) and then updated with k = 2 / (period + 1):
//   ema = ema + k * (grade - ema)
// Once both are seeded, every new grade value is one decision: long when fast > slow, short
// when fast < slow, flat when they are equal; `mode` keeps only the long or only the short
// side (the other becomes flat). A change of direction closes the position (reduce-only
// orders, in parts no larger than the risk's maximum order notional) and then opens the new
// one, sized at `target_fraction` of equity at the price it will execute at (the IOC limit),
// rounded down to the step and capped:
//   spot        by 99 % of the cash at hand,
//   perpetual   by 99 % of the available margin × the instrument's leverage,
//   both        by the risk limits on order and position notional.
// The same grade twice changes nothing. With `top_k`, every new grade ranks the instruments by
// their latest grade: only the k highest of those trending up are held long (the k lowest of
// those trending down short), and an instrument that drops out of the k is closed;
// `target_fraction` is then per position (e.g. 0.095 for ten).
//
// Shorts need a perpetual instrument: on a spot instrument the short side is flat, and a
// configuration with mode = "long_short" or "short_only" but no perpetual is refused.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/money.h"
#include "engine/ports/strategy.h"

namespace sigex {

enum class TrendMode : std::uint8_t { kLongOnly, kShortOnly, kLongShort };

struct GradeTrendConfig {
  std::string tag = "gt";
  GradeKind grade = GradeKind::kTraderGrade;
  int fast = 5;   // grade values
  int slow = 20;  // grade values; more than fast
  TrendMode mode = TrendMode::kLongOnly;
  std::int64_t target_fraction_bps = 9'500;  // of equity per position
  // Ranked by the latest grade: hold only the k best of the instruments trending up (and the
  // k worst of those trending down); 0: every instrument on its own trend.
  int top_k = 0;
  std::int64_t price_tolerance_bps = 50;  // IOC limit this far through the touch
  // From the risk limits (0: none), so that an entry is never denied for its size.
  Money max_order_notional{0};
  Money max_position_notional{0};
};

// One moving average as the rules above define it.
class GradeAverage {
 public:
  explicit GradeAverage(int period) : period_(period) {}
  void add(double value);
  bool seeded() const { return count_ >= period_; }
  double value() const { return value_; }

 private:
  int period_;
  int count_ = 0;
  double sum_ = 0;
  double value_ = 0;
};

struct GradeTrendCounters {
  std::uint64_t grades = 0;
  std::uint64_t decisions = 0;  // grades with both averages seeded
  std::uint64_t entries = 0;
  std::uint64_t exits = 0;
  std::uint64_t skipped_size = 0;  // a decision too small to trade
};

class GradeTrend final : public Strategy {
 public:
  explicit GradeTrend(GradeTrendConfig config);

  std::string_view tag() const override { return config_.tag; }
  void on_start(StrategyContext& context) override;
  void on_grade(StrategyContext& context, const Grade& grade) override;
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override;
  void on_order_update(StrategyContext& context, const Order& order, OrderEvent event) override;
  std::string summary() const override;

  const GradeTrendCounters& counters() const { return counters_; }
  // The direction the averages give for `instrument`: +1, -1 or 0 (nullopt until seeded).
  std::optional<int> trend(InstrumentId instrument) const;

 private:
  struct State {
    GradeAverage fast;
    GradeAverage slow;
    TimeNs last_grade_ns = 0;
    int wanted = 0;                     // the direction decided last (after the mode and kind)
    int direction = 0;                  // what the averages say (after the mode and kind)
    std::int32_t grade_hundredths = 0;  // the latest grade value (top_k ranking)
    TimeNs decided_at_ns = 0;           // the grade date of that decision (intent keys)
    bool pending = false;               // decided, not acted on yet (no market, order open)
    std::int64_t exit_parts = 0;        // orders of the exit decided at decided_at_ns
  };

  void decide(StrategyContext& context, InstrumentId instrument, int wanted, TimeNs decided_at_ns);
  void rank(StrategyContext& context, InstrumentId graded, TimeNs decided_at_ns);
  void act(StrategyContext& context, InstrumentId instrument, State& state);
  bool open(StrategyContext& context, InstrumentId instrument, const State& state);
  bool close(StrategyContext& context, InstrumentId instrument, State& state);

  GradeTrendConfig config_;
  std::vector<State> states_;
  std::vector<InstrumentId> ranked_long_, ranked_short_;  // scratch of rank()
  GradeTrendCounters counters_;
};

}  // namespace sigex
