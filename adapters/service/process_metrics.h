#pragma once

// The standard process_* metrics every Prometheus client library exports (names and meaning
// as in the Prometheus client guidelines), read from /proc at scrape time, and the build-info
// metric. Linux only, as sigex is. Called on the metrics listener's thread.

#include <string>

namespace sigex {

struct BuildInfo {
  std::string version;
  std::string build_type;
  bool failpoints = false;
};

// process_cpu_seconds_total, process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds, then sigex_build_info.
std::string render_process_metrics(const BuildInfo& build);

}  // namespace sigex
