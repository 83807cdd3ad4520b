// libFuzzer target for Token Metrics response bodies as the client sees them: the envelope
// check that decides whether a page is complete (read_tm_page), the record parser, and the
// page combiner whose output must parse to the same records. Built and run by tools/fuzz.sh
// with AddressSanitizer and UndefinedBehaviorSanitizer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "adapters/token_metrics/parse_page.h"
#include "adapters/token_metrics/parse_records.h"
#include "engine/core/check.h"
#include "tests/fuzz/fuzz_instruments.h"

namespace {

using sigex::fuzz::instruments;

std::vector<sigex::InboundEvent> parse(sigex::TokenMetricsParser& parser, const std::string& text,
                                       bool& ok) {
  std::string padded = text;
  padded.append(simdjson::SIMDJSON_PADDING, '\0');
  std::vector<sigex::InboundEvent> out;
  const auto result =
      parser.parse(std::string_view(padded.data(), text.size()), 86'400'000'000'000LL, out);
  ok = result.has_value();
  SIGEX_CHECK(ok || out.empty(), "a failed page left records behind");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static sigex::TmPageReader dom;
  static sigex::TokenMetricsParser parser(instruments());
  const std::string body(reinterpret_cast<const char*>(data), size);
  const auto page = dom.read(body, true);
  bool direct_ok = false;
  const auto direct = parse(parser, body, direct_ok);
  if (!page || !page->success) return 0;
  SIGEX_CHECK(page->item_list.size() == page->items, "item count does not match the items kept");
  // A page the client accepts, combined as the poller does, yields the same records.
  sigex::TmResponsePage response;
  response.body = body;
  response.items = page->items;
  const std::string combined = dom.combine({response}, "fuzz");
  bool combined_ok = false;
  const auto again = parse(parser, combined, combined_ok);
  SIGEX_CHECK(combined_ok, "a combined page must parse");
  if (direct_ok) SIGEX_CHECK(again.size() == direct.size(), "combining changed the records");
  return 0;
}
