#include "engine/risk/risk_engine.h"

#include <algorithm>

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

RiskDenial RiskEngine::check(const OrderIntent& intent, const RiskView& view) {
  RateWindow& instrument = instrument_window(intent.instrument);
  RiskDenial result = evaluate(intent, view);
  if (result == RiskDenial::kNone && instrument.full(view.now_ns, config_.order_rate_window_ns)) {
    result = RiskDenial::kOrderRateInstrument;
  }
  if (result == RiskDenial::kNone &&
      orders_total_.full(view.now_ns, config_.order_rate_window_ns)) {
    result = RiskDenial::kOrderRateTotal;
  }
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
  // Spot is long only: shrinking the position means selling no more than is held.
  if (view.state == TradingState::kReducing &&
      (intent.side == Side::kBuy || intent.quantity > view.position.quantity)) {
    return RiskDenial::kReducingOnly;
  }
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
  if (!order_notional || *order_notional > config_.max_order_notional) {
    return RiskDenial::kMaxOrderNotional;
  }
  if (intent.instrument < config_.max_order_quantity.size()) {
    const Quantity limit = config_.max_order_quantity[intent.instrument];
    if (limit.raw > 0 && intent.quantity > limit) return RiskDenial::kMaxOrderQuantity;
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

}  // namespace sigex
