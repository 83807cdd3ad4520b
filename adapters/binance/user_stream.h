#pragma once

// Binance's user data stream over the WebSocket API (the listenKey streams are gone since
// 2026-02-20). A subscription is opened with `userDataStream.subscribe.signature` (apiKey,
// timestamp, signature over the sorted params; works with HMAC keys) and events arrive wrapped
// as {"subscriptionId":0,"event":{...}}. BinanceUserStream keeps one subscription alive on its
// own I/O thread: it reconnects with jittered backoff after any close, error or
// eventStreamTerminated, and reports each change of liveness so the venue can reconcile and
// poll while the stream is down.

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/binance/parse_user_stream.h"
#include "adapters/net/backoff.h"
#include "adapters/net/websocket_client.h"
#include "engine/core/result.h"

namespace sigex {

struct UserStreamCallbacks {
  // The signed subscription request to send on each new connection (any thread may build it).
  std::function<std::string()> subscribe_request;
  std::function<void(const UserExecutionReport&)> on_report;
  std::function<void(bool live)> on_liveness;  // true once subscribed; false when lost
  // outboundAccountPosition: the balances a change may have moved (may be empty: not wanted).
  std::function<void(const std::vector<VenueBalance>&)> on_balances;
};

// What a venue needs of its private push channel, whatever the market's mechanism
// (spot: a WebSocket API subscription; USD-M: a listenKey stream).
class UserStreamChannel {
 public:
  virtual ~UserStreamChannel() = default;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual bool live() const = 0;  // any thread
  // Any thread: drops the connection and subscribes again at once, with the key pair in use
  // now (after a key rotation). Liveness is reported lost and back as for any reconnection.
  virtual void renew() = 0;
};

class BinanceUserStream final : public UserStreamChannel {
 public:
  BinanceUserStream(Url url, boost::asio::ssl::context& tls, UserStreamCallbacks callbacks,
                    WebSocketTimeouts timeouts);
  ~BinanceUserStream() override;
  BinanceUserStream(const BinanceUserStream&) = delete;
  BinanceUserStream& operator=(const BinanceUserStream&) = delete;

  void start() override;
  void stop() override;
  bool live() const override { return live_.load(); }
  void renew() override;
  std::uint64_t connects() const { return connects_.load(); }
  std::uint64_t unreadable() const { return unreadable_.load(); }

 private:
  void connect();
  void on_message(std::string_view frame);
  void lost(std::string_view why);

  Url url_;
  UserStreamCallbacks callbacks_;
  boost::asio::io_context io_;
  WebSocketClient client_;
  boost::asio::steady_timer retry_timer_;
  Backoff backoff_;
  std::thread thread_;
  std::atomic<bool> live_{false};
  std::atomic<std::uint64_t> connects_{0};
  std::atomic<std::uint64_t> unreadable_{0};
  bool stopping_ = false;  // I/O thread
};

}  // namespace sigex
