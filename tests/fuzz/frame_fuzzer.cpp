// libFuzzer target for every parser of untrusted wire input: Binance frames (streams, REST
// snapshots, recorded REST envelopes) and Token Metrics responses. Built and run by
// tools/fuzz.sh with AddressSanitizer and UndefinedBehaviorSanitizer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "adapters/binance/parse_market_data.h"
#include "adapters/token_metrics/parse_records.h"
#include "engine/core/check.h"
#include "tests/fuzz/fuzz_instruments.h"

using sigex::fuzz::instruments;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static sigex::BinanceParser binance(instruments());
  static sigex::TokenMetricsParser token_metrics(instruments());
  static std::vector<sigex::InboundEvent> out;
  std::string frame(reinterpret_cast<const char*>(data), size);
  frame.reserve(size + simdjson::SIMDJSON_PADDING);
  out.clear();
  const auto parsed = binance.parse(frame, 1, 0, out);
  SIGEX_CHECK(parsed.has_value() || out.empty(), "a failed parse left records behind");
  if (parsed) SIGEX_CHECK(*parsed == out.size(), "record count does not match");
  out.clear();
  const auto signals = token_metrics.parse(frame, 1, out);
  SIGEX_CHECK(signals.has_value() || out.empty(), "a failed page left records behind");
  return 0;
}
