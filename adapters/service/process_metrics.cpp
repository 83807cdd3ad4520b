#include "adapters/service/process_metrics.h"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace sigex {
namespace {

// /proc/self/stat's fields after the command name (which may hold spaces and parentheses).
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> fields;
  const auto close = text.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(text.substr(close + 1));
  for (std::string field; rest >> field;) fields.push_back(field);
  return fields;  // fields[0] is the state (field 3 of proc(5))
}

double boot_time_seconds() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("btime ")) return std::stod(line.substr(6));
  }
  return 0;
}

}  // namespace

std::string render_process_metrics(const BuildInfo& build) {
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  const std::vector<std::string> stat = stat_fields();
  std::string out;
  // proc(5): utime 14, stime 15, starttime 22, vsize 23, rss 24 (1-based; fields[0] is 3).
  if (stat.size() > 21 && ticks > 0) {
    const double cpu = (std::stod(stat[11]) + std::stod(stat[12])) / ticks;
    out += fmt::format(
        "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
        "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total {:.2f}\n",
        cpu);
    out += fmt::format(
        "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
        "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes {}\n",
        stat[20]);
    out += fmt::format(
        "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
        "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes {:.0f}\n",
        std::stod(stat[21]) * page);
    out += fmt::format(
        "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
        "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds {:.2f}\n",
        boot_time_seconds() + std::stod(stat[19]) / ticks);
  }
  std::error_code error;
  std::size_t fds = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
       it.increment(error))
    ++fds;
  out += fmt::format(
      "# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\nprocess_open_fds {}\n",
      fds);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out += fmt::format(
        "# HELP process_max_fds Maximum number of open file descriptors.\n"
        "# TYPE process_max_fds gauge\nprocess_max_fds {}\n",
        limit.rlim_cur);
  }
  out += fmt::format(
      "# HELP sigex_build_info The running build: always 1.\n# TYPE sigex_build_info gauge\n"
      "sigex_build_info{{version=\"{}\",build_type=\"{}\",failpoints=\"{}\"}} 1\n",
      build.version, build.build_type, build.failpoints ? "true" : "false");
  return out;
}

}  // namespace sigex
