#include "adapters/token_metrics/tm_page.h"

#include <cctype>

#include "adapters/token_metrics/token_metrics_client.h"
#include "engine/core/calendar.h"

namespace sigex {
namespace {

bool key_is(std::string_view key, std::string_view upper) {
  if (key.size() != upper.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(key[i])) != upper[i]) return false;
  }
  return true;
}

}  // namespace

Result<TmPage> read_tm_page(simdjson::dom::parser& parser, std::string_view body, bool keep_items) {
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root)) return fail(Errc::kSyntax, "not JSON or truncated");
  simdjson::dom::object envelope;
  if (root.get_object().get(envelope)) return fail(Errc::kWrongType, "response is not an object");
  TmPage page;
  bool seen_success = false;
  simdjson::dom::array data;
  bool seen_data = false;
  for (auto [key, value] : envelope) {
    if (key == "success") {
      if (value.get_bool().get(page.success)) return fail(Errc::kWrongType, "success is not a boolean");
      seen_success = true;
    } else if (key == "message") {
      std::string_view message;
      if (!value.get_string().get(message)) page.message = std::string(message.substr(0, 200));
    } else if (key == "data") {
      if (value.get_array().get(data)) {
        if (!value.is_null()) return fail(Errc::kWrongType, "data is not an array");
      } else {
        seen_data = true;
      }
    }
  }
  if (!seen_success) return fail(Errc::kMissingField, "no success flag");
  if (!page.success) return page;
  if (!seen_data) return fail(Errc::kMissingField, "success without a data array");
  for (auto element : data) {
    ++page.items;
    simdjson::dom::object object;
    if (element.get_object().get(object)) {
      if (keep_items) page.item_list.push_back({std::string(simdjson::minify(element)), 0, 0});
      continue;
    }
    TmPageItem item;
    for (auto [key, value] : object) {
      if (key_is(key, "TOKEN_ID")) {
        std::int64_t id = 0;
        if (!value.get_int64().get(id)) item.token_id = id;
      } else if (key_is(key, "DATE") || key_is(key, "TIMESTAMP")) {
        std::string_view text;
        if (!value.get_string().get(text)) {
          const auto time = parse_utc_timestamp(text);
          if (time) item.time_ns = *time;
        }
      }
    }
    if (item.time_ns != 0 && (page.oldest_time_ns == 0 || item.time_ns < page.oldest_time_ns)) {
      page.oldest_time_ns = item.time_ns;
    }
    if (keep_items) {
      item.json = std::string(simdjson::minify(element));
      page.item_list.push_back(std::move(item));
    }
  }
  return page;
}

std::string combine_tm_pages(simdjson::dom::parser& parser, const std::vector<TmResponsePage>& pages,
                             std::string_view source) {
  std::string data;
  std::size_t count = 0;
  for (const auto& page : pages) {
    const auto read = read_tm_page(parser, page.body, true);
    if (!read) continue;
    for (const auto& item : read->item_list) {
      if (count++ > 0) data += ',';
      data += item.json;
    }
  }
  return R"({"success":true,"message":"sigex: )" + std::string(source) + R"(","length":)" +
         std::to_string(count) + R"(,"data":[)" + data + "]}";
}

}  // namespace sigex
