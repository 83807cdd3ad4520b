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
    if (holds_position(context, instrument.id)) {
      states_[instrument.id].phase = Phase::kLong;
      states_[instrument.id].peak = context.position(instrument.id).entry_price;
    }
  }
}

bool SignalFollow::holds_position(StrategyContext& context, InstrumentId instrument) const {
  const Instrument& spec = context.instruments().get(instrument);
  const Quantity held = context.position(instrument).quantity;
  return held.raw > 0 && held >= spec.step_size && held >= spec.min_quantity;
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
  if (state.phase == Phase::kLong && config_.exit_grade_hundredths > 0 &&
      grade.hundredths < config_.exit_grade_hundredths) {
    exit(context, grade.instrument, state, ExitReason::kGradeBelowExit,
         IntentKey::of({static_cast<std::int64_t>(grade.token_id), 2, grade.venue_time_ns}));
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
  if (signal.signal == 1 && state.phase == Phase::kFlat) {
    enter(context, signal, state);
  } else if (signal.signal == -1 && state.phase == Phase::kLong) {
    exit(context, signal.instrument, state, ExitReason::kBearishSignal,
         IntentKey::of({static_cast<std::int64_t>(signal.token_id),
                        static_cast<std::int64_t>(signal.timeframe), signal.venue_time_ns, -1}));
  }
}

void SignalFollow::enter(StrategyContext& context, const TradingSignal& signal, TokenState& state) {
  const bool grade_fresh = state.grade_hundredths >= 0 &&
                           context.now_ns() - state.grade_time_ns <= config_.max_grade_age_ns;
  if (!grade_fresh || state.grade_hundredths < config_.entry_grade_hundredths) {
    ++counters_.entries_skipped_grade;
    return;
  }
  const Instrument& instrument = context.instruments().get(signal.instrument);
  const auto limit = marketable_limit(instrument, context.quote(signal.instrument), Side::kBuy,
                                      config_.price_tolerance_bps);
  if (!limit) {
    ++counters_.entries_skipped_size;
    return;
  }
  const Price price = *limit;
  Money budget = config_.order_notional;
  if (config_.scale_by_grade) {
    budget =
        Money{mul_div(budget.raw, state.grade_hundredths, 10'000, Rounding::kDown).value_or(0)};
  }
  // Never ask for more than the cash on hand, keeping 1 % for fees and price tolerance.
  const Money spendable{mul_div(context.cash().raw, 99, 100, Rounding::kDown).value_or(0)};
  budget = std::min(budget, spendable);
  const auto quantity = quantity_within(budget, price, instrument);
  if (!quantity) {
    ++counters_.entries_skipped_size;
    return;
  }
  const Quantity size = *quantity;
  OrderIntent intent;
  intent.instrument = signal.instrument;
  intent.side = Side::kBuy;
  intent.type = OrderType::kLimit;
  intent.time_in_force = TimeInForce::kImmediateOrCancel;
  intent.price = price;
  intent.quantity = size;
  intent.intent =
      IntentKey::of({static_cast<std::int64_t>(signal.token_id),
                     static_cast<std::int64_t>(signal.timeframe), signal.venue_time_ns, 1});
  intent.reason = "bullish_signal";
  if (context.submit(intent)) {
    ++counters_.entries;
    state.phase = Phase::kEntering;
  }
}

void SignalFollow::on_mark(StrategyContext& context, InstrumentId instrument_id) {
  if (instrument_id >= states_.size()) return;
  TokenState& state = states_[instrument_id];
  if (state.phase != Phase::kLong) return;
  const Price mark = context.quote(instrument_id).reference();
  if (mark.raw <= 0) return;
  if (mark > state.peak) state.peak = mark;
  if (state.retry_exit) {
    state.retry_exit = false;
    return exit(context, instrument_id, state, state.exit_reason, state.exit_intent);
  }
  const Price entry = context.position(instrument_id).entry_price;
  const auto key = [&](ExitReason reason) {
    return IntentKey::of({static_cast<std::int64_t>(instrument_id),
                          static_cast<std::int64_t>(reason) + 10, entry.raw});
  };
  if (config_.stop_loss_bps > 0) {
    const auto stop = shift_by_basis_points(entry, -config_.stop_loss_bps, Rounding::kDown);
    if (stop && mark <= *stop) {
      return exit(context, instrument_id, state, ExitReason::kStopLoss, key(ExitReason::kStopLoss));
    }
  }
  if (config_.take_profit_bps > 0) {
    const auto target = shift_by_basis_points(entry, config_.take_profit_bps, Rounding::kUp);
    if (target && mark >= *target) {
      return exit(context, instrument_id, state, ExitReason::kTakeProfit,
                  key(ExitReason::kTakeProfit));
    }
  }
  if (config_.trailing_stop_bps > 0) {
    const auto trail =
        shift_by_basis_points(state.peak, -config_.trailing_stop_bps, Rounding::kDown);
    if (trail && mark <= *trail) {
      return exit(context, instrument_id, state, ExitReason::kTrailingStop,
                  key(ExitReason::kTrailingStop));
    }
  }
}

void SignalFollow::exit(StrategyContext& context, InstrumentId instrument_id, TokenState& state,
                        ExitReason reason, IntentKey intent_key) {
  const Instrument& instrument = context.instruments().get(instrument_id);
  const auto limit = marketable_limit(instrument, context.quote(instrument_id), Side::kSell,
                                      config_.price_tolerance_bps);
  if (!limit) return;
  const Price price = *limit;
  const Quantity held = context.position(instrument_id).quantity;
  const Quantity size{round_to_multiple(held.raw, instrument.step_size.raw, Rounding::kDown)};
  if (size.raw <= 0) {
    state.phase = Phase::kFlat;
    return;
  }
  OrderIntent intent;
  intent.instrument = instrument_id;
  intent.side = Side::kSell;
  intent.type = OrderType::kLimit;
  intent.time_in_force = TimeInForce::kImmediateOrCancel;
  intent.price = price;
  intent.quantity = size;
  intent.intent = intent_key;
  intent.reduce_only = true;
  intent.reason = to_string(reason);
  state.exit_intent = intent_key;
  state.exit_reason = reason;
  if (context.submit(intent)) {
    ++counters_.exits[static_cast<std::size_t>(reason)];
    state.phase = Phase::kExiting;
  }
}

void SignalFollow::on_order_update(StrategyContext& context, const Order& order,
                                   OrderEvent /*event*/) {
  if (!is_terminal(order.state) || order.instrument >= states_.size()) return;
  TokenState& state = states_[order.instrument];
  const bool holding = holds_position(context, order.instrument);
  if (order.side == Side::kBuy) {
    state.phase = holding ? Phase::kLong : Phase::kFlat;
    if (holding) state.peak = context.position(order.instrument).entry_price;
  } else {
    // An exit that did not sell everything is retried, under the same intent, on the next
    // market event.
    state.phase = holding ? Phase::kLong : Phase::kFlat;
    state.retry_exit = holding;
  }
}

std::string SignalFollow::summary() const {
  std::string exits;
  for (std::size_t i = 0; i < counters_.exits.size(); ++i) {
    exits += fmt::format(" {}={}", to_string(static_cast<ExitReason>(i)), counters_.exits[i]);
  }
  return fmt::format(
      "signal_follow: signals {} (stale {}, superseded {}), entries {} (skipped: grade {}, size "
      "{}), "
      "exits{}",
      counters_.signals, counters_.stale_signals, counters_.superseded_signals, counters_.entries,
      counters_.entries_skipped_grade, counters_.entries_skipped_size, exits);
}

}  // namespace sigex
