#include "adapters/service/thread_placement.h"

#include <pthread.h>

#include <charconv>
#include <filesystem>

#include <fmt/format.h>

namespace sigex {
namespace {

void set_current_thread(const cpu_set_t& set) {
  // Cannot fail for a set within the allowed one (checked by prepare()), short of a cgroup
  // change after start-up; then the thread keeps the CPUs it had, which is still correct.
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

}  // namespace

cpu_set_t current_thread_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  pthread_getaffinity_np(pthread_self(), sizeof set, &set);
  return set;
}

std::string cpu_list_text(const cpu_set_t& set) {
  std::string text;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &set)) continue;
    int last = cpu;
    while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set)) ++last;
    if (!text.empty()) text += ',';
    text += last == cpu ? fmt::format("{}", cpu) : fmt::format("{}-{}", cpu, last);
    cpu = last;
  }
  return text.empty() ? "none" : text;
}

bool ThreadPlacement::prepare(const ThreadPlacementConfig& config, std::string& error) {
  config_ = config;
  if (sched_getaffinity(0, sizeof allowed_, &allowed_) != 0) {
    error = "[service] core_cpu, io_cpu: cannot read the CPUs this process may use";
    return false;
  }
  const auto refuse = [&](std::string_view key, int cpu) {
    error = fmt::format(
        "[service] {} = {}: this process may run on CPUs {} only (the machine's, narrowed by "
        "CPUAffinity= or taskset)",
        key, cpu, cpu_list_text(allowed_));
    return false;
  };
  if (config.core_cpu >= CPU_SETSIZE ||
      (config.core_cpu >= 0 && !CPU_ISSET(config.core_cpu, &allowed_))) {
    return refuse("core_cpu", config.core_cpu);
  }
  if (config.io_cpu >= CPU_SETSIZE ||
      (config.io_cpu >= 0 && !CPU_ISSET(config.io_cpu, &allowed_))) {
    return refuse("io_cpu", config.io_cpu);
  }
  io_ = allowed_;
  if (config.io_cpu >= 0) {
    CPU_ZERO(&io_);
    CPU_SET(config.io_cpu, &io_);
  } else if (config.core_cpu >= 0) {
    CPU_CLR(config.core_cpu, &io_);
    if (CPU_COUNT(&io_) == 0) {
      error = fmt::format(
          "[service] core_cpu = {}: it is the only CPU this process may use, so the I/O threads "
          "would share it; leave core_cpu out on this machine",
          config.core_cpu);
      return false;
    }
  }
  return true;
}

void ThreadPlacement::enter_io() const {
  if (pins_io()) set_current_thread(io_);
}

void ThreadPlacement::move_process_to_io() const {
  if (!pins_io()) return;
  std::error_code ignored;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored)) {
    const std::string name = task.path().filename().string();
    pid_t thread = 0;
    if (std::from_chars(name.data(), name.data() + name.size(), thread).ec != std::errc{}) continue;
    sched_setaffinity(thread, sizeof io_, &io_);  // a thread that just ended: nothing to do
  }
}

void ThreadPlacement::enter_core() const {
  if (!pins_core()) return;
  cpu_set_t core;
  CPU_ZERO(&core);
  CPU_SET(config_.core_cpu, &core);
  set_current_thread(core);
}

ThreadPlacement::IoScope::IoScope(const ThreadPlacement& placement)
    : moved_(placement.pins_core()) {
  if (!moved_) return;
  previous_ = current_thread_cpus();
  placement.enter_io();
}

ThreadPlacement::IoScope::~IoScope() {
  if (moved_) set_current_thread(previous_);
}

std::string ThreadPlacement::describe() const {
  std::string text = "threads where the kernel puts them (no core_cpu, io_cpu)";
  if (pins_io()) {
    text = pins_core() ? fmt::format("core thread on CPU {}", config_.core_cpu)
                       : std::string("core thread where the kernel puts it");
    text += fmt::format(", I/O threads on CPU{} {}", CPU_COUNT(&io_) == 1 ? "" : "s",
                        cpu_list_text(io_));
  }
  if (config_.busy_poll) text += ", busy-polling";
  if (config_.io_poll_ns > 0) {
    text += fmt::format(
        ", the journal writer and venue I/O threads polling {} us after each "
        "hand-over",
        config_.io_poll_ns / 1000);
  }
  return text;
}

}  // namespace sigex
