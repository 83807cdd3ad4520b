#include "tools/sim_http/loopback_http_server.h"

#include "tools/sim_http/loopback_listener.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace sigex {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

std::string_view SimRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(beast::string_view(key.data(), key.size()),
                       beast::string_view(name.data(), name.size()))) {
      return value;
    }
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> split_query(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    const auto equals = pair.find('=');
    std::string value(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
    for (std::size_t at = value.find("%2C"); at != std::string::npos; at = value.find("%2C"))
      value.replace(at, 3, ",");
    params.emplace_back(std::string(pair.substr(0, equals)), std::move(value));
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
  }
  return params;
}

class LoopbackHttpServer::Impl {
 public:
  Impl(std::string name, std::uint16_t port, Handler handler)
      : name_(std::move(name)), port_(port), handler_(std::move(handler)) {}

  bool start(std::string& error) {
    if (!listener_.start(
            port_, /*reuse_address=*/true,
            name_ + " cannot listen on 127.0.0.1:" + std::to_string(port_), [this] { accept(); },
            error)) {
      return false;
    }
    port_ = listener_.port();
    return true;
  }

  void stop() { listener_.stop(); }

  std::uint16_t port() const { return port_; }
  std::atomic<std::uint64_t> connections{0};

  class WebSocketSession;
  SimWebSocketHandlers websocket_handlers;
  std::mutex sockets_mutex;
  std::map<SimSocketId, std::weak_ptr<WebSocketSession>> sockets;
  SimSocketId next_socket = 1;
  asio::io_context& io() { return listener_.io(); }
  void upgrade(beast::tcp_stream stream, const http::request<http::string_body>& request);

 private:
  class Session;
  void accept();

  std::string name_;
  std::uint16_t port_;
  Handler handler_;
  LoopbackListener listener_;
};

class LoopbackHttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& owner, tcp::socket socket)
      : owner_(owner), stream_(std::move(socket)), timer_(stream_.get_executor()) {}

  void start() { read(); }

 private:
  void read() {
    request_ = {};
    http::async_read(
        stream_, buffer_, request_,
        [self = shared_from_this()](error_code error, std::size_t) { self->on_read(error); });
  }

  void on_read(error_code error) {
    if (error) return;
    if (websocket::is_upgrade(request_) && owner_.websocket_handlers.on_message) {
      return owner_.upgrade(std::move(stream_), request_);
    }
    SimRequest request;
    request.method = std::string(request_.method_string());
    request.target = std::string(request_.target());
    request.body = request_.body();
    for (const auto& field : request_) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    reply_ = owner_.handler_(request);
    if (reply_.delay_ms > 0) {
      timer_.expires_after(std::chrono::milliseconds(reply_.delay_ms));
      timer_.async_wait([self = shared_from_this()](error_code) { self->write(); });
      return;
    }
    write();
  }

  void close() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  void write() {
    if (reply_.close_without_answer) {
      if (reply_.reset) {
        error_code ignored;
        stream_.socket().set_option(asio::socket_base::linger(true, 0), ignored);
        stream_.socket().close(ignored);
        return;
      }
      return close();
    }
    if (reply_.cut) {
      // Raw bytes: a Content-Length the body never reaches, then the connection closes.
      raw_ = "HTTP/1.1 " + std::to_string(reply_.status) +
             " OK\r\nContent-Type: application/json\r\nContent-Length: " +
             std::to_string(reply_.body.size()) + "\r\n\r\n" +
             reply_.body.substr(0, reply_.body.size() / 2);
      asio::async_write(stream_.socket(), asio::buffer(raw_),
                        [self = shared_from_this()](error_code, std::size_t) { self->close(); });
      return;
    }
    response_ = {};
    response_.result(static_cast<unsigned>(reply_.status));
    response_.version(11);
    response_.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : reply_.headers) response_.set(name, value);
    response_.keep_alive(request_.keep_alive());
    response_.body() = reply_.body;
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](error_code error, std::size_t) {
                        if (error) return;
                        if (!self->response_.keep_alive()) {
                          error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                          return;
                        }
                        self->read();
                      });
  }

  Impl& owner_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  SimReply reply_;
  std::string raw_;
};

class LoopbackHttpServer::Impl::WebSocketSession
    : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(Impl& owner, beast::tcp_stream stream, SimSocketId id)
      : owner_(owner), ws_(std::move(stream)), id_(id) {}

  void start(const http::request<http::string_body>& request) {
    beast::get_lowest_layer(ws_).expires_never();
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(request, [self = shared_from_this(),
                               target = std::string(request.target())](error_code error) {
      if (error) return;
      if (self->owner_.websocket_handlers.on_open)
        self->owner_.websocket_handlers.on_open(self->id_, target);
      self->read();
    });
  }

  // I/O thread.
  void send(std::string text) {
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1) write();
  }
  void drop() {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](error_code error, std::size_t) {
      if (error) return self->finish();
      const std::string message = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->owner_.websocket_handlers.on_message(self->id_, message);
      self->read();
    });
  }
  void write() {
    if (closed_) return;
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self = shared_from_this()](error_code error, std::size_t) {
                      if (error) return self->finish();
                      self->outbox_.pop_front();
                      if (!self->outbox_.empty()) return self->write();
                      if (self->owner_.websocket_handlers.on_drained)
                        self->owner_.websocket_handlers.on_drained(self->id_);
                    });
  }
  void finish() {
    if (finished_) return;
    finished_ = true;
    closed_ = true;
    if (owner_.websocket_handlers.on_closed) owner_.websocket_handlers.on_closed(id_);
  }

  Impl& owner_;
  websocket::stream<beast::tcp_stream> ws_;
  SimSocketId id_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool closed_ = false;
  bool finished_ = false;
};

void LoopbackHttpServer::Impl::upgrade(beast::tcp_stream stream,
                                       const http::request<http::string_body>& request) {
  SimSocketId id = 0;
  auto session = std::shared_ptr<WebSocketSession>();
  {
    std::lock_guard lock(sockets_mutex);
    id = next_socket++;
    session = std::make_shared<WebSocketSession>(*this, std::move(stream), id);
    sockets[id] = session;
  }
  session->start(request);
}

void LoopbackHttpServer::Impl::accept() {
  listener_.acceptor().async_accept(io(), [this](error_code error, tcp::socket socket) {
    if (error) return;
    ++connections;
    std::make_shared<Session>(*this, std::move(socket))->start();
    accept();
  });
}

LoopbackHttpServer::LoopbackHttpServer(std::string name, std::uint16_t port, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(name), port, std::move(handler))) {}
LoopbackHttpServer::~LoopbackHttpServer() { impl_->stop(); }
bool LoopbackHttpServer::start(std::string& error) { return impl_->start(error); }
void LoopbackHttpServer::stop() { impl_->stop(); }
std::uint16_t LoopbackHttpServer::port() const { return impl_->port(); }
std::uint64_t LoopbackHttpServer::connections() const { return impl_->connections.load(); }

void LoopbackHttpServer::set_websocket_handlers(SimWebSocketHandlers handlers) {
  impl_->websocket_handlers = std::move(handlers);
}

void LoopbackHttpServer::websocket_send(SimSocketId socket, std::string text) {
  asio::post(impl_->io(), [impl = impl_.get(), socket, text = std::move(text)]() mutable {
    std::shared_ptr<Impl::WebSocketSession> session;
    {
      std::lock_guard lock(impl->sockets_mutex);
      const auto found = impl->sockets.find(socket);
      if (found != impl->sockets.end()) session = found->second.lock();
    }
    if (session) session->send(std::move(text));
  });
}

void LoopbackHttpServer::websocket_drop(SimSocketId socket) {
  asio::post(impl_->io(), [impl = impl_.get(), socket] {
    std::shared_ptr<Impl::WebSocketSession> session;
    {
      std::lock_guard lock(impl->sockets_mutex);
      const auto found = impl->sockets.find(socket);
      if (found != impl->sockets.end()) session = found->second.lock();
    }
    if (session) session->drop();
  });
}

void LoopbackHttpServer::run_after(std::int64_t microseconds, std::function<void()> task) {
  auto timer =
      std::make_shared<asio::steady_timer>(impl_->io(), std::chrono::microseconds(microseconds));
  timer->async_wait([timer, task = std::move(task)](error_code error) {
    if (!error) task();
  });
}

}  // namespace sigex
