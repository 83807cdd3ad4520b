#include "adapters/service/metrics_server.h"

#include <chrono>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "adapters/service/listener.h"

namespace sigex {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxScrapers = 16;
constexpr auto kIdleTimeout =
    std::chrono::seconds(30);  // a keep-alive client silent this long is closed

// One scraper's connection: requests answered in turn while it keeps the connection alive.
class HttpSession final : public Connection, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, const MetricsServer::Handler& handler)
      : stream_(std::move(socket)), handler_(handler) {}

  void start() { read(); }
  void close() override {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void read() {
    request_ = {};
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       self->respond();
                     });
  }

  void respond() {
    response_ = {};
    response_.version(request_.version());
    response_.keep_alive(request_.keep_alive());
    response_.set(http::field::server, "sigex");
    response_.set(http::field::content_type, "text/plain; charset=utf-8");
    const std::string_view target(request_.target().data(), request_.target().size());
    const bool metrics = target == "/metrics" || target.starts_with("/metrics?");
    const bool readable =
        request_.method() == http::verb::get || request_.method() == http::verb::head;
    if (!metrics) {
      response_.result(http::status::not_found);
      response_.body() = "sigex serves GET /metrics only\n";
    } else if (!readable) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::allow, "GET, HEAD");
      response_.body() = "/metrics answers GET and HEAD only\n";
    } else if (auto body = handler_()) {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response_.body() = std::move(*body);
    } else {
      response_.result(http::status::service_unavailable);
      response_.body() = "sigex core thread did not answer in time\n";
    }
    response_.prepare_payload();
    if (request_.method() == http::verb::head) response_.body().clear();  // Content-Length stays
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) return self->close();
                        self->read();
                      });
  }

  beast::tcp_stream stream_;
  const MetricsServer::Handler& handler_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

class MetricsServer::Impl {
 public:
  Impl(std::string address, std::uint16_t port, Handler handler)
      : address_(std::move(address)), port_(port), handler_(std::move(handler)) {}

  bool start(std::string& error) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(address_, ec);
    if (ec) {
      error = "metrics address " + address_ + ": " + ec.message();
      return false;
    }
    const tcp::endpoint endpoint(address, port_);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(16, ec);
    if (ec) {
      error = "metrics endpoint " + address_ + ":" + std::to_string(port_) + ": " + ec.message();
      return false;
    }
    port_ = acceptor_.local_endpoint().port();
    listener_.start(acceptor_, [this](tcp::socket socket) {
      auto session = std::make_shared<HttpSession>(std::move(socket), handler_);
      session->start();
      return session;
    });
    return true;
  }

  ~Impl() { stop(); }  // before the acceptor goes
  void stop() { listener_.stop(); }
  std::uint16_t port() const { return port_; }
  std::string url() const {
    const bool v6 = address_.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + address_ + "]" : address_) + ":" + std::to_string(port_) +
           "/metrics";
  }

 private:
  std::string address_;
  std::uint16_t port_;
  Handler handler_;
  Listener listener_{kMaxScrapers};
  tcp::acceptor acceptor_{listener_.io()};
};

MetricsServer::MetricsServer(std::string address, std::uint16_t port, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(address), port, std::move(handler))) {}
MetricsServer::~MetricsServer() = default;
bool MetricsServer::start(std::string& error) { return impl_->start(error); }
void MetricsServer::stop() { impl_->stop(); }
std::uint16_t MetricsServer::port() const { return impl_->port(); }
std::string MetricsServer::url() const { return impl_->url(); }

std::unique_ptr<MetricsServer> start_metrics_server(const std::string& listen,
                                                    MetricsServer::Handler handler,
                                                    std::string& error) {
  std::string address;
  std::uint16_t port = 0;
  if (!parse_loopback_listen(listen, address, port, error)) return nullptr;
  auto server = std::make_unique<MetricsServer>(address, port, std::move(handler));
  if (!server->start(error)) return nullptr;
  return server;
}

bool parse_listen(const std::string& text, std::string& address, std::uint16_t& port,
                  bool& loopback, std::string& error) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    error = "expected ADDRESS:PORT such as 127.0.0.1:9464, got \"" + text + "\"";
    return false;
  }
  address = text.substr(0, colon);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') {
    address = address.substr(1, address.size() - 2);
  }
  boost::system::error_code ec;
  const auto parsed = asio::ip::make_address(address, ec);
  if (ec) {
    error = "\"" + address + "\" is not an IP address";
    return false;
  }
  loopback = parsed.is_loopback();
  const std::string port_text = text.substr(colon + 1);
  char* end = nullptr;
  const long value = std::strtol(port_text.c_str(), &end, 10);
  if (end == port_text.c_str() || *end != '\0' || value < 0 || value > 65535) {
    error = "port \"" + port_text + "\" is not a number from 0 to 65535";
    return false;
  }
  port = static_cast<std::uint16_t>(value);
  return true;
}

bool parse_loopback_listen(const std::string& text, std::string& address, std::uint16_t& port,
                           std::string& error) {
  bool loopback = false;
  if (!parse_listen(text, address, port, loopback, error)) return false;
  if (!loopback) {
    error =
        "\"" + address +
        "\" is not a loopback address: the metrics endpoint has no "
        "authentication, so it listens on 127.0.0.1 or ::1 only (put a proxy in front to share it)";
    return false;
  }
  return true;
}

}  // namespace sigex
