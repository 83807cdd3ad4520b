#pragma once

// The eight-decimal fast path of parse_decimal (decimal.h), inline so that a parser reading
// venue prices inlines it: Binance sends every price and quantity as [-]digits.dddddddd.
// parse_decimal_general is the reference it is tested and fuzzed against.

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace sigex::eight_decimals {

inline constexpr std::array<std::uint64_t, 9> kEightDecimalScales = {
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};

// Eight ASCII digits at `p` (the first the most significant) as their value, or nullopt when
// any of the eight bytes is not a digit: SWAR, a few multiplications for all eight.
inline std::optional<std::uint64_t> eight_digits(const char* p) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, p, 8);
  // Every byte 0x30..0x39: its high nibble is 3, and adding 6 does not carry out of it.
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  if ((chunk & kHigh) != 0x3030303030303030ULL ||
      ((chunk + 0x0606060606060606ULL) & kHigh) != 0x3030303030303030ULL) {
    return std::nullopt;
  }
  chunk &= 0x0F0F0F0F0F0F0F0FULL;                                 // eight digits, byte 0 first
  chunk = (chunk * 10 + (chunk >> 8)) & 0x00FF00FF00FF00FFULL;    // four pairs
  chunk = (chunk * 100 + (chunk >> 16)) & 0x0000FFFF0000FFFFULL;  // two quads
  return (chunk * 10000 + (chunk >> 32)) & 0xFFFFFFFFULL;
}

// How many of the eight bytes at `p` are ASCII digits before the first that is not (0..8).
inline std::size_t leading_digits(const char* p) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, p, 8);
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  // A byte is non-zero here when it is not 0x30..0x39; a carry of the + 6 only reaches bytes
  // after the first such one, which are not counted.
  const std::uint64_t other = ((chunk & kHigh) ^ 0x3030303030303030ULL) |
                              (((chunk + 0x0606060606060606ULL) & kHigh) ^ 0x3030303030303030ULL);
  return other == 0 ? 8 : static_cast<std::size_t>(std::countr_zero(other)) / 8;
}

// Up to eight ASCII digits at `p` (n of them, 1 <= n <= 8, the first the most significant) as
// their value, or nullopt when one is not a digit. Reads p[0..7]: the caller guarantees eight
// readable bytes. The bytes past the n digits are shifted out and replaced by leading zeros.
inline std::optional<std::uint64_t> up_to_eight_digits(const char* p, std::size_t n) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, p, 8);
  if (n < 8) {
    const unsigned unused_bits = static_cast<unsigned>(8 - n) * 8;
    chunk = (chunk << unused_bits) | (0x3030303030303030ULL >> (64 - unused_bits));
  }
  char digits[8];
  std::memcpy(digits, &chunk, 8);
  return eight_digits(digits);
}

// A value at 8 decimals at `scale` (0..8) decimals: value / 10^(8 - scale) when the dropped
// digits are zeros, else nullopt (also for a scale outside 0..8). A switch, so that every
// division is by a constant (a multiplication) instead of a runtime divisor. Signed values
// keep their sign (the division truncates, and a remainder of either sign refuses).
template <typename Integer>
std::optional<Integer> drop_zero_decimals(Integer value, int scale) {
  const auto drop = [value](Integer divisor) -> std::optional<Integer> {
    if (value % divisor != 0) return std::nullopt;
    return value / divisor;
  };
  switch (scale) {
    case 8:
      return value;
    case 7:
      return drop(10);
    case 6:
      return drop(100);
    case 5:
      return drop(1'000);
    case 4:
      return drop(10'000);
    case 3:
      return drop(100'000);
    case 2:
      return drop(1'000'000);
    case 1:
      return drop(10'000'000);
    case 0:
      return drop(100'000'000);
    default:
      return std::nullopt;
  }
}

// The venue's fixed-width shape: [-]digits.dddddddd, exactly eight decimals (Binance sends
// every price and quantity so), at most eleven integer digits (so that nothing below can
// overflow 64 bits: 10^11 * 10^8 + 10^8 < 2^64). Nullopt for anything else
// (including a value with more decimals than `scale` that are not zero): the parsers below
// decide those, with the precise error. Both parts are read eight digits at a time; the text
// from the first integer digit on is at least nine bytes long, so the eight-byte loads stay
// inside it.
inline std::optional<std::int64_t> parse_eight_decimals(std::string_view text, int scale) {
  const std::size_t size = text.size();
  if (size < 10 || size > 21 || scale > 8 || text[size - 9] != '.') return std::nullopt;
  const std::size_t first = text[0] == '-' ? 1 : 0;
  const std::size_t point = size - 9;
  // ".12345678" (no integer digit), or more than eleven integer digits.
  if (point == first || point - first > 11) return std::nullopt;
  const auto fraction = eight_digits(text.data() + point + 1);
  if (!fraction) return std::nullopt;
  std::uint64_t integer = 0;
  std::size_t at = first;
  for (; point - at > 8; ++at) {  // the ninth to eleventh digits from the point, if any
    const auto digit = static_cast<unsigned>(text[at] - '0');
    if (digit > 9) return std::nullopt;
    integer = integer * 10 + digit;
  }
  const auto low = up_to_eight_digits(text.data() + at, point - at);
  if (!low) return std::nullopt;
  integer = integer * 100'000'000 + *low;
  const auto kept = drop_zero_decimals(*fraction, scale);
  if (!kept) return std::nullopt;
  const std::uint64_t magnitude =
      integer * (kEightDecimalScales[static_cast<std::size_t>(scale)]) + *kept;
  if (magnitude > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;  // kOverflow
  return first == 1 ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
}

}  // namespace sigex::eight_decimals
