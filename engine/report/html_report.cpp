#include "engine/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "engine/core/calendar.h"
#include "engine/report/page_template.h"

namespace sigex {
namespace {

constexpr std::size_t kMaxPoints = 4000;  // per series: a chart does not need more
constexpr std::size_t kMaxTrades = 2000;  // rows in the trade list

std::string number(double value, int decimals = 6) {
  return std::isfinite(value) ? fmt::format("{:.{}f}", value, decimals) : "null";
}

// Whole milliseconds on purpose: the chart axis needs no more, and the page stays byte-stable.
double ms(TimeNs time_ns) {
  return static_cast<double>(time_ns / kNsPerMs);  // NOLINT(bugprone-integer-division)
}

// [[x,y],...] with at most kMaxPoints points (every k-th, and always the last).
template <typename T>
std::string points(const std::vector<std::pair<TimeNs, T>>& series) {
  const std::size_t step = std::max<std::size_t>(1, (series.size() + kMaxPoints - 1) / kMaxPoints);
  std::string out = "[";
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (i % step != 0 && i + 1 != series.size()) continue;
    if (out.size() > 1) out += ',';
    out += fmt::format("[{},{}]", number(ms(series[i].first), 0),
                       number(static_cast<double>(series[i].second)));
  }
  return out + "]";
}

std::string percent(double value) {
  return std::isfinite(value) ? fmt::format("{:+.2f} %", value * 100) : "–";
}
std::string plain(double value, int decimals = 2) {
  return std::isfinite(value) ? fmt::format("{:.{}f}", value, decimals) : "–";
}

std::string metrics_rows(const Performance& s, const Performance& b) {
  struct Row {
    const char* name;
    std::string strategy;
    std::string benchmark;
  };
  const Row rows[] = {
      {"Total return", percent(s.total_return), percent(b.total_return)},
      {"Annualised return", percent(s.annualised_return), percent(b.annualised_return)},
      {"Volatility (annualised)", percent(s.volatility), percent(b.volatility)},
      {"Sharpe", plain(s.sharpe), plain(b.sharpe)},
      {"Sortino", plain(s.sortino), plain(b.sortino)},
      {"Calmar", plain(s.calmar), plain(b.calmar)},
      {"Max drawdown", percent(-s.max_drawdown), percent(-b.max_drawdown)},
      {"Longest drawdown", format_duration(s.max_drawdown_duration_ns),
       format_duration(b.max_drawdown_duration_ns)},
      {"Trades (round trips)", std::to_string(s.trades), "–"},
      {"Win rate", percent(s.win_rate).substr(1), "–"},
      {"Profit factor", plain(s.profit_factor), "–"},
      {"Average win", plain(s.average_win), "–"},
      {"Average loss", plain(s.average_loss), "–"},
      {"Expectancy (per trade)", plain(s.expectancy), "–"},
      {"Best trade", plain(s.best_trade), "–"},
      {"Worst trade", plain(s.worst_trade), "–"},
      {"Longest winning streak", std::to_string(s.longest_winning_streak) + " trades", "–"},
      {"Longest losing streak", std::to_string(s.longest_losing_streak) + " trades", "–"},
      {"Turnover", fmt::format("{:.1f}x", s.turnover), "–"},
  };
  std::string out;
  for (const Row& row : rows) {
    out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td></tr>\n", row.name, row.strategy,
                       row.benchmark);
  }
  return out;
}

// Trades grouped by `key` (instrument, exit reason): count, win rate, PnL, average return,
// best and worst, in order of first appearance.
template <typename Key>
std::string group_table(const std::vector<HtmlReportData::RoundTrip>& trips, const char* heading,
                        Key key) {
  struct Group {
    std::string name;
    std::size_t trades = 0, wins = 0;
    double pnl = 0, returns = 0, best = -INFINITY, worst = INFINITY;
  };
  std::vector<Group> groups;
  for (const auto& trip : trips) {
    const std::string name = key(trip);
    auto it =
        std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.name == name; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{name});
    ++it->trades;
    it->wins += trip.pnl_after_fees > 0 ? 1 : 0;
    it->pnl += trip.pnl_after_fees;
    it->returns += trip.return_fraction;
    it->best = std::max(it->best, trip.return_fraction);
    it->worst = std::min(it->worst, trip.return_fraction);
  }
  if (groups.empty()) return "<p>No closed trades.</p>";
  std::string out = fmt::format(
      "<table><tr><th>{}</th><th>Trades</th><th>Win rate</th><th>PnL after fees</th>"
      "<th>Average return</th><th>Best</th><th>Worst</th></tr>\n",
      heading);
  for (const Group& g : groups) {
    const double n = static_cast<double>(g.trades);
    out += fmt::format(
        "<tr><th>{}</th><td>{}</td><td>{}</td><td "
        "class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        html_escape(g.name), g.trades, percent(static_cast<double>(g.wins) / n).substr(1),
        g.pnl >= 0 ? "up" : "down", plain(g.pnl), percent(g.returns / n), percent(g.best),
        percent(g.worst));
  }
  return out + "</table>";
}

std::string monthly_table(const std::vector<std::pair<std::string, double>>& months) {
  if (months.empty()) return "<p>No complete equity samples.</p>";
  std::string out = "<table class=\"months\"><tr><th>Year</th>";
  static constexpr const char* kNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (const char* name : kNames) out += fmt::format("<th>{}</th>", name);
  out += "<th>Year</th></tr>\n";
  std::string year;
  double year_growth = 1;
  std::vector<std::string> cells(12, "");
  const auto flush = [&] {
    if (year.empty()) return;
    out += "<tr><th>" + year + "</th>";
    for (const std::string& cell : cells) out += cell.empty() ? "<td></td>" : cell;
    out += fmt::format("<td class=\"{}\">{}</td></tr>\n", year_growth >= 1 ? "up" : "down",
                       percent(year_growth - 1));
  };
  for (const auto& [month, value] : months) {
    if (month.substr(0, 4) != year) {
      flush();
      year = month.substr(0, 4);
      year_growth = 1;
      cells.assign(12, "");
    }
    const int index = std::stoi(month.substr(5, 2)) - 1;
    cells[static_cast<std::size_t>(index)] =
        fmt::format("<td class=\"{}\">{}</td>", value >= 0 ? "up" : "down", percent(value));
    year_growth *= 1 + value;
  }
  flush();
  return out + "</table>";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::pair<std::string, double>> monthly_returns(
    const std::vector<HtmlReportData::Sample>& samples) {
  std::vector<std::pair<std::string, double>> months;
  if (samples.empty()) return months;
  double previous_close = samples.front().equity;
  std::string current = format_utc_date(samples.front().time_ns).substr(0, 7);
  double last = samples.front().equity;
  for (const auto& sample : samples) {
    const std::string month = format_utc_date(sample.time_ns).substr(0, 7);
    if (month != current) {
      months.emplace_back(current, previous_close > 0 ? last / previous_close - 1 : 0);
      previous_close = last;
      current = month;
    }
    last = sample.equity;
  }
  months.emplace_back(current, previous_close > 0 ? last / previous_close - 1 : 0);
  return months;
}

std::string render_html_report(const HtmlReportData& data) {
  std::vector<std::pair<TimeNs, double>> equity, benchmark, drawdown, benchmark_drawdown, exposure;
  double peak = 0, benchmark_peak = 0;
  for (const auto& sample : data.samples) {
    equity.emplace_back(sample.time_ns, sample.equity);
    benchmark.emplace_back(sample.time_ns, sample.buy_and_hold);
    peak = std::max(peak, sample.equity);
    benchmark_peak = std::max(benchmark_peak, sample.buy_and_hold);
    drawdown.emplace_back(sample.time_ns, peak > 0 ? (sample.equity / peak - 1) * 100 : 0);
    benchmark_drawdown.emplace_back(
        sample.time_ns, benchmark_peak > 0 ? (sample.buy_and_hold / benchmark_peak - 1) * 100 : 0);
    exposure.emplace_back(sample.time_ns,
                          sample.equity > 0 ? sample.exposure / sample.equity * 100 : 0);
  }
  std::string instruments = "[";
  std::string instrument_canvases;
  for (std::size_t i = 0; i < data.instruments.size(); ++i) {
    const auto& series = data.instruments[i];
    std::vector<std::pair<TimeNs, double>> bullish, bearish;
    // A signal marker sits on the price line: the last price at or before the signal.
    for (const auto& [time_ns, signal] : series.signals) {
      double price = std::nan("");
      for (const auto& [at, value] : series.prices) {
        if (at > time_ns) break;
        price = value;
      }
      if (std::isnan(price) && !series.prices.empty()) price = series.prices.front().second;
      (signal > 0 ? bullish : bearish).emplace_back(time_ns, price);
    }
    if (i > 0) instruments += ',';
    instruments += fmt::format(
        "{{\"symbol\":\"{}\",\"prices\":{},\"bullish\":{},\"bearish\":{},\"buys\":{},\"sells\":{}}"
        "}",
        html_escape(series.symbol), points(series.prices), points(bullish), points(bearish),
        points(series.buys), points(series.sells));
    instrument_canvases += fmt::format(
        "<h3>{}: price, signals, entries and exits</h3>\n<div class=\"chart\"><canvas "
        "id=\"price{}\"></canvas></div>\n",
        html_escape(series.symbol), i);
  }
  instruments += "]";

  std::string trades;
  for (std::size_t i = 0; i < data.round_trips.size() && i < kMaxTrades; ++i) {
    const auto& trip = data.round_trips[i];
    const char* tone = trip.pnl_after_fees >= 0 ? "up" : "down";
    trades += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td "
        "class=\"{}\">{}</td>"
        "<td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
        format_utc_timestamp(trip.entry_ns).substr(0, 16).replace(10, 1, " "),
        format_utc_timestamp(trip.exit_ns).substr(0, 16).replace(10, 1, " "),
        html_escape(trip.symbol), trip.quantity, trip.entry_price, trip.exit_price, tone,
        percent(trip.return_fraction), tone, plain(trip.pnl_after_fees),
        format_duration(trip.exit_ns - trip.entry_ns), html_escape(trip.exit_reason));
  }
  if (data.round_trips.size() > kMaxTrades) {
    trades += fmt::format("<tr><td colspan=\"10\">… {} more in trades.csv</td></tr>\n",
                          data.round_trips.size() - kMaxTrades);
  }
  if (data.round_trips.empty()) trades = "<tr><td colspan=\"10\">No closed trades.</td></tr>\n";
  const std::string by_instrument =
      group_table(data.round_trips, "Instrument",
                  [](const HtmlReportData::RoundTrip& trip) { return trip.symbol; });
  const std::string by_reason =
      group_table(data.round_trips, "Exit reason",
                  [](const HtmlReportData::RoundTrip& trip) { return trip.exit_reason; });
  std::string denials;
  for (const auto& [reason, count] : data.denials)
    denials += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", html_escape(reason), count);
  if (denials.empty()) denials = "<tr><td colspan=\"2\">none</td></tr>";

  const std::string annualised_note =
      data.end_ns - data.start_ns < static_cast<DurationNs>(kMinDaysToAnnualise) * kNsPerDay
          ? "Annualised figures (return, volatility, Sharpe, Sortino, Calmar) are not meaningful "
            "for less than 30 "
            "days of data and are shown as –. "
          : "";
  const std::string cash = html_escape(data.cash_asset);
  std::string perpetuals;
  if (!data.perpetual_figures.empty()) {
    perpetuals = "\n<h2>Perpetuals</h2>\n<table>";
    for (const auto& [name, value] : data.perpetual_figures) {
      perpetuals +=
          fmt::format("<tr><th>{}</th><td>{}</td></tr>", html_escape(name), html_escape(value));
    }
    perpetuals += "</table>";
  }
  return fill_page(report_page(), {{"title", html_escape(data.title)},
                                   {"start", format_utc_timestamp(data.start_ns)},
                                   {"end", format_utc_timestamp(data.end_ns)},
                                   {"start_equity", plain(data.starting_equity)},
                                   {"final_equity", plain(data.final_equity)},
                                   {"cash", cash},
                                   {"orders", std::to_string(data.orders)},
                                   {"fills", std::to_string(data.fills)},
                                   {"fees", plain(data.fees)},
                                   {"exposure", percent(data.exposure_time_fraction).substr(1)},
                                   {"perpetuals", perpetuals},
                                   {"metrics", metrics_rows(data.strategy, data.buy_and_hold)},
                                   {"assumptions", html_escape(data.assumptions)},
                                   {"annualised_note", annualised_note},
                                   {"instrument_canvases", instrument_canvases},
                                   {"months", monthly_table(monthly_returns(data.samples))},
                                   {"denials", denials},
                                   {"trades", trades},
                                   {"by_instrument", by_instrument},
                                   {"by_reason", by_reason},
                                   {"chartjs_version", "3.9.1"},
                                   {"chartjs", chartjs()},
                                   {"equity", points(equity)},
                                   {"benchmark", points(benchmark)},
                                   {"drawdown", points(drawdown)},
                                   {"benchmark_drawdown", points(benchmark_drawdown)},
                                   {"exposure_series", points(exposure)},
                                   {"start_ms", number(ms(data.start_ns), 0)},
                                   {"end_ms", number(ms(data.end_ns), 0)},
                                   {"instruments", instruments}});
}

}  // namespace sigex
