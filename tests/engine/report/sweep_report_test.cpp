#include "engine/report/sweep_report.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

SweepRun run(std::size_t index, std::vector<std::string> values, double sharpe, int exit_code = 0) {
  SweepRun result;
  result.index = index;
  result.values = std::move(values);
  for (const char* metric : kSweepMetrics) result.metrics[metric] = std::nan("");
  result.metrics["sharpe"] = sharpe;
  result.metrics["total_return"] = sharpe / 10;
  result.exit_code = exit_code;
  return result;
}

SweepTable two_by_two() {
  SweepTable table;
  table.config_path = "config/backtest-daily.toml";
  table.parameters = {{"strategy.a", {"\"x,1\"", "\"y\""}}, {"strategy.b", {"1", "2"}}};
  table.runs = {run(1, {"\"x,1\"", "1"}, 0.5), run(2, {"\"x,1\"", "2"}, std::nan(""), 1),
                run(3, {"\"y\"", "1"}, 1.5), run(4, {"\"y\"", "2"}, 0.5)};
  return table;
}

std::vector<std::size_t> order(const std::vector<SweepRun>& runs) {
  std::vector<std::size_t> indices;
  for (const SweepRun& r : runs) indices.push_back(r.index);
  return indices;
}

TEST(SweepReport, RanksBestFirstTiesInRunOrderAndRunsWithoutAValueLast) {
  SweepTable table = two_by_two();
  EXPECT_EQ(order(rank_runs(table)), (std::vector<std::size_t>{3, 1, 4, 2}));
  table.descending = false;
  EXPECT_EQ(order(rank_runs(table)), (std::vector<std::size_t>{1, 4, 3, 2}));
}

TEST(SweepReport, TheCsvQuotesValuesWithCommasAndLeavesMissingMetricsEmpty) {
  const SweepTable table = two_by_two();
  const std::string csv = render_sweep_csv(table, rank_runs(table));
  EXPECT_EQ(csv.substr(0, csv.find('\n')),
            "rank,run,strategy.a,strategy.b,total_return,annualised_return,max_drawdown,max_"
            "drawdown_duration_days,"
            "volatility,sharpe,sortino,calmar,win_rate,profit_factor,average_win,average_loss,"
            "turnover,trades,orders,"
            "fees,final_equity,buy_and_hold_return,exit_code");
  EXPECT_NE(csv.find("\n1,3,\"y\",1,0.150000,,,,,1.500000,"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\n4,2,\"\"x,1\"\",2,"), std::string::npos) << csv;
  EXPECT_EQ(csv.substr(csv.size() - 3), ",1\n") << "the failed run's exit code";
}

TEST(SweepReport, TwoParametersGiveAHeatmapLinkingEachCellToItsRun) {
  const SweepTable table = two_by_two();
  const std::string html = render_sweep_html(table, rank_runs(table));
  EXPECT_EQ(html.find("{{"), std::string::npos);
  EXPECT_NE(html.find("<h2>sharpe over the grid</h2>"), std::string::npos);
  EXPECT_NE(html.find("<th>x,1</th>"), std::string::npos)
      << "values shown without their TOML quotes";
  EXPECT_NE(html.find("hsl(120, 70%, 80%)\"><a href=\"runs/0003/report.html\">1.50</a>"),
            std::string::npos);
  EXPECT_NE(html.find("<tr class=\"failed\"><td>4</td><td><a href=\"runs/0002/report.html\">2</a>"),
            std::string::npos);
  EXPECT_NE(html.find("4 runs ranked by <b>sharpe</b> (highest first)"), std::string::npos);

  SweepTable one = two_by_two();
  one.parameters.pop_back();
  EXPECT_EQ(render_sweep_html(one, rank_runs(one)).find("over the grid"), std::string::npos);
}

TEST(SweepReport, WritesBothTablesOrNamesThePathItCouldNotWrite) {
  testing::TemporaryDirectory directory;
  const SweepTable table = two_by_two();
  std::string error;
  ASSERT_TRUE(write_sweep_tables(table, rank_runs(table), directory.path(), error)) << error;
  EXPECT_EQ(testing::read_file(directory.path() / "sweep.csv"),
            render_sweep_csv(table, rank_runs(table)));
  EXPECT_FALSE(write_sweep_tables(table, rank_runs(table), directory.path() / "missing", error));
  EXPECT_NE(error.find("missing/sweep.csv"), std::string::npos) << error;
}

}  // namespace
}  // namespace sigex
