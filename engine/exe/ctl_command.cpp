#include "engine/exe/ctl_command.h"

#include <cstdio>
#include <filesystem>

#include "adapters/service/control_socket.h"

namespace sigex {

std::string control_socket_path(const AppConfig& config) {
  if (!config.service.control_socket.empty()) return config.service.control_socket;
  return (std::filesystem::path(config.engine.state_dir) / "control.sock").string();
}

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
    return 0;
  }
  std::fputs(answer.c_str(), stderr);
  return 1;
}

}  // namespace sigex
