#include "adapters/service/control_socket.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <utility>

#include <boost/asio.hpp>

#include "adapters/service/listener.h"

namespace sigex {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {
constexpr std::size_t kMaxRequest = 4096;
constexpr auto kClientTimeout = std::chrono::seconds(5);
}  // namespace

namespace {

constexpr std::size_t kMaxClients = 8;

// One `sigex ctl` request: a line in, the answer out, closed. A client that does not send its
// line within kClientTimeout is closed; others are served meanwhile.
class ControlSession final : public Connection,
                             public std::enable_shared_from_this<ControlSession> {
 public:
  ControlSession(local::socket socket, const ControlSocketServer::Handler& handler)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), handler_(handler) {}

  void start() {
    timer_.expires_after(kClientTimeout);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->close();
    });
    asio::async_read_until(
        socket_, asio::dynamic_buffer(buffer_, kMaxRequest), '\n',
        [self = shared_from_this()](boost::system::error_code ec, std::size_t length) {
          self->answer(ec, length);
        });
  }

  void close() override {
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void answer(boost::system::error_code ec, std::size_t length) {
    if (ec == asio::error::operation_aborted || !socket_.is_open()) return;
    std::string answer;
    if (ec) {
      answer = "error: expected one request line of at most 4096 bytes\n";
    } else {
      std::string request = buffer_.substr(0, length);
      while (!request.empty() && (request.back() == '\n' || request.back() == '\r'))
        request.pop_back();
      answer = handler_(request);
    }
    boost::system::error_code ignored;
    asio::write(socket_, asio::buffer(answer), ignored);
    close();
  }

  local::socket socket_;
  asio::steady_timer timer_;
  const ControlSocketServer::Handler& handler_;
  std::string buffer_;
};

}  // namespace

class ControlSocketServer::Impl {
 public:
  Impl(std::string path, Handler handler) : path_(std::move(path)), handler_(std::move(handler)) {}

  bool start(std::string& error) {
    std::error_code fs_error;
    std::filesystem::remove(path_, fs_error);  // the instance lock is held: any socket is stale
    boost::system::error_code ec;
    const mode_t previous = ::umask(0177);  // the socket is created 0600
    acceptor_.open(local(), ec);
    if (!ec) acceptor_.bind(local::endpoint(path_), ec);
    ::umask(previous);
    if (!ec) acceptor_.listen(8, ec);
    if (ec) {
      error = "control socket " + path_ + ": " + ec.message();
      return false;
    }
    if (::chmod(path_.c_str(), 0600) != 0) {
      error = "control socket " + path_ + ": cannot restrict its permissions";
      return false;
    }
    listener_.start(acceptor_, [this](local::socket socket) {
      auto session = std::make_shared<ControlSession>(std::move(socket), handler_);
      session->start();
      return session;
    });
    started_ = true;
    return true;
  }

  ~Impl() { stop(); }

  void stop() {
    listener_.stop();
    if (!started_) return;
    started_ = false;
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

 private:
  std::string path_;
  Handler handler_;
  Listener listener_{kMaxClients};
  local::acceptor acceptor_{listener_.io()};
  bool started_ = false;
};

ControlSocketServer::ControlSocketServer(std::string path, Handler handler)
    : path_(path), impl_(std::make_unique<Impl>(std::move(path), std::move(handler))) {}

ControlSocketServer::~ControlSocketServer() = default;

bool ControlSocketServer::start(std::string& error) { return impl_->start(error); }
void ControlSocketServer::stop() { impl_->stop(); }

bool control_request(const std::string& path, const std::string& request, DurationNs timeout_ns,
                     std::string& answer, std::string& error) {
  asio::io_context io;
  local::socket socket(io);
  boost::system::error_code ec;
  socket.connect(local::endpoint(path), ec);
  if (ec) {
    error = "cannot reach sigex at " + path + ": " + ec.message() + " (is `sigex run` running?)";
    return false;
  }
  asio::write(socket, asio::buffer(request + "\n"), ec);
  if (ec) {
    error = "cannot send to " + path + ": " + ec.message();
    return false;
  }
  std::string buffer;
  bool timed_out = false;
  asio::steady_timer timer(io, std::chrono::nanoseconds(timeout_ns));
  timer.async_wait([&](boost::system::error_code wait_error) {
    if (!wait_error) {
      timed_out = true;
      socket.close();
    }
  });
  asio::async_read(socket, asio::dynamic_buffer(buffer),
                   [&](boost::system::error_code, std::size_t) { timer.cancel(); });
  io.run();
  if (timed_out) {
    error = "no answer from sigex at " + path + " (the core loop may be stuck)";
    return false;
  }
  answer = std::move(buffer);
  return true;
}

}  // namespace sigex
