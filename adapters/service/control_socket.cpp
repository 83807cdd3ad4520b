#include "adapters/service/control_socket.h"

#include <sys/stat.h>
#include <sys/types.h>

#include <chrono>
#include <utility>
#include <filesystem>

#include <boost/asio.hpp>

namespace sigex {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

namespace {
constexpr std::size_t kMaxRequest = 4096;
constexpr auto kClientTimeout = std::chrono::seconds(5);
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
    accept();
    thread_ = std::thread([this] { io_.run(); });
    return true;
  }

  ~Impl() { stop(); }

  void stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      if (socket_) socket_->close(ignored);
      timer_.cancel();
    });
    if (thread_.joinable()) thread_.join();
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }

 private:
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, local::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) serve(std::move(socket));
      else accept();
    });
  }

  void serve(local::socket socket) {
    socket_ = std::make_unique<local::socket>(std::move(socket));
    buffer_.clear();
    timer_.expires_after(kClientTimeout);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && socket_) socket_->close(ec);
    });
    asio::async_read_until(*socket_, asio::dynamic_buffer(buffer_, kMaxRequest), '\n',
                           [this](boost::system::error_code ec, std::size_t length) {
                             std::string answer;
                             if (ec) {
                               answer = "error: expected one request line of at most 4096 bytes\n";
                             } else {
                               std::string request = buffer_.substr(0, length);
                               while (!request.empty() && (request.back() == '\n' || request.back() == '\r')) {
                                 request.pop_back();
                               }
                               answer = handler_(request);
                             }
                             boost::system::error_code ignored;
                             if (socket_->is_open()) asio::write(*socket_, asio::buffer(answer), ignored);
                             socket_->close(ignored);
                             timer_.cancel();
                             socket_.reset();
                             accept();
                           });
  }

  std::string path_;
  Handler handler_;
  asio::io_context io_;
  local::acceptor acceptor_{io_};
  std::unique_ptr<local::socket> socket_;
  asio::steady_timer timer_{io_};
  std::string buffer_;
  std::thread thread_;
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
  asio::async_read(socket, asio::dynamic_buffer(buffer), [&](boost::system::error_code, std::size_t) {
    timer.cancel();
  });
  io.run();
  if (timed_out) {
    error = "no answer from sigex at " + path + " (the core loop may be stuck)";
    return false;
  }
  answer = std::move(buffer);
  return true;
}

}  // namespace sigex
