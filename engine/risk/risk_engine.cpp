#include "engine/risk/risk_engine.h"

namespace sigex {

std::string_view to_string(RiskDenial denial) {
  switch (denial) {
    case RiskDenial::kNone: return "approved";
    case RiskDenial::kTradingHalted: return "trading_halted";
    case RiskDenial::kMarketDataStale: return "market_data_stale";
    case RiskDenial::kBookInvalid: return "book_invalid";
    case RiskDenial::kNoReferencePrice: return "no_reference_price";
    case RiskDenial::kPriceCollar: return "price_collar";
    case RiskDenial::kMaxOrderNotional: return "max_order_notional";
    case RiskDenial::kMaxPositionNotional: return "max_position_notional";
    case RiskDenial::kInsufficientBalance: return "insufficient_balance";
    case RiskDenial::kInsufficientPosition: return "insufficient_position";
    case RiskDenial::kOutcomeUnknown: return "outcome_unknown";
    case RiskDenial::kInvalidOrder: return "invalid_order";
    case RiskDenial::kVenueFilter: return "venue_filter";
    case RiskDenial::kCount: break;
  }
  return "?";
}

RiskDenial RiskEngine::check(const OrderIntent& intent, const RiskView& view) {
  const RiskDenial result = evaluate(intent, view);
  ++denials_[static_cast<std::size_t>(result)];
  return result;
}

RiskDenial RiskEngine::evaluate(const OrderIntent& intent, const RiskView& view) const {
  const Instrument& instrument = view.instrument;
  if (view.trading_halted) return RiskDenial::kTradingHalted;
  if (intent.quantity.raw <= 0) return RiskDenial::kInvalidOrder;
  if (intent.type == OrderType::kLimit && intent.price.raw <= 0) return RiskDenial::kInvalidOrder;
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
  const auto order_notional = notional(order_price, instrument.price_scale, intent.quantity,
                                       instrument.quantity_scale, Rounding::kUp);
  if (!order_notional || *order_notional > config_.max_order_notional) {
    return RiskDenial::kMaxOrderNotional;
  }
  if (intent.side == Side::kBuy) {
    const auto after = notional(reference, instrument.price_scale,
                                view.position.quantity + intent.quantity,
                                instrument.quantity_scale, Rounding::kUp);
    if (!after || *after > config_.max_position_notional) return RiskDenial::kMaxPositionNotional;
    if (*order_notional > view.available_cash) return RiskDenial::kInsufficientBalance;
  } else if (intent.quantity > view.available_to_sell) {
    return RiskDenial::kInsufficientPosition;
  }
  return RiskDenial::kNone;
}

}  // namespace sigex
