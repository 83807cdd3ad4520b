#include "adapters/token_metrics/parse_page.h"

#include <cctype>

#include "engine/core/calendar.h"

namespace sigex {

bool key_is(std::string_view key, std::string_view upper) {
  if (key.size() != upper.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(key[i])) != upper[i]) return false;
  }
  return true;
}

Result<TmPage> TmPageReader::read(std::string_view body, bool keep_items) {
  simdjson::dom::element root;
  if (dom_.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "not JSON or truncated");
  simdjson::dom::object envelope;
  if (root.get_object().get(envelope)) return fail(Errc::kWrongType, "response is not an object");
  TmPage page;
  bool seen_success = false;
  simdjson::dom::array data;
  bool seen_data = false;
  for (auto [key, value] : envelope) {
    if (key == "success") {
      if (value.get_bool().get(page.success))
        return fail(Errc::kWrongType, "success is not a boolean");
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
      if (keep_items) page.item_list.push_back({});
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
    if (keep_items) page.item_list.push_back(std::move(item));
  }
  if (keep_items) {
    std::vector<std::string> texts;
    if (!raw_items(body, texts) || texts.size() != page.item_list.size()) {
      return fail(Errc::kSyntax, "items could not be read back");
    }
    for (std::size_t i = 0; i < texts.size(); ++i) page.item_list[i].json = std::move(texts[i]);
  }
  return page;
}

bool TmPageReader::raw_items(std::string_view body, std::vector<std::string>& out) {
  padded_.assign(body);
  padded_.append(simdjson::SIMDJSON_PADDING, ' ');
  simdjson::ondemand::document document;
  if (ondemand_.iterate(padded_.data(), body.size(), padded_.size()).get(document)) return false;
  simdjson::ondemand::object root;
  if (document.get_object().get(root)) return false;
  for (auto field_result : root) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) return false;
    if (key != "data") continue;
    simdjson::ondemand::array data;
    if (field.value().get_array().get(data)) return false;
    for (auto item_result : data) {
      simdjson::ondemand::value item;
      if (item_result.get(item)) return false;
      simdjson::ondemand::json_type type;
      if (item.type().get(type)) return false;
      std::string_view raw;
      if (type == simdjson::ondemand::json_type::object) {
        simdjson::ondemand::object object;
        if (item.get_object().get(object) || object.raw_json().get(raw)) return false;
      } else if (type == simdjson::ondemand::json_type::array) {
        simdjson::ondemand::array array;
        if (item.get_array().get(array) || array.raw_json().get(raw)) return false;
      } else {
        raw = item.raw_json_token();
      }
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' ||
                              raw.back() == '\t')) {
        raw.remove_suffix(1);
      }
      out.emplace_back(raw);
    }
  }
  return true;
}

std::string TmPageReader::combine(const std::vector<TmResponsePage>& pages,
                                  std::string_view source) {
  std::string data;
  std::size_t count = 0;
  for (const auto& page : pages) {
    const auto read = this->read(page.body, true);
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
