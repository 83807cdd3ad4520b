#pragma once

// A keep-alive HTTP/1.1 client for REST APIs (Boost.Beast): one persistent connection to one
// host, plain TCP (http://, loopback tests) or TLS (https://, peer and host name verified),
// with a timeout per phase. Requests are blocking and run on a private io_context, so the
// caller's thread (a poller or a command) owns the session; one session per thread.
// A GET on a connection the server has meanwhile closed is retried once on a new connection
// (harmless); other methods are never retried here: an order's fate is for the OMS to find
// out. Request headers are never logged or put into
// error text: they may carry API keys.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "adapters/net/http_types.h"
#include "adapters/net/timeouts.h"
#include "adapters/net/url.h"
#include "engine/core/time.h"

namespace sigex {

class HttpSession {
 public:
  // `base` gives scheme, host and port; its target is ignored. `tls` must outlive the session
  // and is only used for https://.
  HttpSession(Url base, boost::asio::ssl::context& tls, HttpTimeouts timeouts);
  ~HttpSession();
  HttpSession(const HttpSession&) = delete;
  HttpSession& operator=(const HttpSession&) = delete;

  enum class Method : std::uint8_t { kGet, kPost, kDelete, kPut };

  // GET `target` (path and query). Always returns; failures are in the response.
  HttpResponse get(const std::string& target, const std::vector<HttpHeader>& headers);
  // Any method; a non-empty `body` is sent as application/x-www-form-urlencoded.
  HttpResponse request(Method method, const std::string& target, const std::string& body,
                       const std::vector<HttpHeader>& headers);
  void close();

  std::uint64_t connects() const { return connects_; }
  const Url& base() const { return base_; }

 private:
  class Connection;
  HttpResponse attempt(Method method, const std::string& target, const std::string& body,
                       const std::vector<HttpHeader>& headers, bool& may_retry);

  Url base_;
  boost::asio::ssl::context& tls_;
  HttpTimeouts timeouts_;
  boost::asio::io_context io_;
  std::unique_ptr<Connection> connection_;
  std::uint64_t connects_ = 0;
};

// A system trust store TLS context for clients (optionally with an extra CA file, e.g. for a
// test terminator). Empty `error` on success.
boost::asio::ssl::context make_client_tls_context(const std::string& ca_file, std::string& error);

}  // namespace sigex
