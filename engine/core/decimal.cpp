#include "engine/core/decimal.h"
#include "engine/core/int128.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>

#include "engine/core/check.h"

namespace sigex {
namespace {

constexpr std::array<std::int64_t, 19> kPowersOf10 = {
    1LL,
    10LL,
    100LL,
    1'000LL,
    10'000LL,
    100'000LL,
    1'000'000LL,
    10'000'000LL,
    100'000'000LL,
    1'000'000'000LL,
    10'000'000'000LL,
    100'000'000'000LL,
    1'000'000'000'000LL,
    10'000'000'000'000LL,
    100'000'000'000'000LL,
    1'000'000'000'000'000LL,
    10'000'000'000'000'000LL,
    100'000'000'000'000'000LL,
    1'000'000'000'000'000'000LL,
};

constexpr Int128 kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr Int128 kInt64Min = std::numeric_limits<std::int64_t>::min();

Int128 divide_rounded(Int128 numerator, Int128 denominator, Rounding rounding) {
  Int128 quotient = numerator / denominator;
  const Int128 remainder = numerator % denominator;
  if (remainder != 0) {
    const bool negative = (remainder < 0) != (denominator < 0);
    if (rounding == Rounding::kDown && negative) --quotient;
    if (rounding == Rounding::kUp && !negative) ++quotient;
  }
  return quotient;
}

}  // namespace

std::int64_t pow10(int exponent) {
  SIGEX_CHECK(exponent >= 0 && exponent <= kMaxScale, "pow10 exponent out of range");
  return kPowersOf10[static_cast<std::size_t>(exponent)];
}

namespace {

// Venue strings are short ("61837.63000000"): at most 18 digits fit in 64 bits without any
// overflow check inside the loop. Returns nullopt for anything it does not handle, which the
// general parser then decides on (with the precise error).
std::optional<std::int64_t> parse_short_decimal(std::string_view text, int scale) {
  if (text.size() > 19 || text.empty()) return std::nullopt;
  std::size_t position = text[0] == '-' ? 1 : 0;
  const bool negative = position == 1;
  std::uint64_t magnitude = 0;
  int digits = 0;
  int fraction_digits = -1;  // -1: no decimal point yet
  for (; position < text.size(); ++position) {
    const char c = text[position];
    if (c >= '0' && c <= '9') {
      if (fraction_digits >= 0) {
        if (fraction_digits == scale) {
          if (c != '0') return std::nullopt;
          continue;
        }
        ++fraction_digits;
      }
      magnitude = magnitude * 10 + static_cast<std::uint64_t>(c - '0');
      ++digits;
    } else if (c == '.' && fraction_digits < 0) {
      fraction_digits = 0;
    } else {
      return std::nullopt;
    }
  }
  if (digits == 0 || text.back() == '.') return std::nullopt;
  const int shift = scale - (fraction_digits < 0 ? 0 : fraction_digits);
  std::uint64_t scaled = 0;
  if (__builtin_mul_overflow(
          magnitude, static_cast<std::uint64_t>(kPowersOf10[static_cast<std::size_t>(shift)]),
          &scaled) ||
      scaled > static_cast<std::uint64_t>(INT64_MAX)) {
    return std::nullopt;
  }
  return negative ? -static_cast<std::int64_t>(scaled) : static_cast<std::int64_t>(scaled);
}

}  // namespace

Result<std::int64_t> parse_decimal_other_shapes(std::string_view text, int scale) {
  if (scale < 0 || scale > kMaxScale) return fail(Errc::kOutOfRange, "scale out of range");
  if (const auto quick = parse_short_decimal(text, scale)) return *quick;
  return parse_decimal_general(text, scale);
}

Result<std::int64_t> parse_decimal_general(std::string_view text, int scale) {
  if (scale < 0 || scale > kMaxScale) return fail(Errc::kOutOfRange, "scale out of range");
  if (text.empty()) return fail(Errc::kEmpty, "empty number");

  std::size_t position = 0;
  const bool negative = text[0] == '-';
  if (negative) ++position;

  // Accumulate the magnitude as a negative number so that INT64_MIN is reachable.
  Int128 magnitude = 0;
  int digits = 0;
  int fraction_digits = 0;
  bool seen_point = false;
  for (; position < text.size(); ++position) {
    const char c = text[position];
    if (c == '.') {
      if (seen_point) return fail(Errc::kSyntax, "more than one decimal point");
      seen_point = true;
      continue;
    }
    if (c < '0' || c > '9') return fail(Errc::kSyntax, "unexpected character in number");
    ++digits;
    if (seen_point) {
      if (fraction_digits == scale) {
        if (c != '0') return fail(Errc::kTooPrecise, "more decimals than the instrument allows");
        continue;
      }
      ++fraction_digits;
    }
    magnitude = magnitude * 10 + (c - '0');
    if (magnitude > kInt64Max + 1) return fail(Errc::kOverflow, "number too large");
  }
  if (digits == 0) return fail(Errc::kSyntax, "no digits in number");
  if (seen_point && text.back() == '.') return fail(Errc::kSyntax, "decimal point without digits");

  magnitude *= kPowersOf10[static_cast<std::size_t>(scale - fraction_digits)];
  const Int128 value = negative ? -magnitude : magnitude;
  if (value > kInt64Max || value < kInt64Min) return fail(Errc::kOverflow, "number too large");
  return static_cast<std::int64_t>(value);
}

std::string format_decimal(std::int64_t raw, int scale) {
  char text[kMaxDecimalText];
  return std::string(text, write_decimal(raw, scale, text));
}

std::size_t write_decimal(std::int64_t raw, int scale, char (&out)[kMaxDecimalText],
                          DecimalZeros zeros) {
  SIGEX_CHECK(scale >= 0 && scale <= kMaxScale, "format scale out of range");
  const auto magnitude =
      raw < 0 ? 0 - static_cast<std::uint64_t>(raw) : static_cast<std::uint64_t>(raw);
  char digits[24];
  const auto count =
      static_cast<int>(std::to_chars(digits, digits + sizeof digits, magnitude).ptr - digits);
  char* at = out;
  if (raw < 0) *at++ = '-';
  const int whole = count - scale;  // digits before the point; none when <= 0
  if (whole > 0) {
    at = std::copy(digits, digits + whole, at);
  } else {
    *at++ = '0';
  }
  if (scale > 0) {
    *at++ = '.';
    for (int i = whole; i < 0; ++i) *at++ = '0';
    at = std::copy(digits + std::max(whole, 0), digits + count, at);
    if (zeros == DecimalZeros::kTrimmed) {
      while (at[-1] == '0') --at;
      if (at[-1] == '.') --at;
    }
  }
  return static_cast<std::size_t>(at - out);
}

Result<std::int64_t> rescale(std::int64_t raw, int from_scale, int to_scale, Rounding rounding) {
  if (from_scale == to_scale) return raw;
  if (to_scale > from_scale) return mul_div(raw, pow10(to_scale - from_scale), 1, rounding);
  return mul_div(raw, 1, pow10(from_scale - to_scale), rounding);
}

std::int64_t round_to_multiple(std::int64_t raw, std::int64_t increment, Rounding rounding) {
  SIGEX_CHECK(increment > 0, "rounding increment must be positive");
  return static_cast<std::int64_t>(divide_rounded(raw, increment, rounding) * increment);
}

Result<std::int64_t> mul_div(std::int64_t raw, std::int64_t numerator, std::int64_t denominator,
                             Rounding rounding) {
  if (denominator == 0) return fail(Errc::kOutOfRange, "division by zero");
  const Int128 result = divide_rounded(static_cast<Int128>(raw) * numerator, denominator, rounding);
  if (result > kInt64Max || result < kInt64Min) return fail(Errc::kOverflow, "result too large");
  return static_cast<std::int64_t>(result);
}

double to_double_for_report(std::int64_t raw, int scale) {
  return static_cast<double>(raw) / static_cast<double>(pow10(scale));
}

}  // namespace sigex
