#pragma once

// The signal webhook's request format, without I/O: what a sender signs, how a body reads, and
// the refusals with their HTTP status. Fuzzed (tools/fuzz.sh webhook_fuzzer).
//
//   POST /v1/signal
//   X-Sigex-Timestamp: <unix seconds>
//   X-Sigex-Nonce: <16 to 64 of A-Z a-z 0-9 - _>
//   X-Sigex-Signature: sha256=<hex of HMAC-SHA256(secret, timestamp + "." + nonce + "." + body)>
//   {"token": "BTC", "signal": 1, "grade": 72.5, "timeframe": "daily", "time": "2025-01-01"}
//
// `token` is a Token Metrics token symbol, token id or instrument symbol of a configured
// instrument; `signal` is 1, -1 or 0; `grade` (0..100, two decimals) is optional, with
// `grade_kind` "trader" (default), "tm" or "investor"; `timeframe` is "daily" (default) or
// "hourly"; `time` (ISO-8601 UTC date or time) is when the signal is dated: the request's
// timestamp when absent.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"
#include "engine/core/secret.h"
#include "engine/events/events.h"

namespace sigex {

enum class WebhookRefusal : std::uint8_t {
  kNotFound,        // 404: another path
  kMethod,          // 405: not POST
  kMissingHeader,   // 400: a signature header missing or malformed
  kStaleTimestamp,  // 408: outside the clock skew window
  kBadSignature,    // 401: no secret signs it
  kReplayedNonce,   // 409: the nonce was accepted before
  kTooLarge,        // 413
  kRateLimited,     // 429
  kBadBody,         // 400: not a signal
  kUnknownToken,    // 422: no configured instrument
  kUnavailable,     // 503: not ready, or the store failed
};
int http_status(WebhookRefusal refusal);
std::string_view to_string(WebhookRefusal refusal);  // "bad_signature", ...

struct WebhookError {
  WebhookRefusal refusal;
  std::string message;  // names the field or header, never a secret
};
// {"error":"<refusal>","message":"<message>"}
std::string error_body(const WebhookError& error);

struct SignedHeaders {
  std::int64_t timestamp_s = 0;
  std::string nonce;
  std::string signature_hex;  // lower case, without "sha256="
};
// The three headers as received (empty when absent).
tl::expected<SignedHeaders, WebhookError> read_signed_headers(std::string_view timestamp,
                                                              std::string_view nonce,
                                                              std::string_view signature);

// What is signed: timestamp + "." + nonce + "." + body.
std::string signing_payload(std::int64_t timestamp_s, std::string_view nonce,
                            std::string_view body);
// "sha256=<hex>" for the header.
std::string sign_request(const Secret& secret, std::int64_t timestamp_s, std::string_view nonce,
                         std::string_view body);
// Whether one of `secrets` signs it (each compared in constant time).
bool signature_matches(const std::vector<const Secret*>& secrets, const SignedHeaders& headers,
                       std::string_view body);

struct PushedSignal {
  std::string token;  // as sent: symbol or id
  std::int8_t signal = 0;
  std::optional<std::int32_t> grade_hundredths;
  GradeKind grade_kind = GradeKind::kTraderGrade;
  SignalTimeframe timeframe = SignalTimeframe::kDaily;
  TimeNs time_ns = 0;  // 0: the request's timestamp
};
// The body (JSON), strictly: unknown fields, wrong types or values out of range are errors
// naming the field.
tl::expected<PushedSignal, WebhookError> parse_signal_body(std::string_view body);

// The body `sigex signal send` posts.
std::string signal_body(const PushedSignal& signal);

}  // namespace sigex
