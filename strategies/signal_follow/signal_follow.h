#pragma once

// signal_follow: goes long a token when its Token Metrics trading signal turns bullish (1) and
// its grade is at least `entry_grade`; exits on a bearish signal (-1), on the grade falling
// below `exit_grade`, or on a stop-loss / take-profit / trailing stop checked on every market
// event. Orders are marketable limit orders (IOC) priced `price_tolerance_bps` through the
// touch. Each signal acts at most once; signals older than `max_signal_age_ms` or older than
// the last one seen for the token are ignored.
//
// With `direction = "short"` or `"both"`, on a perpetual instrument the mirror image holds: a
// bearish signal with the grade at or below `short_entry_grade` opens a short; a bullish
// signal or the grade rising above `short_exit_grade` closes it; the stops are mirrored (a
// stop-loss above the entry, a take-profit below it, a trailing stop above the lowest mark).
// With "both", a signal that closes one side opens the other once the close has filled (if
// the grade allows). Exits are reduce-only orders. Spot instruments are long only.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/time.h"
#include "engine/ports/strategy.h"

namespace sigex {

enum class TradeDirection : std::uint8_t { kLong, kShort, kBoth };

struct SignalFollowConfig {
  std::string tag = "sf";  // client order id prefix, 1..8 of [a-zA-Z0-9]
  GradeKind grade = GradeKind::kTraderGrade;
  std::int32_t entry_grade_hundredths = 6000;  // enter only if grade >= 60.00
  std::int32_t exit_grade_hundredths = 4000;   // exit if grade < 40.00 (0 disables)
  Money order_notional{1000LL * 100'000'000};  // quote asset per entry, capped by cash
  bool scale_by_grade = false;                 // notional * grade / 100
  std::int64_t price_tolerance_bps = 50;
  std::int64_t stop_loss_bps = 1000;   // 0 disables
  std::int64_t take_profit_bps = 0;    // 0 disables
  std::int64_t trailing_stop_bps = 0;  // 0 disables
  DurationNs max_signal_age_ns = 36 * kNsPerHour;
  DurationNs max_grade_age_ns = 7 * kNsPerDay;
  TradeDirection direction = TradeDirection::kLong;
  std::int32_t short_entry_grade_hundredths = 4000;  // short only if grade <= 40.00
  std::int32_t short_exit_grade_hundredths = 6000;   // close a short if grade > 60.00 (0 disables)
};

enum class ExitReason : std::uint8_t {
  kBearishSignal,
  kGradeBelowExit,
  kStopLoss,
  kTakeProfit,
  kTrailingStop,
  kBullishSignal,        // closes a short
  kGradeAboveShortExit,  // closes a short
  kCount,
};

struct SignalFollowCounters {
  std::uint64_t signals = 0;
  std::uint64_t stale_signals = 0;
  std::uint64_t superseded_signals = 0;
  std::uint64_t entries = 0;
  std::uint64_t short_entries = 0;
  std::uint64_t entries_skipped_grade = 0;
  std::uint64_t entries_skipped_size = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(ExitReason::kCount)> exits{};
};

class SignalFollow final : public Strategy {
 public:
  explicit SignalFollow(SignalFollowConfig config);

  std::string_view tag() const override { return config_.tag; }
  void on_start(StrategyContext& context) override;
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override;
  void on_trade(StrategyContext& context, const TradeTick& trade) override;
  void on_bar(StrategyContext& context, const Bar& bar) override;
  void on_signal(StrategyContext& context, const TradingSignal& signal) override;
  void on_grade(StrategyContext& context, const Grade& grade) override;
  void on_order_update(StrategyContext& context, const Order& order, OrderEvent event) override;

  const SignalFollowCounters& counters() const { return counters_; }
  std::string summary() const override;

 private:
  enum class Phase : std::uint8_t { kFlat, kEntering, kHolding, kExiting };
  struct TokenState {
    Phase phase = Phase::kFlat;
    int side = 0;  // +1 long, -1 short, while entering, holding or exiting
    std::int32_t grade_hundredths = -1;
    TimeNs grade_time_ns = 0;
    TimeNs last_signal_time_ns = 0;
    Price peak;             // best mark since entry: highest (long), lowest (short)
    IntentKey exit_intent;  // reused when an exit must be retried
    ExitReason exit_reason = ExitReason::kStopLoss;
    bool retry_exit = false;  // an exit left part of the position: try again on next mark
    // "both": the signal that closed one side, to open the other once flat.
    std::optional<TradingSignal> then_enter;
  };

  void on_mark(StrategyContext& context, InstrumentId instrument);
  void enter(StrategyContext& context, const TradingSignal& signal, TokenState& state);
  bool allows(StrategyContext& context, InstrumentId instrument, int side) const;
  void exit(StrategyContext& context, InstrumentId instrument, TokenState& state, ExitReason reason,
            IntentKey intent);
  // +1 holding a long, -1 a short, 0 flat (less than a step or the minimum quantity).
  int held_side(StrategyContext& context, InstrumentId instrument) const;

  SignalFollowConfig config_;
  std::vector<TokenState> states_;
  SignalFollowCounters counters_;
};

std::string_view to_string(ExitReason reason);

}  // namespace sigex
