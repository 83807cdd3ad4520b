#include "adapters/token_metrics/parse_records.h"

#include <algorithm>
#include <optional>

#include "adapters/token_metrics/parse_page.h"
#include "engine/core/calendar.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

using simdjson::ondemand::json_type;
using simdjson::ondemand::value;

// The text of a number or of a numeric string in `text`, or empty for null and other types.
// False when the JSON itself is broken: the document must not be read any further then.
bool scalar_text(value field, std::optional<std::string_view>& text) {
  text.reset();
  json_type type;
  if (field.type().get(type)) return false;
  if (type == json_type::number) {
    std::string_view raw = field.raw_json_token();
    while (!raw.empty() &&
           (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) {
      raw.remove_suffix(1);
    }
    text = raw;
  } else if (type == json_type::string) {
    std::string_view string;
    if (field.get_string().get(string)) return false;
    text = string;
  }
  return true;
}

std::optional<std::int64_t> small_integer(std::string_view text) {
  // Accept "1", "-1", "0", "1.0" (some consumers serialise floats).
  const auto parsed = parse_decimal(text, 0);
  if (parsed) return *parsed;
  const auto with_fraction = parse_decimal(text, 1);
  if (with_fraction && *with_fraction % 10 == 0) return *with_fraction / 10;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(SignalRejection reason) {
  switch (reason) {
    case SignalRejection::kNotAnObject:
      return "item_not_an_object";
    case SignalRejection::kMissingTokenId:
      return "missing_token_id";
    case SignalRejection::kMissingTime:
      return "missing_date";
    case SignalRejection::kBadTime:
      return "bad_date";
    case SignalRejection::kMissingValue:
      return "missing_signal_or_grade";
    case SignalRejection::kValueOutOfRange:
      return "value_out_of_range";
    case SignalRejection::kUnmappedToken:
      return "unmapped_token";
    case SignalRejection::kCount:
      break;
  }
  return "?";
}

Result<std::int32_t> parse_grade_hundredths(std::string_view text) {
  const auto point = text.find('.');
  std::string_view kept = text;
  if (point != std::string_view::npos && text.size() - point - 1 > 2) {
    const std::string_view extra = text.substr(point + 3);
    for (const char c : extra) {
      if (c < '0' || c > '9') return fail(Errc::kSyntax, "grade is not a plain decimal");
    }
    kept = text.substr(0, point + 3);
  }
  const auto hundredths = parse_decimal(kept, 2);
  if (!hundredths) return tl::unexpected(hundredths.error());
  if (*hundredths < 0 || *hundredths > 10'000)
    return fail(Errc::kOutOfRange, "grade outside 0..100");
  return static_cast<std::int32_t>(*hundredths);
}

Result<std::size_t> TokenMetricsParser::parse(std::string_view frame, TimeNs receive_time_ns,
                                              std::vector<InboundEvent>& out) {
  simdjson::ondemand::document document;
  if (parser_.iterate(frame.data(), frame.size(), frame.size() + simdjson::SIMDJSON_PADDING)
          .get(document)) {
    return fail(Errc::kSyntax, "not JSON");
  }
  simdjson::ondemand::object root;
  if (const auto error = document.get_object().get(root); error != simdjson::SUCCESS) {
    return error == simdjson::INCORRECT_TYPE ? fail(Errc::kWrongType, "frame is not an object")
                                             : fail(Errc::kSyntax, "truncated or malformed JSON");
  }
  bool success = false;
  bool seen_success = false;
  std::size_t items = 0;
  const std::size_t original_size = out.size();
  for (auto field_result : root) {
    simdjson::ondemand::field field;
    if (std::move(field_result).get(field)) {
      out.resize(original_size);
      return fail(Errc::kSyntax, "malformed envelope");
    }
    std::string_view key;
    if (field.unescaped_key().get(key)) {
      out.resize(original_size);
      return fail(Errc::kSyntax, "malformed key");
    }
    if (key == "success") {
      if (field.value().get_bool().get(success)) {
        out.resize(original_size);
        return fail(Errc::kWrongType, "success");
      }
      seen_success = true;
      if (!success) {
        out.resize(original_size);  // "data" may have come first
        return fail(Errc::kUnsupported, "success:false");
      }
    } else if (key == "data") {
      simdjson::ondemand::array data;
      if (field.value().get_array().get(data)) {
        out.resize(original_size);
        return fail(Errc::kWrongType, "data is not an array");
      }
      for (auto item : data) {
        value item_value;
        if (item.get(item_value)) {
          out.resize(original_size);
          return fail(Errc::kSyntax, "malformed data item");
        }
        if (!parse_item(item_value, receive_time_ns, out)) {
          out.resize(original_size);
          return fail(Errc::kSyntax, "malformed data item");
        }
        ++items;
      }
    }
  }
  if (!seen_success) {
    out.resize(original_size);
    return fail(Errc::kMissingField, "envelope without success");
  }
  // Rows come newest first; the core takes them oldest first (a grade before the signal of
  // the same row is kept: the sort is stable).
  std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(original_size), out.end(),
                   [](const InboundEvent& a, const InboundEvent& b) {
                     const TimeNs at = a.kind == MarketEventKind::kGrade
                                           ? a.grade.venue_time_ns
                                           : a.trading_signal.venue_time_ns;
                     const TimeNs bt = b.kind == MarketEventKind::kGrade
                                           ? b.grade.venue_time_ns
                                           : b.trading_signal.venue_time_ns;
                     return at < bt;
                   });
  return items;
}

bool TokenMetricsParser::parse_item(value item, TimeNs receive_time_ns,
                                    std::vector<InboundEvent>& out) {
  auto reject = [&](SignalRejection reason) {
    ++rejections_[static_cast<std::size_t>(reason)];
    return true;
  };
  simdjson::ondemand::object object;
  if (const auto error = item.get_object().get(object); error != simdjson::SUCCESS) {
    return error == simdjson::INCORRECT_TYPE ? reject(SignalRejection::kNotAnObject) : false;
  }

  std::optional<std::int64_t> token_id, daily_signal, trend, hourly_signal, position;
  std::optional<std::string_view> time_text;
  std::optional<std::int32_t> trader_grade, tm_grade;
  bool bad_value = false;
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    if (std::move(field_result).get(field)) return false;
    std::string_view key;
    if (field.unescaped_key().get(key)) return false;
    std::optional<std::string_view> text;
    if (!scalar_text(field.value(), text)) return false;
    if (!text) continue;  // nulls, arrays and objects are not needed
    if (key_is(key, "TOKEN_ID")) {
      token_id = small_integer(*text);
    } else if (key_is(key, "DATE") || key_is(key, "TIMESTAMP")) {
      time_text = *text;
    } else if (key_is(key, "TRADING_SIGNAL")) {
      daily_signal = small_integer(*text);
      bad_value |= !daily_signal;
    } else if (key_is(key, "TOKEN_TREND")) {
      trend = small_integer(*text);
    } else if (key_is(key, "SIGNAL")) {
      hourly_signal = small_integer(*text);
      bad_value |= !hourly_signal;
    } else if (key_is(key, "POSITION")) {
      position = small_integer(*text);
    } else if (key_is(key, "TM_TRADER_GRADE")) {
      const auto grade = parse_grade_hundredths(*text);
      bad_value |= !grade;
      if (grade) trader_grade = *grade;
    } else if (key_is(key, "TM_GRADE")) {
      const auto grade = parse_grade_hundredths(*text);
      bad_value |= !grade;
      if (grade) tm_grade = *grade;
    }
  }
  if (!token_id) return reject(SignalRejection::kMissingTokenId);
  // /tm-grade (the latest grade) has no DATE: such a grade counts as the grade of the UTC day
  // it was received on, so an unchanged grade is one record per day. Signals need their date.
  const bool undated_grade =
      !time_text && !daily_signal && !hourly_signal && (trader_grade || tm_grade);
  if (!time_text && !undated_grade) return reject(SignalRejection::kMissingTime);
  const auto time_ns = undated_grade ? Result<TimeNs>(receive_time_ns / kNsPerDay * kNsPerDay)
                                     : parse_utc_timestamp(*time_text);
  if (!time_ns) return reject(SignalRejection::kBadTime);
  if (!daily_signal && !hourly_signal && !trader_grade && !tm_grade) {
    return reject(bad_value ? SignalRejection::kValueOutOfRange : SignalRejection::kMissingValue);
  }
  auto in_signal_range = [](std::optional<std::int64_t> v) { return !v || (*v >= -1 && *v <= 1); };
  if (bad_value || !in_signal_range(daily_signal) || !in_signal_range(hourly_signal) ||
      !in_signal_range(trend) || !in_signal_range(position)) {
    return reject(SignalRejection::kValueOutOfRange);
  }
  const Instrument* instrument = instruments_.find_by_token(*token_id);
  if (instrument == nullptr) return reject(SignalRejection::kUnmappedToken);

  // Grades first: a strategy reading a signal sees the grade published with it.
  InboundEvent event{};
  if (trader_grade) {
    event.kind = MarketEventKind::kGrade;
    event.grade = Grade{instrument->id, GradeKind::kTraderGrade, *trader_grade, *token_id,
                        *time_ns,       receive_time_ns};
    out.push_back(event);
  }
  if (tm_grade) {
    event.kind = MarketEventKind::kGrade;
    event.grade =
        Grade{instrument->id, GradeKind::kTmGrade, *tm_grade, *token_id, *time_ns, receive_time_ns};
    out.push_back(event);
  }
  if (daily_signal || hourly_signal) {
    event.kind = MarketEventKind::kTradingSignal;
    event.trading_signal = TradingSignal{
        instrument->id,
        daily_signal ? SignalTimeframe::kDaily : SignalTimeframe::kHourly,
        static_cast<std::int8_t>(daily_signal ? *daily_signal : *hourly_signal),
        static_cast<std::int8_t>(daily_signal ? trend.value_or(0) : position.value_or(0)),
        *token_id,
        *time_ns,
        receive_time_ns};
    out.push_back(event);
  }
  return true;
}

}  // namespace sigex
