#include "engine/risk/risk_engine.h"

#include <algorithm>

#include "engine/core/int128.h"
#include "engine/portfolio/margin.h"

namespace sigex {

std::string_view to_string(RiskDenial denial) {
  switch (denial) {
    case RiskDenial::kNone:
      return "approved";
    case RiskDenial::kTradingHalted:
      return "trading_halted";
    case RiskDenial::kReducingOnly:
      return "reducing_only";
    case RiskDenial::kStrategyDisabled:
      return "strategy_disabled";
    case RiskDenial::kMarketDataStale:
      return "market_data_stale";
    case RiskDenial::kBookInvalid:
      return "book_invalid";
    case RiskDenial::kNoReferencePrice:
      return "no_reference_price";
    case RiskDenial::kPriceCollar:
      return "price_collar";
    case RiskDenial::kSelfTrade:
      return "self_trade";
    case RiskDenial::kMaxOrderNotional:
      return "max_order_notional";
    case RiskDenial::kMaxOrderQuantity:
      return "max_order_quantity";
    case RiskDenial::kMaxPositionNotional:
      return "max_position_notional";
    case RiskDenial::kMaxGrossExposure:
      return "max_gross_exposure";
    case RiskDenial::kInsufficientBalance:
      return "insufficient_balance";
    case RiskDenial::kInsufficientPosition:
      return "insufficient_position";
    case RiskDenial::kOrderRateInstrument:
      return "order_rate_instrument";
    case RiskDenial::kOrderRateTotal:
      return "order_rate_total";
    case RiskDenial::kOutcomeUnknown:
      return "outcome_unknown";
    case RiskDenial::kInvalidOrder:
      return "invalid_order";
    case RiskDenial::kVenueFilter:
      return "venue_filter";
    case RiskDenial::kShuttingDown:
      return "shutting_down";
    case RiskDenial::kRetryBackoff:
      return "retry_backoff";
    case RiskDenial::kReduceOnlyWouldIncrease:
      return "reduce_only_would_increase";
    case RiskDenial::kInsufficientMargin:
      return "insufficient_margin";
    case RiskDenial::kMaxLeverage:
      return "max_leverage";
    case RiskDenial::kLiquidationDistance:
      return "liquidation_distance";
    case RiskDenial::kCount:
      break;
  }
  return "?";
}

RiskEngine::RiskEngine(RiskConfig config)
    : config_(std::move(config)),
      orders_total_(static_cast<std::size_t>(std::max<std::int64_t>(config_.max_orders_total, 0))) {
}

void RiskEngine::reconfigure(RiskConfig config) {
  const bool instrument_windows_change =
      config.max_orders_per_instrument != config_.max_orders_per_instrument;
  const bool total_window_changes = config.max_orders_total != config_.max_orders_total;
  const bool fill_windows_change = config.max_fills != config_.max_fills;
  config_ = std::move(config);
  if (instrument_windows_change) orders_by_instrument_.clear();
  if (total_window_changes) {
    orders_total_ =
        RateWindow(static_cast<std::size_t>(std::max<std::int64_t>(config_.max_orders_total, 0)));
  }
  if (fill_windows_change) fills_by_strategy_.clear();
}

RateWindow& RiskEngine::instrument_window(InstrumentId instrument) {
  if (orders_by_instrument_.size() <= instrument) {
    orders_by_instrument_.resize(
        instrument + 1, RateWindow(static_cast<std::size_t>(
                            std::max<std::int64_t>(config_.max_orders_per_instrument, 0))));
  }
  return orders_by_instrument_[instrument];
}

RiskDenial RiskEngine::verdict(const OrderIntent& intent, const RiskView& view,
                               const RateWindow* instrument) const {
  const RiskDenial result = evaluate(intent, view);
  if (result != RiskDenial::kNone) return result;
  if (instrument != nullptr && instrument->full(view.now_ns, config_.order_rate_window_ns)) {
    return RiskDenial::kOrderRateInstrument;
  }
  if (orders_total_.full(view.now_ns, config_.order_rate_window_ns)) {
    return RiskDenial::kOrderRateTotal;
  }
  return RiskDenial::kNone;
}

RiskDenial RiskEngine::rehearse(const OrderIntent& intent, const RiskView& view) const {
  return verdict(intent, view,
                 intent.instrument < orders_by_instrument_.size()
                     ? &orders_by_instrument_[intent.instrument]
                     : nullptr);
}

RiskDenial RiskEngine::check(const OrderIntent& intent, const RiskView& view) {
  RateWindow& instrument = instrument_window(intent.instrument);
  const RiskDenial result = verdict(intent, view, &instrument);
  ++denials_[static_cast<std::size_t>(result)];
  if (result == RiskDenial::kNone) {
    instrument.record(view.now_ns);
    orders_total_.record(view.now_ns);
  }
  return result;
}

bool RiskEngine::record_fill(std::size_t strategy, TimeNs now_ns) {
  if (config_.max_fills <= 0) return false;
  if (fills_by_strategy_.size() <= strategy) {
    fills_by_strategy_.resize(strategy + 1,
                              RateWindow(static_cast<std::size_t>(config_.max_fills) + 1));
  }
  RateWindow& fills = fills_by_strategy_[strategy];
  fills.record(now_ns);
  return fills.full(now_ns, config_.fill_window_ns);  // more than max_fills within the window
}

RiskDenial RiskEngine::evaluate(const OrderIntent& intent, const RiskView& view) const {
  const Instrument& instrument = view.instrument;
  if (view.trading_halted || view.state == TradingState::kHalted) return RiskDenial::kTradingHalted;
  if (view.strategy_disabled) return RiskDenial::kStrategyDisabled;
  if (intent.quantity.raw <= 0) return RiskDenial::kInvalidOrder;
  if (intent.type == OrderType::kLimit && intent.price.raw <= 0) return RiskDenial::kInvalidOrder;
  // Shrinking the position: selling no more than is held (spot, long only), or trading
  // against a perpetual position no more than its size.
  const Quantity held = view.position.quantity;
  const bool reduces = intent.side == Side::kBuy
                           ? held.raw < 0 && intent.quantity <= magnitude(held)
                           : held.raw > 0 && intent.quantity <= held;
  if (view.state == TradingState::kReducing && !reduces) return RiskDenial::kReducingOnly;
  if (intent.reduce_only && !reduces) return RiskDenial::kReduceOnlyWouldIncrease;
  if (view.outcome_unknown_pending) return RiskDenial::kOutcomeUnknown;
  if (!view.quote.is_fresh(view.now_ns, config_.max_quote_age_ns)) {
    return RiskDenial::kMarketDataStale;
  }
  if (view.book_invalid) return RiskDenial::kBookInvalid;
  const Price reference = view.quote.reference();
  if (reference.raw <= 0) return RiskDenial::kNoReferencePrice;

  // Fail closed: market orders are priced at the reference for notional checks.
  const Price order_price = intent.type == OrderType::kMarket ? reference : intent.price;
  if (intent.type == OrderType::kLimit) {
    const auto upper = shift_by_basis_points(reference, config_.price_collar_bps, Rounding::kUp);
    const auto lower = shift_by_basis_points(reference, -config_.price_collar_bps, Rounding::kDown);
    if (!upper || !lower || order_price > *upper || order_price < *lower) {
      return RiskDenial::kPriceCollar;
    }
  }
  if (view.crosses_own_order) return RiskDenial::kSelfTrade;
  const auto order_notional = notional(order_price, instrument.price_scale, intent.quantity,
                                       instrument.quantity_scale, Rounding::kUp);
  if (!order_notional) return RiskDenial::kMaxOrderNotional;
  // Closing risk is always allowed: a reduce-only order that shrinks the position passes the
  // size, exposure and balance checks (a spot sell still needs what it sells).
  if (intent.reduce_only && reduces) {
    if (!instrument.is_perpetual() && intent.quantity > view.available_to_sell) {
      return RiskDenial::kInsufficientPosition;
    }
    return RiskDenial::kNone;
  }
  if (*order_notional > config_.max_order_notional) return RiskDenial::kMaxOrderNotional;
  if (intent.instrument < config_.max_order_quantity.size()) {
    const Quantity limit = config_.max_order_quantity[intent.instrument];
    if (limit.raw > 0 && intent.quantity > limit) return RiskDenial::kMaxOrderQuantity;
  }
  if (instrument.is_perpetual()) {
    return evaluate_perpetual(intent, view, reference);
  }
  if (intent.side == Side::kBuy) {
    const auto after =
        notional(reference, instrument.price_scale, view.position.quantity + intent.quantity,
                 instrument.quantity_scale, Rounding::kUp);
    if (!after || *after > config_.max_position_notional) return RiskDenial::kMaxPositionNotional;
    if (view.gross_exposure + *order_notional > config_.max_gross_exposure) {
      return RiskDenial::kMaxGrossExposure;
    }
    if (*order_notional > view.available_cash) return RiskDenial::kInsufficientBalance;
  } else if (intent.quantity > view.available_to_sell) {
    return RiskDenial::kInsufficientPosition;
  }
  return RiskDenial::kNone;  // the order-rate throttle is checked last, in check()
}

RiskDenial RiskEngine::evaluate_perpetual(const OrderIntent& intent, const RiskView& view,
                                          Price reference) const {
  const Instrument& instrument = view.instrument;
  const Position& position = view.position;
  const Quantity signed_order{intent.side == Side::kBuy ? intent.quantity.raw
                                                        : -intent.quantity.raw};
  const Quantity after = position.quantity + signed_order;
  const Money after_notional = position_notional(instrument, after, reference);
  const bool grows = magnitude(after) > magnitude(position.quantity);
  if (grows && after_notional > config_.max_position_notional) {
    return RiskDenial::kMaxPositionNotional;
  }
  const Money before_notional = position_notional(instrument, position.quantity, reference);
  if (grows &&
      view.gross_exposure - before_notional + after_notional > config_.max_gross_exposure) {
    return RiskDenial::kMaxGrossExposure;
  }
  // What the order opens beyond what it closes needs initial margin (and its taker fee, which
  // the venue checks; the venue's answer is authoritative).
  const bool closes = (intent.side == Side::kBuy) == (position.quantity.raw < 0);
  const Quantity opening = closes ? (intent.quantity > magnitude(position.quantity)
                                         ? intent.quantity - magnitude(position.quantity)
                                         : Quantity{0})
                                  : intent.quantity;
  if (opening.raw == 0) return RiskDenial::kNone;
  const Price order_price = intent.type == OrderType::kMarket ? reference : intent.price;
  const Money opening_margin =
      initial_margin(instrument, position_notional(instrument, opening, order_price));
  if (opening_margin > view.available_margin) return RiskDenial::kInsufficientMargin;
  if (bracket_for(instrument, after_notional).max_leverage < instrument.leverage) {
    return RiskDenial::kMaxLeverage;  // the venue refuses this size at the configured leverage
  }
  if (intent.instrument < config_.max_leverage.size()) {
    const int limit = config_.max_leverage[intent.instrument];
    if (limit > 0 && (view.margin_balance.raw <= 0 ||
                      static_cast<Int128>(after_notional.raw) >
                          static_cast<Int128>(view.margin_balance.raw) * limit)) {
      return RiskDenial::kMaxLeverage;
    }
  }
  if (config_.min_liquidation_distance_bps > 0) {
    // The position after the order: entry averaged when it grows, the order's price when it
    // flips, unchanged when it shrinks.
    Price entry = position.entry_price;
    if (!closes) {
      const auto total = average_price(
          position.cost_basis + position_notional(instrument, intent.quantity, order_price),
          magnitude(after), instrument.price_scale, instrument.quantity_scale, Rounding::kDown);
      if (!total) return RiskDenial::kInvalidOrder;
      entry = *total;
    } else if (opening.raw > 0) {
      entry = order_price;
    }
    const auto liquidation = liquidation_price(instrument, after, entry, view.wallet_for_position);
    if (liquidation) {
      const std::int64_t distance = liquidation->raw > reference.raw
                                        ? liquidation->raw - reference.raw
                                        : reference.raw - liquidation->raw;
      if (static_cast<Int128>(distance) * 10'000 <
          static_cast<Int128>(reference.raw) * config_.min_liquidation_distance_bps) {
        return RiskDenial::kLiquidationDistance;
      }
    }
  }
  return RiskDenial::kNone;
}

}  // namespace sigex
