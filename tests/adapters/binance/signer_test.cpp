// Binance signing pinned to the official documented vectors (REST V1-V3, WS API V4-V5), the
// derived vectors of the exchange reference, RFC 4231 (HMAC) and RFC 8032 (Ed25519).

#include "adapters/binance/signer.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

constexpr const char* kApiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr const char* kSecret = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

std::unique_ptr<RequestSigner> hmac() { return make_hmac_signer(Secret(std::string(kSecret))); }

TEST(RequestSigner, OfficialRestVectorV1) {
  QueryString query;
  query.add("symbol", "LTCBTC")
      .add("side", "BUY")
      .add("type", "LIMIT")
      .add("timeInForce", "GTC")
      .add("quantity", "1")
      .add("price", "0.1")
      .add("recvWindow", "5000")
      .add("timestamp", "1499827319559");
  EXPECT_EQ(
      query.text(),
      "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&"
      "timestamp=1499827319559");
  const auto [signed_query, body] = sign_rest(*hmac(), query.text(), "");
  EXPECT_EQ(
      signed_query,
      query.text() + "&signature=c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
  EXPECT_TRUE(body.empty());
}

TEST(RequestSigner, OfficialRestVectorV2NonAsciiIsEncodedBeforeSigning) {
  QueryString query;
  query
      .add(
          "symbol",
          "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96")  // １２３４５６
      .add("side", "BUY")
      .add("type", "LIMIT")
      .add("timeInForce", "GTC")
      .add("quantity", "1")
      .add("price", "0.1")
      .add("recvWindow", "5000")
      .add("timestamp", "1499827319559");
  EXPECT_TRUE(
      query.text().starts_with("symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&"));
  EXPECT_EQ(hmac()->sign(query.text()),
            "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
}

TEST(RequestSigner, OfficialRestVectorV3QueryAndBodyWithoutSeparator) {
  const auto [query, body] =
      sign_rest(*hmac(), "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559");
  EXPECT_EQ(query, "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC");
  EXPECT_EQ(body,
            "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
            "&signature=0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77");
}

TEST(RequestSigner, OfficialWebSocketApiVectorsV4V5) {
  const std::string v4 = ws_api_payload({{"symbol", "BTCUSDT"},
                                         {"side", "SELL"},
                                         {"type", "LIMIT"},
                                         {"timeInForce", "GTC"},
                                         {"quantity", "0.01000000"},
                                         {"price", "52000.00"},
                                         {"recvWindow", "100"},
                                         {"timestamp", "1645423376532"},
                                         {"apiKey", kApiKey},
                                         {"signature", "ignored"}});
  EXPECT_EQ(v4, std::string("apiKey=") + kApiKey +
                    "&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&"
                    "timeInForce=GTC"
                    "&timestamp=1645423376532&type=LIMIT");
  EXPECT_EQ(hmac()->sign(v4), "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
  const std::string v5 = ws_api_payload(
      {{"symbol", "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93\xEF\xBC\x94\xEF\xBC\x95\xEF\xBC\x96"},
       {"side", "BUY"},
       {"type", "LIMIT"},
       {"timeInForce", "GTC"},
       {"quantity", "1.00000000"},
       {"price", "0.10000000"},
       {"recvWindow", "5000"},
       {"timestamp", "1645423376532"},
       {"apiKey", kApiKey}});
  EXPECT_EQ(hmac()->sign(v5), "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd");
}

TEST(RequestSigner, DerivedVectors) {
  EXPECT_EQ(hmac()->sign(""), "18f82ab1c4ba20d60cb86ebc4cab5b54ddb974cdf7832421345148e7a7f9466e");
  EXPECT_EQ(hmac()->sign(
                "symbol=LTCBTC&origClientOrderId=myOrder1&recvWindow=5000&timestamp=1499827319559"),
            "19ab972a6f360fb380ddf40aae52ec12ab9650d5770cd5f7d5d3e69a0a374076");
  EXPECT_EQ(hmac()->sign(ws_api_payload({{"timestamp", "1747385641636"}, {"apiKey", kApiKey}})),
            "681110a6057ad58657af22f5640fab9dd17418834cdfccdc81be8b0f7b2cde3e");
}

TEST(RequestSigner, Rfc4231) {
  EXPECT_EQ(hmac_sha256_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block is hashed first.
  EXPECT_EQ(hmac_sha256_hex(std::string(131, '\xaa'),
                            "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(RequestSigner, Ed25519DerivedVectorAndUrlEncoding) {
  const Secret pem(
      std::string("-----BEGIN PRIVATE KEY-----\n"
                  "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
                  "-----END PRIVATE KEY-----\n"));
  std::string error;
  const auto signer = make_ed25519_signer(pem, error);
  ASSERT_TRUE(signer) << error;
  const std::string payload =
      "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp="
      "1668481559918&recvWindow=5000";
  const std::string signature =
      "XtZirsmmi0noRzUfkqktvkVfxpkq/WtbLg2UOL3QGYdUBZVlqOBEMuEVw8zioY93N54NcKj9UuAXQEa9zgTDBg==";
  EXPECT_EQ(signer->sign(payload), signature);
  const auto [query, body] = sign_rest(*signer, payload, "");
  EXPECT_EQ(query, payload + "&signature=" + percent_encode(signature));
  EXPECT_NE(query.find("%2F"), std::string::npos);
  EXPECT_NE(query.find("%3D%3D"), std::string::npos);
}

TEST(RequestSigner, Ed25519RefusesOtherKeysWithoutPrintingThem) {
  std::string error;
  EXPECT_FALSE(make_ed25519_signer(Secret(std::string("not-a-key-canary")), error));
  EXPECT_EQ(error.find("canary"), std::string::npos);
  EXPECT_FALSE(error.empty());
}

TEST(RequestSigner, Base64Rfc4648) {
  auto b64 = [](std::string_view text) {
    return base64_encode(reinterpret_cast<const unsigned char*>(text.data()), text.size());
  };
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
}

}  // namespace
}  // namespace sigex
