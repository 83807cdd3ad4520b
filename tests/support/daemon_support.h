#pragma once

// Driving `sigex run` as systemd would: a fake NOTIFY_SOCKET listener that receives the
// daemon's sd_notify datagrams, and a child process started with a chosen environment whose
// exit is awaited through a pidfd (no polling, no sleeps). Every wait has a generous bound so a
// broken daemon fails the test instead of hanging it.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace sigex::testing {

// Milliseconds left until `deadline`, for poll().
inline int millis_until(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

class NotifyListener {
 public:
  explicit NotifyListener(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path_.c_str(), sizeof address.sun_path - 1);
    ::unlink(path_.c_str());
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot bind notify socket " + path_.string());
    }
  }
  ~NotifyListener() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::filesystem::path& path() const { return path_; }

  // The next datagram, or nullopt when none arrives within `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout) {
    pollfd entry{fd_, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    char buffer[4096];
    const ssize_t length = ::recv(fd_, buffer, sizeof buffer, 0);
    if (length <= 0) return std::nullopt;
    std::string message(buffer, static_cast<std::size_t>(length));
    messages.push_back(message);
    return message;
  }

  // Receives until a datagram contains `needle`; false when none does within `timeout`.
  bool wait_for(const std::string& needle,
                std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const int left = millis_until(deadline);
      if (left == 0) return false;
      const auto message = next(std::chrono::milliseconds(left));
      if (!message) return false;
      if (message->find(needle) != std::string::npos) return true;
    }
  }

  // Index of the first received datagram containing `needle`, or -1.
  int index_of(const std::string& needle) const {
    for (std::size_t i = 0; i < messages.size(); ++i) {
      if (messages[i].find(needle) != std::string::npos) return static_cast<int>(i);
    }
    return -1;
  }

  std::vector<std::string> messages;  // everything received, in order

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

class DaemonProcess {
 public:
  // Runs `binary args...` with the current environment plus `environment` ("NAME=value"),
  // stdout and stderr to files in `output_dir`.
  DaemonProcess(const std::string& binary, const std::vector<std::string>& args,
                const std::vector<std::string>& environment,
                const std::filesystem::path& output_dir, const std::string& name = "sigex")
      : stdout_path_(output_dir / (name + ".stdout")),
        stderr_path_(output_dir / (name + ".stderr")) {
    pid_ = ::fork();
    if (pid_ == 0) {
      const int out = ::open(stdout_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int err = ::open(stderr_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(out, STDOUT_FILENO);
      ::dup2(err, STDERR_FILENO);
      // The forked child runs one thread until exec: putenv cannot race.
      for (const auto& entry : environment) {
        ::putenv(const_cast<char*>(entry.c_str()));  // NOLINT(concurrency-mt-unsafe)
      }
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(binary.c_str()));
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
  }
  ~DaemonProcess() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(30));
    }
    if (pidfd_ >= 0) ::close(pidfd_);
  }
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int number) const { ::kill(pid_, number); }

  // The exit status (or 128 + signal), or nullopt when it is still running after `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    if (exited_) return status_;
    pollfd entry{pidfd_, POLLIN, 0};
    if (::poll(&entry, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
  }

  std::string stdout_text() const { return read_file(stdout_path_); }
  std::string stderr_text() const { return read_file(stderr_path_); }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  bool exited_ = false;
  int status_ = -1;
  std::filesystem::path stdout_path_;
  std::filesystem::path stderr_path_;
};

// Runs `sigex` to completion (e.g. `sigex ctl status`) and returns exit code, stdout, stderr.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline CommandResult run_command(const std::string& binary, const std::vector<std::string>& args,
                                 const std::filesystem::path& output_dir, const std::string& name,
                                 const std::vector<std::string>& environment = {}) {
  DaemonProcess process(binary, args, environment, output_dir, name);
  CommandResult result;
  result.exit_code = process.wait_exit(std::chrono::seconds(60)).value_or(-1);
  result.out = process.stdout_text();
  result.err = process.stderr_text();
  return result;
}

// A daemon's home in a test: a directory (state, config file), the NOTIFY_SOCKET listener and
// the control socket, and `sigex run` / `sigex ctl` run against the config file there.
// SIGEX_BINARY is the executable under test.
class DaemonHome {
 public:
  explicit DaemonHome(const std::string& tag)
      : notify(std::make_unique<NotifyListener>("/tmp/sigex-notify-" + tag + "-" +
                                                std::to_string(::getpid()) + ".sock")),
        control_socket_("/tmp/sigex-ctl-" + tag + "-" + std::to_string(::getpid()) + ".sock") {}
  ~DaemonHome() {
    std::error_code ignored;
    std::filesystem::remove(control_socket_, ignored);
  }
  DaemonHome(const DaemonHome&) = delete;
  DaemonHome& operator=(const DaemonHome&) = delete;

  std::filesystem::path config_path() const { return directory.path() / "sigex.toml"; }
  const std::string& control_socket() const { return control_socket_; }

  // `sigex run --config <config_path()>` with `environment` and this home's NOTIFY_SOCKET.
  std::unique_ptr<DaemonProcess> start(const std::string& name,
                                       std::vector<std::string> environment) {
    environment.push_back("NOTIFY_SOCKET=" + notify->path().string());
    return std::make_unique<DaemonProcess>(
        SIGEX_BINARY, std::vector<std::string>{"run", "--config", config_path().string()},
        environment, directory.path(), name);
  }

  CommandResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ctl", "--config", config_path().string()});
    return run_command(SIGEX_BINARY, args, directory.path(), "ctl" + std::to_string(++runs_));
  }

  TemporaryDirectory directory;
  std::unique_ptr<NotifyListener> notify;

 private:
  std::string control_socket_;
  int runs_ = 0;
};

}  // namespace sigex::testing
