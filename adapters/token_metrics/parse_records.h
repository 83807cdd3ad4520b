#pragma once

// Token Metrics REST responses -> engine records. Handles the v2 envelope
// {"success":true,"message":..,"length":n,"data":[...]} of:
//  * /v2/trading-signals        (TRADING_SIGNAL, TOKEN_TREND, DATE; TM_TRADER_GRADE if present)
//  * /v2/hourly-trading-signals (SIGNAL, POSITION, TIMESTAMP; numbers or numeric strings)
//  * /v2/tm-grade(-history)     (TM_GRADE, DATE when present; an undated grade is dated to the
//                                UTC day it was received on)
//  * /v2/trader-grades          (TM_TRADER_GRADE, DATE; the legacy endpoint)
// Both v2 UPPER_SNAKE and v3 lower_snake field names are accepted; unknown fields are ignored.
// A record missing a required field or holding an out-of-range value is rejected and counted
// with the reason; the rest of the page still counts. success:false is an error for the page.
// Tokens that map to no configured instrument are counted and skipped.

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "engine/core/instrument.h"
#include "engine/core/result.h"
#include "engine/events/events.h"

namespace sigex {

enum class SignalRejection : std::uint8_t {
  kNotAnObject,
  kMissingTokenId,
  kMissingTime,
  kBadTime,
  kMissingValue,
  kValueOutOfRange,
  kUnmappedToken,
  kCount,
};

std::string_view to_string(SignalRejection reason);

class TokenMetricsParser {
 public:
  explicit TokenMetricsParser(const InstrumentRegistry& instruments) : instruments_(instruments) {}

  // Appends records for every valid item to `out`; returns how many items were in the page.
  // `frame` must be followed by SIMDJSON_PADDING readable bytes.
  Result<std::size_t> parse(std::string_view frame, TimeNs receive_time_ns,
                            std::vector<InboundEvent>& out);

  // A v2 envelope: '{', optional whitespace, then the "success" key first (as the API sends it).
  static bool recognises(std::string_view frame) {
    if (!frame.starts_with('{')) return false;
    const auto key = frame.find_first_not_of(" \t\r\n", 1);
    return key != std::string_view::npos && frame.substr(key).starts_with("\"success\"");
  }

  std::uint64_t rejected(SignalRejection reason) const {
    return rejections_[static_cast<std::size_t>(reason)];
  }

 private:
  // False when the JSON is broken (the page is then rejected as a whole).
  bool parse_item(simdjson::ondemand::value item, TimeNs receive_time_ns,
                  std::vector<InboundEvent>& out);

  const InstrumentRegistry& instruments_;
  simdjson::ondemand::parser parser_;
  std::array<std::uint64_t, static_cast<std::size_t>(SignalRejection::kCount)> rejections_{};
};

// Grade text such as "87.93", "26.483333" or "100" -> hundredths (8793), truncating extra
// decimals (grades are scores, not money). Rejects exponents, signs and values above 100.
Result<std::int32_t> parse_grade_hundredths(std::string_view text);

}  // namespace sigex
