#include "engine/journal/input_retention.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include <fmt/format.h>

#include "engine/journal/input_log.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

TimeNs modified_ns(const std::filesystem::path& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return 0;
  return static_cast<TimeNs>(status.st_mtim.tv_sec) * kNsPerSecond + status.st_mtim.tv_nsec;
}

bool sync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::filesystem::path run_start_snapshot(const std::filesystem::path& directory,
                                         TimeNs run_start_ns) {
  return directory / fmt::format("run-{:019}.journal.db", run_start_ns);
}

bool compress_segment(const std::filesystem::path& path, std::string& error) {
  const std::filesystem::path target = path.string() + ".gz";
  const std::filesystem::path temporary = path.string() + ".gz.tmp";
  std::FILE* in = std::fopen(path.c_str(), "rb");
  if (in == nullptr) {
    error = fmt::format("cannot read {}", path.string());
    return false;
  }
  gzFile out = gzopen(temporary.c_str(), "wb6");
  if (out == nullptr) {
    std::fclose(in);
    error = fmt::format("cannot create {}", temporary.string());
    return false;
  }
  std::vector<char> buffer(1 << 20);
  bool ok = true;
  for (std::size_t got = 0; (got = std::fread(buffer.data(), 1, buffer.size(), in)) > 0;) {
    if (gzwrite(out, buffer.data(), static_cast<unsigned>(got)) != static_cast<int>(got)) {
      ok = false;
      break;
    }
  }
  ok = ok && !std::ferror(in);
  std::fclose(in);
  ok = gzclose(out) == Z_OK && ok;
  // Durable before the plain copy goes: a crash leaves the plain file, or both whole.
  if (!ok || !sync_file(temporary)) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    error = fmt::format("cannot compress {} into {}", path.string(), target.string());
    return false;
  }
  std::error_code code;
  std::filesystem::rename(temporary, target, code);
  if (!code) sync_file(path.parent_path());
  if (!code) std::filesystem::remove(path, code);
  if (code) {
    error =
        fmt::format("cannot replace {} by {}: {}", path.string(), target.string(), code.message());
    return false;
  }
  return true;
}

RetentionOutcome apply_retention(const std::filesystem::path& directory,
                                 TimeNs current_run_start_ns, const InputRetention& policy,
                                 TimeNs now_ns) {
  struct Run {
    std::vector<std::filesystem::path> files;
    std::uint64_t bytes = 0;
    TimeNs ended_ns = 0;
  };
  std::map<TimeNs, Run> runs;  // oldest first
  std::error_code code;
  for (const auto& entry : std::filesystem::directory_iterator(directory, code)) {
    const std::string name = entry.path().filename().string();
    TimeNs start_ns = 0;
    if (const auto log = parse_input_log_name(name)) {
      start_ns = log->run_start_ns;
    } else if (name.starts_with("run-") && name.ends_with(".journal.db") &&
               name.size() == 4 + 19 + 11) {
      start_ns = std::stoll(name.substr(4, 19));
    } else {
      continue;
    }
    Run& run = runs[start_ns];
    run.files.push_back(entry.path());
    std::error_code size_error;
    run.bytes += std::filesystem::file_size(entry.path(), size_error);
    run.ended_ns = std::max(run.ended_ns, modified_ns(entry.path()));
  }
  RetentionOutcome outcome;
  std::uint64_t total = 0;
  for (const auto& [start, run] : runs) total += run.bytes;
  for (auto& [start, run] : runs) {
    if (start == current_run_start_ns) continue;  // replay-check of the current run needs it all
    const bool too_old = policy.max_age_ns > 0 && now_ns - run.ended_ns > policy.max_age_ns;
    const bool too_big = policy.max_bytes > 0 && total > policy.max_bytes;
    if (!too_old && !too_big) continue;
    for (const auto& file : run.files) {
      std::error_code ignored;
      if (std::filesystem::remove(file, ignored)) outcome.removed.push_back(file);
    }
    total -= run.bytes;
  }
  outcome.bytes_kept = total;
  if (const auto current = runs.find(current_run_start_ns); current != runs.end()) {
    outcome.current_run_bytes = current->second.bytes;
  }
  outcome.current_run_over_limit =
      policy.max_bytes > 0 && outcome.current_run_bytes > policy.max_bytes;
  return outcome;
}

InputHousekeeper::InputHousekeeper(std::filesystem::path directory, TimeNs current_run_start_ns,
                                   InputRetention policy, const Clock& clock)
    : directory_(std::move(directory)),
      current_run_start_ns_(current_run_start_ns),
      policy_(policy),
      clock_(clock) {}

InputHousekeeper::~InputHousekeeper() { stop(); }

void InputHousekeeper::start() {
  // Plain segments of earlier runs (a crash, or a build before compression) are closed too.
  for (const auto& path : list_input_logs(directory_)) {
    const auto name = parse_input_log_name(path.filename().string());
    if (name && !name->compressed && name->run_start_ns != current_run_start_ns_)
      closed_.push_back(path);
  }
  sweep_due_ = true;
  thread_ = std::thread([this] { run(); });
}

void InputHousekeeper::segment_closed(const std::filesystem::path& path) {
  {
    std::lock_guard lock(mutex_);
    closed_.push_back(path);
    sweep_due_ = true;
  }
  wake_.notify_one();
}

void InputHousekeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void InputHousekeeper::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !closed_.empty() || sweep_due_; });
    while (!closed_.empty()) {
      const std::filesystem::path path = closed_.front();
      closed_.pop_front();
      lock.unlock();
      std::string error;
      if (!compress_segment(path, error)) log_warn("input log: {} (kept uncompressed)", error);
      lock.lock();
    }
    if (sweep_due_) {
      sweep_due_ = false;
      lock.unlock();
      sweep();
      lock.lock();
    }
    if (stopping_ && closed_.empty()) return;
  }
}

void InputHousekeeper::sweep() {
  const RetentionOutcome outcome =
      apply_retention(directory_, current_run_start_ns_, policy_, clock_.now_ns());
  for (const auto& path : outcome.removed)
    log_info("input log retention: removed {}", path.string());
  if (outcome.current_run_over_limit && !warned_over_limit_) {
    warned_over_limit_ = true;
    log_warn(
        "input log: this run's recorded inputs ({} MB) exceed [service] inputs_max_bytes ({} MB); "
        "they are "
        "kept, because sigex replay-check of this run needs every one of them. A restart starts a "
        "new run "
        "(after which this one can be removed), or raise the limit",
        outcome.current_run_bytes >> 20, policy_.max_bytes >> 20);
  }
}

}  // namespace sigex
