#pragma once

// Reading one field of a Binance JSON object (simdjson DOM) for the parse_* files.

#include <cstdint>
#include <string_view>

#include <simdjson.h>

#include "adapters/binance/decimals.h"
#include "engine/core/decimal.h"

namespace sigex {

// A decimal string field (Binance sends every price, quantity and fee as one) into fixed point
// at Binance's scale. Absent: true only when not `required`; present but not a decimal with
// at most 8 places: false.
inline bool read_binance_decimal(simdjson::dom::element element, const char* key, std::int64_t& out,
                                 bool required = true) {
  std::string_view text;
  if (element[key].get_string().get(text)) return !required;
  const auto value = parse_decimal(text, kBinanceScale);
  if (!value) return false;
  out = *value;
  return true;
}

}  // namespace sigex
