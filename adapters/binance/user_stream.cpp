#include "adapters/binance/user_stream.h"

#include <boost/asio/post.hpp>

#include "engine/logging/log.h"

namespace sigex {

BinanceUserStream::BinanceUserStream(Url url, boost::asio::ssl::context& tls,
                                     UserStreamCallbacks callbacks, WebSocketTimeouts timeouts)
    : url_(std::move(url)),
      callbacks_(std::move(callbacks)),
      client_(io_, tls,
              {[this] {
                 ++connects_;
                 client_.send(callbacks_.subscribe_request());
               },
               [this](std::string_view frame) { on_message(frame); },
               [this](std::string_view step, const boost::system::error_code& error) {
                 lost(std::string(step) + ": " + error.message());
               }},
              timeouts),
      retry_timer_(io_),
      backoff_(100 * kNsPerMs, 30 * kNsPerSecond, 0x5eed) {}

BinanceUserStream::~BinanceUserStream() { stop(); }

void BinanceUserStream::start() {
  boost::asio::post(io_, [this] { connect(); });
  thread_ = std::thread([this] { io_.run(); });
}

void BinanceUserStream::stop() {
  if (!thread_.joinable()) return;
  boost::asio::post(io_, [this] {
    stopping_ = true;
    retry_timer_.cancel();
    client_.abort();
    io_.stop();
  });
  thread_.join();
}

void BinanceUserStream::renew() {
  boost::asio::post(io_, [this] {
    if (stopping_) return;
    backoff_.reset();
    retry_timer_.cancel();
    client_.abort();
    lost("the API keys were rotated; subscribing again with the new key");
  });
}

void BinanceUserStream::connect() {
  if (!stopping_) client_.connect(url_);
}

void BinanceUserStream::on_message(std::string_view frame) {
  const auto message = parse_user_stream_message(frame);
  if (!message) {
    ++unreadable_;
    log_warn("unreadable user data stream message ({}); ignored", message.error().what);
    return;
  }
  switch (message->kind) {
    case UserStreamMessageKind::kSubscribed:
      backoff_.reset();
      live_ = true;
      log_info("Binance user data stream subscribed");
      callbacks_.on_liveness(true);
      return;
    case UserStreamMessageKind::kError:
      log_error("Binance refused the user data stream subscription: HTTP {} code {} {}",
                message->status, message->error_code, message->error_message);
      client_.abort();
      return lost("subscription refused");
    case UserStreamMessageKind::kExecutionReport:
      callbacks_.on_report(message->report);
      return;
    case UserStreamMessageKind::kAccountPosition:
      if (callbacks_.on_balances) callbacks_.on_balances(message->balances);
      return;
    case UserStreamMessageKind::kStreamTerminated:
      client_.abort();
      return lost("eventStreamTerminated");
    case UserStreamMessageKind::kOther:
      return;
  }
}

void BinanceUserStream::lost(std::string_view why) {
  if (live_.exchange(false)) {
    log_warn("Binance user data stream lost ({}); polling orders until it is back", why);
    callbacks_.on_liveness(false);
  }
  if (stopping_) return;
  retry_timer_.expires_after(std::chrono::nanoseconds(backoff_.next()));
  retry_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) connect();
  });
}

}  // namespace sigex
