#pragma once

// Keeps <state_dir>/inputs/ within bounds without losing what `sigex replay-check` needs.
//
//  * A closed segment is compressed (gzip, written beside it, fsynced, renamed, then the plain
//    file removed: a crash leaves one whole copy). The segment being written is never touched.
//  * Whole runs are removed, oldest first, while the directory holds more than `max_bytes` or
//    a run ended more than `max_age` ago, with the journal snapshot taken at their start.
//    The current run is never removed (replay-check of it needs every segment from its
//    start); when it alone is over the limit, the caller is told so.
//  * Each run starts with a copy of the journal as it was (run-<start>.journal.db), so the
//    oldest run left can still be replayed after older ones are gone.
//
// The housekeeper does this on a thread of its own, at start and whenever a segment closes,
// so the core thread never waits for compression or deletion.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/clock.h"

namespace sigex {

struct InputRetention {
  DurationNs max_age_ns = 30 * kNsPerDay;      // 0: no age limit
  std::uint64_t max_bytes = 10ULL << 30;       // 0: no size limit
  std::uint64_t segment_bytes = 256ULL << 20;  // a new segment file after this many bytes
};

// The journal snapshot of the run that started at `run_start_ns`.
std::filesystem::path run_start_snapshot(const std::filesystem::path& directory,
                                         TimeNs run_start_ns);

// Compresses one closed plain segment to <path>.gz; false with the reason.
bool compress_segment(const std::filesystem::path& path, std::string& error);

struct RetentionOutcome {
  std::vector<std::filesystem::path> removed;
  std::uint64_t bytes_kept = 0;
  std::uint64_t current_run_bytes = 0;
  bool current_run_over_limit = false;
};

// Removes whole runs other than `current_run_start_ns` as the policy says (see above).
RetentionOutcome apply_retention(const std::filesystem::path& directory,
                                 TimeNs current_run_start_ns, const InputRetention& policy,
                                 TimeNs now_ns);

class InputHousekeeper {
 public:
  InputHousekeeper(std::filesystem::path directory, TimeNs current_run_start_ns,
                   InputRetention policy, const Clock& clock);
  ~InputHousekeeper();
  InputHousekeeper(const InputHousekeeper&) = delete;
  InputHousekeeper& operator=(const InputHousekeeper&) = delete;

  // Compresses closed segments left by earlier runs and applies the retention once.
  void start();
  // A segment was closed (any thread): compress it, then apply the retention.
  void segment_closed(const std::filesystem::path& path);
  // Finishes what was asked, then stops.
  void stop();

 private:
  void run();
  void sweep();

  std::filesystem::path directory_;
  TimeNs current_run_start_ns_;
  InputRetention policy_;
  const Clock& clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::filesystem::path> closed_;
  bool sweep_due_ = false;
  bool stopping_ = false;
  bool warned_over_limit_ = false;
  std::thread thread_;
};

}  // namespace sigex
