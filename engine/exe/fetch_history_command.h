#pragma once

// `sigex fetch-history --config FILE --from DATE --to DATE --out FILE`: downloads Token
// Metrics signal and grade history into the recorded-file format `sigex backtest` reads. Each
// row becomes one line, "<t> <single-row envelope>", where t is when the configured poller
// would have received it (the first poll boundary at or after the row's date), so a backtest
// sees history exactly as a live session would have.
//
// Resumable: every completed (endpoint, date window) is kept in <out>.parts/ and skipped when
// the command is run again; the output is written only once every window is there, then the
// parts are removed. Budget-aware: each call counts in the state directory's call budget; when
// it runs out the command stops (exit 3) and says how much is left to fetch.

#include <functional>
#include <optional>
#include <string>

#include "engine/core/clock.h"
#include "engine/exe/app_config.h"
#include "engine/logging/progress.h"

namespace sigex {

struct FetchHistoryOptions {
  TimeNs from_day_ns = 0;
  TimeNs to_day_ns = 0;
  std::string out_path;
  const Clock* clock = nullptr;  // null: the live clock
  bool quiet = false;
  ProgressMode progress = ProgressMode::kAuto;  // a line per window done (see progress.h)
  std::FILE* progress_out = stderr;
  std::optional<TmAccess> access;  // --access: overrides [token_metrics] access
};

// Exit codes: 0 done, 1 failure, 2 bad arguments, 3 budget exhausted (resume later).
int run_fetch_history(const AppConfig& config, const FetchHistoryOptions& options);

}  // namespace sigex
