#include "adapters/coinbase/user_stream.h"

#include <boost/asio/post.hpp>

#include "engine/logging/log.h"

namespace sigex {

CoinbaseUserStream::CoinbaseUserStream(Url url, boost::asio::ssl::context& tls, const Clock& clock,
                                       CoinbaseUserStreamCallbacks callbacks,
                                       WebSocketTimeouts timeouts, DurationNs stale_after_ns)
    : url_(std::move(url)),
      clock_(clock),
      callbacks_(std::move(callbacks)),
      stale_after_ns_(stale_after_ns),
      client_(io_, tls,
              {[this] {
                 ++connects_;
                 last_message_ns_ = clock_.now_ns();
                 for (auto& message : callbacks_.subscribe_messages()) client_.send(message);
               },
               [this](std::string_view frame) { on_message(frame); },
               [this](std::string_view step, const boost::system::error_code& error) {
                 connected_ = false;
                 lost(std::string(step) + ": " + error.message());
               }},
              timeouts),
      retry_timer_(io_),
      watchdog_timer_(io_),
      backoff_(100 * kNsPerMs, 30 * kNsPerSecond, 0xc0b5) {}

CoinbaseUserStream::~CoinbaseUserStream() { stop(); }

void CoinbaseUserStream::start() {
  boost::asio::post(io_, [this] {
    connect();
    arm_watchdog();
  });
  thread_ = std::thread([this] { io_.run(); });
}

void CoinbaseUserStream::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] {
    stopping_ = true;
    retry_timer_.cancel();
    watchdog_timer_.cancel();
    client_.abort();
    io_.stop();
  });
  thread_.join();
}

void CoinbaseUserStream::renew() {
  boost::asio::post(io_, [this] {
    if (stopping_) return;
    backoff_.reset();
    retry_timer_.cancel();
    client_.abort();
    connected_ = false;
    lost("the API keys were rotated; subscribing again with the new key");
  });
}

void CoinbaseUserStream::connect() {
  if (stopping_) return;
  connected_ = true;
  client_.connect(url_);
}

void CoinbaseUserStream::arm_watchdog() {
  watchdog_timer_.expires_after(
      std::chrono::nanoseconds(std::max<DurationNs>(stale_after_ns_ / 4, kNsPerMs)));
  watchdog_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error || stopping_) return;
    if (connected_ && clock_.now_ns() - last_message_ns_ > stale_after_ns_) {
      client_.abort();
      connected_ = false;
      lost("no message, not even a heartbeat, for too long");
    }
    arm_watchdog();
  });
}

void CoinbaseUserStream::on_message(std::string_view frame) {
  last_message_ns_ = clock_.now_ns();
  if (frame.find("\"type\":\"error\"") != std::string_view::npos) {
    log_error("Coinbase refused the user channel subscription: {:.300}", frame);
    client_.abort();
    connected_ = false;
    return lost("subscription refused");
  }
  if (frame.starts_with("{\"channel\":\"subscriptions\"")) {
    if (frame.find("\"user\"") != std::string_view::npos && !live_.exchange(true)) {
      backoff_.reset();
      log_info("Coinbase user channel subscribed");
      callbacks_.on_liveness(true);
    }
    return;
  }
  if (!frame.starts_with("{\"channel\":\"user\"")) return;  // heartbeats keep it alive
  const auto orders = parse_user_orders(frame);
  if (!orders) {
    log_warn("unreadable Coinbase user channel message ({}); ignored", orders.error());
    return;
  }
  updates_.fetch_add(orders->size());
  callbacks_.on_orders(*orders);
}

void CoinbaseUserStream::lost(std::string_view why) {
  if (live_.exchange(false)) {
    log_warn("Coinbase user channel lost ({}); polling orders until it is back", why);
    callbacks_.on_liveness(false);
  }
  if (stopping_ || connected_) return;
  retry_timer_.expires_after(std::chrono::nanoseconds(backoff_.next()));
  retry_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) connect();
  });
}

}  // namespace sigex
