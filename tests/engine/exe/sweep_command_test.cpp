// `sigex sweep`: the same table whatever the number of jobs or executor, ranked as asked, clear
// errors for a bad grid, and a Slurm sweep resubmitted runs only what has no result. The
// Slurm tests here submit through tests/support/fake_sbatch.sh (the tasks run on this machine);
// tools/slurm-sweep-check.sh runs the same sweep on a real single-node Slurm.

#include "engine/exe/sweep_command.h"

#include <cstdlib>
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

constexpr const char* kTwoByTwoGrid = R"(rank_by = "sharpe"
[[parameter]]
key = "strategy.signal_follow.entry_grade"
values = ["50", "70"]
[[parameter]]
key = "strategy.signal_follow.stop_loss_bps"
values = [0, 500]
)";

TEST(Sweep, TheTableIsIdenticalWithOneJobAndWithTwo) {
  TemporaryDirectory directory;
  const auto grid = directory.path() / "grid.toml";
  std::ofstream(grid) << kTwoByTwoGrid;
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

constexpr const char* kSlurmResources = R"([sweep.slurm]
partition = "batch"
cpus_per_task = 1
memory = "1G"
time_limit = "00:30:00"
)";

SweepOptions slurm_options_for(const std::filesystem::path& grid,
                               const std::filesystem::path& out) {
  SweepOptions options = options_for(grid, out, 1);
  options.executor = SweepExecutor::kSlurm;
  options.sbatch = std::string(SIGEX_SOURCE_DIR) + "/tests/support/fake_sbatch.sh";
  options.slurm.partition = "research";  // the option wins over the grid's
  return options;
}

TEST(SlurmSweep, TheCollectedTableEqualsTheLocalOneAndAResubmissionRunsOnlyTheMissingRuns) {
  TemporaryDirectory directory;
  const auto grid = directory.path() / "grid.toml";
  std::ofstream(grid) << kTwoByTwoGrid << kSlurmResources;
  ASSERT_EQ(run_sweep(options_for(grid, directory.path() / "local", 2)), 0);

  const auto log = directory.path() / "sbatch.log";
  ::setenv("FAKE_SBATCH_LOG", log.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  // The node running task 3 dies.
  ::setenv("FAKE_SBATCH_LOSE", "3", 1);  // NOLINT(concurrency-mt-unsafe)
  const auto out = directory.path() / "slurm";
  ASSERT_EQ(run_sweep(slurm_options_for(grid, out)), 0);  // submitted
  EXPECT_EQ(read_file(log),
            "--parsable --array=1-4 " + (out / "slurm" / "sweep.sh").string() + "\n");
  const std::string script = read_file(out / "slurm" / "sweep.sh");
  const std::string task_4 =
      std::string(R"(  4) set -- '--set' 'strategy.signal_follow.entry_grade='\''70'\''' )") +
      R"('--set' 'strategy.signal_follow.stop_loss_bps=500' ;;)" + "\n";
  for (const std::string& line :
       {std::string("#SBATCH --partition=research\n"), std::string("#SBATCH --cpus-per-task=1\n"),
        std::string("#SBATCH --mem=1G\n"), std::string("#SBATCH --time=00:30:00\n"), task_4})
    EXPECT_NE(script.find(line), std::string::npos) << line << script;
  EXPECT_EQ(read_file(out / "slurm" / "jobs"), "job 4242 array 1-4\n");
  // Run 3 has no result: collect names it and fails; the other three are there.
  EXPECT_EQ(collect_sweep(out.string(), true), 1);
  EXPECT_FALSE(std::filesystem::exists(out / "runs" / "0003" / "exit_code"));
  EXPECT_EQ(read_file(out / "runs" / "0002" / "exit_code"), "0\n");

  // Submitted again: only run 3 goes to the cluster, then the table is the local one, byte
  // for byte.
  ::unsetenv("FAKE_SBATCH_LOSE");  // NOLINT(concurrency-mt-unsafe)
  SweepOptions again = slurm_options_for(grid, out);
  again.wait = true;
  ASSERT_EQ(run_sweep(again), 0);
  EXPECT_NE(read_file(log).find("\n--parsable --array=3 --wait "), std::string::npos)
      << read_file(log);
  for (const char* file : {"sweep.csv", "sweep.html"}) {
    EXPECT_FALSE(read_file(out / file).empty());
    EXPECT_EQ(read_file(out / file), read_file(directory.path() / "local" / file)) << file;
  }
  EXPECT_EQ(collect_sweep(out.string(), true), 0);
  // A third time, nothing is missing: nothing is submitted.
  const std::string submitted = read_file(log);
  EXPECT_EQ(run_sweep(again), 0);
  EXPECT_EQ(read_file(log), submitted);

  // Another grid into the same directory is refused: its runs are not this grid's.
  std::ofstream(grid, std::ios::app) << "account = \"other\"\n";
  EXPECT_EQ(run_sweep(slurm_options_for(grid, out)), 2);
  EXPECT_EQ(read_file(log), submitted);
  ::unsetenv("FAKE_SBATCH_LOG");  // NOLINT(concurrency-mt-unsafe)
}

TEST(SlurmSweep, BadResourcesOrAFailedSubmissionAreReportedAndNothingIsLost) {
  TemporaryDirectory directory;
  const auto grid = directory.path() / "grid.toml";
  const std::string base = std::string(kTwoByTwoGrid) + "[sweep.slurm]\n";
  for (const char* bad : {"memory = \"lots\"\n", "partition = \"a b\"\n", "cpus = 2\n",
                          "time_limit = \"1h\"\n", "cpus_per_task = 0\n", "account = 7\n"}) {
    std::ofstream(grid, std::ios::trunc) << base << bad;
    EXPECT_EQ(run_sweep(slurm_options_for(grid, directory.path() / "out")), 2) << bad;
  }
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "out"));
  // sbatch refuses (a cluster down, a bad partition): nothing is recorded as submitted.
  std::ofstream(grid, std::ios::trunc) << base;
  SweepOptions options = slurm_options_for(grid, directory.path() / "out");
  options.sbatch = "/bin/false";
  EXPECT_EQ(run_sweep(options), 1);
  EXPECT_FALSE(std::filesystem::exists(directory.path() / "out" / "slurm" / "jobs"));
  options.sbatch = (directory.path() / "no-such-sbatch").string();
  EXPECT_EQ(run_sweep(options), 1);
  EXPECT_EQ(collect_sweep((directory.path() / "nowhere").string(), true), 2);
}

// On a real cluster (tools/slurm-sweep-check.sh starts a single-node Slurm, exports SLURM_CONF
// and runs this test): the sweep is submitted with sbatch, waited for, and collected; the
// ranking equals the local sweep's byte for byte.
TEST(SlurmCluster, ASweepOnARealSlurmRanksExactlyLikeTheLocalSweep) {
  if (std::getenv("SLURM_CONF") == nullptr)
    GTEST_SKIP() << "no Slurm here: tools/slurm-sweep-check.sh starts one and runs this test";
  TemporaryDirectory directory;
  const auto grid = directory.path() / "grid.toml";
  std::ofstream(grid) << kTwoByTwoGrid << kSlurmResources;
  ASSERT_EQ(run_sweep(options_for(grid, directory.path() / "local", 2)), 0);
  SweepOptions options = options_for(grid, directory.path() / "slurm", 1);
  options.executor = SweepExecutor::kSlurm;
  options.wait = true;
  ASSERT_EQ(run_sweep(options), 0);
  for (const char* file : {"sweep.csv", "sweep.html"}) {
    EXPECT_FALSE(read_file(directory.path() / "slurm" / file).empty());
    EXPECT_EQ(read_file(directory.path() / "slurm" / file),
              read_file(directory.path() / "local" / file))
        << file;
  }
  // Each task ran under Slurm: its output file is Slurm's, named by array index.
  EXPECT_TRUE(std::filesystem::exists(directory.path() / "slurm" / "slurm" / "task-4.out"));
}

}  // namespace
}  // namespace sigex
