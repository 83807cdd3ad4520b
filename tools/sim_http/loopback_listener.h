#pragma once

// A TCP acceptor on 127.0.0.1 with its own I/O thread: what the loopback simulators and test
// proxies start from. The owner posts its first accept, then calls run().

#include <cstdint>
#include <string>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

namespace sigex {

class LoopbackListener {
 public:
  LoopbackListener() : acceptor_(io_) {}
  ~LoopbackListener() { stop(); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  boost::asio::io_context& io() { return io_; }
  boost::asio::ip::tcp::acceptor& acceptor() { return acceptor_; }

  // Binds 127.0.0.1:`port` (0: a free one) and listens; false with the system's words.
  bool listen(std::uint16_t port, bool reuse_address, std::string& error) {
    boost::system::error_code ec;
    const boost::asio::ip::tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec && reuse_address)
      acceptor_.set_option(boost::asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(boost::asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = ec.message();
      return false;
    }
    port_ = acceptor_.local_endpoint().port();
    return true;
  }

  void run() {
    thread_ = std::thread([this] { io_.run(); });
  }

  // listen(), then `first_accept()` (the owner posts its accept loop), then run(); false with
  // `what` and the system's words.
  template <typename Accept>
  bool start(std::uint16_t port, bool reuse_address, const std::string& what, Accept first_accept,
             std::string& error) {
    std::string why;
    if (!listen(port, reuse_address, why)) {
      error = what + ": " + why;
      return false;
    }
    first_accept();
    run();
    return true;
  }

  // Closes the acceptor on the I/O thread and stops it; nothing runs afterwards.
  void stop() {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      io_.stop();
    });
    thread_.join();
  }

  std::uint16_t port() const { return port_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace sigex
