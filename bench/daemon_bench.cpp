// The daemon as a process: how long `sigex run` (paper mode) takes from exec to READY=1, and
// what it costs while it runs: resident memory and CPU, idle (feed connected, no messages)
// and busy (about 1000 market data messages per second). Against the loopback feed
// simulator, with a fake NOTIFY_SOCKET, like the daemon tests.
//
//   build-release/bench/daemon_bench --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true
//
// Counters: ready_ms (exec to READY=1), ready_excl_network_ms (minus the wait for the feed's
// connection, which the daemon logs and reports as sigex_start_feed_wait_seconds), rss_mb (VmRSS
// after running 3 s), cpu_percent (user+system time over 3 s of wall time, one core = 100).

#include <benchmark/benchmark.h>

#include <chrono>
#include <fstream>

#include <fmt/format.h>

#include "support/daemon_config.h"
#include "support/daemon_support.h"
#include "tools/feed_simulator/feed_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;
using namespace std::chrono_literals;

const std::string kData = std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/";

struct ProcessTimes {
  double cpu_seconds = 0;
  double rss_mb = 0;
};

ProcessTimes sample(pid_t pid) {
  ProcessTimes times;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) {
      stime = std::stoull(field);
      break;
    }
  }
  times.cpu_seconds =
      static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) times.rss_mb = std::stod(line.substr(6)) / 1024.0;
  }
  return times;
}

// state.range(0): 0 = idle (the feed stalls once ready), 1 = busy (1 message per ms).
void BM_DaemonStartAndRun(benchmark::State& state) {
  const bool busy = state.range(0) == 1;
  const auto directory =
      std::filesystem::temp_directory_path() / fmt::format("sigex-daemon-bench-{}", ::getpid());
  double ready_ms = 0, excl_ms = 0, rss = 0, cpu = 0;
  int runs = 0;
  for (auto _ : state) {
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    FeedSimulatorOptions options;
    options.inputs = {{kData + "ethusdt_20240808.gz", "ETHUSDT"}};
    options.frame_interval_us = 1000;
    FeedSimulator feed(options);
    std::string error;
    if (!feed.start(error)) {
      state.SkipWithError(error.c_str());
      return;
    }
    const std::string socket = fmt::format("/tmp/sigex-bench-ctl-{}.sock", ::getpid());
    DaemonConfig config;
    config.state_dir = (directory / "state").string();
    config.control_socket = socket;
    config.feed_port = feed.port();
    config.metrics_listen = "";
    config.strategy_tag = "bench";
    std::ofstream(directory / "sigex.toml") << daemon_config_text(config);
    NotifyListener notify(directory / "notify.sock");
    const auto started = std::chrono::steady_clock::now();
    DaemonProcess daemon(SIGEX_BINARY, {"run", "--config", (directory / "sigex.toml").string()},
                         {"NOTIFY_SOCKET=" + notify.path().string()}, directory);
    if (!notify.wait_for("READY=1", 60s)) {
      state.SkipWithError("no READY=1");
      return;
    }
    const double ready =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
    if (!busy) feed.stall(true);
    const ProcessTimes before = sample(daemon.pid());
    const auto window_start = std::chrono::steady_clock::now();
    notify.next(3s);  // let it run 3 s (STATUS= updates are drained on the way)
    while (std::chrono::steady_clock::now() - window_start < 3s) notify.next(100ms);
    const ProcessTimes after = sample(daemon.pid());
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - window_start).count();
    daemon.signal(SIGTERM);
    daemon.wait_exit(30s);
    // The daemon logs how long it waited for the feed; read it from its log line.
    const std::string log = daemon.stderr_text();
    const auto at = log.find(" s of it waiting for the market data feed");
    double feed_wait_ms = 0;
    if (at != std::string::npos) {
      const auto start = log.rfind(", ", at) + 2;
      feed_wait_ms = std::stod(log.substr(start, at - start)) * 1000.0;
    }
    ready_ms += ready;
    excl_ms += ready - feed_wait_ms;
    rss += after.rss_mb;
    cpu += (after.cpu_seconds - before.cpu_seconds) / wall * 100.0;
    ++runs;
    feed.stop();
  }
  std::filesystem::remove_all(directory);
  state.counters["ready_ms"] = ready_ms / runs;
  state.counters["ready_excl_network_ms"] = excl_ms / runs;
  state.counters["rss_mb"] = rss / runs;
  state.counters["cpu_percent"] = cpu / runs;
}
BENCHMARK(BM_DaemonStartAndRun)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sigex
