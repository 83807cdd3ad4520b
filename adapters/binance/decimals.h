#pragma once

// Binance's numbers: every price, quantity and fee arrives as a decimal string with at most 8
// decimals. The parse_* functions turn that text into fixed point at kBinanceScale (they are
// the only place that reads venue decimals); this header is the only place that moves a value
// between Binance's scale and an instrument's. The venue checks at start-up that every
// instrument's scale is at most 8 and expresses Binance's tick and step, so values the venue
// reports convert exactly; anything else is rounded toward zero.

#include <cstdint>

namespace sigex {

inline constexpr int kBinanceScale = 8;

constexpr std::int64_t binance_scale_factor(int scale) {
  std::int64_t value = 1;
  for (int i = scale; i < kBinanceScale; ++i) value *= 10;
  return value;
}

// Binance's scale -> the instrument's (`scale` <= 8), toward zero.
constexpr std::int64_t from_venue(std::int64_t raw, int scale) {
  return raw / binance_scale_factor(scale);
}
// The instrument's scale -> Binance's (exact).
constexpr std::int64_t to_venue(std::int64_t raw, int scale) {
  return raw * binance_scale_factor(scale);
}
// Whether a value at Binance's scale is exact at the instrument's.
constexpr bool expressible(std::int64_t raw, int scale) {
  return raw % binance_scale_factor(scale) == 0;
}
// Binance's scale -> the instrument's, away from zero for positive values (a fee taken from
// a position: sigex never believes it holds more than the account).
constexpr std::int64_t from_venue_up(std::int64_t raw, int scale) {
  const std::int64_t unit = binance_scale_factor(scale);
  return (raw + unit - 1) / unit;
}

}  // namespace sigex
