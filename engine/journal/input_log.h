#pragma once

// The input log of a `sigex run` session: everything its core thread consumed, in the order it
// consumed it, so that `sigex replay-check` can feed the same inputs through the backtester and
// compare the decisions. In <state_dir>/inputs/: a run of the daemon is one or more segment
// files, run-<start ns>.sigexin then run-<start ns>.<n>.sigexin (a new one every
// `segment_bytes`), each closed segment compressed to .sigexin.gz by the housekeeping (see
// input_retention.h); the reader reads both.
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
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <zlib.h>

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

// Opens every segment after the first: the run goes on (same core, same state).
struct SegmentStart {
  TimeNs run_start_ns = 0;
  std::uint32_t segment = 0;
};

using InputRecord =
    std::variant<RunStart, InboundEvent, ClockTick, ControlAction, RunEnd, SegmentStart>;

// What a file name in the inputs directory says; nullopt for other files.
struct InputLogName {
  TimeNs run_start_ns = 0;
  std::uint32_t segment = 0;
  bool compressed = false;
};
std::optional<InputLogName> parse_input_log_name(const std::string& file_name);
std::string input_log_file_name(TimeNs run_start_ns, std::uint32_t segment);

class InputLogWriter {
 public:
  // Creates <directory>/run-<start ns>.sigexin and writes the run's header. nullptr with the
  // reason (naming the file) on failure. Once a segment holds `segment_bytes` (0: never), the
  // next record starts a new one; `on_closed` is told each closed segment's path (on the
  // writing thread: hand it on, do not work there).
  static std::unique_ptr<InputLogWriter> create(
      const std::filesystem::path& directory, const RunStart& start, std::string& error,
      std::uint64_t segment_bytes = 0,
      std::function<void(const std::filesystem::path&)> on_closed = {});
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
  const std::filesystem::path& path() const { return path_; }  // the segment being written
  std::uint64_t records() const { return records_; }
  std::uint32_t segment() const { return segment_; }

  static constexpr std::uint8_t kEventRecord = 2;
  static constexpr std::uint8_t kTickRecord = 3;

 private:
  InputLogWriter(std::FILE* file, std::filesystem::path path);
  void write(std::uint8_t kind, const void* payload, std::size_t size);
  void fail(const char* what);
  // Closes this segment and opens the next one.
  void rotate();
  static std::FILE* open_segment(const std::filesystem::path& path, std::string& error);

  std::FILE* file_;
  std::filesystem::path path_;
  std::filesystem::path directory_;
  std::vector<char> buffer_;
  std::uint64_t records_ = 0;
  std::uint64_t segment_written_ = 0;
  std::uint64_t segment_bytes_ = 0;
  std::uint32_t segment_ = 0;
  TimeNs run_start_ns_ = 0;
  std::function<void(const std::filesystem::path&)> on_closed_;
  bool failed_ = false;
};

// Reads one segment file (plain or gzip). Every problem names the file and the byte offset.
class InputLogReader {
 public:
  static std::unique_ptr<InputLogReader> open(const std::filesystem::path& path,
                                              std::string& error);

  // The run's header: whole in the first segment; a later segment only knows start_ns.
  const RunStart& start() const { return start_; }
  std::uint32_t segment() const { return segment_; }
  // The next record after the header; false at the end of the file, or at a record cut short
  // (a crash while writing: truncated() is then true). Errors (a corrupt record) go to `error`.
  bool next(InputRecord& record, std::string& error);
  bool truncated() const { return truncated_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  explicit InputLogReader(std::filesystem::path path) : path_(std::move(path)) {}
  bool read_exact(void* target, std::size_t size);

  std::filesystem::path path_;
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file_{nullptr, &gzclose};
  RunStart start_;
  std::uint32_t segment_ = 0;
  std::string payload_;
  std::uint64_t offset_ = 0;
  bool truncated_ = false;
};

// The session's segment files, oldest first (by run, then segment).
std::vector<std::filesystem::path> list_input_logs(const std::filesystem::path& directory);

}  // namespace sigex
