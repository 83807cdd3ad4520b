#pragma once

// Money types. Price and Quantity are raw integers at the owning instrument's price_scale and
// quantity_scale (see Instrument); Money is an amount of a quote asset at kMoneyScale decimals.
// None of them is ever a double inside the engine.

#include <compare>
#include <cstdint>
#include <string>

#include "engine/core/decimal.h"
#include "engine/core/result.h"

namespace sigex {

inline constexpr int kMoneyScale = 8;

struct Price {
  std::int64_t raw = 0;
  friend auto operator<=>(const Price&, const Price&) = default;
};

struct Quantity {
  std::int64_t raw = 0;
  friend auto operator<=>(const Quantity&, const Quantity&) = default;
};

struct Money {
  std::int64_t raw = 0;
  friend auto operator<=>(const Money&, const Money&) = default;
};

// A rate (funding rate, maintenance margin rate) at kRateScale decimals: 0.0001 is 10'000.
inline constexpr int kRateScale = 8;
struct Rate {
  std::int64_t raw = 0;
  friend auto operator<=>(const Rate&, const Rate&) = default;
};

// Checked money arithmetic: overflow is a broken invariant (amounts are bounded by balances).
Money operator+(Money left, Money right);
Money operator-(Money left, Money right);
Money operator-(Money value);
inline Money& operator+=(Money& left, Money right) { return left = left + right; }
inline Money& operator-=(Money& left, Money right) { return left = left - right; }

Quantity operator+(Quantity left, Quantity right);
Quantity operator-(Quantity left, Quantity right);
inline Quantity& operator+=(Quantity& left, Quantity right) { return left = left + right; }
inline Quantity& operator-=(Quantity& left, Quantity right) { return left = left - right; }

// The size of a signed quantity (a short perpetual position is negative).
inline Quantity magnitude(Quantity quantity) {
  return Quantity{quantity.raw < 0 ? -quantity.raw : quantity.raw};
}

// price * quantity as Money, rounded in the given direction; fails on overflow.
Result<Money> notional(Price price, int price_scale, Quantity quantity, int quantity_scale,
                       Rounding rounding);

// money / price as a Quantity at quantity_scale, rounded in the given direction.
Result<Quantity> quantity_for(Money amount, Price price, int price_scale, int quantity_scale,
                              Rounding rounding);

// money / quantity as a Price at price_scale: the average price of a total notional.
Result<Price> average_price(Money amount, Quantity quantity, int price_scale, int quantity_scale,
                            Rounding rounding);

// money * basis_points / 10'000, rounded as asked.
Result<Money> apply_basis_points(Money amount, std::int64_t basis_points, Rounding rounding);

// money * rate, rounded as asked.
Result<Money> apply_rate(Money amount, Rate rate, Rounding rounding);

// price * (10'000 + basis_points) / 10'000: a price moved by a number of basis points.
Result<Price> shift_by_basis_points(Price price, std::int64_t basis_points, Rounding rounding);

// An amount exactly, at the money scale ("10206.58987268"): files and status answers.
std::string money_text(Money amount);

// An amount for people to read, rounded half away from zero to `decimals` (0..8): 9.999 at
// two decimals is "10.00", never the truncated "9.99".
std::string format_money(Money amount, int decimals);

}  // namespace sigex
