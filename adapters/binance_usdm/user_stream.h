#pragma once

// Binance USD-M's user data stream (../shared/reference/binance-usdm-futures.md §3.5, §9):
// still a listenKey on futures. Before each connection the stream asks for a key
// (POST /fapi/v1/listenKey: the account's active key, extended), connects to
// <url>/<listenKey> (production: wss://fstream.binance.com/private/ws), and extends the key
// (PUT) every keepalive interval, well inside its 60 minutes. A PUT answered -1125 (the key
// is gone), a listenKeyExpired event, a close or an error reconnects with jittered backoff and
// a fresh key. Liveness is reported at each change so that the venue reconciles and polls
// while the stream is down. One I/O thread of its own; the key requests carry the API key
// header only (no signature), never logged.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/binance/rest_client.h"
#include "adapters/binance/user_stream.h"
#include "adapters/binance_usdm/parse_user_stream.h"
#include "adapters/net/backoff.h"
#include "adapters/net/http_session.h"
#include "adapters/net/websocket_client.h"
#include "engine/core/secret.h"

namespace sigex {

struct UsdmUserStreamConfig {
  Url stream_url;  // the private route; the listenKey is appended as the last path segment
  Url rest_url;    // where POST/PUT /fapi/v1/listenKey go
  HttpTimeouts rest_timeouts;
  WebSocketTimeouts timeouts;
  DurationNs keepalive_ns = 30 * kNsPerMinute;
};

struct UsdmUserStreamCallbacks {
  std::function<void(const UsdmUserEvent&)> on_event;
  std::function<void(bool live)> on_liveness;  // true once connected with a key; false when lost
};

class UsdmUserStream final : public UserStreamChannel {
 public:
  // `credentials`: the key pair in use (the REST client's), asked at each listenKey request.
  UsdmUserStream(UsdmUserStreamConfig config,
                 std::function<std::shared_ptr<const BinanceCredentials>()> credentials,
                 boost::asio::ssl::context& tls, UsdmUserStreamCallbacks callbacks);
  ~UsdmUserStream() override;
  UsdmUserStream(const UsdmUserStream&) = delete;
  UsdmUserStream& operator=(const UsdmUserStream&) = delete;

  void start() override;
  void stop() override;
  bool live() const override { return live_.load(); }
  void renew() override;
  std::uint64_t connects() const { return connects_.load(); }
  std::uint64_t keepalives() const { return keepalives_.load(); }
  std::uint64_t unreadable() const { return unreadable_.load(); }

 private:
  // POST (new or the active key) or PUT (extend); nullopt when refused or unreachable.
  std::optional<std::string> listen_key(HttpSession::Method method, std::string& why);
  void connect();
  void on_open();
  void on_message(std::string_view frame);
  void keep_alive();
  void lost(std::string_view why);

  UsdmUserStreamConfig config_;
  std::function<std::shared_ptr<const BinanceCredentials>()> credentials_;
  UsdmUserStreamCallbacks callbacks_;
  boost::asio::io_context io_;
  HttpSession rest_;  // the stream's I/O thread only
  WebSocketClient client_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer keepalive_timer_;
  Backoff backoff_;
  std::thread thread_;
  std::atomic<bool> live_{false};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> keepalives_{0};
  std::atomic<std::uint64_t> unreadable_{0};
  bool stopping_ = false;  // I/O thread
};

}  // namespace sigex
