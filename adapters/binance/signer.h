#pragma once

// Binance request signing (REST and WebSocket API).
//   REST: the payload is exactly the bytes sent, query string then body with no separator;
//         non-ASCII is percent-encoded before signing.
//   WS API: every param except `signature`, sorted by name, joined as k=v&..., not encoded.
// Two key types: HMAC-SHA256 (hex signature) and Ed25519 (base64 signature, which must be
// percent-encoded when it goes into a query string or form body). The secret lives in a
// Secret and is never logged; signers cannot be copied. Pinned to Binance's official vectors
// and RFC 4231 / RFC 8032 in tests/adapters/binance/signer_test.cpp.

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adapters/net/digest.h"
#include "engine/core/instrument.h"
#include "engine/core/secret.h"
#include "engine/events/events.h"

namespace sigex {

class RequestSigner {
 public:
  static constexpr std::size_t kMaxSignature = 128;
  virtual ~RequestSigner() = default;
  // The signature of `payload`, as Binance expects it in the `signature` parameter (before
  // any URL encoding), written into `out` without allocating; returns its length.
  virtual std::size_t sign_to(std::string_view payload, char (&out)[kMaxSignature]) const = 0;
  std::string sign(std::string_view payload) const {
    char out[kMaxSignature];
    return std::string(out, sign_to(payload, out));
  }
  // Whether the signature needs percent-encoding in a URL (base64 can contain + / =).
  virtual bool needs_url_encoding() const = 0;
};

// HMAC-SHA256 over the secret's bytes; lower-case hex.
std::unique_ptr<RequestSigner> make_hmac_signer(Secret secret);
// Ed25519 from a PKCS#8 PEM private key. nullptr with the reason (never the key) in `error`.
std::unique_ptr<RequestSigner> make_ed25519_signer(const Secret& pem, std::string& error);
// By [execution] key_type: "hmac" or "ed25519"; nullptr with `error` for a key it cannot use.
std::unique_ptr<RequestSigner> make_signer(std::string_view key_type, Secret secret,
                                           std::string& error);

// Appends `text` percent-encoded (RFC 3986: everything but A-Z a-z 0-9 - _ . ~) to `out`; a
// text that needs none (every id sigex mints) is appended at once after one scan.
void append_percent_encoded(std::string& out, std::string_view text);

// Appends `name=value` to `out` (with a leading '&' unless `out` is empty), the value
// percent-encoded (RFC 3986: everything but A-Z a-z 0-9 - _ . ~).
void append_param(std::string& out, std::string_view name, std::string_view value);

// Fixed point as Binance wants it (no exponent, trailing zeros trimmed), and an integer,
// appended as digits (they never need percent-encoding), without allocating.
void append_decimal(std::string& out, std::int64_t raw, int scale);
void append_integer(std::string& out, std::int64_t value);

// `name=value` for fixed point as Binance wants it (no exponent, trailing zeros trimmed), and
// for an integer; appended as append_param() does, without allocating.
void append_decimal_param(std::string& out, std::string_view name, std::int64_t raw, int scale);
void append_integer_param(std::string& out, std::string_view name, std::int64_t value);

// The parameters every Binance new order starts with, in Binance's order: symbol, side, type,
// and for a limit order timeInForce and price, then quantity (spot and USD-M alike).
void append_order_shape(std::string& body, const OrderCommand& command,
                        const Instrument& instrument);

// Parameters in the order they are sent.
class QueryString {
 public:
  // `value` is percent-encoded (RFC 3986: everything but A-Z a-z 0-9 - _ . ~).
  QueryString& add(std::string_view name, std::string_view value);
  const std::string& text() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

// REST: `query` + `body` signed as one payload, the signature appended as the last parameter
// of the query string when the body is empty, else of the body. Returns {query, body}.
std::pair<std::string, std::string> sign_rest(const RequestSigner& signer, std::string query,
                                              std::string body);
// REST with every parameter in the body (new orders): signs `body` and appends the signature
// parameter to it. Allocates nothing when `body` has the capacity.
void sign_body(const RequestSigner& signer, std::string& body);

// WS API: the payload of sorted params (not encoded).
std::string ws_api_payload(std::vector<std::pair<std::string, std::string>> params);

std::string percent_encode(std::string_view text);

}  // namespace sigex
