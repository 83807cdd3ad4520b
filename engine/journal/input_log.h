#pragma once

// The input log of a `sigex run` session: everything its core thread consumed, in the order it
// consumed it, so that `sigex replay-check` can feed the same inputs through the backtester and
// compare the decisions. One file per run of the daemon, in <state_dir>/inputs/.
//
// A file is a header, then records: market data and signal records (with their receive times),
// clock ticks (the core's time moved without an input, e.g. to let a simulated fill land) and
// operator actions (halt, flatten, stop, reload). The run's configuration and its instrument
// list (token ids resolved) open the file, so a replay needs nothing else.
//
// The log is written by the core thread through a large buffer: it is flushed whenever the
// core is idle and after every event that sent an order, so a crashed process loses no input
// that led to a decision. It is a diagnostic record, not the source of truth (the journal is):
// a failed write stops the recording, is logged, and trading continues.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/events/events.h"

namespace sigex {

// What the operator (or systemd) did to the core, replayed at the same point.
enum class ControlKind : std::uint8_t {
  kSetTradingState = 1,  // scope, state ("ACTIVE", "REDUCING", "HALTED"), reason
  kFlatten = 2,          // reason
  kStop = 3,             // text = "cancel" or "leave"
  kReloadRisk = 4,       // text = the new configuration file's content
};

struct ControlAction {
  ControlKind kind = ControlKind::kStop;
  std::string scope;
  std::string state;
  std::string text;  // the reason, the stop policy or the configuration text
};

struct RunStart {
  TimeNs start_ns = 0;
  bool paper = true;
  std::int64_t journal_orders = 0;  // orders in the journal when the run started
  std::string config_path;
  std::string config_text;
  std::vector<Instrument> instruments;
};

struct ClockTick {
  TimeNs time_ns = 0;
};

struct RunEnd {
  TimeNs time_ns = 0;
};

using InputRecord = std::variant<RunStart, InboundEvent, ClockTick, ControlAction, RunEnd>;

class InputLogWriter {
 public:
  // Creates <directory>/run-<start ns>.sigexin and writes the run's header. nullptr with the
  // reason (naming the file) on failure.
  static std::unique_ptr<InputLogWriter> create(const std::filesystem::path& directory,
                                                const RunStart& start, std::string& error);
  ~InputLogWriter();
  InputLogWriter(const InputLogWriter&) = delete;
  InputLogWriter& operator=(const InputLogWriter&) = delete;

  void event(const InboundEvent& event) { write(kEventRecord, &event, sizeof(event)); }
  void tick(TimeNs time_ns) { write(kTickRecord, &time_ns, sizeof(time_ns)); }
  void control(const ControlAction& action);
  // The clean end of the run; the file is closed.
  void end(TimeNs time_ns);
  // Hands the buffered records to the kernel (a crash of the process then loses none).
  void flush();

  bool failed() const { return failed_; }
  const std::filesystem::path& path() const { return path_; }
  std::uint64_t records() const { return records_; }

  static constexpr std::uint8_t kEventRecord = 2;
  static constexpr std::uint8_t kTickRecord = 3;

 private:
  InputLogWriter(std::FILE* file, std::filesystem::path path);
  void write(std::uint8_t kind, const void* payload, std::size_t size);
  void fail(const char* what);

  std::FILE* file_;
  std::filesystem::path path_;
  std::vector<char> buffer_;
  std::uint64_t records_ = 0;
  bool failed_ = false;
};

// Reads one run's file. Every problem names the file and the byte offset.
class InputLogReader {
 public:
  static std::unique_ptr<InputLogReader> open(const std::filesystem::path& path, std::string& error);

  const RunStart& start() const { return start_; }
  // The next record after the header; false at the end of the file, or at a record cut short
  // (a crash while writing: truncated() is then true). Errors (a corrupt record) go to `error`.
  bool next(InputRecord& record, std::string& error);
  bool truncated() const { return truncated_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit InputLogReader(std::filesystem::path path) : path_(std::move(path)) {}
  bool read_exact(void* target, std::size_t size);

  std::filesystem::path path_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file_{nullptr, &std::fclose};
  RunStart start_;
  std::string payload_;
  std::uint64_t offset_ = 0;
  bool truncated_ = false;
};

// The session's run files, oldest first.
std::vector<std::filesystem::path> list_input_logs(const std::filesystem::path& directory);

}  // namespace sigex
