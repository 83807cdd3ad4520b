// `sigex fetch-history` against the loopback Token Metrics simulator serving the bundled daily
// signals: interrupted by the call budget, resumed without fetching a window twice, and the
// result replayed by `sigex backtest` trades exactly like the bundled recording.

#include "engine/exe/fetch_history_command.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "adapters/recorded/recorded_file.h"

#include "adapters/token_metrics/rest_client.h"
#include "engine/exe/backtest_command.h"
#include "support/test_support.h"
#include "support/tm_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class FetchHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(simulator_.start(error)) << error;
    ASSERT_TRUE(simulator_.load_recorded(
        "trading-signals",
        std::string(SIGEX_SOURCE_DIR) + "/config/data/samples/daily_trading_signals_btc.jsonl.gz",
        error))
        << error;
    // The test's environment, changed while no thread of its own runs.
    ::setenv("SIGEX_TEST_TM_KEY", "tm-simulator-key", 1);  // NOLINT(concurrency-mt-unsafe)
    ConfigErrors errors;
    config_ =
        load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml", errors);
    ASSERT_TRUE(errors.empty());
    config_.engine.state_dir = (directory_.path() / "state").string();
    config_.token_metrics = simulator_config(simulator_);
    config_.token_metrics.api_key = {"", "", "SIGEX_TEST_TM_KEY", "Token Metrics API key"};
    options_.from_day_ns = parse_utc_timestamp("2017-08-17").value();
    options_.to_day_ns = parse_utc_timestamp("2022-01-25").value();
    options_.out_path = (directory_.path() / "history.jsonl.gz").string();
    options_.clock = &clock_;
    options_.quiet = true;
  }

  TemporaryDirectory directory_;
  TmSimulator simulator_{TmSimulatorOptions{}};
  AppConfig config_;
  FetchHistoryOptions options_;
  SimulatedClock clock_{parse_utc_timestamp("2026-11-28T12:00:00").value()};
};

TEST_F(FetchHistoryTest, ResumesAfterTheBudgetRunsOutAndReplaysLikeTheRecording) {
  const std::size_t windows =
      split_date_range(options_.from_day_ns, options_.to_day_ns, config_.token_metrics.window_days)
          .size();
  ASSERT_EQ(windows, 56u);
  config_.token_metrics.monthly_call_budget = 20;
  std::FILE* quiet = std::tmpfile();
  options_.progress_out = quiet;  // auto: not a terminal, so nothing is written
  EXPECT_EQ(run_fetch_history(config_, options_), 3);  // budget used up: resume later
  EXPECT_EQ(std::ftell(quiet), 0L);
  std::fclose(quiet);
  EXPECT_EQ(simulator_.requests(), 20u);
  EXPECT_FALSE(std::filesystem::exists(options_.out_path));
  EXPECT_TRUE(std::filesystem::exists(options_.out_path + ".parts"));

  config_.token_metrics.monthly_call_budget = 1000;
  std::FILE* progress = std::tmpfile();
  options_.progress =
      ProgressMode::kAlways;  // --progress always: a line per window, even into a file
  options_.progress_out = progress;
  ASSERT_EQ(run_fetch_history(config_, options_), 0);
  std::rewind(progress);
  std::string lines;
  for (int c = std::fgetc(progress); c != EOF; c = std::fgetc(progress))
    lines += static_cast<char>(c);
  std::fclose(progress);
  EXPECT_NE(lines.find("fetch-history: window 21/56 "), std::string::npos)
      << lines;  // resumed after 20
  EXPECT_EQ(lines.find("window 20/56"), std::string::npos)
      << "windows kept from the first run are not fetched again";
  EXPECT_NE(lines.find("fetch-history: 56 windows done"), std::string::npos) << lines;
  options_.progress_out = stderr;
  // Every window fetched once; the signals are 1 533 days, at most 29 per page of 100 rows.
  EXPECT_EQ(simulator_.requests(), windows);
  EXPECT_FALSE(std::filesystem::exists(options_.out_path + ".parts"));

  // Each row is stamped at the first poll after its day ends, never at its date: the row
  // dated 2017-11-14 (the simulator serves the bundled samples) at 2017-11-15 00:05.
  RecordedFile history(options_.out_path);
  InputProblems problems;
  RecordedLine line;
  TimeNs stamp = 0;
  while (stamp == 0 && history.next(line, problems)) {
    if (line.frame.find("\"DATE\":\"2017-11-14T00:00:00.000Z\"") != std::string_view::npos)
      stamp = line.receive_time_ns;
  }
  EXPECT_EQ(format_utc_timestamp(stamp), "2017-11-15T00:05:00.000Z");

  // Replayed in place of the bundled recording: the same orders as the golden run.
  AppConfig backtest = config_;
  backtest.backtest.inputs[1].path = options_.out_path;
  BacktestOptions run;
  run.out_dir = (directory_.path() / "backtest").string();
  run.quiet = true;
  ASSERT_EQ(run_backtest(backtest, run), 0);
  EXPECT_EQ(read_file(directory_.path() / "backtest" / "orders.csv"),
            read_file(std::string(SIGEX_SOURCE_DIR) + "/tests/golden/backtest_daily_orders.csv"));
  const std::string summary = read_file(directory_.path() / "backtest" / "summary.json");
  EXPECT_NE(summary.find("\"input_problems\": 0,"), std::string::npos) << summary;
}

TEST_F(FetchHistoryTest, AuthFailureStopsWithItsReason) {
  simulator_.inject({TmFault::kUnauthorized});
  EXPECT_EQ(run_fetch_history(config_, options_), 1);
  EXPECT_EQ(simulator_.requests(), 1u);
}

TEST_F(FetchHistoryTest, MissingKeySaysWhereItLooked) {
  // The test's environment, changed while no thread of its own runs.
  ::unsetenv("SIGEX_TEST_TM_KEY");  // NOLINT(concurrency-mt-unsafe)
  EXPECT_EQ(run_fetch_history(config_, options_), 1);
  EXPECT_EQ(simulator_.requests(), 0u);
}

}  // namespace
}  // namespace sigex
