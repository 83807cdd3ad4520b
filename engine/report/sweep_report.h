#pragma once

// A sweep's tables: every run of the grid ranked by one summary.json metric, as sweep.csv and
// sweep.html (with exactly two parameters, also the metric over the grid as a heatmap). The
// tables hold no wall-clock figure, so they are byte-identical however the runs were scheduled.

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sigex {

// The summary.json fields the tables show, in column order.
inline constexpr const char* kSweepMetrics[] = {"total_return", "annualised_return",
                                                "max_drawdown", "max_drawdown_duration_days",
                                                "volatility",   "sharpe",
                                                "sortino",      "calmar",
                                                "win_rate",     "profit_factor",
                                                "average_win",  "average_loss",
                                                "turnover",     "trades",
                                                "orders",       "fees",
                                                "final_equity"};

struct SweepParameter {
  std::string key;
  std::vector<std::string> values;  // as TOML text, for --set
};

struct SweepRun {
  std::size_t index = 0;
  std::vector<std::string> values;  // one per parameter
  int exit_code = -1;
  std::map<std::string, double> metrics;  // one per kSweepMetrics; NaN when absent or null
  double buy_and_hold = std::nan("");
};

struct SweepTable {
  std::string config_path;
  std::string rank_by = "sharpe";
  bool descending = true;
  std::vector<SweepParameter> parameters;
  std::vector<SweepRun> runs;  // in run order
};

// The runs best first by `rank_by`; runs without a value last, ties in run order.
std::vector<SweepRun> rank_runs(const SweepTable& table);

std::string render_sweep_csv(const SweepTable& table, const std::vector<SweepRun>& ranked);
std::string render_sweep_html(const SweepTable& table, const std::vector<SweepRun>& ranked);

// sweep.csv and sweep.html into `out`; false with the failing path in `error`.
bool write_sweep_tables(const SweepTable& table, const std::vector<SweepRun>& ranked,
                        const std::filesystem::path& out, std::string& error);

// A metric as the tables print it: six decimals in the CSV, empty when not a number.
std::string sweep_cell(double value);

// A parameter value as people write it: a TOML string without its quotes.
std::string display_value(const std::string& toml);

}  // namespace sigex
