#include "adapters/coinbase/rest_client.h"

#include <charconv>

#include "adapters/net/digest.h"
#include "adapters/net/url.h"

namespace sigex {
namespace {

Url base_url(const std::string& rest_url) {
  auto url = parse_url(rest_url);
  return url ? *url : Url{};
}

std::int64_t header_integer(const HttpResponse& response, std::string_view name, bool& found) {
  const auto text = response.header(name);
  found = false;
  if (!text) return 0;
  std::int64_t value = 0;
  const auto [end, code] = std::from_chars(text->data(), text->data() + text->size(), value);
  found = code == std::errc();
  return value;
}

}  // namespace

CoinbaseRestClient::CoinbaseRestClient(const CoinbaseExecutionConfig& config,
                                       std::unique_ptr<CoinbaseSigner> signer, const Clock& clock,
                                       boost::asio::ssl::context& tls)
    : clock_(clock),
      session_(base_url(config.rest_url), tls, config.timeouts),
      signer_(std::move(signer)) {
  const Url url = base_url(config.rest_url);
  const bool default_port = (url.tls && url.port == "443") || (!url.tls && url.port == "80");
  host_ = default_port ? url.host : url.host + ":" + url.port;
  prefix_ = url.target == "/" ? "" : url.target;
  while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
}

void CoinbaseRestClient::rotate(std::unique_ptr<CoinbaseSigner> signer) {
  std::lock_guard lock(mutex_);
  signer_ = std::move(signer);
}

std::string CoinbaseRestClient::fingerprint() const {
  std::lock_guard lock(mutex_);
  return sigex::fingerprint(signer_->key_name());
}

std::string CoinbaseRestClient::websocket_token() const {
  std::shared_ptr<const CoinbaseSigner> signer;
  {
    std::lock_guard lock(mutex_);
    signer = signer_;
  }
  return signer->websocket_token(clock_.now_ns());
}

std::size_t CoinbaseRestClient::retiring() const {
  std::lock_guard lock(mutex_);
  const CoinbaseSigner* in_flight = in_flight_.load();
  return in_flight != nullptr && in_flight != signer_.get() ? 1 : 0;
}

HttpResponse CoinbaseRestClient::get(const std::string& path, bool& refused) {
  return call(HttpSession::Method::kGet, path, {}, refused);
}

HttpResponse CoinbaseRestClient::post(const std::string& path, const std::string& json,
                                      bool& refused) {
  return call(HttpSession::Method::kPost, path, json, refused);
}

std::string CoinbaseRestClient::token_for(HttpSession::Method method, const std::string& target,
                                          TimeNs now_ns,
                                          std::shared_ptr<const CoinbaseSigner>& signer) const {
  {
    std::lock_guard lock(mutex_);
    signer = signer_;  // one key for the whole request, whatever a rotation does meanwhile
  }
  return signer->rest_token(method == HttpSession::Method::kGet ? "GET" : "POST", host_, target,
                            now_ns);
}

void CoinbaseRestClient::sign_only(HttpSession::Method method, const std::string& path) {
  std::shared_ptr<const CoinbaseSigner> signer;
  token_for(method, prefix_ + path, clock_.now_ns(), signer);
}

HttpResponse CoinbaseRestClient::call(HttpSession::Method method, const std::string& path,
                                      const std::string& json, bool& refused) {
  const TimeNs now_ns = clock_.now_ns();
  refused = now_ns < blocked_until_ns_.load();
  if (refused) return {};
  std::shared_ptr<const CoinbaseSigner> signer;
  const std::string target = prefix_ + path;
  const std::string token = token_for(method, target, now_ns, signer);
  std::vector<HttpHeader> headers{{"Authorization", "Bearer " + token}};
  if (!json.empty()) headers.push_back({"Content-Type", "application/json"});
  in_flight_.store(signer.get());
  HttpResponse response = session_.request(method, target, json, headers);
  in_flight_.store(nullptr);
  note_limits(response, clock_.now_ns());
  return response;
}

void CoinbaseRestClient::note_limits(const HttpResponse& response, TimeNs now_ns) {
  if (response.transport_failed()) return;
  bool has_remaining = false;
  bool has_reset = false;
  const std::int64_t remaining = header_integer(response, "x-ratelimit-remaining", has_remaining);
  const std::int64_t reset = header_integer(response, "x-ratelimit-reset", has_reset);
  // x-ratelimit-reset: seconds until the window resets (a unix time when it is that large).
  TimeNs reset_at = now_ns + kNsPerSecond;
  if (has_reset) {
    reset_at = reset > 1'000'000'000 ? reset * kNsPerSecond : now_ns + reset * kNsPerSecond;
  }
  if (response.status == 429) {
    ++rate_limited_;
    const auto retry = response.header("Retry-After");
    TimeNs until = reset_at;
    if (retry) {
      std::int64_t seconds = 0;
      if (std::from_chars(retry->data(), retry->data() + retry->size(), seconds).ec == std::errc())
        until = std::max(until, now_ns + seconds * kNsPerSecond);
    }
    blocked_until_ns_.store(std::max(until, now_ns + kNsPerSecond));
  } else if (has_remaining && remaining <= 0) {
    blocked_until_ns_.store(reset_at);
  }
}

}  // namespace sigex
