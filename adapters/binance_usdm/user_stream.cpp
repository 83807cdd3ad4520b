#include "adapters/binance_usdm/user_stream.h"

#include <simdjson.h>
#include <boost/asio/post.hpp>

#include "adapters/binance/rest_outcome.h"
#include "engine/logging/log.h"

namespace sigex {

UsdmUserStream::UsdmUserStream(
    UsdmUserStreamConfig config,
    std::function<std::shared_ptr<const BinanceCredentials>()> credentials,
    boost::asio::ssl::context& tls, UsdmUserStreamCallbacks callbacks)
    : config_(std::move(config)),
      credentials_(std::move(credentials)),
      callbacks_(std::move(callbacks)),
      rest_(config_.rest_url, tls, config_.rest_timeouts),
      client_(io_, tls,
              {[this] { on_open(); }, [this](std::string_view frame) { on_message(frame); },
               [this](std::string_view step, const boost::system::error_code& error) {
                 lost(std::string(step) + ": " + error.message());
               }},
              config_.timeouts),
      retry_timer_(io_),
      keepalive_timer_(io_),
      backoff_(100 * kNsPerMs, 30 * kNsPerSecond, 0x5eed) {}

UsdmUserStream::~UsdmUserStream() { stop(); }

void UsdmUserStream::start() {
  boost::asio::post(io_, [this] { connect(); });
  thread_ = std::thread([this] { io_.run(); });
}

void UsdmUserStream::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] {
    stopping_ = true;
    retry_timer_.cancel();
    keepalive_timer_.cancel();
    client_.abort();
    io_.stop();
  });
  thread_.join();
}

void UsdmUserStream::renew() {
  boost::asio::post(io_, [this] {
    if (stopping_) return;
    backoff_.reset();
    keepalive_timer_.cancel();
    retry_timer_.cancel();
    client_.abort();
    lost("the API keys were rotated; a new listenKey is asked for with the new key");
  });
}

std::optional<std::string> UsdmUserStream::listen_key(HttpSession::Method method,
                                                      std::string& why) {
  const auto pair = credentials_();
  const HttpResponse response = rest_.request(
      method, "/fapi/v1/listenKey", "", {{"X-MBX-APIKEY", std::string(pair->api_key.reveal())}});
  if (response.transport_failed()) {
    why = response.step + " failed: " + response.error.message();
    return std::nullopt;
  }
  if (response.status != 200) {
    const auto error = parse_binance_error(response.body);
    why = "HTTP " + std::to_string(response.status) +
          (error ? " code " + std::to_string(error->code) + " " + error->message : "");
    return std::nullopt;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::string_view key;
  if (parser.parse(response.body).get(root) || root["listenKey"].get_string().get(key) ||
      key.empty() || key.find_first_of("/?#& ") != std::string_view::npos) {
    why = "unreadable listenKey answer";
    return std::nullopt;
  }
  return std::string(key);
}

void UsdmUserStream::connect() {
  if (stopping_) return;
  std::string why;
  const auto key = listen_key(HttpSession::Method::kPost, why);
  if (!key) return lost("listenKey: " + why);
  Url url = config_.stream_url;
  if (!url.target.ends_with('/')) url.target += '/';
  url.target += *key;
  client_.connect(url);
}

void UsdmUserStream::on_open() {
  ++connects_;
  backoff_.reset();
  live_ = true;
  log_info("Binance USD-M user data stream connected");
  callbacks_.on_liveness(true);
  keepalive_timer_.expires_after(std::chrono::nanoseconds(config_.keepalive_ns));
  keepalive_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) keep_alive();
  });
}

void UsdmUserStream::keep_alive() {
  if (stopping_ || !live_) return;
  std::string why;
  if (listen_key(HttpSession::Method::kPut, why)) {
    ++keepalives_;
  } else if (why.find("HTTP") != std::string::npos) {
    // The venue refused to extend the key (-1125: it no longer exists): a new key and a new
    // connection.
    client_.abort();
    return lost("listenKey keep-alive refused: " + why);
  } else {
    log_warn("Binance USD-M listenKey keep-alive failed ({}); tried again at the next interval",
             why);
  }
  keepalive_timer_.expires_after(std::chrono::nanoseconds(config_.keepalive_ns));
  keepalive_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) keep_alive();
  });
}

void UsdmUserStream::on_message(std::string_view frame) {
  const auto event = parse_usdm_user_event(frame);
  if (!event) {
    ++unreadable_;
    log_warn("unreadable USD-M user data stream message ({}); ignored", event.error().what);
    return;
  }
  if (event->kind == UsdmUserEventKind::kListenKeyExpired) {
    client_.abort();
    return lost("listenKeyExpired");
  }
  callbacks_.on_event(*event);
}

void UsdmUserStream::lost(std::string_view why) {
  keepalive_timer_.cancel();
  if (live_.exchange(false)) {
    log_warn("Binance USD-M user data stream lost ({}); polling orders until it is back", why);
    callbacks_.on_liveness(false);
  } else if (!stopping_) {
    log_warn("Binance USD-M user data stream not connected ({}); retrying", why);
  }
  if (stopping_) return;
  retry_timer_.expires_after(std::chrono::nanoseconds(backoff_.next()));
  retry_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) connect();
  });
}

}  // namespace sigex
