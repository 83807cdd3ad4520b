#pragma once

// report.html: one self-contained page per backtest (opens offline, makes no request: a
// Content-Security-Policy forbids any). Charts are drawn by Chart.js (Debian's libjs-chart.js,
// embedded into the sigex binary at build time): equity against buy and hold, drawdown,
// exposure, and per instrument the price with signal markers and the strategy's buys and
// sells. Tables: the metrics of the strategy and of buy and hold, monthly returns, risk
// denials by reason, fees and the trade list. The page marks how many charts it painted
// (data-charts-rendered on <body>), which the headless-browser test reads.

#include <string>
#include <string_view>
#include <vector>

#include "engine/core/time.h"
#include "engine/report/performance.h"

namespace sigex {

struct HtmlReportData {
  std::string title;
  std::string cash_asset;
  TimeNs start_ns = 0;
  TimeNs end_ns = 0;
  double starting_equity = 0;
  double final_equity = 0;
  double fees = 0;
  double exposure_time_fraction = 0;
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;
  Performance strategy;
  Performance buy_and_hold;
  std::string assumptions;  // plain text: when signal rows were taken as published
  struct Sample {
    TimeNs time_ns;
    double equity;
    double buy_and_hold;
    double exposure;  // gross, in the cash asset
  };
  std::vector<Sample> samples;
  struct Series {
    std::string symbol;
    std::vector<std::pair<TimeNs, double>> prices;  // at the equity samples
    std::vector<std::pair<TimeNs, int>> signals;    // +1 bullish, -1 bearish
    std::vector<std::pair<TimeNs, double>> buys;    // fill time and price
    std::vector<std::pair<TimeNs, double>> sells;
  };
  std::vector<Series> instruments;
  struct RoundTrip {
    TimeNs entry_ns;
    TimeNs exit_ns;
    std::string symbol;
    std::string quantity;
    std::string entry_price;  // to the instrument's tick
    std::string exit_price;
    std::string exit_reason;
    double pnl_after_fees;   // in the cash asset
    double return_fraction;  // pnl after fees over the cost of the entry
  };
  std::vector<RoundTrip> round_trips;
  std::vector<std::pair<std::string, std::uint64_t>> denials;
  // Runs with perpetuals: long and short exposure, funding and margin (empty: no such table).
  std::vector<std::pair<std::string, std::string>> perpetual_figures;
};

std::string render_html_report(const HtmlReportData& data);

// Text for HTML content and attribute values (&, <, >, ").
std::string html_escape(std::string_view text);

// Monthly returns from an equity curve: (YYYY-MM, return) in time order; each month's return
// is its last equity over the previous month's last (the first month: over the first sample).
std::vector<std::pair<std::string, double>> monthly_returns(
    const std::vector<HtmlReportData::Sample>& samples);

}  // namespace sigex
