#pragma once

// One-shot asynchronous HTTP GET (Boost.Beast) over plain TCP (http://, loopback tests) or TLS
// (https://, peer and host name verified), with a timeout per phase. The handler runs on the
// io_context's thread. Used for REST depth snapshots and history downloads.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "adapters/net/http_types.h"
#include "adapters/net/url.h"
#include "engine/core/time.h"

namespace sigex {

// Performs GET `target` on url's host and calls `done` exactly once. A body larger than
// `body_limit` bytes fails the read.
void http_get(boost::asio::io_context& io, boost::asio::ssl::context& tls, const Url& url,
              const std::string& target, const std::vector<HttpHeader>& headers,
              DurationNs timeout_ns, std::function<void(HttpResponse)> done,
              std::uint64_t body_limit = 64ULL * 1024 * 1024);

// A public GET, blocking, for start-up reads of a venue's published rules: `path_and_query` on
// `rest_url` (its own path prefix kept), trusting `tls_ca_file` too when given. A 429 is waited
// out (Retry-After seconds, else `default_retry_s`), up to 5 attempts. The body of a 200;
// false with `error` ("<what> from <rest_url>: …") otherwise.
bool fetch_public(const std::string& rest_url, const std::string& path_and_query,
                  const std::string& tls_ca_file, const std::string& what, int default_retry_s,
                  std::string& body, std::string& error);

}  // namespace sigex
