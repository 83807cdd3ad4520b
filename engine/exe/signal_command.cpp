#include "engine/exe/signal_command.h"

#include <cstdio>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "adapters/net/digest.h"
#include "adapters/net/http_session.h"
#include "adapters/webhook/request.h"
#include "adapters/webhook/signal_webhook.h"
#include "engine/core/json_text.h"
#include "engine/core/live_clock.h"
#include "engine/exe/exit_codes.h"

namespace sigex {
namespace {

std::string random_nonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return {};
  return hex_encode(bytes, sizeof bytes);
}

// The endpoint of [signals.webhook]: a wildcard listen address is reached on loopback.
std::string endpoint_of(const WebhookConfig& webhook, std::string& error) {
  std::string address;
  std::uint16_t port = 0;
  if (!parse_webhook_listen(webhook.listen, true, address, port, error)) return {};
  if (address == "0.0.0.0") address = "127.0.0.1";
  if (address == "::") address = "::1";
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  return fmt::format("{}://{}:{}/v1/signal",
                     webhook.tls_certificate_file.empty() ? "http" : "https", address, port);
}

}  // namespace

int run_signal_send(const AppConfig& config, const SignalSendOptions& options) {
  const WebhookConfig& webhook = config.webhook;
  if (!webhook.enabled) {
    std::fprintf(stderr,
                 "sigex signal send: %s has no [signals.webhook] section (the endpoint and the "
                 "secret to sign with)\n",
                 config.path.c_str());
    return kExitUsage;
  }
  // The options read as the endpoint reads a body (the same checks, the same messages), then
  // written as signal_body() writes it.
  std::string given =
      fmt::format(R"({{"token":"{}","signal":{})", json_escape(options.token), options.signal);
  if (!options.grade.empty()) given += fmt::format(R"(,"grade":{})", options.grade);
  if (!options.grade_kind.empty())
    given += fmt::format(R"(,"grade_kind":"{}")", json_escape(options.grade_kind));
  if (!options.timeframe.empty())
    given += fmt::format(R"(,"timeframe":"{}")", json_escape(options.timeframe));
  if (!options.time.empty()) given += fmt::format(R"(,"time":"{}")", json_escape(options.time));
  given += '}';
  const auto parsed = parse_signal_body(given);
  if (!parsed) {
    std::fprintf(stderr, "sigex signal send: %s\n", parsed.error().message.c_str());
    return kExitUsage;
  }
  const std::string body = signal_body(*parsed);
  auto secret = load_secret(webhook.secret);
  if (!secret) {
    std::fprintf(stderr, "sigex signal send: %s\n", secret.error().c_str());
    return kExitUsage;
  }
  std::string error;
  const std::string url_text = options.url.empty() ? endpoint_of(webhook, error) : options.url;
  const auto url = parse_url(url_text);
  if (!url || !may_carry_secrets(*url)) {
    std::fprintf(stderr,
                 "sigex signal send: %s is not an https:// URL (or http:// to a loopback "
                 "address)%s%s\n",
                 url_text.c_str(), error.empty() ? "" : ": ", error.c_str());
    return kExitUsage;
  }
  auto tls = make_client_tls_context(
      options.ca_file.empty() ? webhook.tls_certificate_file : options.ca_file, error);
  if (!error.empty()) {
    std::fprintf(stderr, "sigex signal send: %s\n", error.c_str());
    return kExitUsage;
  }
  const std::int64_t timestamp_s = LiveClock().now_ns() / kNsPerSecond;
  const std::string nonce = random_nonce();
  HttpSession session(*url, tls,
                      HttpTimeouts{5 * kNsPerSecond, 5 * kNsPerSecond, 10 * kNsPerSecond});
  const HttpResponse response = session.request(
      HttpSession::Method::kPost, url->target, body,
      {{"X-Sigex-Timestamp", std::to_string(timestamp_s)},
       {"X-Sigex-Nonce", nonce},
       {"X-Sigex-Signature", sign_request(secret->secret, timestamp_s, nonce, body)}});
  if (response.transport_failed()) {
    std::fprintf(stderr, "sigex signal send: %s: %s failed: %s\n", url_text.c_str(),
                 response.step.c_str(), response.error.message().c_str());
    return kExitStopped;
  }
  if (response.status != 200) {
    std::fprintf(stderr, "sigex signal send: HTTP %d: %s", response.status, response.body.c_str());
    return kExitFailure;
  }
  std::fputs(response.body.c_str(), stdout);
  return 0;
}

}  // namespace sigex
