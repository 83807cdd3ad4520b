#pragma once

// Coinbase Advanced Trade authentication: CDP API keys sign a fresh JSON Web Token for every
// REST request and every authenticated WebSocket message (exchange-apis.md §3.3).
//   header  {"alg":"ES256"|"EdDSA","kid":<key name>,"nonce":<32 random hex>,"typ":"JWT"}
//   claims  {"sub":<key name>,"iss":"cdp","nbf":<now>,"exp":<now + 120>,"uri":"<METHOD>
//            <host><path>"}          (WebSocket JWTs have no "uri")
// as the official SDK writes them (PyJWT: header keys sorted, claims in this order, compact
// JSON). Two key kinds: an EC P-256 private key in PEM (SEC 1 or PKCS#8) signs ES256 (the raw
// 64-byte r‖s, not DER), and a base64 Ed25519 key (32-byte seed, or the 64 bytes seed‖public
// key CDP hands out) signs EdDSA. The key name and the private key live in Secrets; neither
// is ever logged. Tokens are never reused: each one has its own nonce and a 120 s lifetime.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/core/secret.h"
#include "engine/core/time.h"

namespace sigex {

enum class CdpKeyKind : std::uint8_t { kEs256, kEdDsa };
std::string_view jwt_algorithm(CdpKeyKind kind);  // "ES256", "EdDSA"

inline constexpr DurationNs kJwtLifetimeNs = 120 * kNsPerSecond;

class CoinbaseSigner {
 public:
  // `key_name`: organizations/{org}/apiKeys/{id}; `private_key`: the PEM or base64 secret
  // (a JSON-escaped PEM with literal "\n" sequences is accepted as CDP's key file holds it).
  // nullptr with the reason, never the key, in `error`.
  static std::unique_ptr<CoinbaseSigner> make(Secret key_name, const Secret& private_key,
                                              std::string& error);
  ~CoinbaseSigner();
  CoinbaseSigner(const CoinbaseSigner&) = delete;
  CoinbaseSigner& operator=(const CoinbaseSigner&) = delete;

  CdpKeyKind kind() const { return kind_; }
  const Secret& key_name() const { return key_name_; }

  // A token for one REST request: `method` "GET"/"POST", `host` "api.coinbase.com" (with
  // ":port" when not 443), `path` without the query string. `now_ns`: the signing time.
  std::string rest_token(std::string_view method, std::string_view host, std::string_view path,
                         TimeNs now_ns) const;
  // A token for one WebSocket subscribe message (no uri claim).
  std::string websocket_token(TimeNs now_ns) const;
  // The raw signature of `message` (ES256: r‖s, 64 bytes; EdDSA: 64 bytes). Tests verify it
  // with the public key.
  std::string sign(std::string_view message) const;
  // The public key in SubjectPublicKeyInfo PEM (for the simulator's key registry and tests).
  std::string public_key_pem() const;

  // With a fixed nonce (tests only: the header and claims compared byte for byte).
  std::string token_with_nonce(std::string_view uri, TimeNs now_ns, std::string_view nonce) const;

 private:
  struct Key;
  CoinbaseSigner(Secret key_name, CdpKeyKind kind, std::unique_ptr<Key> key);
  std::string token(std::string_view uri, TimeNs now_ns) const;

  Secret key_name_;
  CdpKeyKind kind_;
  std::unique_ptr<Key> key_;
};

// Base64url without padding (RFC 7515 §2), and back (nullopt-free: empty on bad input).
std::string base64url(std::string_view bytes);

// Verifies a compact JWS made by CoinbaseSigner against a SubjectPublicKeyInfo PEM public key.
// On success returns true and sets `header` and `claims` to the decoded JSON texts; false with
// the reason otherwise. For the simulator and tests.
bool verify_jwt(std::string_view token, std::string_view public_key_pem, std::string& header,
                std::string& claims, std::string& error);

}  // namespace sigex
