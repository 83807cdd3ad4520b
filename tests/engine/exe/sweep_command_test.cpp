// `sigex sweep`: the same table whatever the number of jobs, ranked as asked, and clear errors
// for a bad grid.

#include "engine/exe/sweep_command.h"

#include <fstream>
#include <regex>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

SweepOptions options_for(const std::filesystem::path& grid, const std::filesystem::path& out,
                         int jobs) {
  SweepOptions options;
  options.config_path = std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml";
  options.grid_path = grid.string();
  options.out_dir = out.string();
  options.jobs = jobs;
  options.quiet = true;
  options.executable = SIGEX_BINARY;
  return options;
}

TEST(Sweep, TheTableIsIdenticalWithOneJobAndWithTwo) {
  TemporaryDirectory directory;
  const auto grid = directory.path() / "grid.toml";
  std::ofstream(grid) << R"(rank_by = "sharpe"
[[parameter]]
key = "strategy.signal_follow.entry_grade"
values = ["50", "70"]
[[parameter]]
key = "strategy.signal_follow.stop_loss_bps"
values = [0, 500]
)";
  ASSERT_EQ(run_sweep(options_for(grid, directory.path() / "one", 1)), 0);
  ASSERT_EQ(run_sweep(options_for(grid, directory.path() / "two", 2)), 0);
  for (const char* file : {"sweep.csv", "sweep.html"}) {
    const std::string one = read_file(directory.path() / "one" / file);
    EXPECT_FALSE(one.empty());
    EXPECT_EQ(one, read_file(directory.path() / "two" / file)) << file;
  }
  // Four runs, ranked by Sharpe, highest first; each run's outputs are kept.
  std::istringstream csv(read_file(directory.path() / "one" / "sweep.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(
      line.substr(0, 89),
      "rank,run,strategy.signal_follow.entry_grade,strategy.signal_follow.stop_loss_bps,total_re");
  const std::size_t sharpe_column = 9;  // rank, run, 2 parameters, 5 metrics before it
  double previous = 1e9;
  int rows = 0;
  while (std::getline(csv, line)) {
    std::vector<std::string> cells;
    std::stringstream fields(line);
    for (std::string cell; std::getline(fields, cell, ',');) cells.push_back(cell);
    ASSERT_GT(cells.size(), sharpe_column);
    const double sharpe = std::stod(cells[sharpe_column]);
    EXPECT_LE(sharpe, previous);
    previous = sharpe;
    EXPECT_EQ(cells.back(), "0");  // exit code
    ++rows;
  }
  EXPECT_EQ(rows, 4);
  EXPECT_TRUE(std::filesystem::exists(directory.path() / "one" / "runs" / "0004" / "summary.json"));
  // The page: every run links to its report (which exists), returns read as percentages, and
  // two parameters make a heatmap of the ranking metric (entry grade down, stop loss across).
  const std::string html = read_file(directory.path() / "one" / "sweep.html");
  for (int run = 1; run <= 4; ++run) {
    const std::string link = fmt::format("href=\"runs/{:04}/report.html\"", run);
    EXPECT_NE(html.find(link), std::string::npos) << link;
    EXPECT_TRUE(std::filesystem::exists(directory.path() / "one" / "runs" /
                                        fmt::format("{:04}", run) / "report.html"));
  }
  EXPECT_TRUE(std::regex_search(html, std::regex(R"(<td>[+-][0-9]+\.[0-9]{2} %</td>)")))
      << "no percentage";
  EXPECT_NE(html.find("<h2>sharpe over the grid</h2>"), std::string::npos);
  EXPECT_NE(html.find("<tr><th>strategy.signal_follow.entry_grade \\ "
                      "strategy.signal_follow.stop_loss_bps</th><th>0</th>"
                      "<th>500</th></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<tr><th>50</th><td style=\"background: hsl("), std::string::npos) << html;
}

TEST(Sweep, ABadGridOrAnInvalidCombinationStopsBeforeAnythingRuns) {
  TemporaryDirectory directory;
  const auto grid = directory.path() / "grid.toml";
  std::ofstream(grid)
      << "rank_by = \"luck\"\n[[parameter]]\nkey = \"risk.max_order_notional\"\nvalues = [\"5\"]\n";
  EXPECT_EQ(run_sweep(options_for(grid, directory.path() / "out", 1)), 2);
  std::ofstream(grid, std::ios::trunc)
      << "[[parameter]]\nkey = \"risk.max_order_notional\"\nvalues = [1.5]\n";
  EXPECT_EQ(run_sweep(options_for(grid, directory.path() / "out", 1)), 2);
  std::ofstream(grid, std::ios::trunc)
      << "[[parameter]]\nkey = \"risk.no_such_limit\"\nvalues = [1]\n";
  EXPECT_EQ(run_sweep(options_for(grid, directory.path() / "out", 1)), 2);
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "out" / "runs"));
}

}  // namespace
}  // namespace sigex
