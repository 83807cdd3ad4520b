#include "engine/strategy/order_sizing.h"

namespace sigex {

std::optional<Price> marketable_limit(const Instrument& instrument, const Quote& quote, Side side,
                                      std::int64_t tolerance_bps) {
  const bool buy = side == Side::kBuy;
  const Price touch =
      (buy ? quote.ask : quote.bid).raw > 0 ? (buy ? quote.ask : quote.bid) : quote.reference();
  if (touch.raw <= 0) return std::nullopt;
  const Rounding rounding = buy ? Rounding::kDown : Rounding::kUp;
  const auto limit = shift_by_basis_points(touch, buy ? tolerance_bps : -tolerance_bps, rounding);
  if (!limit) return std::nullopt;
  return Price{round_to_multiple(limit->raw, instrument.tick_size.raw, rounding)};
}

OrderIntent ioc_limit(InstrumentId instrument, Side side, Price price, Quantity quantity,
                      IntentKey intent, std::string_view reason, bool reduce_only) {
  OrderIntent order;
  order.instrument = instrument;
  order.side = side;
  order.type = OrderType::kLimit;
  order.time_in_force = TimeInForce::kImmediateOrCancel;
  order.price = price;
  order.quantity = quantity;
  order.intent = intent;
  order.reduce_only = reduce_only;
  order.reason = reason;
  return order;
}

Money carry_limit(const Instrument& instrument, Money cash, Money available_margin) {
  const auto limit =
      instrument.is_perpetual()
          ? mul_div(available_margin.raw, 99LL * instrument.leverage, 100, Rounding::kDown)
          : mul_div(cash.raw, 99, 100, Rounding::kDown);
  return Money{limit.value_or(0)};
}

std::optional<Quantity> quantity_within(Money budget, Price price, const Instrument& instrument) {
  const auto quantity = quantity_for(budget, price, instrument.price_scale,
                                     instrument.quantity_scale, Rounding::kDown);
  if (!quantity) return std::nullopt;
  const Quantity size{round_to_multiple(quantity->raw, instrument.step_size.raw, Rounding::kDown)};
  const auto value =
      notional(price, instrument.price_scale, size, instrument.quantity_scale, Rounding::kDown);
  if (size.raw <= 0 || size < instrument.min_quantity || !value ||
      *value < instrument.min_notional) {
    return std::nullopt;
  }
  return size;
}

}  // namespace sigex
