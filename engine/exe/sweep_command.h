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
//   [sweep.slurm]                 # resources of each task with --executor slurm
//   partition = "batch"
//   cpus_per_task = 1
//   memory = "2G"
//   time_limit = "01:00:00"
//   account = "research"
//
// With --executor slurm the sweep becomes a Slurm job array (`sbatch --array`), one task per
// combination, written to <out>/slurm/sweep.sh; each task writes runs/<NNNN>/ and its exit
// code. `sigex sweep collect <out>` then ranks the runs exactly as a local sweep does, and a
// second submission to the same <out> runs only the combinations without a result.

#include <optional>
#include <string>

namespace sigex {

enum class SweepExecutor { kLocal, kSlurm };

// What each Slurm task asks for; an empty field leaves it to the cluster's defaults.
struct SlurmResources {
  std::string partition;
  int cpus_per_task = 0;
  std::string memory;      // e.g. "2G"
  std::string time_limit;  // minutes, "HH:MM:SS" or "D-HH:MM:SS"
  std::string account;
};

struct SweepOptions {
  std::string config_path;
  std::string grid_path;
  std::optional<std::string> out_dir;
  int jobs = 1;
  bool quiet = false;
  std::string executable = "/proc/self/exe";  // the sigex binary that runs each backtest
  SweepExecutor executor = SweepExecutor::kLocal;
  SlurmResources slurm;  // overrides the grid's [sweep.slurm], field by field
  bool wait = false;     // slurm: wait for the array to end, then collect
  std::string sbatch = "sbatch";
};

// Exit codes: 0 every run finished (slurm without --wait: the array was submitted), 1 a run
// failed (the table lists it) or the submission failed, 2 bad grid or config.
int run_sweep(const SweepOptions& options);

// Ranks the runs of a sweep submitted to Slurm in `out_dir`, as a local sweep would. Exit
// codes: 0 every run finished, 1 a run failed or has no result yet (named), 2 not a sweep.
int collect_sweep(const std::string& out_dir, bool quiet);

}  // namespace sigex
