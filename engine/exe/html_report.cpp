#include "engine/exe/html_report.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

#include "engine/core/calendar.h"

// Chart.js, embedded at build time from the Debian package (see engine/exe/CMakeLists.txt).
extern "C" const char sigex_chartjs_start[];
extern "C" const char sigex_chartjs_end[];

namespace sigex {
namespace {

constexpr std::size_t kMaxPoints = 4000;  // per series: a chart does not need more
constexpr std::size_t kMaxTrades = 2000;  // rows in the trade list

std::string number(double value, int decimals = 6) {
  return std::isfinite(value) ? fmt::format("{:.{}f}", value, decimals) : "null";
}

double ms(TimeNs time_ns) { return static_cast<double>(time_ns / kNsPerMs); }

// [[x,y],...] with at most kMaxPoints points (every k-th, and always the last).
template <typename T>
std::string points(const std::vector<std::pair<TimeNs, T>>& series) {
  const std::size_t step = std::max<std::size_t>(1, (series.size() + kMaxPoints - 1) / kMaxPoints);
  std::string out = "[";
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (i % step != 0 && i + 1 != series.size()) continue;
    if (out.size() > 1) out += ',';
    out += fmt::format("[{},{}]", number(ms(series[i].first), 0), number(static_cast<double>(series[i].second)));
  }
  return out + "]";
}

std::string percent(double value) { return std::isfinite(value) ? fmt::format("{:+.2f} %", value * 100) : "–"; }
std::string plain(double value, int decimals = 2) { return std::isfinite(value) ? fmt::format("{:.{}f}", value, decimals) : "–"; }

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
      {"Longest drawdown", format_duration(s.max_drawdown_duration_ns), format_duration(b.max_drawdown_duration_ns)},
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
    out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td></tr>\n", row.name, row.strategy, row.benchmark);
  }
  return out;
}

// Trades grouped by `key` (instrument, exit reason): count, win rate, PnL, average return,
// best and worst, in order of first appearance.
template <typename Key>
std::string group_table(const std::vector<HtmlReportData::RoundTrip>& trips, const char* heading, Key key) {
  struct Group {
    std::string name;
    std::size_t trades = 0, wins = 0;
    double pnl = 0, returns = 0, best = -INFINITY, worst = INFINITY;
  };
  std::vector<Group> groups;
  for (const auto& trip : trips) {
    const std::string name = key(trip);
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.name == name; });
    if (it == groups.end()) it = groups.insert(groups.end(), Group{name});
    ++it->trades;
    it->wins += trip.pnl_after_fees > 0 ? 1 : 0;
    it->pnl += trip.pnl_after_fees;
    it->returns += trip.return_fraction;
    it->best = std::max(it->best, trip.return_fraction);
    it->worst = std::min(it->worst, trip.return_fraction);
  }
  if (groups.empty()) return "<p>No closed trades.</p>";
  std::string out = fmt::format("<table><tr><th>{}</th><th>Trades</th><th>Win rate</th><th>PnL after fees</th>"
                                "<th>Average return</th><th>Best</th><th>Worst</th></tr>\n", heading);
  for (const Group& g : groups) {
    const double n = static_cast<double>(g.trades);
    out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       html_escape(g.name), g.trades, percent(static_cast<double>(g.wins) / n).substr(1),
                       g.pnl >= 0 ? "up" : "down", plain(g.pnl), percent(g.returns / n), percent(g.best), percent(g.worst));
  }
  return out + "</table>";
}

std::string monthly_table(const std::vector<std::pair<std::string, double>>& months) {
  if (months.empty()) return "<p>No complete equity samples.</p>";
  std::string out = "<table class=\"months\"><tr><th>Year</th>";
  static constexpr const char* kNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (const char* name : kNames) out += fmt::format("<th>{}</th>", name);
  out += "<th>Year</th></tr>\n";
  std::string year;
  double year_growth = 1;
  std::vector<std::string> cells(12, "");
  const auto flush = [&] {
    if (year.empty()) return;
    out += "<tr><th>" + year + "</th>";
    for (const std::string& cell : cells) out += cell.empty() ? "<td></td>" : cell;
    out += fmt::format("<td class=\"{}\">{}</td></tr>\n", year_growth >= 1 ? "up" : "down", percent(year_growth - 1));
  };
  for (const auto& [month, value] : months) {
    if (month.substr(0, 4) != year) {
      flush();
      year = month.substr(0, 4);
      year_growth = 1;
      cells.assign(12, "");
    }
    const int index = std::stoi(month.substr(5, 2)) - 1;
    cells[static_cast<std::size_t>(index)] = fmt::format("<td class=\"{}\">{}</td>", value >= 0 ? "up" : "down", percent(value));
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
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::vector<std::pair<std::string, double>> monthly_returns(const std::vector<HtmlReportData::Sample>& samples) {
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
    benchmark_drawdown.emplace_back(sample.time_ns,
                                    benchmark_peak > 0 ? (sample.buy_and_hold / benchmark_peak - 1) * 100 : 0);
    exposure.emplace_back(sample.time_ns, sample.equity > 0 ? sample.exposure / sample.equity * 100 : 0);
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
    instruments += fmt::format("{{\"symbol\":\"{}\",\"prices\":{},\"bullish\":{},\"bearish\":{},\"buys\":{},\"sells\":{}}}",
                               html_escape(series.symbol), points(series.prices), points(bullish), points(bearish),
                               points(series.buys), points(series.sells));
    instrument_canvases += fmt::format("<h3>{}: price, signals, entries and exits</h3>\n<div class=\"chart\"><canvas id=\"price{}\"></canvas></div>\n",
                                       html_escape(series.symbol), i);
  }
  instruments += "]";

  std::string trades;
  for (std::size_t i = 0; i < data.round_trips.size() && i < kMaxTrades; ++i) {
    const auto& trip = data.round_trips[i];
    const char* tone = trip.pnl_after_fees >= 0 ? "up" : "down";
    trades += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td>"
                          "<td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>\n",
                          format_utc_timestamp(trip.entry_ns).substr(0, 16).replace(10, 1, " "),
                          format_utc_timestamp(trip.exit_ns).substr(0, 16).replace(10, 1, " "), html_escape(trip.symbol),
                          trip.quantity, trip.entry_price, trip.exit_price, tone, percent(trip.return_fraction), tone,
                          plain(trip.pnl_after_fees), format_duration(trip.exit_ns - trip.entry_ns),
                          html_escape(trip.exit_reason));
  }
  if (data.round_trips.size() > kMaxTrades) {
    trades += fmt::format("<tr><td colspan=\"10\">… {} more in trades.csv</td></tr>\n", data.round_trips.size() - kMaxTrades);
  }
  if (data.round_trips.empty()) trades = "<tr><td colspan=\"10\">No closed trades.</td></tr>\n";
  const std::string by_instrument =
      group_table(data.round_trips, "Instrument", [](const HtmlReportData::RoundTrip& trip) { return trip.symbol; });
  const std::string by_reason =
      group_table(data.round_trips, "Exit reason", [](const HtmlReportData::RoundTrip& trip) { return trip.exit_reason; });
  std::string denials;
  for (const auto& [reason, count] : data.denials) denials += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", html_escape(reason), count);
  if (denials.empty()) denials = "<tr><td colspan=\"2\">none</td></tr>";

  const std::string_view chartjs(sigex_chartjs_start, static_cast<std::size_t>(sigex_chartjs_end - sigex_chartjs_start));
  std::string html;
  html.reserve(chartjs.size() + 200'000);
  html += fmt::format(R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1200px; color: #1a1a1a; padding: 0 1rem; }}
h1 {{ font-size: 1.4rem; }} h2 {{ font-size: 1.15rem; margin-top: 2rem; }} h3 {{ font-size: 1rem; }}
table {{ border-collapse: collapse; font-size: 0.85rem; margin: 0.5rem 0; }}
th, td {{ border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: right; }}
th {{ background: #f5f5f5; text-align: left; }}
.up {{ color: #137333; }} .down {{ color: #b3261e; }}
.chart {{ position: relative; height: 320px; }}
.small {{ height: 200px; }}
.summary td {{ min-width: 7rem; }}
</style></head>
<body>
<h1>{title}</h1>
<p>{start} → {end}. Equity {start_equity} → {final_equity} {cash}; {orders} orders, {fills} fills, fees {fees} {cash};
holding a position in {exposure} of the equity samples.</p>
<h2>Metrics</h2>
<table class="summary"><tr><th></th><th>Strategy</th><th>Buy and hold</th></tr>
{metrics}</table>
<p>{annualised_note}{assumptions} Buy and hold splits the starting cash equally over the instruments, buys each at its first input
price paying the strategy's taker fee, and holds to the end. Realised PnL is before fees.</p>
<h2>Equity against buy and hold</h2>
<p><label><input type="checkbox" id="logscale"> logarithmic scale</label></p>
<div class="chart"><canvas id="equity"></canvas></div>
<h2>Drawdown (under water): strategy and buy and hold</h2>
<div class="chart small"><canvas id="drawdown"></canvas></div>
<h2>Exposure</h2>
<div class="chart small"><canvas id="exposure"></canvas></div>
<h2>Instruments</h2>
{instrument_canvases}
<h2>Monthly returns</h2>
{months}
<h2>Risk denials by reason</h2>
<table>{denials}</table>
<h2>Trades by instrument</h2>
{by_instrument}
<h2>Trades by exit reason</h2>
{by_reason}
<h2>Round trips</h2>
<table><tr><th>Entry (UTC)</th><th>Exit (UTC)</th><th>Instrument</th><th>Quantity</th><th>Entry price</th><th>Exit price</th><th>Return</th><th>PnL after fees ({cash})</th><th>Duration</th><th>Exit reason</th></tr>
{trades}</table>
<p>A round trip runs from the first fill out of a flat position back to flat; its return is its PnL after every fee over
the cost of the entry. Every fill is in fills.csv, every round trip in trades.csv. Charts by Chart.js {chartjs_version}
(MIT), embedded.</p>
<script>
)",
                      fmt::arg("title", html_escape(data.title)), fmt::arg("start", format_utc_timestamp(data.start_ns)),
                      fmt::arg("end", format_utc_timestamp(data.end_ns)), fmt::arg("start_equity", plain(data.starting_equity)),
                      fmt::arg("final_equity", plain(data.final_equity)), fmt::arg("cash", html_escape(data.cash_asset)),
                      fmt::arg("orders", data.orders), fmt::arg("fills", data.fills), fmt::arg("fees", plain(data.fees)),
                      fmt::arg("exposure", percent(data.exposure_time_fraction).substr(1)),
                      fmt::arg("metrics", metrics_rows(data.strategy, data.buy_and_hold)),
                      fmt::arg("assumptions", html_escape(data.assumptions)),
                      fmt::arg("annualised_note", data.end_ns - data.start_ns < static_cast<DurationNs>(kMinDaysToAnnualise) * kNsPerDay
                                                      ? "Annualised figures (return, volatility, Sharpe, Sortino, Calmar) are not "
                                                        "meaningful for less than 30 days of data and are shown as –. "
                                                      : ""),
                      fmt::arg("instrument_canvases", instrument_canvases), fmt::arg("months", monthly_table(monthly_returns(data.samples))),
                      fmt::arg("denials", denials), fmt::arg("trades", trades), fmt::arg("by_instrument", by_instrument),
                      fmt::arg("by_reason", by_reason), fmt::arg("chartjs_version", "3.9.1"));
  html += chartjs;
  html += fmt::format(R"(
</script>
<script>
const data = {{ equity: {equity}, benchmark: {benchmark}, drawdown: {drawdown}, benchmarkDrawdown: {benchmark_drawdown},
  exposure: {exposure}, instruments: {instruments}, start: {start_ms}, end: {end_ms} }};
const xy = (series) => series.map(([x, y]) => ({{ x, y }}));
const stamp = (value) => new Date(value).toISOString().slice(0, 16).replace('T', ' ');
// A calendar axis: ticks on UTC year, quarter, month, week, day, hour or minute boundaries
// (whichever gives at most 10 over the run), labelled to that unit, and no axis past the data.
const MINUTE = 60e3, HOUR = 36e5, DAY = 864e5;
const units = [
  {{ step: 'year', size: 365 * DAY, label: (d) => String(d.getUTCFullYear()) }},
  {{ step: 'quarter', size: 91 * DAY, label: (d) => d.toISOString().slice(0, 7) }},
  {{ step: 'month', size: 30 * DAY, label: (d) => d.toISOString().slice(0, 7) }},
  {{ step: 7 * DAY, size: 7 * DAY, label: (d) => d.toISOString().slice(0, 10) }},
  {{ step: DAY, size: DAY, label: (d) => d.toISOString().slice(0, 10) }},
  {{ step: 6 * HOUR, size: 6 * HOUR, label: (d) => d.toISOString().slice(5, 16).replace('T', ' ') }},
  {{ step: HOUR, size: HOUR, label: (d) => d.toISOString().slice(11, 16) }},
  {{ step: 10 * MINUTE, size: 10 * MINUTE, label: (d) => d.toISOString().slice(11, 16) }},
  {{ step: 5 * MINUTE, size: 5 * MINUTE, label: (d) => d.toISOString().slice(11, 16) }},
  {{ step: 2 * MINUTE, size: 2 * MINUTE, label: (d) => d.toISOString().slice(11, 16) }},
  {{ step: MINUTE, size: MINUTE, label: (d) => d.toISOString().slice(11, 16) }} ];
const span = Math.max(data.end - data.start, MINUTE);
const unit = units.find((u, i) => i === units.length - 1 || span / units[i + 1].size > 10) || units[0];
function calendarTicks(min, max) {{
  const ticks = [];
  const d = new Date(min);
  if (typeof unit.step === 'number') {{
    for (let t = Math.ceil(min / unit.step) * unit.step; t <= max; t += unit.step) ticks.push({{ value: t }});
    return ticks;
  }}
  const months = unit.step === 'year' ? 12 : unit.step === 'quarter' ? 3 : 1;
  let year = d.getUTCFullYear(), month = Math.ceil(d.getUTCMonth() / months) * months;
  for (let t = Date.UTC(year, month, 1); t <= max; month += months, t = Date.UTC(year, month, 1)) {{
    if (t >= min) ticks.push({{ value: t }});
  }}
  return ticks;
}}
const timeAxis = {{ type: 'linear', min: data.start, max: data.end, bounds: 'data',
  afterBuildTicks: (axis) => {{ axis.ticks = calendarTicks(axis.min, axis.max); }},
  ticks: {{ autoSkip: false, maxRotation: 0, callback: (value) => unit.label(new Date(value)) }} }};
const base = (yTitle) => ({{ animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
  interaction: {{ mode: 'nearest', intersect: false }},
  plugins: {{ tooltip: {{ callbacks: {{ title: (items) => items.length ? stamp(items[0].parsed.x) : '' }} }} }},
  scales: {{ x: timeAxis, y: {{ title: {{ display: true, text: yTitle }} }} }} }});
const line = (label, series, color, fill) => ({{ type: 'line', label, data: xy(series), borderColor: color,
  backgroundColor: fill || color, fill: !!fill, pointRadius: 0, borderWidth: 1.5 }});
// Datasets with a lower `order` are drawn on top: trades over signals over the price line.
const marks = (label, series, color, style, size, order) => ({{ type: 'scatter', label, data: xy(series), borderColor: color,
  backgroundColor: color, pointStyle: style, pointRadius: size, showLine: false, order }});
const equityChart = new Chart(document.getElementById('equity'), {{ type: 'line', options: base('{cash}'), data: {{ datasets: [
  line('Strategy', data.equity, '#1a73e8'), line('Buy and hold', data.benchmark, '#9aa0a6') ] }} }});
// A strong benchmark flattens the strategy's curve on a linear axis; a log axis shows both.
const logScale = document.getElementById('logscale');
logScale.addEventListener('change', () => {{
  equityChart.options.scales.y.type = logScale.checked ? 'logarithmic' : 'linear';
  equityChart.update();
}});
if (location.hash === '#log') {{ logScale.checked = true; logScale.dispatchEvent(new Event('change')); }}  // report.html#log
new Chart(document.getElementById('drawdown'), {{ type: 'line', options: base('% below peak'), data: {{ datasets: [
  line('Strategy', data.drawdown, '#b3261e', 'rgba(179,38,30,0.25)'),
  line('Buy and hold', data.benchmarkDrawdown, '#9aa0a6') ] }} }});
new Chart(document.getElementById('exposure'), {{ type: 'line', options: base('% of equity'), data: {{ datasets: [
  line('Exposure', data.exposure, '#f29900', 'rgba(242,153,0,0.2)') ] }} }});
data.instruments.forEach((instrument, index) => {{
  new Chart(document.getElementById('price' + index), {{ type: 'line', options: base('price'), data: {{ datasets: [
    Object.assign(line(instrument.symbol, instrument.prices, '#5f6368'), {{ order: 3 }}),
    marks('Bullish signal', instrument.bullish, 'rgba(19,115,51,0.6)', 'triangle', 8, 2),
    marks('Bearish signal', instrument.bearish, 'rgba(179,38,30,0.6)', 'rectRot', 8, 2),
    marks('Buy', instrument.buys, '#1a73e8', 'circle', 4, 1),
    marks('Sell', instrument.sells, '#f29900', 'circle', 4, 1) ] }} }});
}});
// For tests and for the curious: how many canvases have something painted on them.
let painted = 0;
for (const canvas of document.querySelectorAll('canvas')) {{
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) {{ if (pixels[i] !== 0) {{ painted++; break; }} }}
}}
document.body.setAttribute('data-charts-rendered', String(painted));
</script>
</body></html>
)",
                      fmt::arg("equity", points(equity)), fmt::arg("benchmark", points(benchmark)),
                      fmt::arg("drawdown", points(drawdown)), fmt::arg("benchmark_drawdown", points(benchmark_drawdown)),
                      fmt::arg("start_ms", number(ms(data.start_ns), 0)), fmt::arg("end_ms", number(ms(data.end_ns), 0)),
                      fmt::arg("exposure", points(exposure)),
                      fmt::arg("instruments", instruments), fmt::arg("cash", html_escape(data.cash_asset)));
  return html;
}

}  // namespace sigex
