// The signal webhook: each refusal with its status and a JSON reason (replayed request,
// tampered body, old timestamp, wrong and rotated secrets, oversized body, flood), each
// accepted signal handed to the core once and made durable first, a restart between two
// deliveries of the same nonce, and the real listener over HTTP, HTTPS and behind a TLS proxy.

#include "adapters/webhook/signal_webhook.h"

#include <fstream>

#include <gtest/gtest.h>

#include "adapters/net/digest.h"
#include "adapters/net/http_session.h"
#include "engine/core/calendar.h"
#include "engine/core/simulated_clock.h"
#include "support/test_support.h"
#include "tools/feed_simulator/tls_proxy.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr const char* kSecret = "webhook-secret-c4a1f0";
constexpr const char* kNextSecret = "webhook-secret-next-77d2";

LoadedKey key_of(const char* text, const char* slot) {
  return key_set_of(Secret(std::string(text)), slot)->active();
}

// A signed request as a sender builds it.
struct Signed {
  std::string timestamp, nonce, signature, body;
  WebhookRequestView view(std::string_view source = "127.0.0.1") const {
    return {"POST", "/v1/signal", timestamp, nonce, signature, body, source};
  }
};

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    instruments_ = two_instruments();  // BTCUSDT (token 3375, BTC), ETHUSDT (3306, ETH)
    config_.listen = "127.0.0.1:0";
    config_.requests_per_minute = 1000;
    secrets_ = std::make_shared<KeySet>(std::vector<LoadedKey>{key_of(kSecret, "current")});
    open();
  }

  void open() {
    webhook_.reset();
    std::string error;
    auto inbox = WebhookInbox::open(directory_.path(), error);
    ASSERT_TRUE(inbox) << error;
    webhook_ = std::make_unique<SignalWebhook>(config_, instruments_, queue_, clock_, secrets_,
                                               std::move(inbox));
  }

  Signed sign(const std::string& body, const char* secret = kSecret, TimeNs at_ns = 0,
              const std::string& nonce = "") {
    Signed request;
    const std::int64_t timestamp_s = (at_ns != 0 ? at_ns : clock_.now_ns()) / kNsPerSecond;
    request.timestamp = std::to_string(timestamp_s);
    request.nonce = nonce.empty() ? "nonce-" + std::to_string(++nonces_) + "-0123456789" : nonce;
    request.body = body;
    request.signature = sign_request(Secret(std::string(secret)), timestamp_s, request.nonce, body);
    return request;
  }

  std::vector<InboundEvent> drained() {
    std::vector<InboundEvent> events(16);
    events.resize(queue_.drain(events.data(), events.size()));
    return events;
  }

  static std::string refusal_of(const WebhookAnswer& answer) {
    const auto start = answer.body.find(R"("error":")");
    if (start == std::string::npos) return "";
    return answer.body.substr(start + 9, answer.body.find('"', start + 9) - start - 9);
  }

  TemporaryDirectory directory_;
  InstrumentRegistry instruments_;
  WebhookConfig config_;
  SimulatedClock clock_{parse_utc_timestamp("2025-03-01T12:00:00").value()};
  EventQueue<InboundEvent> queue_{1024, 1};
  std::shared_ptr<KeySet> secrets_;
  std::unique_ptr<SignalWebhook> webhook_;
  int nonces_ = 0;
};

TEST_F(WebhookTest, ASignedSignalWithAGradeIsHandedToTheCoreAsPolledRowsAre) {
  const Signed request = sign(R"({"token":"BTC","signal":1,"grade":72.5})");
  const WebhookAnswer answer = webhook_->handle(request.view());
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find(R"("instrument":"BTCUSDT")"), std::string::npos) << answer.body;
  const auto events = drained();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, MarketEventKind::kGrade);  // the grade first
  EXPECT_EQ(events[0].grade.hundredths, 7250);
  EXPECT_EQ(events[0].grade.kind, GradeKind::kTraderGrade);
  EXPECT_EQ(events[1].kind, MarketEventKind::kTradingSignal);
  EXPECT_EQ(events[1].trading_signal.signal, 1);
  EXPECT_EQ(events[1].trading_signal.token_id, 3375);
  EXPECT_EQ(events[1].trading_signal.timeframe, SignalTimeframe::kDaily);
  // Dated by the request's timestamp (seconds) when the body has no time.
  EXPECT_EQ(events[1].trading_signal.venue_time_ns, clock_.now_ns() / kNsPerSecond * kNsPerSecond);
  EXPECT_EQ(webhook_->accepted(), 1u);
}

TEST_F(WebhookTest, TokensAreFoundBySymbolTokenIdOrInstrumentAndAnUnknownOneIs422) {
  EXPECT_EQ(
      webhook_->handle(sign(R"({"token":"eth","signal":-1,"time":"2025-03-01"})").view()).status,
      200);
  EXPECT_EQ(
      webhook_->handle(sign(R"({"token":3306,"signal":0,"timeframe":"hourly"})").view()).status,
      200);
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTCUSDT","signal":1})").view()).status, 200);
  const WebhookAnswer unknown = webhook_->handle(sign(R"({"token":"DOGE","signal":1})").view());
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(refusal_of(unknown), "unknown_token");
  EXPECT_NE(unknown.body.find("DOGE"), std::string::npos);
  const auto events = drained();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].trading_signal.venue_time_ns, parse_utc_timestamp("2025-03-01").value());
  EXPECT_EQ(events[1].trading_signal.timeframe, SignalTimeframe::kHourly);
}

TEST_F(WebhookTest, AReplayedRequestIsRefusedAndNothingIsHandedOnTwice) {
  const Signed request = sign(R"({"token":"BTC","signal":1})");
  ASSERT_EQ(webhook_->handle(request.view()).status, 200);
  ASSERT_EQ(drained().size(), 1u);
  const WebhookAnswer again = webhook_->handle(request.view());
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(refusal_of(again), "replayed_nonce");
  EXPECT_TRUE(drained().empty());
  // The same nonce with another body and a fresh signature is still a replay.
  const Signed reused = sign(R"({"token":"ETH","signal":1})", kSecret, 0, request.nonce);
  EXPECT_EQ(webhook_->handle(reused.view()).status, 409);
  EXPECT_EQ(webhook_->refused(WebhookRefusal::kReplayedNonce), 2u);
}

TEST_F(WebhookTest, ATamperedBodyOrAWrongSecretIs401AndNoNonceIsSpent) {
  Signed request = sign(R"({"token":"BTC","signal":1})");
  Signed tampered = request;
  tampered.body = R"({"token":"BTC","signal":-1})";
  const WebhookAnswer answer = webhook_->handle(tampered.view());
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(refusal_of(answer), "bad_signature");
  EXPECT_EQ(answer.body.find(kSecret), std::string::npos);
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})", "guessed").view()).status, 401);
  // The genuine request (same nonce) still passes: a refused request spends nothing.
  EXPECT_EQ(webhook_->handle(request.view()).status, 200);
}

TEST_F(WebhookTest, TimestampsOutsideTheWindowAre408AndMalformedHeaders400) {
  const std::string body = R"({"token":"BTC","signal":1})";
  EXPECT_EQ(
      webhook_->handle(sign(body, kSecret, clock_.now_ns() - 301 * kNsPerSecond).view()).status,
      408);
  EXPECT_EQ(
      webhook_->handle(sign(body, kSecret, clock_.now_ns() + 301 * kNsPerSecond).view()).status,
      408);
  EXPECT_EQ(
      webhook_->handle(sign(body, kSecret, clock_.now_ns() - 299 * kNsPerSecond).view()).status,
      200);
  Signed bad = sign(body);
  bad.timestamp = "yesterday";
  EXPECT_EQ(webhook_->handle(bad.view()).status, 400);
  bad = sign(body);
  bad.nonce = "short";
  EXPECT_EQ(webhook_->handle(bad.view()).status, 400);
  bad = sign(body);
  bad.signature = "md5=abc";
  EXPECT_EQ(webhook_->handle(bad.view()).status, 400);
}

TEST_F(WebhookTest, BothSecretsAreAcceptedDuringARotationAndTheOldOneNotAfterIt) {
  secrets_->replace({key_of(kSecret, "current"), key_of(kNextSecret, "next")});
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})", kSecret).view()).status, 200);
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})", kNextSecret).view()).status,
            200);
  secrets_->replace({key_of(kNextSecret, "current")});
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})", kSecret).view()).status, 401);
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})", kNextSecret).view()).status,
            200);
}

TEST_F(WebhookTest, BadBodiesNameTheField) {
  auto refused = [&](const std::string& body, const std::string& field) {
    const WebhookAnswer answer = webhook_->handle(sign(body).view());
    EXPECT_EQ(answer.status, 400) << body;
    EXPECT_NE(answer.body.find(field), std::string::npos) << answer.body;
  };
  refused("not json", "JSON");
  refused("[1]", "object");
  refused(R"({"signal":1})", "token");
  refused(R"({"token":"BTC"})", "signal");
  refused(R"({"token":"BTC","signal":2})", "signal");
  refused(R"({"token":"BTC","signal":1,"grade":101})", "grade");
  refused(R"({"token":"BTC","signal":1,"grade":7.255})", "two decimals");
  refused(R"({"token":"BTC","signal":1,"size":5})", "unknown field \\\"size\\\"");
  refused(R"({"token":"BTC","signal":1,"time":"tomorrow"})", "time");
  refused(R"({"token":"BTC","signal":1,"timeframe":"weekly"})", "timeframe");
  EXPECT_TRUE(drained().empty());
}

TEST_F(WebhookTest, AFloodFromOneSenderIs429WithRetryAfterAndOthersStillPass) {
  config_.requests_per_minute = 5;
  open();
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})").view("10.0.0.1")).status, 200);
  const WebhookAnswer flooded =
      webhook_->handle(sign(R"({"token":"BTC","signal":1})").view("10.0.0.1"));
  EXPECT_EQ(flooded.status, 429);
  EXPECT_GE(flooded.retry_after_s, 1);
  EXPECT_LE(flooded.retry_after_s, 12);  // one request every 12 s at 5 a minute
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})").view("10.0.0.2")).status, 200);
  clock_.advance_to(clock_.now_ns() + 12 * kNsPerSecond);
  EXPECT_EQ(webhook_->handle(sign(R"({"token":"BTC","signal":1})").view("10.0.0.1")).status, 200);
}

TEST_F(WebhookTest, ARestartBetweenTwoDeliveriesOfTheSameNonceRefusesTheSecondAndRedelivers) {
  const Signed request = sign(R"({"token":"ETH","signal":1})");
  ASSERT_EQ(webhook_->handle(request.view()).status, 200);
  ASSERT_EQ(drained().size(), 1u);
  open();                                // a restart: the inbox is on disk
  EXPECT_EQ(webhook_->redeliver(), 1u);  // the core's gate drops it if it had it
  const auto again = drained();
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].trading_signal.token_id, 3306);
  EXPECT_EQ(webhook_->handle(request.view()).status, 409);
  EXPECT_TRUE(drained().empty());
}

TEST_F(WebhookTest, PathsAndMethodsOtherThanPostV1SignalAreRefused) {
  Signed request = sign(R"({"token":"BTC","signal":1})");
  WebhookRequestView view = request.view();
  view.target = "/v1/other";
  EXPECT_EQ(webhook_->handle(view).status, 404);
  view = request.view();
  view.method = "GET";
  EXPECT_EQ(webhook_->handle(view).status, 405);
}

// ---- Over sockets ---------------------------------------------------------------------------

class WebhookServerTest : public WebhookTest {
 protected:
  HttpResponse post(const std::string& base, const Signed& request,
                    const std::string& ca_file = "") {
    std::string error;
    auto tls = make_client_tls_context(ca_file, error);
    EXPECT_TRUE(error.empty()) << error;
    HttpSession session(*parse_url(base), tls, HttpTimeouts{});
    return session.request(HttpSession::Method::kPost, "/v1/signal", request.body,
                           {{"X-Sigex-Timestamp", request.timestamp},
                            {"X-Sigex-Nonce", request.nonce},
                            {"X-Sigex-Signature", request.signature}});
  }
};

TEST_F(WebhookServerTest, OverHttpASignalIsAcceptedOnceAndAnOversizedBodyIs413) {
  std::string error;
  ASSERT_TRUE(webhook_->start(error)) << error;
  const std::string base = "http://127.0.0.1:" + std::to_string(webhook_->port());
  const Signed request = sign(R"({"token":"BTC","signal":1})");
  const HttpResponse accepted = post(base, request);
  ASSERT_FALSE(accepted.transport_failed()) << accepted.step;
  EXPECT_EQ(accepted.status, 200) << accepted.body;
  EXPECT_EQ(accepted.header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(post(base, request).status, 409);
  const HttpResponse large = post(base, sign(std::string(5000, ' ') + R"({"token":"BTC"})"));
  EXPECT_EQ(large.status, 413);
  EXPECT_NE(large.body.find("too_large"), std::string::npos);
  EXPECT_EQ(drained().size(), 1u);
  webhook_->stop();
}

TEST_F(WebhookServerTest, OverHttpsWithItsOwnCertificateAndBehindATlsProxy) {
  std::string certificate, key, error;
  ASSERT_TRUE(make_certificate(certificate, key, error)) << error;
  config_.tls_certificate_file = (directory_.path() / "webhook.crt").string();
  config_.tls_key_file = (directory_.path() / "webhook.key").string();
  std::ofstream(config_.tls_certificate_file) << certificate;
  std::ofstream(config_.tls_key_file) << key;
  open();
  ASSERT_TRUE(webhook_->start(error)) << error;
  EXPECT_TRUE(webhook_->url().starts_with("https://127.0.0.1:"));
  const std::string base = "https://127.0.0.1:" + std::to_string(webhook_->port());
  const HttpResponse direct =
      post(base, sign(R"({"token":"BTC","signal":1})"), config_.tls_certificate_file);
  EXPECT_EQ(direct.status, 200) << direct.step << direct.body;
  // A client that does not trust the certificate is refused by TLS, before any request.
  EXPECT_TRUE(post(base, sign(R"({"token":"BTC","signal":1})")).transport_failed());
  webhook_->stop();

  // Plain HTTP on loopback behind a TLS-terminating proxy (the reverse-proxy set-up).
  config_.tls_certificate_file.clear();
  config_.tls_key_file.clear();
  open();
  ASSERT_TRUE(webhook_->start(error)) << error;
  TlsProxy proxy(webhook_->port());
  const std::string ca_file = (directory_.path() / "proxy.crt").string();
  ASSERT_TRUE(proxy.start(ca_file, error)) << error;
  const HttpResponse proxied = post("https://127.0.0.1:" + std::to_string(proxy.port()),
                                    sign(R"({"token":"ETH","signal":1})"), ca_file);
  EXPECT_EQ(proxied.status, 200) << proxied.step << proxied.body;
  // The direct one, the same again from the inbox at the second start, the proxied one.
  EXPECT_EQ(drained().size(), 3u);
  EXPECT_EQ(webhook_->redelivered(), 1u);
  proxy.stop();
  webhook_->stop();
}

TEST(WebhookListen, RemoteAddressesNeedAllowRemote) {
  std::string address, error;
  std::uint16_t port = 0;
  EXPECT_TRUE(parse_webhook_listen("127.0.0.1:8089", false, address, port, error));
  EXPECT_EQ(port, 8089);
  EXPECT_TRUE(parse_webhook_listen("[::1]:0", false, address, port, error));
  EXPECT_FALSE(parse_webhook_listen("0.0.0.0:8089", false, address, port, error));
  EXPECT_NE(error.find("allow_remote"), std::string::npos);
  EXPECT_TRUE(parse_webhook_listen("0.0.0.0:8089", true, address, port, error));
  EXPECT_FALSE(parse_webhook_listen("localhost:80", true, address, port, error));
  EXPECT_FALSE(parse_webhook_listen("127.0.0.1:70000", false, address, port, error));
}

TEST(WebhookRequest, TheSignatureIsHmacSha256OfTimestampNonceAndBody) {
  // The same value `openssl dgst -sha256 -hmac` gives for this payload (README's curl lines).
  EXPECT_EQ(signing_payload(1700000000, "n", "{}"), "1700000000.n.{}");
  EXPECT_EQ(sign_request(Secret(std::string("key")), 1700000000, "n", "{}"),
            "sha256=" + hmac_sha256_hex("key", "1700000000.n.{}"));
  // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?").
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace sigex
