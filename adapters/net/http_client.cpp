#include "adapters/net/http_client.h"

#include "adapters/net/beast_response.h"
#include "adapters/net/http_session.h"
#include "adapters/net/tls_client.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace sigex {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

class Request : public std::enable_shared_from_this<Request> {
 public:
  Request(asio::io_context& io, asio::ssl::context& tls, const Url& url, const std::string& target,
          const std::vector<HttpHeader>& headers, DurationNs timeout_ns,
          std::function<void(HttpResponse)> done)
      : resolver_(asio::make_strand(io)),
        stream_(make_stream(resolver_.get_executor(), tls, url.tls)),
        url_(url),
        timeout_(std::chrono::nanoseconds(timeout_ns)),
        done_(std::move(done)) {
    request_.method(http::verb::get);
    request_.target(target);
    request_.version(11);
    request_.set(http::field::host, url.host);
    request_.set(http::field::user_agent, "sigex");
    request_.set(http::field::accept, "application/json");
    for (const auto& header : headers) request_.set(header.name, header.value);
  }

  void set_body_limit(std::uint64_t limit) { body_limit_ = limit; }

  void start() {
    resolver_.async_resolve(url_.host, url_.port,
                            beast::bind_front_handler(&Request::on_resolve, shared_from_this()));
  }

 private:
  using Stream = std::variant<PlainStream, TlsStream>;
  static Stream make_stream(const tcp::resolver::executor_type& executor, asio::ssl::context& tls,
                            bool use_tls) {
    if (use_tls) return Stream(std::in_place_type<TlsStream>, executor, tls);
    return Stream(std::in_place_type<PlainStream>, executor);
  }

  beast::tcp_stream& tcp_layer() {
    return std::visit(
        [](auto& stream) -> beast::tcp_stream& { return beast::get_lowest_layer(stream); },
        stream_);
  }

  void finish(std::string_view step, error_code error) {
    HttpResponse response;
    response.error = error;
    response.step = std::string(step);
    if (!error) fill_response(response, std::move(response_));
    error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().socket().close(ignored);
    done_(std::move(response));
  }

  void on_resolve(error_code error, const tcp::resolver::results_type& endpoints) {
    if (error) return finish("resolve", error);
    tcp_layer().expires_after(timeout_);
    tcp_layer().async_connect(endpoints,
                              beast::bind_front_handler(&Request::on_connect, shared_from_this()));
  }

  void on_connect(error_code error,
                  const tcp::resolver::results_type::endpoint_type& /*endpoint*/) {
    if (error) return finish("connect", error);
    if (auto* tls = std::get_if<TlsStream>(&stream_)) {
      if (const error_code sni = prepare_tls_client(*tls, url_.host)) return finish("tls_sni", sni);
      tcp_layer().expires_after(timeout_);
      tls->async_handshake(asio::ssl::stream_base::client,
                           beast::bind_front_handler(&Request::on_handshake, shared_from_this()));
      return;
    }
    on_handshake({});
  }

  void on_handshake(error_code error) {
    if (error) return finish("tls_handshake", error);
    tcp_layer().expires_after(timeout_);
    std::visit(
        [&](auto& stream) {
          http::async_write(stream, request_,
                            beast::bind_front_handler(&Request::on_write, shared_from_this()));
        },
        stream_);
  }

  void on_write(error_code error, std::size_t) {
    if (error) return finish("write", error);
    tcp_layer().expires_after(timeout_);
    parser_.body_limit(body_limit_);
    std::visit(
        [&](auto& stream) {
          http::async_read(stream, buffer_, parser_,
                           beast::bind_front_handler(&Request::on_read, shared_from_this()));
        },
        stream_);
  }

  void on_read(error_code error, std::size_t) {
    if (error) return finish("read", error);
    response_ = parser_.release();
    finish("done", {});
  }

  tcp::resolver resolver_;
  Stream stream_;
  Url url_;
  std::chrono::nanoseconds timeout_;
  std::uint64_t body_limit_ = 0;
  std::function<void(HttpResponse)> done_;
  http::request<http::empty_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

void http_get(asio::io_context& io, asio::ssl::context& tls, const Url& url,
              const std::string& target, const std::vector<HttpHeader>& headers,
              DurationNs timeout_ns, std::function<void(HttpResponse)> done,
              std::uint64_t body_limit) {
  auto request =
      std::make_shared<Request>(io, tls, url, target, headers, timeout_ns, std::move(done));
  request->set_body_limit(body_limit);
  request->start();
}

bool fetch_public(const std::string& rest_url, const std::string& path_and_query,
                  const std::string& tls_ca_file, const std::string& what, int default_retry_s,
                  std::string& body, std::string& error) {
  auto url = parse_url(rest_url);
  if (!url || (url->scheme != "http" && url->scheme != "https"))
    return (error = "REST URL " + rest_url + ": not an http(s) URL", false);
  std::string target = url->target;
  while (!target.empty() && target.back() == '/') target.pop_back();
  target += path_and_query;
  auto tls = make_client_tls_context(tls_ca_file, error);
  if (!error.empty()) return false;
  boost::asio::io_context io;
  HttpResponse response;
  for (int attempt = 0; attempt < 5; ++attempt) {
    http_get(io, tls, *url, target, {}, 60 * kNsPerSecond,
             [&response](HttpResponse answer) { response = std::move(answer); });
    io.restart();
    io.run();
    if (response.transport_failed() || response.status != 429) break;
    // Rate limited: wait as told (Retry-After seconds), then ask again.
    const auto retry = response.header("Retry-After");
    std::this_thread::sleep_for(
        std::chrono::seconds(retry ? std::atoll(std::string(*retry).c_str()) : default_retry_s));
  }
  if (response.transport_failed() || response.status != 200) {
    error = what + " from " + rest_url + ": " +
            (response.transport_failed() ? response.error.message()
                                         : "HTTP " + std::to_string(response.status));
    return false;
  }
  body = std::move(response.body);
  return true;
}

}  // namespace sigex
