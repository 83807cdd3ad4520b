#include "engine/report/html_report.h"

#include <gtest/gtest.h>

#include "engine/core/calendar.h"
#include "engine/report/page_template.h"

namespace sigex {
namespace {

constexpr TimeNs kJan1 = 1'640'995'200 * kNsPerSecond;  // 2022-01-01T00:00:00Z

HtmlReportData two_month_report() {
  HtmlReportData data;
  data.title = "signal_follow <BTC>";
  data.cash_asset = "USDT";
  data.start_ns = kJan1;
  data.end_ns = kJan1 + 59 * kNsPerDay;
  data.starting_equity = 1000;
  data.final_equity = 1100;
  data.orders = 4;
  data.fills = 4;
  data.samples = {{kJan1, 1000, 1000, 0},
                  {kJan1 + 30 * kNsPerDay, 1050, 990, 500},  // 2022-01-31
                  {kJan1 + 59 * kNsPerDay, 1100, 980, 0}};   // 2022-03-01
  data.instruments.push_back({"BTCUSDT", {{kJan1, 47000.0}}, {{kJan1, 1}}, {{kJan1, 47001.0}}, {}});
  data.round_trips.push_back(
      {kJan1, kJan1 + kNsPerDay, "BTCUSDT", "0.01", "47001", "48000", "stop_loss", 9.5, 0.02});
  data.denials = {{"price_collar", 2}};
  return data;
}

std::string without_chartjs(const std::string& html) {
  const std::size_t at = html.find(chartjs());
  return at == std::string::npos ? html : html.substr(0, at) + html.substr(at + chartjs().size());
}

TEST(HtmlReport, FillsEveryPartOfThePageAndEscapesText) {
  const std::string html = render_html_report(two_month_report());
  EXPECT_NE(html.find("<title>signal_follow &lt;BTC&gt;</title>"), std::string::npos);
  EXPECT_NE(html.find(chartjs()), std::string::npos) << "Chart.js is inlined";
  const std::string page = without_chartjs(html);
  EXPECT_EQ(page.find("{{"), std::string::npos) << "a mark was left unfilled";
  EXPECT_NE(page.find("2022-01-01T00:00:00.000Z → 2022-03-01T00:00:00.000Z"), std::string::npos);
  EXPECT_NE(page.find("Equity 1000.00 → 1100.00 USDT; 4 orders, 4 fills"), std::string::npos);
  EXPECT_NE(page.find("<tr><th>price_collar</th><td>2</td></tr>"), std::string::npos);
  EXPECT_NE(page.find("<th>stop_loss</th><td>1</td>"), std::string::npos)
      << "trades by exit reason";
  EXPECT_NE(page.find("<td>BTCUSDT</td><td>0.01</td><td>47001</td><td>48000</td>"),
            std::string::npos);
  // Two months of data: annualised figures are not meaningful and the page says why.
  EXPECT_EQ(page.find("not meaningful for less than 30 days"), std::string::npos);
}

TEST(HtmlReport, ShortRunsExplainWhyAnnualisedFiguresAreMissing) {
  HtmlReportData data = two_month_report();
  data.end_ns = data.start_ns + 2 * kNsPerDay;
  EXPECT_NE(render_html_report(data).find("not meaningful for less than 30 days"),
            std::string::npos);
}

TEST(HtmlReport, TheTradeListStopsAtTwoThousandRowsAndSaysWhereTheRestAre) {
  HtmlReportData data = two_month_report();
  data.round_trips.assign(2005, data.round_trips.front());
  EXPECT_NE(render_html_report(data).find("… 5 more in trades.csv"), std::string::npos);
  data.round_trips.clear();
  EXPECT_NE(render_html_report(data).find("No closed trades."), std::string::npos);
}

TEST(HtmlReport, MonthlyReturnsCompoundFromEachMonthsLastSample) {
  const auto months = monthly_returns(two_month_report().samples);
  ASSERT_EQ(months.size(), 2u);
  EXPECT_EQ(months[0].first, "2022-01");
  EXPECT_NEAR(months[0].second, 0.05, 1e-12);
  EXPECT_EQ(months[1].first, "2022-03");
  EXPECT_NEAR(months[1].second, 1100.0 / 1050.0 - 1, 1e-12);
}

TEST(HtmlReport, EscapesTheFiveHtmlSpecialCharacters) {
  EXPECT_EQ(html_escape("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

}  // namespace
}  // namespace sigex
