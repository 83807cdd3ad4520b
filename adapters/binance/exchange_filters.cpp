#include "adapters/binance/exchange_filters.h"

#include "engine/core/decimal.h"

namespace sigex {

const SymbolFilters* ExchangeInfo::find(std::string_view symbol) const {
  for (const auto& entry : symbols) {
    if (entry.symbol == symbol) return &entry;
  }
  return nullptr;
}

std::string_view to_string(FilterFailure failure) {
  switch (failure) {
    case FilterFailure::kNone:
      return "none";
    case FilterFailure::kNotTrading:
      return "symbol_not_trading";
    case FilterFailure::kMarketNotAllowed:
      return "market_orders_not_allowed";
    case FilterFailure::kPriceOutOfRange:
      return "PRICE_FILTER";
    case FilterFailure::kQuantityBelowMinimum:
      return "LOT_SIZE_min";
    case FilterFailure::kQuantityAboveMaximum:
      return "LOT_SIZE_max";
    case FilterFailure::kNotionalBelowMinimum:
      return "NOTIONAL_min";
    case FilterFailure::kNotionalAboveMaximum:
      return "NOTIONAL_max";
  }
  return "?";
}

FilteredOrder apply_filters(const SymbolFilters& filters, Side side, OrderType type, Price price,
                            Quantity quantity, Price reference_price) {
  FilteredOrder order;
  auto failed = [&order](FilterFailure failure) {
    order.failure = failure;
    return order;
  };
  if (filters.status != "TRADING") return failed(FilterFailure::kNotTrading);
  const bool market = type == OrderType::kMarket;
  if (market && !filters.market_orders_allowed) return failed(FilterFailure::kMarketNotAllowed);

  order.price = Price{0};
  if (!market) {
    // Buy: round down (never pay more than asked). Sell: round up (never sell for less).
    order.price =
        filters.tick_size.raw > 0
            ? Price{round_to_multiple(price.raw, filters.tick_size.raw,
                                      side == Side::kBuy ? Rounding::kDown : Rounding::kUp)}
            : price;
    if (order.price.raw <= 0 ||
        (filters.min_price.raw > 0 && order.price.raw < filters.min_price.raw) ||
        (filters.max_price.raw > 0 && order.price.raw > filters.max_price.raw)) {
      return failed(FilterFailure::kPriceOutOfRange);
    }
  }
  // Never more than intended: the quantity always rounds down to the step.
  const bool market_lot = market && filters.market_step_size.raw > 0;
  const std::int64_t step = market_lot ? filters.market_step_size.raw : filters.step_size.raw;
  const std::int64_t min_quantity = market && filters.market_min_quantity.raw > 0
                                        ? filters.market_min_quantity.raw
                                        : filters.min_quantity.raw;
  const std::int64_t max_quantity = market && filters.market_max_quantity.raw > 0
                                        ? filters.market_max_quantity.raw
                                        : filters.max_quantity.raw;
  order.quantity =
      step > 0 ? Quantity{round_to_multiple(quantity.raw, step, Rounding::kDown)} : quantity;
  if (order.quantity.raw <= 0 || order.quantity.raw < min_quantity)
    return failed(FilterFailure::kQuantityBelowMinimum);
  if (max_quantity > 0 && order.quantity.raw > max_quantity)
    return failed(FilterFailure::kQuantityAboveMaximum);

  const Price notional_price = market ? reference_price : order.price;
  const auto value =
      notional(notional_price, kBinanceScale, order.quantity, kBinanceScale, Rounding::kDown);
  if (!value) return failed(FilterFailure::kNotionalAboveMaximum);
  if (filters.min_notional.raw > 0 && (!market || filters.min_notional_applies_to_market) &&
      value->raw < filters.min_notional.raw) {
    return failed(FilterFailure::kNotionalBelowMinimum);
  }
  if (filters.max_notional.raw > 0 && (!market || filters.max_notional_applies_to_market) &&
      value->raw > filters.max_notional.raw) {
    return failed(FilterFailure::kNotionalAboveMaximum);
  }
  return order;
}

}  // namespace sigex
