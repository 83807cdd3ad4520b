#pragma once

// Logging goes through spdlog's asynchronous logger (see init_logging): the caller formats into
// a pre-allocated queue slot and a background thread writes. With the overrun policy a full
// queue drops the oldest message instead of blocking the core thread. The market data hot path
// does not log at all: it counts.

#include <string>

#include <spdlog/spdlog.h>

namespace sigex {

struct LogConfig {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  std::size_t queue_size = 8192;
};

// Installs the asynchronous stderr logger as spdlog's default. Call once from main().
void init_logging(const LogConfig& config);
// Flushes and stops the background thread. Call before exit.
void shutdown_logging();

template <typename... Args>
void log_debug(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::debug(format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_info(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::info(format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_warn(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::warn(format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_error(spdlog::format_string_t<Args...> format, Args&&... args) {
  spdlog::error(format, std::forward<Args>(args)...);
}

}  // namespace sigex
