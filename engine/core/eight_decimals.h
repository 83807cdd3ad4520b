#pragma once

// The eight-decimal fast path of parse_decimal (decimal.h), inline so that a parser reading
// venue prices inlines it: Binance sends every price and quantity as [-]digits.dddddddd.
// parse_decimal_general is the reference it is tested and fuzzed against.
//
// The helpers answer with a sentinel or a bool and an out-parameter rather than std::optional:
// GCC returns an optional through the stack, and the wide load that reads it back stalls on
// the narrower stores (measured: half of a bookTicker frame's time).

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sigex::eight_decimals {

inline constexpr std::array<std::uint64_t, 9> kEightDecimalScales = {
    1, 10, 100, 1'000, 10'000, 100'000, 1'000'000, 10'000'000, 100'000'000};

// What the digit readers answer when a byte is not a digit (no eight digits reach it).
inline constexpr std::uint64_t kNotDigits = ~std::uint64_t{0};

// The eight bytes of `chunk` (byte 0 the most significant digit) as their value, or
// kNotDigits when one is not an ASCII digit: SWAR, a few multiplications for all eight.
inline std::uint64_t digits_value(std::uint64_t chunk) {
  // Every byte 0x30..0x39: its high nibble is 3, and adding 6 does not carry out of it.
  constexpr std::uint64_t kHigh = 0xF0F0F0F0F0F0F0F0ULL;
  if ((chunk & kHigh) != 0x3030303030303030ULL ||
      ((chunk + 0x0606060606060606ULL) & kHigh) != 0x3030303030303030ULL) {
    return kNotDigits;
  }
  chunk &= 0x0F0F0F0F0F0F0F0FULL;                                 // eight digits, byte 0 first
  chunk = (chunk * 10 + (chunk >> 8)) & 0x00FF00FF00FF00FFULL;    // four pairs
  chunk = (chunk * 100 + (chunk >> 16)) & 0x0000FFFF0000FFFFULL;  // two quads
  return (chunk * 10000 + (chunk >> 32)) & 0xFFFFFFFFULL;
}

// Eight ASCII digits at `p` as their value, or kNotDigits.
inline std::uint64_t eight_digits(const char* p) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, p, 8);
  return digits_value(chunk);
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
// their value, or kNotDigits. Reads p[0..7]: the caller guarantees eight readable bytes. The
// bytes past the n digits are shifted out and replaced by leading zeros.
inline std::uint64_t up_to_eight_digits(const char* p, std::size_t n) {
  std::uint64_t chunk = 0;
  std::memcpy(&chunk, p, 8);
  if (n < 8) {
    const unsigned unused_bits = static_cast<unsigned>(8 - n) * 8;
    chunk = (chunk << unused_bits) | (0x3030303030303030ULL >> (64 - unused_bits));
  }
  return digits_value(chunk);
}

// A value at 8 decimals at `scale` (0..8) decimals into `out`: value / 10^(8 - scale) when
// the dropped digits are zeros, else false (also for a scale outside 0..8). A switch, so that
// every division is by a constant (a multiplication) instead of a runtime divisor. Signed
// values keep their sign (the division truncates, and a remainder of either sign refuses).
template <typename Integer>
bool drop_zero_decimals(Integer value, int scale, Integer& out) {
  Integer divisor = 1;
  switch (scale) {
    case 8:
      out = value;  // Binance's own scale, the usual case: nothing to drop
      return true;
    case 7:
      divisor = 10;
      break;
    case 6:
      divisor = 100;
      break;
    case 5:
      divisor = 1'000;
      break;
    case 4:
      divisor = 10'000;
      break;
    case 3:
      divisor = 100'000;
      break;
    case 2:
      divisor = 1'000'000;
      break;
    case 1:
      divisor = 10'000'000;
      break;
    case 0:
      divisor = 100'000'000;
      break;
    default:
      return false;
  }
  if (value % divisor != 0) return false;
  out = value / divisor;
  return true;
}

// The venue's fixed-width shape: [-]digits.dddddddd, exactly eight decimals (Binance sends
// every price and quantity so), at most eleven integer digits (so that nothing below can
// overflow 64 bits: 10^11 * 10^8 + 10^8 < 2^64), into `out`. False for anything else
// (including a value with more decimals than `scale` that are not zero): the parsers of
// decimal.cpp decide those, with the precise error. Both parts are read eight digits at a
// time; the text from the first integer digit on is at least nine bytes long, so the
// eight-byte loads stay inside it.
inline bool parse_eight_decimals(std::string_view text, int scale, std::int64_t& out) {
  const std::size_t size = text.size();
  if (size < 10 || size > 21 || scale > 8 || text[size - 9] != '.') return false;
  const std::size_t first = text[0] == '-' ? 1 : 0;
  const std::size_t point = size - 9;
  // ".12345678" (no integer digit), or more than eleven integer digits.
  if (point == first || point - first > 11) return false;
  const std::uint64_t fraction = eight_digits(text.data() + point + 1);
  if (fraction == kNotDigits) return false;
  std::uint64_t integer = 0;
  std::size_t at = first;
  for (; point - at > 8; ++at) {  // the ninth to eleventh digits from the point, if any
    const auto digit = static_cast<unsigned>(text[at] - '0');
    if (digit > 9) return false;
    integer = integer * 10 + digit;
  }
  const std::uint64_t low = up_to_eight_digits(text.data() + at, point - at);
  if (low == kNotDigits) return false;
  integer = integer * 100'000'000 + low;
  std::uint64_t kept = 0;
  if (!drop_zero_decimals(fraction, scale, kept)) return false;
  const std::uint64_t magnitude =
      integer * kEightDecimalScales[static_cast<std::size_t>(scale)] + kept;
  if (magnitude > static_cast<std::uint64_t>(INT64_MAX)) return false;  // kOverflow
  out = first == 1 ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

}  // namespace sigex::eight_decimals
