#include "engine/exe/ctl_command.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "adapters/service/control_socket.h"

namespace sigex {

std::string control_socket_path(const AppConfig& config) {
  if (!config.service.control_socket.empty()) return config.service.control_socket;
  return (std::filesystem::path(config.engine.state_dir) / "control.sock").string();
}

namespace {

// A reload is complete when no request holds a key it replaced: only then may the operator
// revoke the old key. Asks the daemon until it says so (at most a minute: every request has
// timed out by then).
int wait_for_retired_keys(const std::string& path) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool told = false;
  while (true) {
    std::string answer, error;
    if (!control_request(path, "status json", 10 * kNsPerSecond, answer, error)) {
      std::fprintf(stderr, "sigex ctl: %s\n", error.c_str());
      return 3;
    }
    const auto at = answer.find("\"keys_retiring\": ");
    const long retiring = at == std::string::npos ? 0 : std::atol(answer.c_str() + at + 17);
    if (retiring == 0) {
      if (told) std::fputs("the replaced keys are out of use: they may be revoked now\n", stdout);
      return 0;
    }
    if (std::chrono::steady_clock::now() > give_up) {
      std::fprintf(stderr, "sigex ctl: %ld request(s) still hold a replaced key after 60 s\n",
                   retiring);
      return 1;
    }
    if (!told) {
      std::printf("waiting for %ld request(s) sent with a replaced key to finish\n", retiring);
      std::fflush(stdout);
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace

int run_ctl(const AppConfig& config, const std::string& socket_override,
            const std::string& request) {
  const std::string path = socket_override.empty() ? control_socket_path(config) : socket_override;
  std::string answer, error;
  if (!control_request(path, request, 10 * kNsPerSecond, answer, error)) {
    std::fprintf(stderr, "sigex ctl: %s\n", error.c_str());
    return 3;
  }
  if (answer.starts_with("ok\n")) {
    std::fputs(answer.c_str() + 3, stdout);
    if (request == "reload") return wait_for_retired_keys(path);
    return 0;
  }
  std::fputs(answer.c_str(), stderr);
  return 1;
}

}  // namespace sigex
