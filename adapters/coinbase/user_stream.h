#pragma once

// Coinbase's private push channel: the `user` channel on advanced-trade-ws-user.coinbase.com
// (exchange-apis.md §3.4), with `heartbeats` on the same connection to keep it open. Both are
// subscribed with a fresh JWT each; the open orders arrive first as a snapshot, then every
// change of an order (status, cumulative quantity). CoinbaseUserStream keeps the subscription
// alive on its own I/O thread: it reconnects with jittered backoff after any close, error or
// silence longer than stale_after, and reports each change of liveness so the venue polls while
// the stream is down and reads its open orders back when it returns.

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/coinbase/parse_orders.h"
#include "adapters/net/backoff.h"
#include "adapters/net/websocket_client.h"
#include "engine/core/clock.h"

namespace sigex {

struct CoinbaseUserStreamCallbacks {
  // The subscribe messages for a new connection, each with a fresh JWT (any thread).
  std::function<std::vector<std::string>()> subscribe_messages;
  std::function<void(const std::vector<CoinbaseUserOrder>&)> on_orders;
  std::function<void(bool live)> on_liveness;  // true once subscribed; false when lost
};

class CoinbaseUserStream {
 public:
  CoinbaseUserStream(Url url, boost::asio::ssl::context& tls, const Clock& clock,
                     CoinbaseUserStreamCallbacks callbacks, WebSocketTimeouts timeouts,
                     DurationNs stale_after_ns);
  ~CoinbaseUserStream();
  CoinbaseUserStream(const CoinbaseUserStream&) = delete;
  CoinbaseUserStream& operator=(const CoinbaseUserStream&) = delete;

  void start();
  void stop();
  bool live() const { return live_.load(); }
  // Any thread: drops the connection and subscribes again at once (a key rotation).
  void renew();
  std::uint64_t connects() const { return connects_.load(); }
  std::uint64_t updates() const { return updates_.load(); }  // orders reported

 private:
  void connect();
  void on_message(std::string_view frame);
  void lost(std::string_view why);
  void arm_watchdog();

  Url url_;
  const Clock& clock_;
  CoinbaseUserStreamCallbacks callbacks_;
  DurationNs stale_after_ns_;
  boost::asio::io_context io_;
  WebSocketClient client_;
  boost::asio::steady_timer retry_timer_;
  boost::asio::steady_timer watchdog_timer_;
  Backoff backoff_;
  std::thread thread_;
  std::atomic<bool> live_{false};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> updates_{0};
  bool stopping_ = false;       // I/O thread
  bool connected_ = false;      // I/O thread: a connection is open or opening
  TimeNs last_message_ns_ = 0;  // I/O thread
};

}  // namespace sigex
