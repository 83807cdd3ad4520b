#pragma once

// The one serving path of the daemon's listeners (the metrics endpoint, the control socket):
// a thread running an io_context, an acceptor that takes every connection as it comes, and a
// session per connection, so a slow or idle client (a keep-alive scraper that never sends its
// next request) never holds up another. At most `max_connections` are served at once; more
// are closed at once. stop() closes the acceptor and every open connection, then joins.

#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <thread>
#include <utility>

#include <boost/asio.hpp>

namespace sigex {

class Connection {
 public:
  virtual ~Connection() = default;
  // Called on the listener's thread; closes the socket so every pending operation ends.
  virtual void close() = 0;
};

class Listener {
 public:
  explicit Listener(std::size_t max_connections) : max_connections_(max_connections) {}
  ~Listener() { stop(); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  boost::asio::io_context& io() { return io_; }

  // Accepts on `acceptor` (opened, bound and listening) until stop(); each connection becomes
  // the session `make_session(socket)` returns, which starts its own exchange.
  template <typename Acceptor, typename MakeSession>
  void start(Acceptor& acceptor, MakeSession make_session) {
    close_acceptor_ = [&acceptor] {
      boost::system::error_code ignored;
      acceptor.close(ignored);
    };
    accept(acceptor, std::move(make_session));
    thread_ = std::thread([this] { io_.run(); });
  }

  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
      if (close_acceptor_) close_acceptor_();
      for (const auto& weak : connections_) {
        if (const auto connection = weak.lock()) connection->close();
      }
      connections_.clear();
    });
    thread_.join();
  }

 private:
  template <typename Acceptor, typename MakeSession>
  void accept(Acceptor& acceptor, MakeSession make_session) {
    acceptor.async_accept(
        [this, &acceptor, make_session = std::move(make_session)](
            boost::system::error_code ec, typename Acceptor::protocol_type::socket socket) mutable {
          if (ec == boost::asio::error::operation_aborted || !acceptor.is_open()) return;
          if (!ec) {
            connections_.remove_if(
                [](const std::weak_ptr<Connection>& weak) { return weak.expired(); });
            if (connections_.size() >= max_connections_) {
              boost::system::error_code ignored;
              socket.close(ignored);  // too many at once: refuse rather than queue
            } else {
              connections_.push_back(make_session(std::move(socket)));
            }
          }
          accept(acceptor, std::move(make_session));
        });
  }

  std::size_t max_connections_;
  boost::asio::io_context io_;
  std::function<void()> close_acceptor_;
  std::list<std::weak_ptr<Connection>> connections_;  // touched on the I/O thread only
  std::thread thread_;
};

}  // namespace sigex
