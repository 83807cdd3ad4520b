#pragma once

// A real nats-server with JetStream on loopback for a test (Debian's nats-server, installed by
// tools/install-deps.sh): started on a port the kernel picks (or a given one, to restart it where
// clients expect it), its store in a directory of the test, ready once it says so on its log
// (read through a pipe: no sleeps, no polling of the port). Stopped (SIGTERM, then awaited) by
// stop() or the destructor.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>

namespace sigex::testing {

inline constexpr const char* kNatsServerBinary = "/usr/sbin/nats-server";

class NatsServer {
 public:
  // `port` 0: any free port (see port()).
  NatsServer(std::filesystem::path store, std::uint16_t port = 0)
      : store_(std::move(store)), port_(port) {}
  ~NatsServer() { stop(); }
  NatsServer(const NatsServer&) = delete;
  NatsServer& operator=(const NatsServer&) = delete;

  // False with the reason when it did not become ready within 20 s.
  bool start(std::string& error) {
    int pipe_fds[2];
    if (::pipe(pipe_fds) != 0) return (error = "pipe failed", false);
    const std::string port = port_ == 0 ? std::string("-1") : std::to_string(port_);
    const std::string store = store_.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Not the test's stdout: a server orphaned by a crashed test must not hold CTest's pipe.
      const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
      ::dup2(null_fd, STDOUT_FILENO);
      ::dup2(pipe_fds[1], STDERR_FILENO);
      ::close(pipe_fds[0]);
      ::close(pipe_fds[1]);
      ::execl(kNatsServerBinary, kNatsServerBinary, "-js", "-a", "127.0.0.1", "-p", port.c_str(),
              "-sd", store.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    log_fd_ = pipe_fds[0];
    const std::regex listening(R"(Listening for client connections on 127\.0\.0\.1:(\d+))");
    std::string log;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (log.find("Server is ready") == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd entry{log_fd_, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&entry, 1, static_cast<int>(left.count())) <= 0) {
        error = "nats-server did not become ready: " + log;
        return false;
      }
      char buffer[4096];
      const ssize_t got = ::read(log_fd_, buffer, sizeof(buffer));
      if (got <= 0) {
        error = "nats-server exited: " + log;
        return false;
      }
      log.append(buffer, static_cast<std::size_t>(got));
    }
    std::smatch match;
    if (std::regex_search(log, match, listening))
      port_ = static_cast<std::uint16_t>(std::stoi(match[1].str()));
    // The rest of its log is read and dropped, so that it never blocks on a full pipe.
    drain_ = std::thread([fd = log_fd_] {
      char buffer[4096];
      while (::read(fd, buffer, sizeof(buffer)) > 0) {
      }
    });
    return true;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (drain_.joinable()) drain_.join();  // the pipe closed with the process
    ::close(log_fd_);
    log_fd_ = -1;
  }

  std::uint16_t port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  std::filesystem::path store_;
  std::uint16_t port_;
  pid_t pid_ = -1;
  int log_fd_ = -1;
  std::thread drain_;
};

}  // namespace sigex::testing
