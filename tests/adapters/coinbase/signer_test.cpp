// Coinbase CDP JWTs: EdDSA pinned byte for byte to a token an independent implementation
// (Python `cryptography`, RFC 8032 §7.1 test 1 key) signed; ES256 verified with the public key
// and RFC 7515 Appendix A.3's verify-only example; header and claims compared byte for byte.

#include "adapters/coinbase/signer.h"

#include <gtest/gtest.h>

#include "adapters/net/digest.h"
#include "support/coinbase_keys.h"

namespace sigex {
namespace {

constexpr const char* kKeyName =
    "organizations/0b9a1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d/apiKeys/"
    "5f6e7d8c-9b0a-1c2d-3e4f-5a6b7c8d9e0f";
constexpr const char* kEd25519Secret = testing::kCdpEd25519Secret;
constexpr const char* kEcPem = testing::kCdpEcPem;

std::unique_ptr<CoinbaseSigner> signer(const char* secret) {
  std::string error;
  auto made =
      CoinbaseSigner::make(Secret(std::string(kKeyName)), Secret(std::string(secret)), error);
  EXPECT_NE(made, nullptr) << error;
  return made;
}

TEST(CoinbaseSigner, EdDsaTokenIsByteForByteTheIndependentOne) {
  auto ed = signer(kEd25519Secret);
  ASSERT_NE(ed, nullptr);
  EXPECT_EQ(ed->kind(), CdpKeyKind::kEdDsa);
  const std::string token = ed->token_with_nonce("POST api.coinbase.com/api/v3/brokerage/orders",
                                                 1'700'000'000 * kNsPerSecond + 999'999'999,
                                                 "00112233445566778899aabbccddeeff");
  EXPECT_EQ(
      token,
      "eyJhbGciOiJFZERTQSIsImtpZCI6Im9yZ2FuaXphdGlvbnMvMGI5YTFjMmQtM2U0Zi01YTZiLTdjOGQtOWUwZjFh"
      "MmIzYzRkL2FwaUtleXMvNWY2ZTdkOGMtOWIwYS0xYzJkLTNlNGYtNWE2YjdjOGQ5ZTBmIiwibm9uY2UiOiIwMDEx"
      "MjIzMzQ0NTU2Njc3ODg5OWFhYmJjY2RkZWVmZiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJvcmdhbml6YXRpb25zLzBi"
      "OWExYzJkLTNlNGYtNWE2Yi03YzhkLTllMGYxYTJiM2M0ZC9hcGlLZXlzLzVmNmU3ZDhjLTliMGEtMWMyZC0zZTRm"
      "LTVhNmI3YzhkOWUwZiIsImlzcyI6ImNkcCIsIm5iZiI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDAwMTIwLCJ1cmki"
      "OiJQT1NUIGFwaS5jb2luYmFzZS5jb20vYXBpL3YzL2Jyb2tlcmFnZS9vcmRlcnMifQ.aYL8CnmADfDCSP7jsgHjHC"
      "i73-inGukk6mtrZeiw3J-vD68NoEtGr3V5_vR7YUL69xru9asODLLDYtrjNwkaDw");
}

TEST(CoinbaseSigner, Es256TokenVerifiesWithThePublicKeyAndCarriesTheSdkClaims) {
  auto es = signer(kEcPem);
  ASSERT_NE(es, nullptr);
  EXPECT_EQ(es->kind(), CdpKeyKind::kEs256);
  const TimeNs now = 1'733'000'000 * kNsPerSecond;
  const std::string token =
      es->rest_token("GET", "api.coinbase.com", "/api/v3/brokerage/accounts?limit=250", now);
  std::string header;
  std::string claims;
  std::string error;
  ASSERT_TRUE(verify_jwt(token, es->public_key_pem(), header, claims, error)) << error;
  // The nonce is random: 32 hex digits; everything else is fixed.
  ASSERT_EQ(header.size(),
            std::string(R"({"alg":"ES256","kid":"","nonce":"","typ":"JWT"})").size() +
                std::string(kKeyName).size() + 32);
  EXPECT_TRUE(
      header.starts_with(std::string(R"({"alg":"ES256","kid":")") + kKeyName + R"(","nonce":")"));
  EXPECT_TRUE(header.ends_with(R"(","typ":"JWT"})"));
  EXPECT_EQ(claims, std::string(R"({"sub":")") + kKeyName +
                        R"(","iss":"cdp","nbf":1733000000,"exp":1733000120,)"
                        R"("uri":"GET api.coinbase.com/api/v3/brokerage/accounts"})");
  // Two tokens never share a nonce or a signature.
  const std::string again =
      es->rest_token("GET", "api.coinbase.com", "/api/v3/brokerage/accounts", now);
  EXPECT_NE(token, again);
  // A token signed by another key does not verify.
  auto other = signer(kEd25519Secret);
  EXPECT_FALSE(verify_jwt(token, other->public_key_pem(), header, claims, error));
  // A changed claim does not verify.
  std::string tampered = token;
  tampered[tampered.find('.') + 5] ^= 1;
  EXPECT_FALSE(verify_jwt(tampered, es->public_key_pem(), header, claims, error));
}

TEST(CoinbaseSigner, WebSocketTokensHaveNoUri) {
  auto ed = signer(kEd25519Secret);
  std::string header;
  std::string claims;
  std::string error;
  ASSERT_TRUE(verify_jwt(ed->websocket_token(5 * kNsPerSecond), ed->public_key_pem(), header,
                         claims, error))
      << error;
  EXPECT_EQ(claims, std::string(R"({"sub":")") + kKeyName + R"(","iss":"cdp","nbf":5,"exp":125})");
}

TEST(CoinbaseSigner, VerifiesRfc7515AppendixA3) {
  // ES256's verify-only example: the JOSE r‖s signature turned into DER and checked.
  const char* public_pem =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
      "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
      "-----END PUBLIC KEY-----\n";
  const char* token =
      "eyJhbGciOiJFUzI1NiJ9."
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNv"
      "bS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-"
      "F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxf"
      "KTUJqPP3-Kg6NU1Q";
  std::string header;
  std::string claims;
  std::string error;
  EXPECT_TRUE(verify_jwt(token, public_pem, header, claims, error)) << error;
  EXPECT_EQ(header, R"({"alg":"ES256"})");
}

TEST(CoinbaseSigner, KeysAreReadAsCdpWritesThemAndBadOnesAreNamedNotShown) {
  // The PEM as it sits inside CDP's JSON key file: "\n" escapes.
  std::string escaped;
  for (const char c : std::string(kEcPem))
    escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  EXPECT_NE(signer(escaped.c_str()), nullptr);
  // The 32-byte seed alone.
  const auto seed = base64_decode(kEd25519Secret);
  ASSERT_TRUE(seed.has_value());
  EXPECT_NE(signer(base64_encode(std::string_view(*seed).substr(0, 32)).c_str()), nullptr);

  std::string error;
  const std::string wrong_half = base64_encode(seed->substr(0, 32) + std::string(32, 'x'));
  EXPECT_EQ(
      CoinbaseSigner::make(Secret(std::string(kKeyName)), Secret(std::string(wrong_half)), error),
      nullptr);
  EXPECT_NE(error.find("does not match"), std::string::npos);
  for (const char* bad : {"not-a-key-at-all",
                          "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC "
                          "PRIVATE KEY-----\n"}) {
    error.clear();
    EXPECT_EQ(CoinbaseSigner::make(Secret(std::string(kKeyName)), Secret(std::string(bad)), error),
              nullptr);
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(error.find(bad), std::string::npos) << "the key is never in the message";
  }
  error.clear();
  EXPECT_EQ(CoinbaseSigner::make(Secret(std::string()), Secret(std::string(kEcPem)), error),
            nullptr);
  EXPECT_NE(error.find("key name"), std::string::npos);
}

}  // namespace
}  // namespace sigex
