#include "adapters/service/control_socket.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <utility>

#include <gtest/gtest.h>
#include <boost/asio.hpp>

namespace sigex {
namespace {

std::string socket_path(const char* name) {
  return "/tmp/sigex-ctl-test-" + std::to_string(::getpid()) + name;
}

TEST(ControlSocket, AnswersOneRequestPerConnectionOnAnOwnerOnlySocket) {
  const std::string path = socket_path("a");
  std::vector<std::string> requests;
  ControlSocketServer server(path, [&](const std::string& request) {
    requests.push_back(request);
    return "ok\nyou said " + request + "\n";
  });
  std::string error;
  ASSERT_TRUE(server.start(error)) << error;
  struct stat status {};
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_TRUE(S_ISSOCK(status.st_mode));
  EXPECT_EQ(status.st_mode & 0777, 0600u);

  std::string answer;
  ASSERT_TRUE(control_request(path, "halt global because", kNsPerSecond * 5, answer, error))
      << error;
  EXPECT_EQ(answer, "ok\nyou said halt global because\n");
  ASSERT_TRUE(control_request(path, "status", kNsPerSecond * 5, answer, error)) << error;
  EXPECT_EQ(answer, "ok\nyou said status\n");
  EXPECT_EQ(requests, (std::vector<std::string>{"halt global because", "status"}));
  server.stop();
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // removed on stop
}

// A client that connects and never sends its line (a stuck script) once held the only slot
// for 5 s; now every client has its own connection and the next is answered at once.
TEST(ControlSocket, AClientThatSendsNothingDoesNotHoldUpAnother) {
  const std::string path = socket_path("c");
  ControlSocketServer server(path,
                             [](const std::string& request) { return "ok\n" + request + "\n"; });
  std::string error, answer;
  ASSERT_TRUE(server.start(error)) << error;
  boost::asio::io_context io;
  boost::asio::local::stream_protocol::socket silent(io);
  silent.connect(boost::asio::local::stream_protocol::endpoint(path));
  // A 1 s timeout: the old one-at-a-time server only got to this request after the silent
  // client's 5 s had run out.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(control_request(path, "status", kNsPerSecond, answer, error)) << error;
    EXPECT_EQ(answer, "ok\nstatus\n");
  }
  server.stop();
}

TEST(ControlSocket, AStaleSocketFileIsReplaced) {
  const std::string path = socket_path("b");
  {
    ControlSocketServer first(path, [](const std::string&) { return std::string("ok\n"); });
    std::string error;
    ASSERT_TRUE(first.start(error)) << error;
    // Simulate a crash: the file stays (stop() is what removes it; here it is recreated below).
  }
  std::ofstream(path) << "stale";
  ControlSocketServer second(path, [](const std::string&) { return std::string("ok\nsecond\n"); });
  std::string error, answer;
  ASSERT_TRUE(second.start(error)) << error;
  ASSERT_TRUE(control_request(path, "status", kNsPerSecond * 5, answer, error)) << error;
  EXPECT_EQ(answer, "ok\nsecond\n");
  second.stop();
}

TEST(ControlSocket, TheClientSaysClearlyWhenNoDaemonListens) {
  std::string answer, error;
  EXPECT_FALSE(control_request(socket_path("none"), "status", kNsPerSecond, answer, error));
  EXPECT_NE(error.find("cannot reach sigex at"), std::string::npos) << error;
  EXPECT_NE(error.find("is `sigex run` running?"), std::string::npos) << error;
}

}  // namespace
}  // namespace sigex
