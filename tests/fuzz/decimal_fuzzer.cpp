// libFuzzer target: parse_decimal (with its fast paths for the venues' shapes) against the
// general parser alone, on any text at any scale. They must agree on every input: the same
// value, or the same error code. The first byte picks the scale (0..18), the rest is the text.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "engine/core/decimal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int scale = data[0] % (sigex::kMaxScale + 1);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto fast = sigex::parse_decimal(text, scale);
  const auto general = sigex::parse_decimal_general(text, scale);
  if (fast.has_value() != general.has_value()) std::abort();
  if (fast.has_value() && *fast != *general) std::abort();
  if (!fast.has_value() && fast.error().code != general.error().code) std::abort();
  return 0;
}
