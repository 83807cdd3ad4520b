#include "engine/exe/html_report.h"

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
      {"Win rate", percent(s.win_rate), "–"},
      {"Profit factor", plain(s.profit_factor), "–"},
      {"Average win", plain(s.average_win), "–"},
      {"Average loss", plain(s.average_loss), "–"},
      {"Turnover", fmt::format("{:.1f}x", s.turnover), "–"},
  };
  std::string out;
  for (const Row& row : rows) {
    out += fmt::format("<tr><th>{}</th><td>{}</td><td>{}</td></tr>\n", row.name, row.strategy, row.benchmark);
  }
  return out;
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
  std::vector<std::pair<TimeNs, double>> equity, benchmark, drawdown, exposure;
  double peak = 0;
  for (const auto& sample : data.samples) {
    equity.emplace_back(sample.time_ns, sample.equity);
    benchmark.emplace_back(sample.time_ns, sample.buy_and_hold);
    peak = std::max(peak, sample.equity);
    drawdown.emplace_back(sample.time_ns, peak > 0 ? (sample.equity / peak - 1) * 100 : 0);
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
  for (std::size_t i = 0; i < data.trades.size() && i < kMaxTrades; ++i) {
    const auto& trade = data.trades[i];
    trades += fmt::format("<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
                          format_utc_timestamp(trade.time_ns), html_escape(trade.symbol), trade.side == "BUY" ? "up" : "down",
                          trade.side, trade.price, trade.quantity, trade.fee, trade.realised_pnl, html_escape(trade.client_order_id));
  }
  if (data.trades.size() > kMaxTrades) {
    trades += fmt::format("<tr><td colspan=\"8\">… {} more in fills.csv</td></tr>\n", data.trades.size() - kMaxTrades);
  }
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
<div class="chart"><canvas id="equity"></canvas></div>
<h2>Drawdown (under water)</h2>
<div class="chart small"><canvas id="drawdown"></canvas></div>
<h2>Exposure</h2>
<div class="chart small"><canvas id="exposure"></canvas></div>
<h2>Instruments</h2>
{instrument_canvases}
<h2>Monthly returns</h2>
{months}
<h2>Risk denials by reason</h2>
<table>{denials}</table>
<h2>Trades</h2>
<table><tr><th>Time (UTC)</th><th>Instrument</th><th>Side</th><th>Price</th><th>Quantity</th><th>Fee</th><th>Realised PnL</th><th>Client order id</th></tr>
{trades}</table>
<p>Buy and hold: the starting cash split equally over the instruments, each bought at its first price and held, without fees.
Charts by Chart.js {chartjs_version} (MIT), embedded.</p>
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
                      fmt::arg("denials", denials), fmt::arg("trades", trades), fmt::arg("chartjs_version", "3.9.1"));
  html += chartjs;
  html += fmt::format(R"(
</script>
<script>
const data = {{ equity: {equity}, benchmark: {benchmark}, drawdown: {drawdown}, exposure: {exposure}, instruments: {instruments} }};
const xy = (series) => series.map(([x, y]) => ({{ x, y }}));
const day = (value) => new Date(value).toISOString().slice(0, 16).replace('T', ' ');
const timeAxis = {{ type: 'linear', ticks: {{ callback: day, maxTicksLimit: 8 }} }};
const base = (yTitle) => ({{ animation: false, responsive: true, maintainAspectRatio: false, parsing: false, normalized: true,
  interaction: {{ mode: 'nearest', intersect: false }},
  plugins: {{ tooltip: {{ callbacks: {{ title: (items) => items.length ? day(items[0].parsed.x) : '' }} }} }},
  scales: {{ x: timeAxis, y: {{ title: {{ display: true, text: yTitle }} }} }} }});
const line = (label, series, color, fill) => ({{ type: 'line', label, data: xy(series), borderColor: color,
  backgroundColor: fill || color, fill: !!fill, pointRadius: 0, borderWidth: 1.5 }});
// Datasets with a lower `order` are drawn on top: trades over signals over the price line.
const marks = (label, series, color, style, size, order) => ({{ type: 'scatter', label, data: xy(series), borderColor: color,
  backgroundColor: color, pointStyle: style, pointRadius: size, showLine: false, order }});
new Chart(document.getElementById('equity'), {{ type: 'line', options: base('{cash}'), data: {{ datasets: [
  line('Strategy', data.equity, '#1a73e8'), line('Buy and hold', data.benchmark, '#9aa0a6') ] }} }});
new Chart(document.getElementById('drawdown'), {{ type: 'line', options: base('% below peak'), data: {{ datasets: [
  line('Drawdown', data.drawdown, '#b3261e', 'rgba(179,38,30,0.25)') ] }} }});
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
                      fmt::arg("drawdown", points(drawdown)), fmt::arg("exposure", points(exposure)),
                      fmt::arg("instruments", instruments), fmt::arg("cash", html_escape(data.cash_asset)));
  return html;
}

}  // namespace sigex
