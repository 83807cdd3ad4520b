#include "engine/report/performance.h"

#include <cmath>

#include <gtest/gtest.h>

namespace sigex {
namespace {

// Five daily samples, checked by hand:
//   equity   100   110    99    121    110
//   return        +0.1  -0.1  +2/9   -1/11
//   mean = (0.1 - 0.1 + 0.222222 - 0.090909) / 4 = 0.0328283
//   sample sd = sqrt((0.0671717^2 + 0.1328283^2 + 0.1893939^2 + 0.1237374^2) / 3) = 0.1563505
//   downside deviation = sqrt((0.1^2 + 0.0909091^2) / 3) = 0.0780266
//   volatility = 0.1563505 * sqrt(365) = 2.98707;  Sharpe = 0.0328283 / 0.1563505 * sqrt(365) = 4.01140
//   Sortino = 0.0328283 / 0.0780266 * sqrt(365) = 8.03807
//   max drawdown = 1 - 99/110 = 0.1 (day 1 to day 2), under water from day 1 to day 3: 2 days
//   (the last sample is 1 - 110/121 = 0.0909 down, 1 day under water so far)
PerformanceInput five_days() {
  PerformanceInput input;
  const double equity[] = {100, 110, 99, 121, 110};
  for (int day = 0; day < 5; ++day) input.equity.push_back({day * kNsPerDay, equity[day]});
  input.period_ns = kNsPerDay;
  input.trade_results = {30, -10, 5, -15};
  input.traded_notional = 1080;
  return input;
}

TEST(Performance, FiveDaysCheckedByHand) {
  const Performance p = compute_performance(five_days());
  EXPECT_NEAR(p.total_return, 0.10, 1e-12);
  EXPECT_TRUE(std::isnan(p.annualised_return));  // 4 days: too short to annualise
  EXPECT_TRUE(std::isnan(p.calmar));
  EXPECT_NEAR(p.volatility, 2.98707, 1e-5);
  EXPECT_NEAR(p.sharpe, 4.01140, 1e-5);
  EXPECT_NEAR(p.sortino, 8.03807, 1e-5);
  EXPECT_NEAR(p.max_drawdown, 0.10, 1e-12);
  EXPECT_EQ(p.max_drawdown_duration_ns, 2 * kNsPerDay);
  // Trades +30 -10 +5 -15: 2 of 4 won, profit 35 against loss 25.
  EXPECT_EQ(p.trades, 4u);
  EXPECT_EQ(p.winning_trades, 2u);
  EXPECT_DOUBLE_EQ(p.win_rate, 0.5);
  EXPECT_DOUBLE_EQ(p.profit_factor, 1.4);
  EXPECT_DOUBLE_EQ(p.average_win, 17.5);
  EXPECT_DOUBLE_EQ(p.average_loss, -12.5);
  // Average equity (100 + 110 + 99 + 121 + 110) / 5 = 108; 1080 traded.
  EXPECT_DOUBLE_EQ(p.turnover, 10.0);
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
  input.equity = {{0, 100}, {kNsPerDay, 100}, {2 * kNsPerDay, 100}};
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
