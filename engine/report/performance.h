#pragma once

// Performance metrics of a backtest (or any session) from its equity curve and its closed
// trades: a pure function, so the numbers can be checked by hand (tests/engine/report/
// performance_test.cpp does, on a five-point series). Doubles are used here because these
// are report figures, never inputs to a trading decision.
//
// Conventions:
//  * period returns are taken between consecutive equity samples, which are `period` apart;
//    an interval shorter than a period (a run that starts or ends between two boundaries) is
//    not a period and gives no return; annualisation multiplies by periods per year (365
//    days: crypto trades every day);
//  * volatility, Sharpe and Sortino use the sample standard deviation (n - 1) and a zero
//    risk-free rate; Sortino's downside deviation is sqrt(sum(min(r, 0)^2) / (n - 1));
//  * every annualised figure (return, volatility, Sharpe, Sortino, Calmar) needs at least 30
//    days of data and is NaN ("not meaningful") otherwise: an 11-minute run annualised from
//    10-second returns says nothing about a year;
//  * drawdown duration is the longest time from a peak until the equity is back at it (or
//    the end of the series, if it never recovers);
//  * a trade is a round trip, its result net of fees; profit factor is gross profit over
//    gross loss (NaN without losing trades);
//  * turnover is traded notional over average equity.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/core/time.h"

namespace sigex {

struct EquityPoint {
  TimeNs time_ns = 0;
  double equity = 0;
};

struct PerformanceInput {
  std::vector<EquityPoint> equity;  // in time order, `period_ns` apart (the last may be closer)
  DurationNs period_ns = kNsPerDay;
  std::vector<double> trade_results;  // net result of each closed round trip
  double traded_notional = 0;
};

inline constexpr double kMinDaysToAnnualise = 30.0;

struct Performance {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  double total_return = 0;
  double annualised_return = kNone;
  double volatility = kNone;  // annualised
  double sharpe = kNone;
  double sortino = kNone;
  double calmar = kNone;
  double max_drawdown = 0;  // fraction of the peak
  DurationNs max_drawdown_duration_ns = 0;
  std::uint64_t trades = 0;
  std::uint64_t winning_trades = 0;
  double win_rate = 0;
  double profit_factor = kNone;
  double average_win = 0;
  double average_loss = 0;    // negative, or 0 without losing trades
  double best_trade = kNone;  // the largest trade result (NaN without trades)
  double worst_trade = kNone;
  double expectancy =
      kNone;  // mean result per trade: win rate * average win + loss rate * average loss
  std::uint64_t longest_winning_streak = 0;  // consecutive winning trades
  std::uint64_t longest_losing_streak = 0;
  double turnover = 0;
};

Performance compute_performance(const PerformanceInput& input);

// "3 days", "1 day 0 h 5 min", "5 h 12 min", "42 min", "0 min": a duration as a reader wants
// it (to the minute, never rounded to whole days).
std::string format_duration(DurationNs duration_ns);

}  // namespace sigex
