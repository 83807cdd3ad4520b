#include "strategies/grade_rebalance/grade_rebalance.h"

#include <fmt/format.h>

#include <algorithm>

#include "engine/core/decimal.h"
#include "engine/strategy/order_sizing.h"

namespace sigex {

GradeRebalance::GradeRebalance(GradeRebalanceConfig config) : config_(std::move(config)) {}

void GradeRebalance::on_start(StrategyContext& context) {
  assets_.assign(context.instruments().size(), Asset{});
}

void GradeRebalance::on_grade(StrategyContext& context, const Grade& grade) {
  if (grade.kind != config_.grade || grade.instrument >= assets_.size()) return;
  Asset& asset = assets_[grade.instrument];
  if (context.now_ns() - grade.venue_time_ns > config_.max_grade_age_ns) {
    ++counters_.stale_inputs;
    return;
  }
  if (grade.venue_time_ns <= asset.grade_time_ns) {
    ++counters_.superseded_inputs;
    return;
  }
  asset.grade_hundredths = grade.hundredths;
  asset.grade_time_ns = grade.venue_time_ns;
  schedule_settled(context);
}

void GradeRebalance::on_signal(StrategyContext& context, const TradingSignal& signal) {
  if (signal.instrument >= assets_.size()) return;
  Asset& asset = assets_[signal.instrument];
  if (context.now_ns() - signal.venue_time_ns > config_.max_signal_age_ns) {
    ++counters_.stale_inputs;
    return;
  }
  if (signal.venue_time_ns <= asset.signal_time_ns) {
    ++counters_.superseded_inputs;
    return;
  }
  asset.signal = signal.signal;
  asset.trend = signal.trend;
  asset.signal_time_ns = signal.venue_time_ns;
  schedule_settled(context);
}

void GradeRebalance::schedule_settled(StrategyContext& context) {
  if (settle_pending_) return;
  settle_pending_ = true;
  context.set_timer(context.now_ns() + config_.settle_ns, kSettled);
}

void GradeRebalance::on_timer(StrategyContext& context, std::uint64_t tag) {
  if (tag == kSettled) settle_pending_ = false;
  if (tag == kScheduled) schedule_armed_ = false;
  rebalance(context);
}

void GradeRebalance::on_fill(StrategyContext&, const Order&, const ExecutionEvent&) {
  filled_ = true;
}

void GradeRebalance::on_order_update(StrategyContext& context, const Order&, OrderEvent) {
  if (!follow_up_) return;
  for (InstrumentId id = 0; id < assets_.size(); ++id) {
    if (context.has_open_order(id)) return;
  }
  follow_up_ = false;
  // The round's orders are final. If they moved anything, carry on (buys after sells, the
  // rest of a capped move); if nothing filled, wait for the next trigger instead of looping.
  if (filled_) rebalance(context);
}

bool GradeRebalance::eligible(const Asset& asset, TimeNs now_ns) const {
  const bool grade_ok = asset.grade_hundredths >= config_.grade_floor_hundredths &&
                        now_ns - asset.grade_time_ns <= config_.max_grade_age_ns;
  if (!config_.require_signal) return grade_ok;
  const bool bullish = asset.signal == 1 || (asset.signal == 0 && asset.trend == 1);
  return grade_ok && bullish && now_ns - asset.signal_time_ns <= config_.max_signal_age_ns;
}

void GradeRebalance::compute_targets(TimeNs now_ns) {
  // The eligible instruments, best grade first (ties: listed first); top_k keeps the first k.
  held_.clear();
  for (InstrumentId id = 0; id < assets_.size(); ++id) {
    if (eligible(assets_[id], now_ns)) held_.push_back(id);
  }
  std::stable_sort(held_.begin(), held_.end(), [this](InstrumentId a, InstrumentId b) {
    return assets_[a].grade_hundredths > assets_[b].grade_hundredths;
  });
  if (config_.top_k > 0 && held_.size() > static_cast<std::size_t>(config_.top_k))
    held_.resize(static_cast<std::size_t>(config_.top_k));
  std::int64_t total_grade = 0;
  for (const InstrumentId id : held_) total_grade += assets_[id].grade_hundredths;
  for (Asset& asset : assets_) asset.target_bps = 0;
  if (total_grade == 0) return;
  for (const InstrumentId id : held_) {
    Asset& asset = assets_[id];
    const std::int64_t weight = asset.grade_hundredths * config_.invest_fraction_bps / total_grade;
    asset.target_bps =
        std::min(weight, config_.max_weight_bps * config_.invest_fraction_bps / 10'000);
  }
}

void GradeRebalance::rebalance(StrategyContext& context) {
  // The schedule runs from the first rebalance (the first data), not from the clock's origin.
  if (!schedule_armed_) {
    schedule_armed_ = true;
    context.set_timer(context.now_ns() + config_.rebalance_interval_ns, kScheduled);
  }
  ++counters_.rebalances;
  filled_ = false;
  compute_targets(context.now_ns());
  // Equity at marks; an instrument without a price cannot be valued, so nothing trades.
  Money equity = context.cash();
  for (InstrumentId id = 0; id < assets_.size(); ++id) {
    const Quantity held = context.position(id).quantity;
    if (held.raw == 0) continue;
    const Instrument& instrument = context.instruments().get(id);
    const Price mark = context.quote(id).reference();
    const auto value =
        notional(mark, instrument.price_scale, held, instrument.quantity_scale, Rounding::kDown);
    if (mark.raw <= 0 || !value) return;
    equity += *value;
  }
  if (equity.raw <= 0) return;
  const auto target = [&](InstrumentId id) {
    const Money share{
        mul_div(equity.raw, assets_[id].target_bps, 10'000, Rounding::kDown).value_or(0)};
    return std::min(share, config_.max_position_notional);
  };
  bool sold = false;
  for (InstrumentId id = 0; id < assets_.size(); ++id)
    sold |= trade_toward(context, id, target(id), equity, false);
  if (sold) {
    follow_up_ = true;  // buy once the sells are final
    return;
  }
  for (InstrumentId id = 0; id < assets_.size(); ++id)
    trade_toward(context, id, target(id), equity, true);
}

bool GradeRebalance::trade_toward(StrategyContext& context, InstrumentId id, Money target,
                                  Money equity, bool buys) {
  if (context.has_open_order(id) || !context.is_tradeable(id)) return false;
  const Instrument& instrument = context.instruments().get(id);
  const Quote& quote = context.quote(id);
  const Price mark = quote.reference();
  if (mark.raw <= 0) return false;
  const Quantity held = context.position(id).quantity;
  const Money current =
      notional(mark, instrument.price_scale, held, instrument.quantity_scale, Rounding::kDown)
          .value_or(Money{0});
  const Money band{
      mul_div(equity.raw, config_.drift_band_bps, 10'000, Rounding::kDown).value_or(0)};
  const Money gap = target - current;
  const bool buy = gap.raw > 0;
  if (buy != buys) return false;
  // Within the band: leave it, unless the target is zero (an ineligible asset is sold out).
  if ((gap.raw >= 0 ? gap : Money{-gap.raw}) <= band && !(target.raw == 0 && held.raw > 0)) {
    ++counters_.within_band;
    return false;
  }
  const auto limit = marketable_limit(instrument, quote, buy ? Side::kBuy : Side::kSell,
                                      config_.price_tolerance_bps);
  if (!limit) return false;
  const Price price = *limit;
  Quantity size;
  if (buy) {
    // Never more than the cash on hand in the account that trades it, keeping 1 % for fees
    // and the price tolerance.
    const Money spendable{
        mul_div(context.account_cash(id).raw, 99, 100, Rounding::kDown).value_or(0)};
    const Money capped = std::min(gap, config_.max_order_notional);
    follow_up_ |= capped < gap;
    const auto quantity = quantity_for(std::min(capped, spendable), price, instrument.price_scale,
                                       instrument.quantity_scale, Rounding::kDown);
    if (!quantity) return false;
    size = *quantity;
  } else if (target.raw == 0 && current <= config_.max_order_notional) {
    size = held;  // sell out
  } else {
    const Money capped = std::min(Money{-gap.raw}, config_.max_order_notional);
    const auto quantity = quantity_for(capped, mark, instrument.price_scale,
                                       instrument.quantity_scale, Rounding::kDown);
    if (!quantity) return false;
    size = std::min(*quantity, held);
  }
  size = Quantity{round_to_multiple(size.raw, instrument.step_size.raw, Rounding::kDown)};
  const auto value =
      notional(price, instrument.price_scale, size, instrument.quantity_scale, Rounding::kDown);
  if (size.raw <= 0 || size < instrument.min_quantity || !value || *value < instrument.min_notional)
    return false;
  const OrderIntent intent = ioc_limit(
      id, buy ? Side::kBuy : Side::kSell, price, size,
      IntentKey::of({static_cast<std::int64_t>(id), context.now_ns(), buy ? 1 : -1}), "rebalance");
  if (!context.submit(intent)) return false;
  ++(buy ? counters_.buys : counters_.sells);
  return true;
}

std::string GradeRebalance::summary() const {
  return fmt::format(
      "grade_rebalance: rebalances {}, buys {}, sells {}, within band {}, inputs stale {} "
      "superseded {}",
      counters_.rebalances, counters_.buys, counters_.sells, counters_.within_band,
      counters_.stale_inputs, counters_.superseded_inputs);
}

}  // namespace sigex
