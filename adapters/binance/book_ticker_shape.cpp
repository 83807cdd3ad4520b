#include "adapters/binance/book_ticker_shape.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "engine/core/eight_decimals.h"

namespace sigex {
namespace {

bool is_alphanumeric(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

// A piece of the layout as a template argument, so that its bytes are constants.
template <std::size_t N>
struct Literal {
  consteval Literal(const char (&text)[N]) {  // NOLINT(google-explicit-constructor)
    std::copy_n(text, N - 1, bytes.begin());
  }
  // Bytes [kFrom, kFrom + kBytes) as a little-endian word: what memcpy of them would load.
  template <std::size_t kFrom, std::size_t kBytes>
  constexpr std::uint64_t word() const {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < kBytes; ++i) {
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[kFrom + i])) << (8 * i);
    }
    return value;
  }
  static constexpr std::size_t size = N - 1;
  std::array<char, N - 1> bytes{};
};

// Walks the frame front to back; every step either consumes what it expects or fails.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  // A fixed piece of the layout, compared eight bytes at a time against constants.
  template <Literal kExpected>
  bool literal() {
    constexpr std::size_t kLength = kExpected.size;
    if (rest_.size() < kLength) return false;
    bool same = true;
    [&]<std::size_t... kChunk>(std::index_sequence<kChunk...>) {
      ((same = same && chunk_equals<kExpected, kChunk * 8>()), ...);
    }
    (std::make_index_sequence<(kLength + 7) / 8>{});
    if (!same) return false;
    rest_.remove_prefix(kLength);
    return true;
  }

  // The text up to the next '"' (consumed, not returned), found eight bytes at a time. The
  // text is not checked here: it is a symbol that must equal a configured one, or a decimal
  // that parse_decimal reads byte by byte; whatever either refuses goes to simdjson.
  bool string_body(std::string_view& text) {
    std::size_t at = 0;
    for (; at + 8 <= rest_.size(); at += 8) {
      std::uint64_t chunk = 0;
      std::memcpy(&chunk, rest_.data() + at, 8);
      const std::uint64_t quotes = chunk ^ 0x2222222222222222ULL;  // a zero byte where '"' is
      const std::uint64_t found =
          (quotes - 0x0101010101010101ULL) & ~quotes & 0x8080808080808080ULL;
      if (found != 0)
        return take_string(at + static_cast<std::size_t>(std::countr_zero(found)) / 8, text);
    }
    for (; at < rest_.size(); ++at) {
      if (rest_[at] == '"') return take_string(at, text);
    }
    return false;
  }

  // A JSON unsigned integer of at most 16 digits, read eight at a time: "0" or a first digit
  // that is not '0'. Longer numbers (Binance's update ids have 11 digits) are left to simdjson.
  // A valid frame has more than 24 bytes after the number, so the loads stay inside it.
  bool unsigned_integer(std::uint64_t& value) {
    if (rest_.size() < 24) return false;
    const char* text = rest_.data();
    std::size_t digits = eight_decimals::leading_digits(text);
    if (digits == 8) digits += eight_decimals::leading_digits(text + 8);
    if (digits == 0 || digits == 16 || (digits > 1 && text[0] == '0')) return false;
    const std::uint64_t high =
        eight_decimals::up_to_eight_digits(text, digits <= 8 ? digits : digits - 8);
    value =
        digits <= 8 ? high : high * 100'000'000 + eight_decimals::eight_digits(text + digits - 8);
    rest_.remove_prefix(digits);
    return true;
  }

  // A combined stream's name: "<symbol>@bookTicker", the symbol part of ASCII letters and
  // digits (the simdjson path reads the kind from what follows the first '@').
  bool book_ticker_stream() {
    for (std::size_t i = 0; i < rest_.size(); ++i) {
      const char c = rest_[i];
      if (c == '@') {
        rest_.remove_prefix(i);
        return literal<"@bookTicker\"">();
      }
      if (!is_alphanumeric(c)) return false;
    }
    return false;
  }

  bool at_end() const { return rest_.empty(); }

 private:
  // Bytes [kFrom, kFrom + 8) of the literal (fewer at its end) against the frame's: one
  // eight-byte load, masked, where eight bytes are left (a narrower copy into a word would
  // stall the load that reads the word back); byte by byte near the frame's end.
  template <Literal kExpected, std::size_t kFrom>
  bool chunk_equals() const {
    constexpr std::size_t kBytes = std::min<std::size_t>(8, kExpected.size - kFrom);
    constexpr std::uint64_t kWanted = kExpected.template word<kFrom, kBytes>();
    constexpr std::uint64_t kMask = kBytes == 8 ? ~0ULL : (1ULL << (8 * kBytes)) - 1;
    if (rest_.size() >= kFrom + 8) {
      std::uint64_t actual = 0;
      std::memcpy(&actual, rest_.data() + kFrom, 8);
      return (actual & kMask) == kWanted;
    }
    return std::memcmp(rest_.data() + kFrom, kExpected.bytes.data() + kFrom, kBytes) == 0;
  }

  bool take_string(std::size_t quote, std::string_view& text) {
    text = rest_.substr(0, quote);
    rest_.remove_prefix(quote + 1);
    return true;
  }

  std::string_view rest_;
};

bool payload(Cursor& cursor, BookTickerText& text) {
  return cursor.literal<"{\"u\":">() && cursor.unsigned_integer(text.update_id) &&
         cursor.literal<",\"s\":\"">() && cursor.string_body(text.symbol) &&
         cursor.literal<",\"b\":\"">() && cursor.string_body(text.bid_price) &&
         cursor.literal<",\"B\":\"">() && cursor.string_body(text.bid_quantity) &&
         cursor.literal<",\"a\":\"">() && cursor.string_body(text.ask_price) &&
         cursor.literal<",\"A\":\"">() && cursor.string_body(text.ask_quantity) &&
         cursor.literal<"}">();
}

}  // namespace

std::optional<BookTickerText> scan_book_ticker(std::string_view frame) {
  Cursor cursor(frame);
  BookTickerText text;
  if (cursor.literal<"{\"stream\":\"">()) {
    if (!cursor.book_ticker_stream() || !cursor.literal<",\"data\":">() || !payload(cursor, text) ||
        !cursor.literal<"}">()) {
      return std::nullopt;
    }
  } else if (!payload(cursor, text)) {
    return std::nullopt;
  }
  if (!cursor.at_end()) return std::nullopt;
  return text;
}

}  // namespace sigex
