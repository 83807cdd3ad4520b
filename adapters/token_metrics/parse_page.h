#pragma once

// The v2 envelope of a Token Metrics response page, checked before any record is taken from
// it: {"success":true,"message":..,"length":n,"data":[{...},...]}. Used by the client to
// decide whether a page is complete (and how paging goes on) and by `sigex fetch-history` to
// split pages into single items. Not on the hot path: a DOM parse per page.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "engine/core/result.h"
#include "engine/core/time.h"

namespace sigex {

// Whether a field name is `upper` in any case (Token Metrics has sent TOKEN_ID and token_id).
bool key_is(std::string_view key, std::string_view upper);

struct TmPageItem {
  std::string json;           // the item, minified
  std::int64_t token_id = 0;  // 0 when missing or not an integer
  TimeNs time_ns = 0;         // DATE / TIMESTAMP; 0 when missing or unreadable
};

struct TmPage {
  bool success = false;
  std::string message;  // the envelope's message (why, for success:false)
  std::size_t items = 0;
  TimeNs oldest_time_ns = 0;          // among items with a readable DATE/TIMESTAMP; 0 when none
  std::vector<TmPageItem> item_list;  // filled only when asked for
};

// One response page as the client accepted it.
struct TmResponsePage {
  TimeNs receive_time_ns = 0;
  std::string body;  // followed by nothing: callers pad before on-demand parsing
  std::size_t items = 0;
  TimeNs oldest_time_ns = 0;
};

// Reads pages; holds its parsers, so one per thread.
class TmPageReader {
 public:
  // Errors: not JSON or truncated (kSyntax), not an object or wrong envelope types
  // (kWrongType), no "success" (kMissingField). success:false is not an error here: see
  // TmPage::success. With keep_items every item's exact text is kept (numbers are not
  // re-printed, so "52.89" stays "52.89").
  Result<TmPage> read(std::string_view body, bool keep_items);

  // The rows of every page, in page order, as one v2 envelope whose message names the
  // source. Pages are expected to have passed read(); unreadable ones are skipped.
  std::string combine(const std::vector<TmResponsePage>& pages, std::string_view source);

 private:
  bool raw_items(std::string_view body, std::vector<std::string>& out);

  simdjson::dom::parser dom_;
  simdjson::ondemand::parser ondemand_;
  std::string padded_;
};

}  // namespace sigex
