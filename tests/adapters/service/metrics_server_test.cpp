#include "adapters/service/metrics_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sigex {
namespace {

namespace http = boost::beast::http;

std::pair<int, std::string> get(std::uint16_t port, const std::string& target) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> request(http::verb::get, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return {static_cast<int>(response.result_int()), response.body()};
}

TEST(MetricsServer, ServesTheHandlersTextAtSlashMetricsOnly) {
  bool core_answers = true;
  MetricsServer server("127.0.0.1", 0, [&]() -> std::optional<std::string> {
    if (!core_answers) return std::nullopt;
    return std::string("sigex_ready 1\n");
  });
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  ASSERT_NE(server.port(), 0);
  EXPECT_EQ(get(server.port(), "/metrics"), (std::pair<int, std::string>{200, "sigex_ready 1\n"}));
  EXPECT_EQ(get(server.port(), "/").first, 404);
  core_answers = false;
  EXPECT_EQ(get(server.port(), "/metrics").first, 503);
  server.stop();
}

TEST(MetricsServer, ListensOnLoopbackAddressesOnly) {
  std::string address, error;
  std::uint16_t port = 0;
  EXPECT_TRUE(parse_loopback_listen("127.0.0.1:9464", address, port, error));
  EXPECT_EQ(address, "127.0.0.1");
  EXPECT_EQ(port, 9464);
  EXPECT_TRUE(parse_loopback_listen("[::1]:9000", address, port, error));
  EXPECT_EQ(address, "::1");
  EXPECT_FALSE(parse_loopback_listen("0.0.0.0:9464", address, port, error));
  EXPECT_NE(error.find("is not a loopback address"), std::string::npos);
  EXPECT_FALSE(parse_loopback_listen("127.0.0.1:http", address, port, error));
  EXPECT_FALSE(parse_loopback_listen("127.0.0.1", address, port, error));
  EXPECT_FALSE(parse_loopback_listen("127.0.0.1:70000", address, port, error));
}

}  // namespace
}  // namespace sigex
