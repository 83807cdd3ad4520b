#pragma once

// Exact decimal text <-> scaled int64 conversion. A value v at scale s is stored as the integer
// v * 10^s. Parsing never goes through floating point.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/eight_decimals.h"
#include "engine/core/result.h"

namespace sigex {

inline constexpr int kMaxScale = 18;

enum class Rounding : std::uint8_t { kDown, kUp };  // towards -infinity / +infinity

// 10^exponent for 0 <= exponent <= 18.
std::int64_t pow10(int exponent);

// Parses plain decimal text such as "61837.63000000", "-0.5", "42" into value * 10^scale.
// Accepted: an optional leading '-', digits, an optional '.' followed by digits; at least one
// digit overall. Rejected with a reason: empty text, '+', whitespace, exponents, separators,
// more than one '.', digits beyond `scale` that are not zero (kTooPrecise: we never round a
// venue value silently), and values that do not fit in int64 (kOverflow). "-0" is zero.
Result<std::int64_t> parse_decimal_other_shapes(std::string_view text, int scale);
inline Result<std::int64_t> parse_decimal(std::string_view text, int scale) {
  if (std::int64_t fixed = 0; eight_decimals::parse_eight_decimals(text, scale, fixed))
    return fixed;
  return parse_decimal_other_shapes(text, scale);
}
// parse_decimal_other_shapes is parse_decimal for text that is not in the eight-decimal shape
// (eight_decimals.h, inline for the venues' parsers): it checks the scale, tries short text,
// then the general parser.

// The same by the general parser alone, one character at a time. parse_decimal first tries
// fast paths for the venues' shapes (eight decimals, read eight digits at a time; short
// text), which must agree with this one on every input: the reference they are tested and
// fuzzed against.
Result<std::int64_t> parse_decimal_general(std::string_view text, int scale);

// Formats value * 10^-scale as decimal text with exactly `scale` fractional digits.
std::string format_decimal(std::int64_t raw, int scale);

// The same into `out` without allocating; returns the length. With kTrimmed, trailing
// fractional zeros (and then a trailing '.') are dropped: "0.00100000" -> "0.001", "5.0" -> "5".
enum class DecimalZeros : std::uint8_t { kKept, kTrimmed };
inline constexpr std::size_t kMaxDecimalText = 48;  // enough for any int64 at any scale
std::size_t write_decimal(std::int64_t raw, int scale, char (&out)[kMaxDecimalText],
                          DecimalZeros zeros = DecimalZeros::kKept);

// Moves a raw value from one scale to another, rounding as asked when digits are dropped.
Result<std::int64_t> rescale(std::int64_t raw, int from_scale, int to_scale, Rounding rounding);

// Rounds raw to a multiple of `increment` (> 0) in the given direction.
std::int64_t round_to_multiple(std::int64_t raw, std::int64_t increment, Rounding rounding);

// raw * numerator / denominator computed in 128 bits, rounded as asked; fails on overflow.
Result<std::int64_t> mul_div(std::int64_t raw, std::int64_t numerator, std::int64_t denominator,
                             Rounding rounding);

// For reports and metrics only: never feed the result back into trading decisions.
double to_double_for_report(std::int64_t raw, int scale);

}  // namespace sigex
