#pragma once

// An asynchronous websocket client (Boost.Beast) over plain TCP (ws://, loopback tests) or
// TLS (wss://, peer and host name verified). One connection at a time; every handler runs on
// the io_context's thread, which is the only thread that may call this class.
//
// Each connection walks resolve -> connect -> TLS handshake -> websocket handshake -> open,
// one on_<step> handler per step, each phase under its own timeout. Once open, incoming pings
// are answered automatically, and a connection idle for `idle_timeout_ns` is probed with a ping
// and closed if the probe goes unanswered: a silent peer cannot keep a dead socket alive.

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "adapters/net/timeouts.h"
#include "adapters/net/url.h"
#include "engine/core/time.h"

namespace sigex {

class WebSocketClient {
 public:
  struct Handlers {
    std::function<void()> on_open;
    // The frame is valid during the call only.
    std::function<void(std::string_view frame)> on_message;
    // Called once per connection that ends, whatever the reason (never after close() or
    // abort() of that connection). `step` names the phase that failed.
    std::function<void(std::string_view step, const boost::system::error_code& error)> on_closed;
  };

  WebSocketClient(boost::asio::io_context& io, boost::asio::ssl::context& tls, Handlers handlers,
                  WebSocketTimeouts timeouts);
  ~WebSocketClient();

  void connect(const Url& url);
  void send(std::string text);
  // Graceful close (websocket close frame). No on_closed callback follows.
  void close();
  // Drops the connection at once. No on_closed callback follows.
  void abort();
  bool is_open() const;

  class Session;

 private:
  boost::asio::io_context& io_;
  boost::asio::ssl::context& tls_;
  Handlers handlers_;
  WebSocketTimeouts timeouts_;
  std::shared_ptr<Session> session_;
};

}  // namespace sigex
