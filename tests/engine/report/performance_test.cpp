#include "engine/report/performance.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sigex {
namespace {

// Five samples ten days apart (40 days: long enough to annualise), checked by hand:
//   equity   100   110    99    121    110
//   return        +0.1  -0.1  +2/9   -1/11
//   mean = (0.1 - 0.1 + 0.222222 - 0.090909) / 4 = 0.0328283
//   sample sd = sqrt((0.0671717^2 + 0.1328283^2 + 0.1893939^2 + 0.1237374^2) / 3) = 0.1563505
//   downside deviation = sqrt((0.1^2 + 0.0909091^2) / 3) = 0.0780266
//   36.5 periods a year: volatility = 0.1563505 * sqrt(36.5) = 0.944595;
//   Sharpe = 0.0328283 / 0.1563505 * sqrt(36.5) = 1.268515; Sortino = 0.0328283 / 0.0780266 *
//   sqrt(36.5) = 2.541861 annualised return = 1.1^(365/40) - 1 = 1.386208; Calmar = 1.386208 / 0.1
//   = 13.86208 max drawdown = 1 - 99/110 = 0.1 (sample 1 to 2), under water from sample 1 to 3: 20
//   days (the last sample is 1 - 110/121 = 0.0909 down, 10 days under water so far)
PerformanceInput five_samples() {
  PerformanceInput input;
  const double equity[] = {100, 110, 99, 121, 110};
  input.period_ns = 10 * kNsPerDay;
  for (int i = 0; i < 5; ++i) input.equity.push_back({i * input.period_ns, equity[i]});
  input.trade_results = {30, -10, 5, -15};
  input.traded_notional = 1080;
  return input;
}

TEST(Performance, FiveSamplesCheckedByHand) {
  const Performance p = compute_performance(five_samples());
  EXPECT_NEAR(p.total_return, 0.10, 1e-12);
  EXPECT_NEAR(p.annualised_return, 1.386208, 1e-6);
  EXPECT_NEAR(p.calmar, 13.86208, 1e-5);
  EXPECT_NEAR(p.volatility, 0.944595, 1e-6);
  EXPECT_NEAR(p.sharpe, 1.268515, 1e-6);
  EXPECT_NEAR(p.sortino, 2.541861, 1e-6);
  EXPECT_NEAR(p.max_drawdown, 0.10, 1e-12);
  EXPECT_EQ(p.max_drawdown_duration_ns, 20 * kNsPerDay);
  // Trades +30 -10 +5 -15: 2 of 4 won, profit 35 against loss 25.
  EXPECT_EQ(p.trades, 4u);
  EXPECT_EQ(p.winning_trades, 2u);
  EXPECT_DOUBLE_EQ(p.win_rate, 0.5);
  EXPECT_DOUBLE_EQ(p.profit_factor, 1.4);
  EXPECT_DOUBLE_EQ(p.average_win, 17.5);
  EXPECT_DOUBLE_EQ(p.average_loss, -12.5);
  // Best +30, worst -15, expectancy (30 - 10 + 5 - 15) / 4 = 2.5; streaks of one each.
  EXPECT_DOUBLE_EQ(p.best_trade, 30);
  EXPECT_DOUBLE_EQ(p.worst_trade, -15);
  EXPECT_DOUBLE_EQ(p.expectancy, 2.5);
  EXPECT_EQ(p.longest_winning_streak, 1u);
  EXPECT_EQ(p.longest_losing_streak, 1u);
  // Average equity (100 + 110 + 99 + 121 + 110) / 5 = 108; 1080 traded.
  EXPECT_DOUBLE_EQ(p.turnover, 10.0);
}

TEST(Performance, AShortRunHasNoAnnualisedFigures) {
  // The same curve over 4 days (an 11-minute run is the extreme case): annualising it says
  // nothing about a year, so every annualised figure is "not meaningful" (NaN, null in JSON).
  PerformanceInput input = five_samples();
  input.period_ns = kNsPerDay;
  for (std::size_t i = 0; i < input.equity.size(); ++i)
    input.equity[i].time_ns = static_cast<TimeNs>(i) * kNsPerDay;
  const Performance p = compute_performance(input);
  EXPECT_NEAR(p.total_return, 0.10, 1e-12);
  EXPECT_TRUE(std::isnan(p.annualised_return));
  EXPECT_TRUE(std::isnan(p.volatility));
  EXPECT_TRUE(std::isnan(p.sharpe));
  EXPECT_TRUE(std::isnan(p.sortino));
  EXPECT_TRUE(std::isnan(p.calmar));
  // What does not extrapolate stays: the drawdown, the trades.
  EXPECT_NEAR(p.max_drawdown, 0.10, 1e-12);
  EXPECT_EQ(p.max_drawdown_duration_ns, 2 * kNsPerDay);
  EXPECT_DOUBLE_EQ(p.profit_factor, 1.4);
}

TEST(Performance, ShortFirstAndLastIntervalsAreNotPeriods) {
  // The five samples again, with a run that starts one hour before the first boundary and
  // ends one hour after the last: those two intervals are not periods and give no return
  // (their large moves would otherwise count as two more full 10-day returns).
  PerformanceInput input = five_samples();
  const DurationNs hour = kNsPerHour;
  for (EquityPoint& point : input.equity) point.time_ns += hour;
  input.equity.insert(input.equity.begin(), EquityPoint{0, 50});
  input.equity.push_back(EquityPoint{input.equity.back().time_ns + hour, 220});
  const Performance p = compute_performance(input);
  EXPECT_NEAR(p.volatility, 0.944595, 1e-6);
  EXPECT_NEAR(p.sharpe, 1.268515, 1e-6);
  EXPECT_NEAR(p.sortino, 2.541861, 1e-6);
}

TEST(Performance, StreaksCountConsecutiveWinsAndLosses) {
  PerformanceInput input;
  input.trade_results = {1, 2, -1, 3, 4, 5, -2, -3, 0, 6};  // a flat trade is not a win
  const Performance p = compute_performance(input);
  EXPECT_EQ(p.longest_winning_streak, 3u);
  EXPECT_EQ(p.longest_losing_streak, 3u);
  EXPECT_DOUBLE_EQ(p.best_trade, 6);
  EXPECT_DOUBLE_EQ(p.worst_trade, -3);
  EXPECT_DOUBLE_EQ(p.expectancy, 1.5);
  EXPECT_TRUE(std::isnan(compute_performance(PerformanceInput{}).expectancy));
}

TEST(Performance, DurationsReadAsDaysHoursOrMinutes) {
  EXPECT_EQ(format_duration(0), "0 min");
  EXPECT_EQ(format_duration(42 * kNsPerMinute + 59 * kNsPerSecond), "42 min");
  EXPECT_EQ(format_duration(5 * kNsPerHour + 12 * kNsPerMinute), "5 h 12 min");
  EXPECT_EQ(format_duration(kNsPerDay), "1 day");
  EXPECT_EQ(format_duration(3 * kNsPerDay + 13 * kNsPerHour), "3 days 13 h 0 min");
  EXPECT_EQ(format_duration(kNsPerDay + 5 * kNsPerMinute), "1 day 0 h 5 min");
}

TEST(Performance, AnnualisedReturnAndCalmarOverSeventyThreeDays) {
  // 100 -> 80 -> 121 in two steps of 36.5 days: 1.21^(365/73) - 1 = 1.21^5 - 1 = 1.5937425;
  // max drawdown 0.2, recovered after 73 days; Calmar = 1.5937425 / 0.2 = 7.9687123.
  PerformanceInput input;
  const DurationNs step = 73 * kNsPerDay / 2;
  input.equity = {{0, 100}, {step, 80}, {2 * step, 121}};
  input.period_ns = step;
  const Performance p = compute_performance(input);
  EXPECT_NEAR(p.annualised_return, 1.5937425, 1e-7);
  EXPECT_NEAR(p.max_drawdown, 0.2, 1e-12);
  EXPECT_EQ(p.max_drawdown_duration_ns, 2 * step);
  EXPECT_NEAR(p.calmar, 7.9687123, 1e-6);
}

TEST(Performance, NoLossesNoTradesAndAFlatCurveAreWellDefined) {
  PerformanceInput input;
  input.equity = {{0, 100}, {30 * kNsPerDay, 100}, {60 * kNsPerDay, 100}};
  input.period_ns = 30 * kNsPerDay;
  input.trade_results = {5, 7};
  const Performance p = compute_performance(input);
  EXPECT_EQ(p.total_return, 0);
  EXPECT_EQ(p.volatility, 0);
  EXPECT_EQ(p.sharpe, 0);
  EXPECT_EQ(p.sortino, 0);
  EXPECT_EQ(p.max_drawdown, 0);
  EXPECT_EQ(p.max_drawdown_duration_ns, 0);
  EXPECT_TRUE(std::isnan(p.profit_factor));  // no losing trade: undefined, not infinite
  EXPECT_EQ(p.average_loss, 0);
  EXPECT_DOUBLE_EQ(p.win_rate, 1.0);
  const Performance empty = compute_performance(PerformanceInput{});
  EXPECT_EQ(empty.total_return, 0);
  EXPECT_EQ(empty.trades, 0u);
}

}  // namespace
}  // namespace sigex
