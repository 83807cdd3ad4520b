#include "engine/report/sweep_report.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "engine/report/html_report.h"
#include "engine/report/output_files.h"
#include "engine/report/page_template.h"

namespace sigex {
namespace {

// Metrics that are fractions (returns, drawdowns, rates) read as percentages in the page.
bool is_fraction(std::string_view metric) {
  return metric == "total_return" || metric == "annualised_return" || metric == "max_drawdown" ||
         metric == "volatility" || metric == "win_rate";
}

std::string shown(std::string_view metric, double value) {
  if (!std::isfinite(value)) return "–";
  if (metric == "total_return" || metric == "annualised_return")
    return fmt::format("{:+.2f} %", value * 100);
  if (is_fraction(metric)) return fmt::format("{:.2f} %", value * 100);
  if (metric == "trades" || metric == "orders") return fmt::format("{:.0f}", value);
  return fmt::format("{:.2f}", value);
}

// With exactly two parameters: the ranking metric over the grid, first parameter down, second
// across, each cell shaded from worst (red) to best (green) and linking to its run's report.
std::string heatmap(const SweepTable& table, const std::vector<SweepRun>& runs) {
  if (table.parameters.size() != 2) return "";
  const SweepParameter& rows = table.parameters[0];
  const SweepParameter& columns = table.parameters[1];
  double low = INFINITY, high = -INFINITY;
  for (const SweepRun& run : runs) {
    const double value = run.metrics.at(table.rank_by);
    if (std::isfinite(value)) {
      low = std::min(low, value);
      high = std::max(high, value);
    }
  }
  std::string out =
      fmt::format("<h2>{} over the grid</h2>\n<table class=\"heatmap\"><tr><th>{} \\ {}</th>",
                  html_escape(table.rank_by), html_escape(rows.key), html_escape(columns.key));
  for (const std::string& column : columns.values)
    out += "<th>" + html_escape(display_value(column)) + "</th>";
  out += "</tr>\n";
  for (const std::string& row : rows.values) {
    out += "<tr><th>" + html_escape(display_value(row)) + "</th>";
    for (const std::string& column : columns.values) {
      const auto run = std::find_if(runs.begin(), runs.end(), [&](const SweepRun& r) {
        return r.values[0] == row && r.values[1] == column;
      });
      if (run == runs.end()) {
        out += "<td></td>";
        continue;
      }
      const double value = run->metrics.at(table.rank_by);
      std::string style;
      if (std::isfinite(value) && high > low) {
        double goodness = (value - low) / (high - low);
        if (!table.descending) goodness = 1 - goodness;
        style = fmt::format(" style=\"background: hsl({:.0f}, 70%, 80%)\"",
                            goodness * 120);  // red .. green
      }
      out += fmt::format("<td{}><a href=\"runs/{:04}/report.html\">{}</a></td>", style, run->index,
                         shown(table.rank_by, value));
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

}  // namespace

std::string sweep_cell(double value) {
  return std::isfinite(value) ? fmt::format("{:.6f}", value) : "";
}

std::string display_value(const std::string& toml) {
  if (toml.size() >= 2 && (toml.front() == '"' || toml.front() == '\'') &&
      toml.back() == toml.front()) {
    return toml.substr(1, toml.size() - 2);
  }
  return toml;
}

std::vector<SweepRun> rank_runs(const SweepTable& table) {
  std::vector<SweepRun> ranked = table.runs;
  std::stable_sort(ranked.begin(), ranked.end(), [&](const SweepRun& a, const SweepRun& b) {
    const double x = a.metrics.at(table.rank_by), y = b.metrics.at(table.rank_by);
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);  // runs without a value go last
    if (std::isnan(x) || x == y) return a.index < b.index;
    return table.descending ? x > y : x < y;
  });
  return ranked;
}

std::string render_sweep_csv(const SweepTable& table, const std::vector<SweepRun>& ranked) {
  std::string csv = "rank,run";
  for (const SweepParameter& parameter : table.parameters) csv += "," + parameter.key;
  for (const char* metric : kSweepMetrics) csv += std::string(",") + metric;
  csv += ",buy_and_hold_return,exit_code\n";
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    const SweepRun& run = ranked[rank];
    csv += fmt::format("{},{}", rank + 1, run.index);
    for (const std::string& value : run.values) {
      csv += "," + (value.find(',') == std::string::npos ? value : "\"" + value + "\"");
    }
    for (const char* metric : kSweepMetrics) csv += "," + sweep_cell(run.metrics.at(metric));
    csv += fmt::format(",{},{}\n", sweep_cell(run.buy_and_hold), run.exit_code);
  }
  return csv;
}

std::string render_sweep_html(const SweepTable& table, const std::vector<SweepRun>& ranked) {
  std::string rows;
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    const SweepRun& run = ranked[rank];
    rows +=
        fmt::format("<tr{}><td>{}</td><td><a href=\"runs/{:04}/report.html\">{}</a></td>",
                    run.exit_code == 0 ? "" : " class=\"failed\"", rank + 1, run.index, run.index);
    for (const std::string& value : run.values)
      rows += "<td>" + html_escape(display_value(value)) + "</td>";
    for (const char* metric : kSweepMetrics) {
      rows +=
          fmt::format("<td{}>{}</td>", std::string(metric) == table.rank_by ? " class=\"key\"" : "",
                      shown(metric, run.metrics.at(metric)));
    }
    rows += fmt::format("<td>{}</td><td>{}</td></tr>\n", shown("total_return", run.buy_and_hold),
                        run.exit_code);
  }
  std::string header = "<tr><th>rank</th><th>run</th>";
  for (const SweepParameter& parameter : table.parameters)
    header += "<th>" + html_escape(parameter.key) + "</th>";
  for (const char* metric : kSweepMetrics) header += std::string("<th>") + metric + "</th>";
  header += "<th>buy_and_hold_return</th><th>exit_code</th></tr>";
  return fill_page(sweep_page(), {{"config", html_escape(table.config_path)},
                                  {"runs", std::to_string(ranked.size())},
                                  {"rank_by", html_escape(table.rank_by)},
                                  {"order", table.descending ? "highest first" : "lowest first"},
                                  {"heatmap", heatmap(table, ranked)},
                                  {"header", header},
                                  {"rows", rows}});
}

bool write_sweep_tables(const SweepTable& table, const std::vector<SweepRun>& ranked,
                        const std::filesystem::path& out, std::string& error) {
  const std::string csv = render_sweep_csv(table, ranked);
  const std::string html = render_sweep_html(table, ranked);
  return write_output_files(out, {{"sweep.csv", &csv}, {"sweep.html", &html}}, error);
}

}  // namespace sigex
