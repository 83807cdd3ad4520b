#include "strategies/grade_trend/grade_trend.h"

#include <algorithm>

#include <fmt/format.h>

#include "engine/core/money.h"
#include "engine/strategy/order_sizing.h"

namespace sigex {

void GradeAverage::add(double value) {
  ++count_;
  if (count_ <= period_) {
    sum_ += value;
    if (count_ == period_) value_ = sum_ / period_;  // seeded with the simple average
    return;
  }
  const double k = 2.0 / (period_ + 1);
  value_ += k * (value - value_);
}

GradeTrend::GradeTrend(GradeTrendConfig config) : config_(std::move(config)) {}

void GradeTrend::on_start(StrategyContext& context) {
  states_.assign(context.instruments().size(),
                 State{GradeAverage(config_.fast), GradeAverage(config_.slow)});
}

std::optional<int> GradeTrend::trend(InstrumentId instrument) const {
  if (instrument >= states_.size()) return std::nullopt;
  const State& state = states_[instrument];
  if (!state.fast.seeded() || !state.slow.seeded()) return std::nullopt;
  const double fast = state.fast.value(), slow = state.slow.value();
  return fast > slow ? 1 : fast < slow ? -1 : 0;
}

void GradeTrend::on_grade(StrategyContext& context, const Grade& grade) {
  if (grade.kind != config_.grade || grade.instrument >= states_.size()) return;
  State& state = states_[grade.instrument];
  if (grade.venue_time_ns <= state.last_grade_ns) return;  // one decision per new grade value
  state.last_grade_ns = grade.venue_time_ns;
  ++counters_.grades;
  const double value = static_cast<double>(grade.hundredths) / 100.0;
  state.fast.add(value);
  state.slow.add(value);
  state.grade_hundredths = grade.hundredths;
  const std::optional<int> direction = trend(grade.instrument);
  if (!direction) return;
  ++counters_.decisions;
  int wanted = *direction;
  if (config_.mode == TrendMode::kLongOnly && wanted < 0) wanted = 0;
  if (config_.mode == TrendMode::kShortOnly && wanted > 0) wanted = 0;
  if (wanted < 0 && !context.instruments().get(grade.instrument).is_perpetual()) wanted = 0;
  state.direction = wanted;
  if (config_.top_k > 0) return rank(context, grade.instrument, grade.venue_time_ns);
  decide(context, grade.instrument, wanted, grade.venue_time_ns);
}

void GradeTrend::decide(StrategyContext& context, InstrumentId instrument, int wanted,
                        TimeNs decided_at_ns) {
  State& state = states_[instrument];
  if (wanted == state.wanted && !state.pending) return;  // no change of direction
  state.wanted = wanted;
  state.decided_at_ns = decided_at_ns;
  state.exit_parts = 0;
  state.pending = true;
  act(context, instrument, state);
}

void GradeTrend::rank(StrategyContext& context, InstrumentId graded, TimeNs decided_at_ns) {
  // The k highest grades among the instruments trending up, the k lowest among those trending
  // down (ties: the instrument listed first); every other one is flat.
  ranked_long_.clear();
  ranked_short_.clear();
  for (InstrumentId id = 0; id < states_.size(); ++id) {
    if (states_[id].direction > 0) ranked_long_.push_back(id);
    if (states_[id].direction < 0) ranked_short_.push_back(id);
  }
  std::stable_sort(ranked_long_.begin(), ranked_long_.end(),
                   [this](InstrumentId a, InstrumentId b) {
                     return states_[a].grade_hundredths > states_[b].grade_hundredths;
                   });
  std::stable_sort(ranked_short_.begin(), ranked_short_.end(),
                   [this](InstrumentId a, InstrumentId b) {
                     return states_[a].grade_hundredths < states_[b].grade_hundredths;
                   });
  const auto k = static_cast<std::size_t>(config_.top_k);
  if (ranked_long_.size() > k) ranked_long_.resize(k);
  if (ranked_short_.size() > k) ranked_short_.resize(k);
  for (InstrumentId id = 0; id < states_.size(); ++id) {
    if (!trend(id)) continue;
    const bool is_long =
        std::find(ranked_long_.begin(), ranked_long_.end(), id) != ranked_long_.end();
    const bool is_short =
        std::find(ranked_short_.begin(), ranked_short_.end(), id) != ranked_short_.end();
    const int wanted = is_long ? 1 : is_short ? -1 : 0;
    // The graded instrument decides as without ranking; the others only when their place
    // in the ranking changed what they should hold.
    if (id == graded || wanted != states_[id].wanted) decide(context, id, wanted, decided_at_ns);
  }
}

void GradeTrend::on_quote(StrategyContext& context, const BestBidOffer& quote) {
  if (quote.instrument >= states_.size()) return;
  State& state = states_[quote.instrument];
  if (state.pending) act(context, quote.instrument, state);
}

void GradeTrend::on_order_update(StrategyContext& context, const Order& order, OrderEvent) {
  if (order.instrument >= states_.size() || is_open(order.state)) return;
  State& state = states_[order.instrument];
  // An exit sold in parts, a partly filled or a refused order: the decision goes on at once.
  const Quantity held = context.position(order.instrument).quantity;
  const bool done = state.wanted > 0 ? held.raw > 0
                    : state.wanted < 0
                        ? held.raw < 0
                        : magnitude(held) < context.instruments().get(order.instrument).step_size;
  if (done) return;
  state.pending = true;
  // A part that filled: the next part at once. Nothing filled (refused, expired): at the next
  // quote, so a venue that refuses at once is not asked again in a loop.
  if (order.filled_quantity.raw > 0) act(context, order.instrument, state);
}

void GradeTrend::act(StrategyContext& context, InstrumentId instrument, State& state) {
  if (!context.is_tradeable(instrument) || context.has_open_order(instrument)) return;
  // Acted on now (an order that fails or fills in part re-opens it: on_order_update).
  state.pending = false;
  const Quantity held = context.position(instrument).quantity;
  const bool has_position = magnitude(held) >= context.instruments().get(instrument).step_size;
  const int side_held = !has_position ? 0 : held.raw > 0 ? 1 : -1;
  if (side_held != 0 && side_held != state.wanted) {
    if (close(context, instrument, state)) ++counters_.exits;
  } else if (state.wanted != 0 && side_held == 0) {
    if (open(context, instrument, state)) ++counters_.entries;
  }
}

bool GradeTrend::open(StrategyContext& context, InstrumentId instrument_id, const State& state) {
  const Instrument& instrument = context.instruments().get(instrument_id);
  const Side side = state.wanted > 0 ? Side::kBuy : Side::kSell;
  const auto limit =
      marketable_limit(instrument, context.quote(instrument_id), side, config_.price_tolerance_bps);
  if (!limit) return false;
  const Price price = *limit;
  Money budget = apply_basis_points(context.equity(), config_.target_fraction_bps, Rounding::kDown)
                     .value_or(Money{0});
  // Never more than the account can carry, keeping 1 % for fees and the price tolerance (spot:
  // the cash at hand; perpetuals: the available margin at the instrument's leverage), nor more
  // than the risk limits allow (an entry is not there to be denied).
  budget = std::min(budget, carry_limit(instrument, context.account_cash(instrument.id),
                                        context.available_margin(instrument.id)));
  for (const Money limit : {config_.max_order_notional, config_.max_position_notional}) {
    if (limit.raw > 0) budget = std::min(budget, limit);
  }
  const auto quantity = budget.raw > 0 ? quantity_within(budget, price, instrument) : std::nullopt;
  if (!quantity) {
    ++counters_.skipped_size;
    return false;
  }
  return context
      .submit(ioc_limit(
          instrument_id, side, price, *quantity,
          IntentKey::of({static_cast<std::int64_t>(instrument_id), state.decided_at_ns, 1}),
          state.wanted > 0 ? "grade_trend_up" : "grade_trend_down"))
      .has_value();
}

bool GradeTrend::close(StrategyContext& context, InstrumentId instrument_id, State& state) {
  const Instrument& instrument = context.instruments().get(instrument_id);
  const Quantity held = context.position(instrument_id).quantity;
  const Side side = held.raw > 0 ? Side::kSell : Side::kBuy;
  const auto limit =
      marketable_limit(instrument, context.quote(instrument_id), side, config_.price_tolerance_bps);
  if (!limit) return false;
  const Price price = *limit;
  Quantity size{round_to_multiple(magnitude(held).raw, instrument.step_size.raw, Rounding::kDown)};
  // A position worth more than one order may be: closed in parts, each within the limit.
  if (config_.max_order_notional.raw > 0) {
    const auto most = quantity_for(config_.max_order_notional, price, instrument.price_scale,
                                   instrument.quantity_scale, Rounding::kDown);
    if (most)
      size = std::min(
          size, Quantity{round_to_multiple(most->raw, instrument.step_size.raw, Rounding::kDown)});
  }
  if (size.raw <= 0) return false;
  const IntentKey key = IntentKey::of(
      {static_cast<std::int64_t>(instrument_id), state.decided_at_ns, 0, ++state.exit_parts});
  return context
      .submit(ioc_limit(instrument_id, side, price, size, key,
                        held.raw > 0 ? "grade_trend_down" : "grade_trend_up", true))
      .has_value();
}

std::string GradeTrend::summary() const {
  return fmt::format(
      "grade_trend: grades {}, decisions {}, entries {}, exits {}, skipped (size) {}",
      counters_.grades, counters_.decisions, counters_.entries, counters_.exits,
      counters_.skipped_size);
}

}  // namespace sigex
