#include "adapters/net/websocket_client.h"

#include "adapters/net/tls_client.h"

#include <chrono>
#include <deque>
#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace sigex {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

std::chrono::nanoseconds as_duration(DurationNs ns) { return std::chrono::nanoseconds(ns); }

using PlainStream = websocket::stream<beast::tcp_stream>;
using TlsStream = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

// One connection. Handlers hold a shared_ptr to it, so it lives until its last operation
// completes; `live_` is cleared by close()/abort() so that late completions stay silent.
class WebSocketClient::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(asio::io_context& io, asio::ssl::context& tls, const Url& url, Handlers& handlers,
          WebSocketTimeouts timeouts)
      : resolver_(asio::make_strand(io)),
        stream_(make_stream(resolver_.get_executor(), tls, url.tls)),
        url_(url),
        handlers_(handlers),
        timeouts_(timeouts) {}

  void start() {
    resolver_.async_resolve(url_.host, url_.port,
                            beast::bind_front_handler(&Session::on_resolve, shared_from_this()));
  }

  void send(std::string text) {
    if (!open_) return;
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1) write_next();
  }

  void close() {
    live_ = false;
    if (!open_) return abort();
    open_ = false;
    std::visit(
        [self = shared_from_this()](auto& ws) {
          ws.async_close(websocket::close_code::normal, [self](error_code) {});
        },
        stream_);
  }

  void abort() {
    live_ = false;
    open_ = false;
    error_code ignored;
    resolver_.cancel();
    std::visit([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ignored); }, stream_);
  }

  bool is_open() const { return open_; }

 private:
  void fail(std::string_view step, const error_code& error) {
    if (!live_) return;
    live_ = false;
    open_ = false;
    abort();
    if (handlers_.on_closed) handlers_.on_closed(step, error);
  }

  void on_resolve(error_code error, tcp::resolver::results_type endpoints) {
    if (!live_) return;  // closed or aborted while this step was in flight
    if (error) return fail("resolve", error);
    std::visit(
        [&](auto& ws) {
          auto& tcp_layer = beast::get_lowest_layer(ws);
          tcp_layer.expires_after(as_duration(timeouts_.connect_ns));
          tcp_layer.async_connect(
              endpoints, beast::bind_front_handler(&Session::on_connect, shared_from_this()));
        },
        stream_);
  }

  void on_connect(error_code error,
                  const tcp::resolver::results_type::endpoint_type& /*endpoint*/) {
    if (!live_) return;  // closed or aborted while this step was in flight
    if (error) return fail("connect", error);
    if (auto* tls = std::get_if<TlsStream>(&stream_)) {
      auto& tcp_layer = beast::get_lowest_layer(*tls);
      tcp_layer.expires_after(as_duration(timeouts_.handshake_ns));
      if (const error_code sni = prepare_tls_client(tls->next_layer(), url_.host)) {
        return fail("tls_sni", sni);
      }
      tls->next_layer().async_handshake(
          asio::ssl::stream_base::client,
          beast::bind_front_handler(&Session::on_tls_handshake, shared_from_this()));
      return;
    }
    on_tls_handshake({});
  }

  void on_tls_handshake(error_code error) {
    if (!live_) return;  // closed or aborted while this step was in flight
    if (error) return fail("tls_handshake", error);
    std::visit(
        [&](auto& ws) {
          beast::get_lowest_layer(ws).expires_never();  // the websocket layer times out from here
          websocket::stream_base::timeout timeout{};
          timeout.handshake_timeout = as_duration(timeouts_.handshake_ns);
          timeout.idle_timeout = as_duration(timeouts_.idle_ns);
          timeout.keep_alive_pings = true;
          ws.set_option(timeout);
          ws.read_message_max(16 * 1024 * 1024);
          ws.async_handshake(url_.host + ":" + url_.port, url_.target,
                             beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
        },
        stream_);
  }

  void on_handshake(error_code error) {
    if (!live_) return;  // closed or aborted while this step was in flight
    if (error) return fail("websocket_handshake", error);
    open_ = true;
    if (handlers_.on_open) handlers_.on_open();
    if (live_) read_next();
  }

  void read_next() {
    std::visit(
        [&](auto& ws) {
          ws.async_read(buffer_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
        },
        stream_);
  }

  void on_read(error_code error, std::size_t) {
    if (!live_) return;  // closed or aborted while this step was in flight
    if (error) return fail("read", error);
    const auto data = buffer_.cdata();
    if (handlers_.on_message) {
      handlers_.on_message(std::string_view(static_cast<const char*>(data.data()), data.size()));
    }
    buffer_.consume(buffer_.size());
    if (live_) read_next();
  }

  void write_next() {
    std::visit(
        [&](auto& ws) {
          ws.text(true);
          ws.async_write(asio::buffer(outbox_.front()),
                         beast::bind_front_handler(&Session::on_write, shared_from_this()));
        },
        stream_);
  }

  void on_write(error_code error, std::size_t) {
    if (!live_) return;  // closed or aborted while this step was in flight
    if (error) return fail("write", error);
    outbox_.pop_front();
    if (!outbox_.empty() && open_) write_next();
  }

  tcp::resolver resolver_;
  using Stream = std::variant<PlainStream, TlsStream>;
  static Stream make_stream(const tcp::resolver::executor_type& executor, asio::ssl::context& tls,
                            bool use_tls) {
    if (use_tls) return Stream(std::in_place_type<TlsStream>, executor, tls);
    return Stream(std::in_place_type<PlainStream>, executor);
  }

  Stream stream_;
  Url url_;
  Handlers& handlers_;
  WebSocketTimeouts timeouts_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool live_ = true;
  bool open_ = false;
};

WebSocketClient::WebSocketClient(asio::io_context& io, asio::ssl::context& tls, Handlers handlers,
                                 WebSocketTimeouts timeouts)
    : io_(io), tls_(tls), handlers_(std::move(handlers)), timeouts_(timeouts) {}

WebSocketClient::~WebSocketClient() {
  if (session_) session_->abort();
}

void WebSocketClient::connect(const Url& url) {
  if (session_) session_->abort();
  session_ = std::make_shared<Session>(io_, tls_, url, handlers_, timeouts_);
  session_->start();
}

void WebSocketClient::send(std::string text) {
  if (session_) session_->send(std::move(text));
}

void WebSocketClient::close() {
  if (session_) session_->close();
}

void WebSocketClient::abort() {
  if (session_) session_->abort();
}

bool WebSocketClient::is_open() const { return session_ && session_->is_open(); }

}  // namespace sigex
