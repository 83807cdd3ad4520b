#include "adapters/webhook/request.h"

#include <charconv>
#include <cmath>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/net/digest.h"
#include "engine/core/calendar.h"
#include "engine/core/json_text.h"

namespace sigex {
namespace {

tl::unexpected<WebhookError> refuse(WebhookRefusal refusal, std::string message) {
  return tl::unexpected(WebhookError{refusal, std::move(message)});
}

bool nonce_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool hex_character(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

int http_status(WebhookRefusal refusal) {
  switch (refusal) {
    case WebhookRefusal::kNotFound:
      return 404;
    case WebhookRefusal::kMethod:
      return 405;
    case WebhookRefusal::kMissingHeader:
    case WebhookRefusal::kBadBody:
      return 400;
    case WebhookRefusal::kStaleTimestamp:
      return 408;
    case WebhookRefusal::kBadSignature:
      return 401;
    case WebhookRefusal::kReplayedNonce:
      return 409;
    case WebhookRefusal::kTooLarge:
      return 413;
    case WebhookRefusal::kRateLimited:
      return 429;
    case WebhookRefusal::kUnknownToken:
      return 422;
    case WebhookRefusal::kUnavailable:
      return 503;
  }
  return 500;
}

std::string_view to_string(WebhookRefusal refusal) {
  switch (refusal) {
    case WebhookRefusal::kNotFound:
      return "not_found";
    case WebhookRefusal::kMethod:
      return "method_not_allowed";
    case WebhookRefusal::kMissingHeader:
      return "bad_headers";
    case WebhookRefusal::kStaleTimestamp:
      return "stale_timestamp";
    case WebhookRefusal::kBadSignature:
      return "bad_signature";
    case WebhookRefusal::kReplayedNonce:
      return "replayed_nonce";
    case WebhookRefusal::kTooLarge:
      return "too_large";
    case WebhookRefusal::kRateLimited:
      return "rate_limited";
    case WebhookRefusal::kBadBody:
      return "bad_body";
    case WebhookRefusal::kUnknownToken:
      return "unknown_token";
    case WebhookRefusal::kUnavailable:
      return "unavailable";
  }
  return "?";
}

std::string error_body(const WebhookError& error) {
  return fmt::format(R"({{"error":"{}","message":"{}"}})", to_string(error.refusal),
                     json_escape(error.message));
}

tl::expected<SignedHeaders, WebhookError> read_signed_headers(std::string_view timestamp,
                                                              std::string_view nonce,
                                                              std::string_view signature) {
  SignedHeaders headers;
  if (timestamp.empty() || timestamp.size() > 12)
    return refuse(WebhookRefusal::kMissingHeader,
                  "X-Sigex-Timestamp (unix seconds) is missing or malformed");
  const auto [end, code] =
      std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), headers.timestamp_s);
  if (code != std::errc() || end != timestamp.data() + timestamp.size() || headers.timestamp_s < 0)
    return refuse(WebhookRefusal::kMissingHeader,
                  "X-Sigex-Timestamp must be unix seconds (digits only)");
  if (nonce.size() < 16 || nonce.size() > 64)
    return refuse(WebhookRefusal::kMissingHeader,
                  "X-Sigex-Nonce must be 16 to 64 characters of A-Z a-z 0-9 - _");
  for (const char c : nonce) {
    if (!nonce_character(c))
      return refuse(WebhookRefusal::kMissingHeader,
                    "X-Sigex-Nonce must be 16 to 64 characters of A-Z a-z 0-9 - _");
  }
  headers.nonce = std::string(nonce);
  constexpr std::string_view kScheme = "sha256=";
  if (!signature.starts_with(kScheme) || signature.size() != kScheme.size() + 64)
    return refuse(WebhookRefusal::kMissingHeader,
                  "X-Sigex-Signature must be sha256=<64 lower-case hex digits>");
  signature.remove_prefix(kScheme.size());
  for (const char c : signature) {
    if (!hex_character(c))
      return refuse(WebhookRefusal::kMissingHeader,
                    "X-Sigex-Signature must be sha256=<64 lower-case hex digits>");
  }
  headers.signature_hex = std::string(signature);
  return headers;
}

std::string signing_payload(std::int64_t timestamp_s, std::string_view nonce,
                            std::string_view body) {
  std::string payload = std::to_string(timestamp_s);
  payload += '.';
  payload += nonce;
  payload += '.';
  payload += body;
  return payload;
}

std::string sign_request(const Secret& secret, std::int64_t timestamp_s, std::string_view nonce,
                         std::string_view body) {
  return "sha256=" + hmac_sha256_hex(secret.reveal(), signing_payload(timestamp_s, nonce, body));
}

bool signature_matches(const std::vector<const Secret*>& secrets, const SignedHeaders& headers,
                       std::string_view body) {
  const std::string payload = signing_payload(headers.timestamp_s, headers.nonce, body);
  bool matched = false;
  for (const Secret* secret : secrets) {  // every secret is tried: no early exit to time
    matched |=
        constant_time_equal(hmac_sha256_hex(secret->reveal(), payload), headers.signature_hex);
  }
  return matched;
}

tl::expected<PushedSignal, WebhookError> parse_signal_body(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return refuse(WebhookRefusal::kBadBody, "the body is not JSON");
  simdjson::dom::object object;
  if (root.get_object().get(object))
    return refuse(WebhookRefusal::kBadBody, "the body must be a JSON object");
  PushedSignal signal;
  bool have_token = false, have_signal = false;
  for (const auto field : object) {
    const std::string_view key = field.key;
    if (key == "token") {
      std::string_view text;
      std::int64_t id = 0;
      if (!field.value.get_string().get(text)) {
        signal.token = std::string(text);
      } else if (!field.value.get_int64().get(id) && id > 0) {
        signal.token = std::to_string(id);
      } else {
        return refuse(WebhookRefusal::kBadBody,
                      "token must be a token symbol (\"BTC\") or a Token Metrics token id");
      }
      if (signal.token.empty() || signal.token.size() > 32)
        return refuse(WebhookRefusal::kBadBody, "token must be 1 to 32 characters");
      have_token = true;
    } else if (key == "signal") {
      std::int64_t value = 0;
      if (field.value.get_int64().get(value) || value < -1 || value > 1)
        return refuse(WebhookRefusal::kBadBody, "signal must be 1, -1 or 0");
      signal.signal = static_cast<std::int8_t>(value);
      have_signal = true;
    } else if (key == "grade") {
      double value = 0;
      if (field.value.get_double().get(value) || !(value >= 0 && value <= 100))
        return refuse(WebhookRefusal::kBadBody, "grade must be a number from 0 to 100");
      const double hundredths = value * 100;
      const double rounded = std::round(hundredths);
      if (std::fabs(hundredths - rounded) > 1e-6)
        return refuse(WebhookRefusal::kBadBody, "grade has at most two decimals");
      signal.grade_hundredths = static_cast<std::int32_t>(rounded);
    } else if (key == "grade_kind") {
      std::string_view text;
      if (field.value.get_string().get(text))
        return refuse(WebhookRefusal::kBadBody, "grade_kind must be a string");
      if (text == "trader") {
        signal.grade_kind = GradeKind::kTraderGrade;
      } else if (text == "tm") {
        signal.grade_kind = GradeKind::kTmGrade;
      } else if (text == "investor") {
        signal.grade_kind = GradeKind::kInvestorGrade;
      } else {
        return refuse(WebhookRefusal::kBadBody,
                      "grade_kind must be \"trader\", \"tm\" or \"investor\"");
      }
    } else if (key == "timeframe") {
      std::string_view text;
      if (field.value.get_string().get(text) || (text != "daily" && text != "hourly"))
        return refuse(WebhookRefusal::kBadBody, "timeframe must be \"daily\" or \"hourly\"");
      signal.timeframe = text == "daily" ? SignalTimeframe::kDaily : SignalTimeframe::kHourly;
    } else if (key == "time") {
      std::string_view text;
      if (field.value.get_string().get(text))
        return refuse(WebhookRefusal::kBadBody, "time must be an ISO-8601 UTC date or time");
      const auto time = parse_utc_timestamp(text);
      if (!time || *time <= 0)
        return refuse(WebhookRefusal::kBadBody,
                      "time must be an ISO-8601 UTC date or time (2025-01-31 or "
                      "2025-01-31T14:00:00Z)");
      signal.time_ns = *time;
    } else {
      return refuse(WebhookRefusal::kBadBody,
                    fmt::format("unknown field \"{}\" (expected token, signal, grade, grade_kind, "
                                "timeframe, time)",
                                key.substr(0, 40)));
    }
  }
  if (!have_token) return refuse(WebhookRefusal::kBadBody, "token is missing");
  if (!have_signal) return refuse(WebhookRefusal::kBadBody, "signal is missing");
  return signal;
}

std::string signal_body(const PushedSignal& signal) {
  std::string body = fmt::format(R"({{"token":"{}","signal":{})", json_escape(signal.token),
                                 static_cast<int>(signal.signal));
  if (signal.grade_hundredths) {
    body += fmt::format(R"(,"grade":{}.{:02})", *signal.grade_hundredths / 100,
                        *signal.grade_hundredths % 100);
    if (signal.grade_kind != GradeKind::kTraderGrade)
      body += signal.grade_kind == GradeKind::kTmGrade ? R"(,"grade_kind":"tm")"
                                                       : R"(,"grade_kind":"investor")";
  }
  if (signal.timeframe == SignalTimeframe::kHourly) body += R"(,"timeframe":"hourly")";
  if (signal.time_ns != 0)
    body += fmt::format(R"(,"time":"{}")", format_utc_timestamp(signal.time_ns));
  body += '}';
  return body;
}

}  // namespace sigex
