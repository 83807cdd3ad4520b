#pragma once

// Binance's spot bookTicker frame in its exact byte layout, read without a JSON parser. The
// layout is the one Binance sends and the recorded captures hold:
//   {"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT","b":"25.35190000",
//    "B":"31.21000000","a":"25.36520000","A":"40.66000000"}}
// or the same payload without the envelope (a raw stream). Any other layout (other field order,
// spaces, extra fields, a number longer than 19 digits) is not this shape: the caller then
// parses the frame with simdjson, which decides what it is. The scan checks the layout and the
// stream name; the fields' text is checked by what reads it (the symbol must be a configured
// one, parse_decimal reads each decimal byte by byte), and the caller hands whatever those
// refuse to simdjson too. So a frame becomes a record here only when it is valid JSON that the
// simdjson path reads to the same record; the two are tested and fuzzed against each other.

#include <cstdint>
#include <optional>
#include <string_view>

namespace sigex {

// The fields' text, pointing into the frame: decimals are not converted here.
struct BookTickerText {
  std::uint64_t update_id = 0;
  std::string_view symbol;
  std::string_view bid_price;
  std::string_view bid_quantity;
  std::string_view ask_price;
  std::string_view ask_quantity;
};

std::optional<BookTickerText> scan_book_ticker(std::string_view frame);

}  // namespace sigex
