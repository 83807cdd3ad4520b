#pragma once

// `sigex sweep`: one backtest per combination of parameter values, run as separate `sigex
// backtest` processes (at most `jobs` at a time), then one table ranking every run by a chosen
// metric, as CSV and HTML. Each backtest is deterministic and the table holds no wall-clock
// figure, so the table is byte-identical whatever the number of jobs.
//
// The grid file:
//   rank_by = "sharpe"            # a numeric field of summary.json
//   order = "desc"                # or "asc" (e.g. for max_drawdown)
//   out_dir = "sweep-out"         # relative to the grid file; --out overrides
//   [[parameter]]
//   key = "strategy.signal_follow.entry_grade"
//   values = ["50", "60", "70"]   # TOML values, passed as --set key=value
//   [[parameter]]
//   key = "strategy.signal_follow.stop_loss_bps"
//   values = [500, 1000]

#include <optional>
#include <string>

namespace sigex {

struct SweepOptions {
  std::string config_path;
  std::string grid_path;
  std::optional<std::string> out_dir;
  int jobs = 1;
  bool quiet = false;
  std::string executable = "/proc/self/exe";  // the sigex binary that runs each backtest
};

// Exit codes: 0 every run finished, 1 a run failed (the table lists it), 2 bad grid or config.
int run_sweep(const SweepOptions& options);

}  // namespace sigex
