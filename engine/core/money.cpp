#include "engine/core/money.h"
#include "engine/core/int128.h"

#include "engine/core/check.h"

namespace sigex {
namespace {

std::int64_t checked_add(std::int64_t left, std::int64_t right) {
  std::int64_t sum = 0;
  SIGEX_CHECK(!__builtin_add_overflow(left, right, &sum), "fixed-point addition overflow");
  return sum;
}

std::int64_t checked_subtract(std::int64_t left, std::int64_t right) {
  std::int64_t difference = 0;
  SIGEX_CHECK(!__builtin_sub_overflow(left, right, &difference),
              "fixed-point subtraction overflow");
  return difference;
}

}  // namespace

Money operator+(Money left, Money right) { return Money{checked_add(left.raw, right.raw)}; }
Money operator-(Money left, Money right) { return Money{checked_subtract(left.raw, right.raw)}; }
Money operator-(Money value) { return Money{checked_subtract(0, value.raw)}; }
Quantity operator+(Quantity left, Quantity right) {
  return Quantity{checked_add(left.raw, right.raw)};
}
Quantity operator-(Quantity left, Quantity right) {
  return Quantity{checked_subtract(left.raw, right.raw)};
}

Result<Money> notional(Price price, int price_scale, Quantity quantity, int quantity_scale,
                       Rounding rounding) {
  const int product_scale = price_scale + quantity_scale;
  // The product of two int64 values fits in 128 bits; reduce to kMoneyScale before narrowing.
  const Int128 product = static_cast<Int128>(price.raw) * quantity.raw;
  Int128 scaled = product;
  if (product_scale > kMoneyScale) {
    const int drop = product_scale - kMoneyScale;
    Int128 divisor = 1;
    for (int i = 0; i < drop; ++i) divisor *= 10;
    scaled = product / divisor;
    const Int128 remainder = product % divisor;
    if (remainder != 0) {
      if (rounding == Rounding::kDown && product < 0) --scaled;
      if (rounding == Rounding::kUp && product > 0) ++scaled;
    }
  } else {
    for (int i = product_scale; i < kMoneyScale; ++i) {
      // Stop before the 128-bit intermediate itself could overflow.
      if (scaled > INT64_MAX || scaled < INT64_MIN)
        return fail(Errc::kOverflow, "notional overflow");
      scaled *= 10;
    }
  }
  if (scaled > INT64_MAX || scaled < INT64_MIN) return fail(Errc::kOverflow, "notional overflow");
  return Money{static_cast<std::int64_t>(scaled)};
}

namespace {

// amount * 10^(price_scale + quantity_scale - kMoneyScale) / divisor: the scale change shared
// by money / price (a quantity) and money / quantity (a price).
Result<std::int64_t> divide_money(Money amount, std::int64_t divisor, int price_scale,
                                  int quantity_scale, Rounding rounding) {
  if (divisor <= 0) return fail(Errc::kOutOfRange, "divisor must be positive");
  const int exponent = price_scale + quantity_scale - kMoneyScale;
  if (exponent >= 0) return mul_div(amount.raw, pow10(exponent), divisor, rounding);
  const auto scaled_divisor = mul_div(divisor, pow10(-exponent), 1, rounding);
  if (!scaled_divisor) return tl::unexpected(scaled_divisor.error());
  return mul_div(amount.raw, 1, *scaled_divisor, rounding);
}

}  // namespace

Result<Quantity> quantity_for(Money amount, Price price, int price_scale, int quantity_scale,
                              Rounding rounding) {
  return divide_money(amount, price.raw, price_scale, quantity_scale, rounding)
      .map([](std::int64_t raw) { return Quantity{raw}; });
}

Result<Price> average_price(Money amount, Quantity quantity, int price_scale, int quantity_scale,
                            Rounding rounding) {
  return divide_money(amount, quantity.raw, price_scale, quantity_scale, rounding)
      .map([](std::int64_t raw) { return Price{raw}; });
}

Result<Money> apply_basis_points(Money amount, std::int64_t basis_points, Rounding rounding) {
  return mul_div(amount.raw, basis_points, 10'000, rounding).map([](std::int64_t raw) {
    return Money{raw};
  });
}

Result<Money> apply_rate(Money amount, Rate rate, Rounding rounding) {
  return mul_div(amount.raw, rate.raw, pow10(kRateScale), rounding).map([](std::int64_t raw) {
    return Money{raw};
  });
}

Result<Price> shift_by_basis_points(Price price, std::int64_t basis_points, Rounding rounding) {
  return mul_div(price.raw, 10'000 + basis_points, 10'000, rounding).map([](std::int64_t raw) {
    return Price{raw};
  });
}

std::string money_text(Money amount) { return format_decimal(amount.raw, kMoneyScale); }

std::string format_money(Money amount, int decimals) {
  SIGEX_CHECK(decimals >= 0 && decimals <= kMoneyScale, "format_money: decimals out of range");
  const std::int64_t unit = pow10(kMoneyScale - decimals);
  const std::int64_t half = unit / 2;
  // Half away from zero, as a reader rounds: 0.005 -> 0.01, -0.005 -> -0.01.
  const std::int64_t rounded =
      amount.raw >= 0 ? (amount.raw / unit) + (amount.raw % unit >= half && unit > 1 ? 1 : 0)
                      : (amount.raw / unit) - (-(amount.raw % unit) >= half && unit > 1 ? 1 : 0);
  return format_decimal(rounded, decimals);
}

}  // namespace sigex
