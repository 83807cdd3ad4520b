// report.html in a real browser: Debian's headless Chromium opens the report of the bundled
// daily backtest. The test fails if the page logs anything to its console (a script error, or
// a request the page's Content-Security-Policy blocked: the page may make none), or if any
// chart canvas stays blank. A screenshot is kept as a test artifact.

#include <algorithm>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "engine/exe/backtest_command.h"
#include "engine/exe/sweep_command.h"
#include "support/daemon_support.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

struct BrowserRun {
  int exit_code = -1;
  std::string dom;
  std::vector<std::string> console;  // the page's console messages
};

BrowserRun open_in_chromium(const std::filesystem::path& page, const std::filesystem::path& work,
                            const std::string& screenshot = "") {
  std::vector<std::string> args = {"--headless=new",
                                   "--no-sandbox",
                                   "--disable-gpu",
                                   "--no-first-run",
                                   "--user-data-dir=" + (work / "chromium-profile").string(),
                                   "--enable-logging=stderr",
                                   "--v=0",
                                   "--virtual-time-budget=5000"};
  if (screenshot.empty()) {
    args.push_back("--dump-dom");
  } else {
    args.push_back("--hide-scrollbars");
    args.push_back("--window-size=1280,2400");
    args.push_back("--screenshot=" + screenshot);
  }
  args.push_back("file://" + page.string());
  const CommandResult result =
      run_command("/usr/bin/chromium", args, work, screenshot.empty() ? "dom" : "shot");
  BrowserRun run;
  run.exit_code = result.exit_code;
  run.dom = result.out;
  std::istringstream lines(result.err);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(":CONSOLE") != std::string::npos) run.console.push_back(line);
  }
  return run;
}

TEST(ReportInBrowser, TheDetectorSeesScriptErrorsAndBlockedRequests) {
  TemporaryDirectory directory;
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "install chromium (tools/install-deps.sh)";
  const auto page = directory.path() / "bad.html";
  std::ofstream(page)
      << "<html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "script-src 'unsafe-inline'\"></head><body><img src=\"http://192.0.2.1/x.png\">"
         "<script>no_such_function();</script></body></html>";
  const BrowserRun run = open_in_chromium(page, directory.path());
  ASSERT_EQ(run.exit_code, 0);
  ASSERT_EQ(run.console.size(), 2u);  // the blocked image and the ReferenceError
}

TEST(ReportInBrowser, TheBacktestReportRendersEveryChartOfflineWithoutAConsoleMessage) {
  TemporaryDirectory directory;
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "install chromium (tools/install-deps.sh)";
  ConfigErrors errors;
  const AppConfig config =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml", errors);
  ASSERT_TRUE(errors.empty());
  BacktestOptions options;
  options.out_dir = (directory.path() / "out").string();
  options.quiet = true;
  ASSERT_EQ(run_backtest(config, options), 0);
  const auto report = directory.path() / "out" / "report.html";
  const std::string html = read_file(report);
  ASSERT_FALSE(html.empty());
  // Self-contained: nothing is loaded from anywhere, by construction and by policy.
  EXPECT_FALSE(std::regex_search(html, std::regex(R"((src|href)\s*=\s*["']?(https?:|//))")));
  EXPECT_NE(html.find("default-src 'none'"), std::string::npos);

  // What a trader reads: round trips with their exit reasons, grouped by instrument and by
  // reason, the trade statistics, the calendar axis and the log-scale switch.
  for (const char* part :
       {"<h2>Round trips</h2>", "<h2>Trades by instrument</h2>", "<h2>Trades by exit reason</h2>",
        "<th>stop_loss</th>", "<th>bearish_signal</th>", "<th>BTCUSDT</th>",
        "Longest losing streak", "Expectancy (per trade)", "id=\"logscale\"", "calendarTicks",
        "benchmarkDrawdown"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  const std::string trades = read_file(directory.path() / "out" / "trades.csv");
  EXPECT_EQ(std::count(trades.begin(), trades.end(), '\n'), 18)
      << trades;  // a header and the 17 round trips
  EXPECT_TRUE(trades.starts_with(
      "entry_time,exit_time,symbol,quantity,entry_price,exit_price,return,pnl_after_fees,"
      "duration_s,exit_reason\n"));

  const BrowserRun run = open_in_chromium(report, directory.path());
  ASSERT_EQ(run.exit_code, 0);
  for (const std::string& message : run.console) ADD_FAILURE() << "console: " << message;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(run.dom, match, std::regex("data-charts-rendered=\"([0-9]+)\"")))
      << run.dom.substr(0, 500);
  int canvases = 0;
  for (std::size_t at = run.dom.find("<canvas"); at != std::string::npos;
       at = run.dom.find("<canvas", at + 1))
    ++canvases;
  EXPECT_EQ(canvases, 4);  // equity, drawdown, exposure, BTCUSDT
  EXPECT_EQ(std::stoi(match[1]), canvases) << "a chart stayed blank";

  // The log scale, switched on by report.html#log: still no console message, every chart drawn.
  const std::filesystem::path log_page = directory.path() / "out" / "report.html#log";
  const BrowserRun log_run = open_in_chromium(log_page, directory.path());
  ASSERT_EQ(log_run.exit_code, 0);
  for (const std::string& message : log_run.console)
    ADD_FAILURE() << "console (log scale): " << message;
  ASSERT_TRUE(
      std::regex_search(log_run.dom, match, std::regex("data-charts-rendered=\"([0-9]+)\"")));
  EXPECT_EQ(std::stoi(match[1]), canvases);

  const std::filesystem::path artifacts = std::filesystem::path(SIGEX_ARTIFACT_DIR);
  std::filesystem::create_directories(artifacts);
  const BrowserRun shot =
      open_in_chromium(report, directory.path(), (artifacts / "report-daily.png").string());
  EXPECT_EQ(shot.exit_code, 0);
  EXPECT_GT(std::filesystem::file_size(artifacts / "report-daily.png"), 10'000u);
  std::filesystem::copy_file(report, artifacts / "report-daily.html",
                             std::filesystem::copy_options::overwrite_existing);
}

TEST(ReportInBrowser, TheSweepPageOpensOfflineWithoutAConsoleMessage) {
  TemporaryDirectory directory;
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium"))
      << "install chromium (tools/install-deps.sh)";
  const auto grid = directory.path() / "grid.toml";
  std::ofstream(grid)
      << "rank_by = \"total_return\"\n[[parameter]]\nkey = \"strategy.signal_follow.entry_grade\"\n"
         "values = [\"50\", \"70\"]\n[[parameter]]\nkey = "
         "\"strategy.signal_follow.stop_loss_bps\"\n"
         "values = [0, 500]\n";
  SweepOptions options;
  options.config_path = std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml";
  options.grid_path = grid.string();
  options.out_dir = (directory.path() / "sweep").string();
  options.jobs = 2;
  options.quiet = true;
  options.executable = SIGEX_BINARY;
  ASSERT_EQ(run_sweep(options), 0);
  const BrowserRun run =
      open_in_chromium(directory.path() / "sweep" / "sweep.html", directory.path());
  ASSERT_EQ(run.exit_code, 0);
  for (const std::string& message : run.console) ADD_FAILURE() << "console: " << message;
  EXPECT_NE(run.dom.find("total_return over the grid"), std::string::npos);
  EXPECT_NE(run.dom.find("href=\"runs/0001/report.html\""), std::string::npos);
}

}  // namespace
}  // namespace sigex
