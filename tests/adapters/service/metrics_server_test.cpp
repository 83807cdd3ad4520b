#include "adapters/service/metrics_server.h"
#include "adapters/service/process_metrics.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sigex {
namespace {

namespace http = boost::beast::http;

std::pair<int, std::string> get(std::uint16_t port, const std::string& target,
                                http::verb method = http::verb::get) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
  http::request<http::empty_body> request(method, target, 11);
  request.set(http::field::host, "127.0.0.1");
  http::write(stream, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::response_parser<http::string_body> parser;
  parser.skip(method == http::verb::head);  // a HEAD answer has a length but no body
  http::read(stream, buffer, parser);
  response = parser.release();
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

// A scrape that must be answered within `timeout` (as Prometheus' scrape_timeout); 0 when not.
int status_within(std::uint16_t port, std::chrono::seconds timeout) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  http::request<http::empty_body> request(http::verb::get, "/metrics", 11);
  request.set(http::field::host, "127.0.0.1");
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  int status = 0;
  stream.expires_after(timeout);
  stream.async_connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port),
      [&](boost::beast::error_code ec) {
        if (ec) return;
        http::async_write(stream, request, [&](boost::beast::error_code ec, std::size_t) {
          if (ec) return;
          http::async_read(stream, buffer, response, [&](boost::beast::error_code ec, std::size_t) {
            if (!ec) status = static_cast<int>(response.result_int());
          });
        });
      });
  io.run();
  return status;
}

TEST(MetricsServer, OtherMethodsAre405AndHeadHasNoBody) {
  MetricsServer server("127.0.0.1", 0,
                       [] { return std::optional<std::string>("sigex_ready 1\n"); });
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  EXPECT_EQ(get(server.port(), "/metrics", http::verb::post).first, 405);
  EXPECT_EQ(get(server.port(), "/metrics", http::verb::delete_).first, 405);
  EXPECT_EQ(get(server.port(), "/metrics", http::verb::head),
            (std::pair<int, std::string>{200, ""}));
  EXPECT_EQ(get(server.port(), "/other", http::verb::post).first, 404);
}

// An idle keep-alive client (connected, one scrape done, then silent) once held the only
// connection slot and delayed a second scraper by 9.7 s. Every scraper has its own now: the
// second is answered while the first still holds its connection open.
TEST(MetricsServer, AnIdleKeepAliveClientDoesNotBlockAnotherScraper) {
  MetricsServer server("127.0.0.1", 0,
                       [] { return std::optional<std::string>("sigex_ready 1\n"); });
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  boost::asio::io_context io;
  boost::beast::tcp_stream idle(io);
  idle.connect(
      boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), server.port()));
  http::request<http::empty_body> request(http::verb::get, "/metrics", 11);
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(true);
  http::write(idle, request);
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(idle, buffer, response);
  ASSERT_TRUE(response.keep_alive());
  // The idle connection stays open; other scrapers are served, each within Prometheus' default
  // scrape timeout (the old server answered them only once the idle client's 10 s ran out).
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(status_within(server.port(), std::chrono::seconds(5)), 200);
  // Still open and still served.
  http::write(idle, request);
  http::read(idle, buffer, response);
  EXPECT_EQ(response.result_int(), 200u);
  server.stop();  // closes the idle connection too
}

TEST(ProcessMetrics, TheStandardProcessMetricsAndBuildInfoAreRendered) {
  const std::string text = render_process_metrics(BuildInfo{"1.2.3", "Release", false});
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_virtual_memory_bytes ", "process_open_fds ", "process_max_fds ",
                           "process_start_time_seconds "}) {
    const auto at = text.find(std::string("\n") + name);
    ASSERT_NE(at, std::string::npos) << name << "\n" << text;
    const double value = std::stod(text.substr(at + 1 + std::string(name).size()));
    EXPECT_GT(value, name == std::string("process_cpu_seconds_total ") ? -1.0 : 0.0) << name;
  }
  EXPECT_GT(std::stod(text.substr(text.find("\nprocess_start_time_seconds ") + 28)),
            1.5e9);  // a Unix time, not uptime
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  EXPECT_NE(
      text.find(
          "sigex_build_info{version=\"1.2.3\",build_type=\"Release\",failpoints=\"false\"} 1\n"),
      std::string::npos)
      << text;
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
