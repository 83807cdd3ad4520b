#include "engine/portfolio/margin.h"

#include <cstdlib>
#include <limits>

#include "engine/core/check.h"
#include "engine/core/int128.h"

namespace sigex {
const MarginBracket& bracket_for(const Instrument& instrument, Money notional) {
  SIGEX_CHECK(!instrument.brackets().empty(), "a perpetual without margin brackets");
  for (const MarginBracket& bracket : instrument.brackets()) {
    if (notional <= bracket.notional_cap) return bracket;
  }
  return instrument.brackets().back();
}

Money position_notional(const Instrument& instrument, Quantity quantity, Price price) {
  const auto value = notional(price, instrument.price_scale, magnitude(quantity),
                              instrument.quantity_scale, Rounding::kUp);
  SIGEX_CHECK(value.has_value(), "position notional overflow");
  return *value;
}

Money initial_margin(const Instrument& instrument, Money notional) {
  SIGEX_CHECK(instrument.leverage > 0, "leverage must be positive");
  const auto margin = mul_div(notional.raw, 1, instrument.leverage, Rounding::kUp);
  SIGEX_CHECK(margin.has_value(), "initial margin overflow");
  return Money{*margin};
}

Money maintenance_margin(const Instrument& instrument, Money notional) {
  const MarginBracket& bracket = bracket_for(instrument, notional);
  const auto margin = apply_rate(notional, bracket.maintenance_rate, Rounding::kUp);
  SIGEX_CHECK(margin.has_value(), "maintenance margin overflow");
  const Money net = *margin - bracket.maintenance_amount;
  return net.raw > 0 ? net : Money{0};
}

std::optional<Price> liquidation_price(const Instrument& instrument, Quantity quantity, Price entry,
                                       Money wallet) {
  if (quantity.raw == 0) return std::nullopt;
  const Int128 side = quantity.raw > 0 ? 1 : -1;
  const Quantity size = magnitude(quantity);
  const auto entry_value =
      notional(entry, instrument.price_scale, size, instrument.quantity_scale, Rounding::kDown);
  SIGEX_CHECK(entry_value.has_value(), "entry notional overflow");
  // LP_raw = (WB + cum − s·Q·EP)_raw × 10^price_scale × 10^quantity_scale
  //          / (Q_raw × (MMR_raw − s × 10^rate_scale)) × 10^(rate_scale − money_scale)
  const MarginBracket* bracket = &bracket_for(instrument, *entry_value);
  std::optional<Price> result;
  for (std::size_t round = 0; round <= instrument.bracket_count; ++round) {
    const Int128 numerator = (static_cast<Int128>(wallet.raw) + bracket->maintenance_amount.raw -
                              side * entry_value->raw) *
                             pow10(instrument.price_scale) * pow10(instrument.quantity_scale) *
                             pow10(kRateScale - kMoneyScale);
    const Int128 denominator =
        static_cast<Int128>(size.raw) * (bracket->maintenance_rate.raw - side * pow10(kRateScale));
    if (denominator == 0) return std::nullopt;
    const Int128 price = numerator / denominator;  // at price_scale, truncated
    if (price <= 0) return std::nullopt;
    if (price > std::numeric_limits<std::int64_t>::max()) return std::nullopt;
    result = Price{static_cast<std::int64_t>(price)};
    const MarginBracket& at_result =
        bracket_for(instrument, position_notional(instrument, size, *result));
    if (&at_result == bracket) break;
    bracket = &at_result;
  }
  return result;
}

Money funding_payment(const Instrument& instrument, Quantity quantity, Price mark, Rate rate) {
  if (quantity.raw == 0) return Money{0};
  const auto value = notional(mark, instrument.price_scale, magnitude(quantity),
                              instrument.quantity_scale, Rounding::kDown);
  SIGEX_CHECK(value.has_value(), "funding notional overflow");
  // Rounded against the account: what it pays is rounded up, what it receives down.
  const bool pays = (quantity.raw > 0) == (rate.raw > 0);
  const auto amount =
      apply_rate(*value, Rate{std::llabs(rate.raw)}, pays ? Rounding::kUp : Rounding::kDown);
  SIGEX_CHECK(amount.has_value(), "funding amount overflow");
  return pays ? -*amount : *amount;
}

}  // namespace sigex
