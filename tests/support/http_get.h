#pragma once

// Reading the daemon's metrics endpoint in tests: a plain HTTP GET on loopback, and the
// endpoint's address as `sigex ctl status` prints it.

#include <chrono>
#include <cstdint>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sigex::testing {

// GET http://127.0.0.1:<port><target>; the body, or "" when nothing answers.
inline std::string http_get(const std::string& url) {
  namespace http = boost::beast::http;
  const auto host_start = url.find("//") + 2;
  const auto colon = url.find(':', host_start);
  const auto slash = url.find('/', colon);
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  boost::system::error_code ec;
  stream.connect(
      boost::asio::ip::tcp::endpoint(
          boost::asio::ip::make_address(url.substr(host_start, colon - host_start)),
          static_cast<std::uint16_t>(std::stoi(url.substr(colon + 1, slash - colon - 1)))),
      ec);
  if (ec) return "";
  http::request<http::empty_body> request(http::verb::get, url.substr(slash), 11);
  http::write(stream, request, ec);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response, ec);
  return ec ? "" : response.body();
}

// The metrics endpoint's URL from `sigex ctl status` text.
inline std::string metrics_url(const std::string& status) {
  const auto at = status.find("metrics         ");
  if (at == std::string::npos) return "";
  const auto start = at + 16;
  return status.substr(start, status.find('\n', start) - start);
}

// The value of the unlabelled sample `name` in a metrics body; -1 when it has none.
inline double metric_value(const std::string& body, const std::string& name) {
  const std::string line = "\n" + name + " ";
  const auto at = body.find(line);
  return at == std::string::npos ? -1.0 : std::stod(body.substr(at + line.size()));
}

// Scrapes `url` until `done(body)` holds (a daemon's threads change what it shows on their own
// schedule); the last body. The deadline only turns a hang into a failure.
template <typename Done>
std::string scrape_until(const std::string& url, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string body = http_get(url);
  while (!done(body) && std::chrono::steady_clock::now() < deadline) body = http_get(url);
  return body;
}

// Scrapes `url` until the counter `name` is above 0; the last body.
inline std::string scrape_until_counted(const std::string& url, const std::string& name) {
  return scrape_until(url, [&](const std::string& body) { return metric_value(body, name) > 0; });
}

}  // namespace sigex::testing
