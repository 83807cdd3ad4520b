#include "engine/report/performance.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace sigex {

Performance compute_performance(const PerformanceInput& input) {
  Performance result;
  const std::vector<EquityPoint>& curve = input.equity;
  const double days = curve.empty()
                          ? 0.0
                          : static_cast<double>(curve.back().time_ns - curve.front().time_ns) /
                                static_cast<double>(kNsPerDay);
  if (!curve.empty() && curve.front().equity > 0) {
    result.total_return = curve.back().equity / curve.front().equity - 1.0;
    if (days >= kMinDaysToAnnualise && result.total_return > -1.0) {
      result.annualised_return = std::pow(1.0 + result.total_return, 365.0 / days) - 1.0;
    }
  }

  // Drawdowns: depth from the running peak, and how long each stays under water.
  double peak = 0;
  TimeNs peak_time = 0;
  bool under_water = false;
  for (const EquityPoint& point : curve) {
    if (point.equity >= peak) {
      if (under_water)
        result.max_drawdown_duration_ns =
            std::max(result.max_drawdown_duration_ns, point.time_ns - peak_time);
      under_water = false;
      peak = point.equity;
      peak_time = point.time_ns;
      continue;
    }
    under_water = true;
    result.max_drawdown = std::max(result.max_drawdown, 1.0 - point.equity / peak);
  }
  if (under_water) {
    result.max_drawdown_duration_ns =
        std::max(result.max_drawdown_duration_ns, curve.back().time_ns - peak_time);
  }

  std::vector<double> returns;
  for (std::size_t i = 1; i < curve.size(); ++i) {
    const bool whole_period = curve[i].time_ns - curve[i - 1].time_ns >= input.period_ns;
    if (whole_period && curve[i - 1].equity > 0)
      returns.push_back(curve[i].equity / curve[i - 1].equity - 1.0);
  }
  if (days >= kMinDaysToAnnualise && returns.size() > 1 && input.period_ns > 0) {
    const double n = static_cast<double>(returns.size());
    double mean = 0;
    for (const double r : returns) mean += r;
    mean /= n;
    double variance = 0, downside = 0;
    for (const double r : returns) {
      variance += (r - mean) * (r - mean);
      if (r < 0) downside += r * r;
    }
    variance /= n - 1;
    downside = std::sqrt(downside / (n - 1));
    const double periods_per_year =
        static_cast<double>(365 * kNsPerDay) / static_cast<double>(input.period_ns);
    const double deviation = std::sqrt(variance);
    result.volatility = deviation * std::sqrt(periods_per_year);
    result.sharpe = deviation > 0 ? mean / deviation * std::sqrt(periods_per_year) : 0.0;
    result.sortino = downside > 0 ? mean / downside * std::sqrt(periods_per_year) : 0.0;
  }
  if (!std::isnan(result.annualised_return) && result.max_drawdown > 0) {
    result.calmar = result.annualised_return / result.max_drawdown;
  }

  double gross_profit = 0, gross_loss = 0;
  std::uint64_t winning_run = 0, losing_run = 0;
  for (const double trade : input.trade_results) {
    ++result.trades;
    if (trade > 0) {
      ++result.winning_trades;
      gross_profit += trade;
      losing_run = 0;
      result.longest_winning_streak = std::max(result.longest_winning_streak, ++winning_run);
    } else {
      gross_loss -= trade;
      winning_run = 0;
      result.longest_losing_streak = std::max(result.longest_losing_streak, ++losing_run);
    }
    result.best_trade = std::isnan(result.best_trade) ? trade : std::max(result.best_trade, trade);
    result.worst_trade =
        std::isnan(result.worst_trade) ? trade : std::min(result.worst_trade, trade);
  }
  if (result.trades > 0)
    result.expectancy = (gross_profit - gross_loss) / static_cast<double>(result.trades);
  const std::uint64_t losing = result.trades - result.winning_trades;
  if (result.trades > 0)
    result.win_rate =
        static_cast<double>(result.winning_trades) / static_cast<double>(result.trades);
  if (result.winning_trades > 0)
    result.average_win = gross_profit / static_cast<double>(result.winning_trades);
  if (losing > 0) result.average_loss = -gross_loss / static_cast<double>(losing);
  if (gross_loss > 0) result.profit_factor = gross_profit / gross_loss;

  if (!curve.empty()) {
    double sum = 0;
    for (const EquityPoint& point : curve) sum += point.equity;
    const double average = sum / static_cast<double>(curve.size());
    if (average > 0) result.turnover = input.traded_notional / average;
  }
  return result;
}

std::string format_duration(DurationNs duration_ns) {
  const std::int64_t minutes = duration_ns / kNsPerMinute;
  const std::int64_t days = minutes / (24LL * 60);
  const std::int64_t hours = minutes / 60 % 24;
  std::string text = days > 0 ? fmt::format("{} day{}", days, days == 1 ? "" : "s") : "";
  if (days > 0 && minutes % (24LL * 60) == 0) return text;
  if (days > 0) text += ' ';
  if (days > 0 || hours > 0) text += fmt::format("{} h ", hours);
  return text + fmt::format("{} min", minutes % 60);
}

}  // namespace sigex
