#pragma once

// The I/O thread of a network component (a market data feed): an io_context kept alive by a
// work guard, run on one thread, and the component's TLS client context, whose system trust
// store is read on that thread before its first connection (parsing it takes tens of
// milliseconds the caller need not wait for).

#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>

namespace sigex {

class IoThread {
 public:
  IoThread() : tls_(boost::asio::ssl::context::tls_client) {}
  ~IoThread() { stop({}); }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  boost::asio::io_context& io() { return io_; }
  boost::asio::ssl::context& tls() { return tls_; }

  // Starts the thread; `first` runs on it once the trust store is loaded.
  void start(std::function<void()> first) {
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] {
      tls_.set_default_verify_paths();
      io_.run();
    });
    boost::asio::post(io_, std::move(first));
  }

  // Runs `last` on the thread (closing connections, cancelling timers), then stops and joins
  // it. Idempotent.
  void stop(std::function<void()> last) {
    if (!thread_.joinable()) return;
    boost::asio::post(io_, [this, last = std::move(last)] {
      if (last) last();
      work_.reset();
      io_.stop();
    });
    thread_.join();
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace sigex
