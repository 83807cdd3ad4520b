#include "engine/logging/log.h"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace sigex {

void init_logging(const LogConfig& config) {
  spdlog::init_thread_pool(config.queue_size, 1);
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  auto logger = std::make_shared<spdlog::async_logger>(
      "sigex", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(config.level));
  spdlog::set_default_logger(logger);
}

void shutdown_logging() { spdlog::shutdown(); }

}  // namespace sigex
