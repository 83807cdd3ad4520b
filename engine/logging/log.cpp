#include "engine/logging/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>

namespace sigex {
namespace {

// systemd connects stderr to the journal and says so in $JOURNAL_STREAM ("device:inode").
bool stderr_is_the_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr) return false;
  struct stat status {};
  if (fstat(STDERR_FILENO, &status) != 0) return false;
  unsigned long long device = 0, inode = 0;
  if (std::sscanf(stream, "%llu:%llu", &device, &inode) != 2) return false;
  return device == static_cast<unsigned long long>(status.st_dev) &&
         inode == static_cast<unsigned long long>(status.st_ino);
}

}  // namespace

void init_logging(const LogConfig& config) {
  spdlog::init_thread_pool(config.queue_size, 1);
  // Under systemd each line goes to the journal with its priority (journalctl -p warning
  // works); elsewhere to stderr with a UTC timestamp.
  const bool journal = stderr_is_the_journal();
  spdlog::sink_ptr sink;
  if (journal) {
    sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("sigex");
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  }
  auto logger = std::make_shared<spdlog::async_logger>(
      "sigex", sink, spdlog::thread_pool(), spdlog::async_overflow_policy::overrun_oldest);
  if (!journal)
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(config.level));
  spdlog::set_default_logger(logger);
}

void shutdown_logging() { spdlog::shutdown(); }

}  // namespace sigex
