#include "strategies/signal_follow/signal_follow.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/core/decimal.h"
#include "engine/strategy/order_sizing.h"

namespace sigex {

std::string_view to_string(ExitReason reason) {
  switch (reason) {
    case ExitReason::kBearishSignal:
      return "bearish_signal";
    case ExitReason::kGradeBelowExit:
      return "grade_below_exit";
    case ExitReason::kStopLoss:
      return "stop_loss";
    case ExitReason::kTakeProfit:
      return "take_profit";
    case ExitReason::kTrailingStop:
      return "trailing_stop";
    case ExitReason::kBullishSignal:
      return "bullish_signal";
    case ExitReason::kGradeAboveShortExit:
      return "grade_above_short_exit";
    case ExitReason::kCount:
      break;
  }
  return "?";
}

SignalFollow::SignalFollow(SignalFollowConfig config) : config_(std::move(config)) {}

void SignalFollow::on_start(StrategyContext& context) {
  states_.assign(context.instruments().size(), TokenState{});
  // After a restart, positions from the journal are held: manage them.
  for (const auto& instrument : context.instruments().all()) {
    if (const int side = held_side(context, instrument.id); side != 0) {
      states_[instrument.id].phase = Phase::kHolding;
      states_[instrument.id].side = side;
      states_[instrument.id].peak = context.position(instrument.id).entry_price;
    }
  }
}

int SignalFollow::held_side(StrategyContext& context, InstrumentId instrument) const {
  const Instrument& spec = context.instruments().get(instrument);
  const Quantity held = context.position(instrument).quantity;
  if (magnitude(held) < spec.step_size || magnitude(held) < spec.min_quantity || held.raw == 0) {
    return 0;
  }
  return held.raw > 0 ? 1 : -1;
}

bool SignalFollow::allows(StrategyContext& context, InstrumentId instrument, int side) const {
  if (side > 0) return config_.direction != TradeDirection::kShort;
  return config_.direction != TradeDirection::kLong &&
         context.instruments().get(instrument).is_perpetual();
}

void SignalFollow::on_quote(StrategyContext& context, const BestBidOffer& quote) {
  on_mark(context, quote.instrument);
}
void SignalFollow::on_trade(StrategyContext& context, const TradeTick& trade) {
  on_mark(context, trade.instrument);
}
void SignalFollow::on_bar(StrategyContext& context, const Bar& bar) {
  if (bar.closed) on_mark(context, bar.instrument);
}

void SignalFollow::on_grade(StrategyContext& context, const Grade& grade) {
  if (grade.kind != config_.grade) return;
  TokenState& state = states_[grade.instrument];
  if (grade.venue_time_ns < state.grade_time_ns) return;  // older than what we have
  state.grade_hundredths = grade.hundredths;
  state.grade_time_ns = grade.venue_time_ns;
  if (state.phase != Phase::kHolding) return;
  if (state.side > 0 && config_.exit_grade_hundredths > 0 &&
      grade.hundredths < config_.exit_grade_hundredths) {
    exit(context, grade.instrument, state, ExitReason::kGradeBelowExit,
         IntentKey::of({static_cast<std::int64_t>(grade.token_id), 2, grade.venue_time_ns}));
  } else if (state.side < 0 && config_.short_exit_grade_hundredths > 0 &&
             grade.hundredths > config_.short_exit_grade_hundredths) {
    exit(context, grade.instrument, state, ExitReason::kGradeAboveShortExit,
         IntentKey::of({static_cast<std::int64_t>(grade.token_id), 4, grade.venue_time_ns}));
  }
}

void SignalFollow::on_signal(StrategyContext& context, const TradingSignal& signal) {
  ++counters_.signals;
  TokenState& state = states_[signal.instrument];
  if (context.now_ns() - signal.venue_time_ns > config_.max_signal_age_ns) {
    ++counters_.stale_signals;
    return;
  }
  if (signal.venue_time_ns <= state.last_signal_time_ns) {
    ++counters_.superseded_signals;  // each signal acts once; older ones never win
    return;
  }
  state.last_signal_time_ns = signal.venue_time_ns;
  const int side = signal.signal > 0 ? 1 : signal.signal < 0 ? -1 : 0;
  if (side == 0) return;
  if (state.phase == Phase::kFlat) {
    if (allows(context, signal.instrument, side)) enter(context, signal, state);
  } else if (state.phase == Phase::kHolding && state.side == -side) {
    // The signal against the position closes it; with "both" it then opens the other side.
    state.then_enter.reset();
    if (allows(context, signal.instrument, side)) state.then_enter = signal;
    exit(context, signal.instrument, state,
         side < 0 ? ExitReason::kBearishSignal : ExitReason::kBullishSignal,
         IntentKey::of({static_cast<std::int64_t>(signal.token_id),
                        static_cast<std::int64_t>(signal.timeframe), signal.venue_time_ns,
                        side < 0 ? -1 : 2}));
  }
}

void SignalFollow::enter(StrategyContext& context, const TradingSignal& signal, TokenState& state) {
  const int side = signal.signal > 0 ? 1 : -1;  // enter() is called with 1 or -1 only
  const bool grade_fresh = state.grade_hundredths >= 0 &&
                           context.now_ns() - state.grade_time_ns <= config_.max_grade_age_ns;
  const bool grade_allows = side > 0
                                ? state.grade_hundredths >= config_.entry_grade_hundredths
                                : state.grade_hundredths <= config_.short_entry_grade_hundredths;
  if (!grade_fresh || !grade_allows) {
    ++counters_.entries_skipped_grade;
    return;
  }
  const Instrument& instrument = context.instruments().get(signal.instrument);
  const Side order_side = side > 0 ? Side::kBuy : Side::kSell;
  const auto limit = marketable_limit(instrument, context.quote(signal.instrument), order_side,
                                      config_.price_tolerance_bps);
  if (!limit) {
    ++counters_.entries_skipped_size;
    return;
  }
  const Price price = *limit;
  Money budget = config_.order_notional;
  if (config_.scale_by_grade) {
    // A short's conviction is the grade's distance from the top.
    const std::int32_t weight = side > 0 ? state.grade_hundredths : 10'000 - state.grade_hundredths;
    budget = Money{mul_div(budget.raw, weight, 10'000, Rounding::kDown).value_or(0)};
  }
  // Never ask for more than the account can carry, keeping 1 % for fees and price tolerance:
  // the cash on hand (spot), the available margin at the leverage (perpetuals).
  budget = std::min(budget, carry_limit(instrument, context.account_cash(instrument.id),
                                        context.available_margin(instrument.id)));
  const auto quantity = budget.raw > 0 ? quantity_within(budget, price, instrument) : std::nullopt;
  if (!quantity) {
    ++counters_.entries_skipped_size;
    return;
  }
  const IntentKey key = IntentKey::of({static_cast<std::int64_t>(signal.token_id),
                                       static_cast<std::int64_t>(signal.timeframe),
                                       signal.venue_time_ns, side > 0 ? 1 : 3});
  if (context.submit(ioc_limit(signal.instrument, order_side, price, *quantity, key,
                               side > 0 ? "bullish_signal" : "bearish_signal"))) {
    ++(side > 0 ? counters_.entries : counters_.short_entries);
    state.phase = Phase::kEntering;
    state.side = side;
  }
}

void SignalFollow::on_mark(StrategyContext& context, InstrumentId instrument_id) {
  if (instrument_id >= states_.size()) return;
  TokenState& state = states_[instrument_id];
  if (state.phase != Phase::kHolding) return;
  const Price mark = context.quote(instrument_id).reference();
  if (mark.raw <= 0) return;
  // Mirrored for a short: what hurts is a rise, the best mark is the lowest.
  const bool is_long = state.side > 0;
  if (is_long ? mark > state.peak : (mark < state.peak || state.peak.raw == 0)) state.peak = mark;
  if (state.retry_exit) {
    state.retry_exit = false;
    return exit(context, instrument_id, state, state.exit_reason, state.exit_intent);
  }
  const Price entry = context.position(instrument_id).entry_price;
  const auto key = [&](ExitReason reason) {
    return IntentKey::of({static_cast<std::int64_t>(instrument_id),
                          static_cast<std::int64_t>(reason) + 10, entry.raw});
  };
  const std::int64_t sign = is_long ? 1 : -1;
  const auto against = [&](Price price) { return is_long ? mark <= price : mark >= price; };
  const auto in_favour = [&](Price price) { return is_long ? mark >= price : mark <= price; };
  if (config_.stop_loss_bps > 0) {
    const auto stop = shift_by_basis_points(entry, -sign * config_.stop_loss_bps,
                                            is_long ? Rounding::kDown : Rounding::kUp);
    if (stop && against(*stop)) {
      return exit(context, instrument_id, state, ExitReason::kStopLoss, key(ExitReason::kStopLoss));
    }
  }
  if (config_.take_profit_bps > 0 && (is_long || config_.take_profit_bps < 10'000)) {
    const auto target = shift_by_basis_points(entry, sign * config_.take_profit_bps,
                                              is_long ? Rounding::kUp : Rounding::kDown);
    if (target && in_favour(*target)) {
      return exit(context, instrument_id, state, ExitReason::kTakeProfit,
                  key(ExitReason::kTakeProfit));
    }
  }
  if (config_.trailing_stop_bps > 0) {
    const auto trail = shift_by_basis_points(state.peak, -sign * config_.trailing_stop_bps,
                                             is_long ? Rounding::kDown : Rounding::kUp);
    if (trail && against(*trail)) {
      return exit(context, instrument_id, state, ExitReason::kTrailingStop,
                  key(ExitReason::kTrailingStop));
    }
  }
}

void SignalFollow::exit(StrategyContext& context, InstrumentId instrument_id, TokenState& state,
                        ExitReason reason, IntentKey intent_key) {
  const Instrument& instrument = context.instruments().get(instrument_id);
  const Quantity held = context.position(instrument_id).quantity;
  const Side side = held.raw < 0 ? Side::kBuy : Side::kSell;
  const auto limit =
      marketable_limit(instrument, context.quote(instrument_id), side, config_.price_tolerance_bps);
  if (!limit) return;
  const Price price = *limit;
  const Quantity size{
      round_to_multiple(magnitude(held).raw, instrument.step_size.raw, Rounding::kDown)};
  if (size.raw <= 0) {
    state.phase = Phase::kFlat;
    return;
  }
  state.exit_intent = intent_key;
  state.exit_reason = reason;
  if (context.submit(
          ioc_limit(instrument_id, side, price, size, intent_key, to_string(reason), true))) {
    ++counters_.exits[static_cast<std::size_t>(reason)];
    state.phase = Phase::kExiting;
  }
}

void SignalFollow::on_order_update(StrategyContext& context, const Order& order,
                                   OrderEvent /*event*/) {
  if (!is_terminal(order.state) || order.instrument >= states_.size()) return;
  TokenState& state = states_[order.instrument];
  const int side = held_side(context, order.instrument);
  state.phase = side != 0 ? Phase::kHolding : Phase::kFlat;
  if (side != 0) state.side = side;
  if (!order.reduce_only) {
    if (side != 0) state.peak = context.position(order.instrument).entry_price;
    return;
  }
  // An exit that did not close everything is retried, under the same intent, on the next
  // market event; one that did may open the other side ("both").
  state.retry_exit = side != 0;
  if (side == 0 && state.then_enter) {
    const TradingSignal signal = *state.then_enter;
    state.then_enter.reset();
    enter(context, signal, state);
  }
}

std::string SignalFollow::summary() const {
  std::string exits;
  for (std::size_t i = 0; i < counters_.exits.size(); ++i) {
    const auto reason = static_cast<ExitReason>(i);
    const bool short_only_reason =
        reason == ExitReason::kBullishSignal || reason == ExitReason::kGradeAboveShortExit;
    if (short_only_reason && counters_.exits[i] == 0) continue;  // long-only runs read as before
    exits += fmt::format(" {}={}", to_string(static_cast<ExitReason>(i)), counters_.exits[i]);
  }
  return fmt::format(
      "signal_follow: signals {} (stale {}, superseded {}), entries {}{} (skipped: grade {}, size "
      "{}), "
      "exits{}",
      counters_.signals, counters_.stale_signals, counters_.superseded_signals, counters_.entries,
      counters_.short_entries > 0 ? fmt::format(", short entries {}", counters_.short_entries)
                                  : std::string(),
      counters_.entries_skipped_grade, counters_.entries_skipped_size, exits);
}

}  // namespace sigex
