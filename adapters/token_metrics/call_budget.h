#pragma once

// The monthly Token Metrics call budget. Every request costs one call, so a call is counted
// (durably, in the state directory's api_calls.db) *before* it is sent: a crash can only
// over-count. Months are UTC calendar months. A warning is logged once a month when
// `warn_percent` of the budget is used; at 100 % try_spend() refuses and no request is sent
// until the next month. Shared by the poller and `sigex fetch-history` through the file.
// One thread per instance.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/core/time.h"

struct sqlite3;

namespace sigex {

class CallBudget {
 public:
  static std::unique_ptr<CallBudget> open(const std::filesystem::path& state_dir,
                                          std::string provider, std::int64_t monthly_limit,
                                          int warn_percent, std::string& error);
  ~CallBudget();
  CallBudget(const CallBudget&) = delete;
  CallBudget& operator=(const CallBudget&) = delete;

  // Counts one call at `now_ns`; false (nothing counted) when the month's budget is spent or
  // the counter cannot be written.
  bool try_spend(TimeNs now_ns);
  std::int64_t used(TimeNs now_ns);
  std::int64_t limit() const { return limit_; }
  std::int64_t remaining(TimeNs now_ns) { return limit_ - used(now_ns); }
  const std::string& last_error() const { return last_error_; }

 private:
  CallBudget(sqlite3* database, std::string provider, std::int64_t limit, int warn_percent);

  sqlite3* database_;
  std::string provider_;
  std::int64_t limit_;
  int warn_percent_;
  std::string warned_month_;
  std::string last_error_;
};

// "2026-11" for a time in November 2026 (UTC).
std::string utc_month(TimeNs time_ns);

}  // namespace sigex
