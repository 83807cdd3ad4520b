#include "adapters/net/http_session.h"

#include <chrono>
#include <variant>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "adapters/net/beast_response.h"
#include "adapters/net/tls_client.h"

namespace sigex {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

constexpr std::uint64_t kBodyLimit = 64ULL * 1024 * 1024;

// Starts one asynchronous operation and runs the private io_context until it has completed.
template <typename Start>
error_code run_one(asio::io_context& io, Start&& start) {
  error_code result = asio::error::would_block;
  start([&result](error_code error, auto&&...) { result = error; });
  io.restart();
  io.run();
  return result;
}

}  // namespace

class HttpSession::Connection {
 public:
  using PlainStream = beast::tcp_stream;
  using TlsStream = beast::ssl_stream<beast::tcp_stream>;

  Connection(asio::io_context& io, asio::ssl::context& tls, bool use_tls)
      : stream_(use_tls ? Stream(std::in_place_type<TlsStream>, io, tls)
                        : Stream(std::in_place_type<PlainStream>, io)) {}

  ~Connection() {
    error_code ignored;
    tcp_layer().socket().shutdown(tcp::socket::shutdown_both, ignored);
    tcp_layer().socket().close(ignored);
  }

  beast::tcp_stream& tcp_layer() {
    return std::visit(
        [](auto& stream) -> beast::tcp_stream& { return beast::get_lowest_layer(stream); },
        stream_);
  }

  // Connects (and shakes hands); returns the failing phase in `step`.
  error_code open(asio::io_context& io, const Url& url, const HttpTimeouts& timeouts,
                  std::string& step) {
    tcp::resolver resolver(io);
    tcp::resolver::results_type endpoints;
    step = "resolve";
    error_code error = run_one(io, [&](auto handler) {
      resolver.async_resolve(url.host, url.port,
                             [&endpoints, handler](error_code e, tcp::resolver::results_type r) {
                               endpoints = std::move(r);
                               handler(e);
                             });
    });
    if (error) return error;
    step = "connect";
    tcp_layer().expires_after(std::chrono::nanoseconds(timeouts.connect_ns));
    error = run_one(io, [&](auto handler) { tcp_layer().async_connect(endpoints, handler); });
    if (error) return error;
    if (auto* tls = std::get_if<TlsStream>(&stream_)) {
      step = "tls_sni";
      if (const error_code sni = prepare_tls_client(*tls, url.host)) return sni;
      step = "tls_handshake";
      tcp_layer().expires_after(std::chrono::nanoseconds(timeouts.handshake_ns));
      error = run_one(
          io, [&](auto handler) { tls->async_handshake(asio::ssl::stream_base::client, handler); });
      if (error) return error;
    }
    tcp_layer().socket().set_option(tcp::no_delay(true), error);
    return {};
  }

  // One request/response exchange. `received_any` tells a dead idle connection (nothing came
  // back) from a failure in the middle of a response.
  error_code exchange(asio::io_context& io, const http::request<http::string_body>& request,
                      DurationNs timeout_ns, http::response<http::string_body>& response,
                      std::string& step, bool& received_any) {
    received_any = false;
    tcp_layer().expires_after(std::chrono::nanoseconds(timeout_ns));
    step = "write";
    error_code error = std::visit(
        [&](auto& stream) {
          return run_one(io, [&](auto handler) { http::async_write(stream, request, handler); });
        },
        stream_);
    if (error) return error;
    step = "read";
    http::response_parser<http::string_body> parser;
    parser.body_limit(kBodyLimit);
    const std::size_t buffered_before = buffer_.size();
    error = std::visit(
        [&](auto& stream) {
          return run_one(io,
                         [&](auto handler) { http::async_read(stream, buffer_, parser, handler); });
        },
        stream_);
    received_any = parser.got_some() || buffer_.size() != buffered_before;
    if (error) return error;
    response = parser.release();
    return {};
  }

 private:
  using Stream = std::variant<PlainStream, TlsStream>;
  Stream stream_;
  beast::flat_buffer buffer_;
};

HttpSession::HttpSession(Url base, asio::ssl::context& tls, HttpTimeouts timeouts)
    : base_(std::move(base)), tls_(tls), timeouts_(timeouts) {}

HttpSession::~HttpSession() { close(); }

void HttpSession::close() { connection_.reset(); }

HttpResponse HttpSession::get(const std::string& target, const std::vector<HttpHeader>& headers) {
  return request(Method::kGet, target, {}, headers);
}

HttpResponse HttpSession::request(Method method, const std::string& target, const std::string& body,
                                  const std::vector<HttpHeader>& headers) {
  bool may_retry = false;
  HttpResponse response = attempt(method, target, body, headers, may_retry);
  // The server may close an idle keep-alive connection at any time: a GET that got no answer
  // at all on a reused connection is sent once more on a fresh one.
  if (response.transport_failed() && may_retry && method == Method::kGet) {
    response = attempt(method, target, body, headers, may_retry);
  }
  return response;
}

HttpResponse HttpSession::attempt(Method method, const std::string& target, const std::string& body,
                                  const std::vector<HttpHeader>& headers, bool& may_retry) {
  HttpResponse response;
  const bool reused = connection_ != nullptr;
  may_retry = false;
  if (!connection_) {
    connection_ = std::make_unique<Connection>(io_, tls_, base_.tls);
    ++connects_;
    response.error = connection_->open(io_, base_, timeouts_, response.step);
    if (response.error) {
      connection_.reset();
      return response;
    }
  }
  static constexpr http::verb kVerbs[] = {http::verb::get, http::verb::post, http::verb::delete_,
                                          http::verb::put};
  http::request<http::string_body> request{kVerbs[static_cast<int>(method)], target, 11};
  request.set(http::field::host, base_.host);
  if (!body.empty()) {
    request.set(http::field::content_type, "application/x-www-form-urlencoded");
    request.body() = body;
  }
  request.set(http::field::user_agent, "sigex");
  request.set(http::field::accept, "application/json");
  request.keep_alive(true);
  for (const auto& header : headers) request.set(header.name, header.value);
  request.prepare_payload();
  http::response<http::string_body> reply;
  bool received_any = false;
  response.error =
      connection_->exchange(io_, request, timeouts_.request_ns, reply, response.step, received_any);
  if (response.error) {
    may_retry = reused && !received_any && response.error != beast::error::timeout;
    connection_.reset();
    return response;
  }
  response.step = "done";
  const bool keep_alive = reply.keep_alive();
  fill_response(response, std::move(reply));
  if (!keep_alive) connection_.reset();
  return response;
}

asio::ssl::context make_client_tls_context(const std::string& ca_file, std::string& error) {
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_default_verify_paths();
  if (!ca_file.empty()) {
    error_code tls_error;
    tls.load_verify_file(ca_file, tls_error);
    if (tls_error) error = "cannot load CA file " + ca_file + ": " + tls_error.message();
  }
  return tls;
}

}  // namespace sigex
