#include "engine/exe/sweep_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include <fmt/format.h>
#include <simdjson.h>
#include <toml++/toml.h>

#include "engine/exe/app_config.h"
#include "engine/exe/html_report.h"
#include "engine/exe/output_files.h"

namespace sigex {
namespace {

struct Parameter {
  std::string key;
  std::vector<std::string> values;  // as TOML text, for --set
};

struct Grid {
  std::string rank_by = "sharpe";
  bool descending = true;
  std::string out_dir = "sweep-out";
  std::vector<Parameter> parameters;
};

// The summary.json fields the table shows, in column order.
constexpr const char* kMetrics[] = {
    "total_return", "annualised_return", "max_drawdown", "max_drawdown_duration_days", "volatility",
    "sharpe",       "sortino",           "calmar",       "win_rate",                   "profit_factor",
    "average_win",  "average_loss",      "turnover",     "trades",                     "orders",
    "fees",         "final_equity"};

struct Run {
  std::size_t index = 0;
  std::vector<std::string> values;  // one per parameter
  std::filesystem::path directory;
  int exit_code = -1;
  std::map<std::string, double> metrics;  // NaN when absent or null
  double buy_and_hold = std::nan("");
};

std::string toml_text(const toml::node& node, std::string& error) {
  if (const auto* text = node.as_string()) {
    std::ostringstream out;
    out << toml::value<std::string>(text->get());
    return out.str();
  }
  if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  if (const auto* boolean = node.as_boolean()) return boolean->get() ? "true" : "false";
  error = "values must be strings (decimals are written as strings), integers or booleans";
  return {};
}

bool read_grid(const std::string& path, Grid& grid, std::string& error) {
  // Read as every configuration file is: a file that cannot be opened says why.
  ConfigErrors errors;
  const auto parsed = parse_toml_file(path, errors);
  if (!parsed) {
    error = errors.messages().empty() ? path + ": cannot read the file" : errors.messages().front();
    return false;
  }
  const toml::table& table = *parsed;
  for (const auto& [key, node] : table) {
    const std::string name(key.str());
    if (name != "rank_by" && name != "order" && name != "out_dir" && name != "parameter") {
      error = path + ": unknown key '" + name + "' (expected rank_by, order, out_dir, [[parameter]])";
      return false;
    }
  }
  grid.rank_by = table["rank_by"].value_or(grid.rank_by);
  const std::string order = table["order"].value_or(std::string("desc"));
  if (order != "desc" && order != "asc") {
    error = path + ": order must be \"desc\" or \"asc\"";
    return false;
  }
  grid.descending = order == "desc";
  if (std::find(std::begin(kMetrics), std::end(kMetrics), grid.rank_by) == std::end(kMetrics)) {
    error = path + ": rank_by '" + grid.rank_by + "' is not a metric; one of:";
    for (const char* metric : kMetrics) error += std::string(" ") + metric;
    return false;
  }
  const std::string out = table["out_dir"].value_or(grid.out_dir);
  grid.out_dir = std::filesystem::path(out).is_absolute()
                     ? out
                     : (std::filesystem::path(path).parent_path() / out).lexically_normal().string();
  const toml::array* parameters = table["parameter"].as_array();
  if (parameters == nullptr || parameters->empty()) {
    error = path + ": at least one [[parameter]] with key and values is required";
    return false;
  }
  for (std::size_t i = 0; i < parameters->size(); ++i) {
    const toml::table* entry = parameters->get(i)->as_table();
    const std::string where = fmt::format("{}: [[parameter]] #{}", path, i + 1);
    if (entry == nullptr) {
      error = where + ": expected a table";
      return false;
    }
    Parameter parameter;
    parameter.key = (*entry)["key"].value_or(std::string());
    const toml::array* values = (*entry)["values"].as_array();
    if (parameter.key.empty() || values == nullptr || values->empty()) {
      error = where + ": key and a non-empty values array are required";
      return false;
    }
    for (const toml::node& value : *values) {
      std::string why;
      parameter.values.push_back(toml_text(value, why));
      if (!why.empty()) {
        error = where + " (" + parameter.key + "): " + why;
        return false;
      }
    }
    grid.parameters.push_back(std::move(parameter));
  }
  return true;
}

// Every combination, the first parameter varying slowest.
std::vector<std::vector<std::string>> combinations(const std::vector<Parameter>& parameters) {
  std::vector<std::vector<std::string>> result = {{}};
  for (const Parameter& parameter : parameters) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : result) {
      for (const std::string& value : parameter.values) {
        next.push_back(prefix);
        next.back().push_back(value);
      }
    }
    result = std::move(next);
  }
  return result;
}

std::vector<std::string> set_arguments(const Grid& grid, const Run& run) {
  std::vector<std::string> arguments;
  for (std::size_t i = 0; i < grid.parameters.size(); ++i) {
    arguments.push_back("--set");
    arguments.push_back(grid.parameters[i].key + "=" + run.values[i]);
  }
  return arguments;
}

pid_t start_backtest(const SweepOptions& options, const Grid& grid, const Run& run) {
  std::vector<std::string> arguments = {options.executable, "backtest", "--config", options.config_path,
                                        "--out",            run.directory.string(), "--quiet"};
  for (std::string& argument : set_arguments(grid, run)) arguments.push_back(std::move(argument));
  const std::string log = (run.directory / "log.txt").string();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd >= 0) {
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
  }
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  ::execv(options.executable.c_str(), argv.data());
  ::_exit(127);
}

void read_summary(Run& run) {
  for (const char* metric : kMetrics) run.metrics[metric] = std::nan("");
  simdjson::ondemand::parser parser;
  simdjson::padded_string json;
  if (simdjson::padded_string::load((run.directory / "summary.json").string()).get(json)) return;
  simdjson::ondemand::document document;
  if (parser.iterate(json).get(document)) return;
  simdjson::ondemand::object object;
  if (document.get_object().get(object)) return;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) continue;
    simdjson::ondemand::value value = field.value();
    if (key == "buy_and_hold") {
      double total = 0;
      if (!value["total_return"].get_double().get(total)) run.buy_and_hold = total;
      continue;
    }
    const auto found = run.metrics.find(std::string(key));
    if (found == run.metrics.end()) continue;
    double number = 0;
    std::string_view text;
    if (!value.get_double().get(number)) {
      found->second = number;
    } else if (!value.get_string().get(text)) {
      found->second = std::strtod(std::string(text).c_str(), nullptr);  // money strings, for the table
    }
  }
}

std::string cell(double value) { return std::isfinite(value) ? fmt::format("{:.6f}", value) : ""; }

// Metrics that are fractions (returns, drawdowns, rates) read as percentages in the page.
bool is_fraction(std::string_view metric) {
  return metric == "total_return" || metric == "annualised_return" || metric == "max_drawdown" ||
         metric == "volatility" || metric == "win_rate";
}

std::string shown(std::string_view metric, double value) {
  if (!std::isfinite(value)) return "–";
  if (metric == "total_return" || metric == "annualised_return") return fmt::format("{:+.2f} %", value * 100);
  if (is_fraction(metric)) return fmt::format("{:.2f} %", value * 100);
  if (metric == "trades" || metric == "orders") return fmt::format("{:.0f}", value);
  return fmt::format("{:.2f}", value);
}

// A parameter value as people write it: a TOML string without its quotes.
std::string display_value(const std::string& toml) {
  if (toml.size() >= 2 && (toml.front() == '"' || toml.front() == '\'') && toml.back() == toml.front()) {
    return toml.substr(1, toml.size() - 2);
  }
  return toml;
}

// With exactly two parameters: the ranking metric over the grid, first parameter down, second
// across, each cell shaded from worst (red) to best (green) and linking to its run's report.
std::string heatmap(const Grid& grid, const std::vector<Run>& runs) {
  if (grid.parameters.size() != 2) return "";
  const Parameter& rows = grid.parameters[0];
  const Parameter& columns = grid.parameters[1];
  double low = INFINITY, high = -INFINITY;
  for (const Run& run : runs) {
    const double value = run.metrics.at(grid.rank_by);
    if (std::isfinite(value)) {
      low = std::min(low, value);
      high = std::max(high, value);
    }
  }
  std::string out = fmt::format("<h2>{} over the grid</h2>\n<table class=\"heatmap\"><tr><th>{} \\ {}</th>",
                                html_escape(grid.rank_by), html_escape(rows.key), html_escape(columns.key));
  for (const std::string& column : columns.values) out += "<th>" + html_escape(display_value(column)) + "</th>";
  out += "</tr>\n";
  for (const std::string& row : rows.values) {
    out += "<tr><th>" + html_escape(display_value(row)) + "</th>";
    for (const std::string& column : columns.values) {
      const auto run = std::find_if(runs.begin(), runs.end(), [&](const Run& r) {
        return r.values[0] == row && r.values[1] == column;
      });
      if (run == runs.end()) {
        out += "<td></td>";
        continue;
      }
      const double value = run->metrics.at(grid.rank_by);
      std::string style;
      if (std::isfinite(value) && high > low) {
        double goodness = (value - low) / (high - low);
        if (!grid.descending) goodness = 1 - goodness;
        style = fmt::format(" style=\"background: hsl({:.0f}, 70%, 80%)\"", goodness * 120);  // red .. green
      }
      out += fmt::format("<td{}><a href=\"runs/{:04}/report.html\">{}</a></td>", style, run->index,
                         shown(grid.rank_by, value));
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

bool write_tables(const Grid& grid, const std::vector<Run>& ranked, const std::filesystem::path& out,
                  const std::string& config_path, std::string& error) {
  std::string csv = "rank,run";
  for (const Parameter& parameter : grid.parameters) csv += "," + parameter.key;
  for (const char* metric : kMetrics) csv += std::string(",") + metric;
  csv += ",buy_and_hold_return,exit_code\n";
  std::string rows;
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    const Run& run = ranked[rank];
    csv += fmt::format("{},{}", rank + 1, run.index);
    rows += fmt::format("<tr{}><td>{}</td><td><a href=\"runs/{:04}/report.html\">{}</a></td>",
                        run.exit_code == 0 ? "" : " class=\"failed\"", rank + 1, run.index, run.index);
    for (const std::string& value : run.values) {
      csv += "," + (value.find(',') == std::string::npos ? value : "\"" + value + "\"");
      rows += "<td>" + html_escape(display_value(value)) + "</td>";
    }
    for (const char* metric : kMetrics) {
      const double value = run.metrics.at(metric);
      csv += "," + cell(value);
      rows += fmt::format("<td{}>{}</td>", std::string(metric) == grid.rank_by ? " class=\"key\"" : "",
                          shown(metric, value));
    }
    csv += fmt::format(",{},{}\n", cell(run.buy_and_hold), run.exit_code);
    rows += fmt::format("<td>{}</td><td>{}</td></tr>\n",
                        shown("total_return", run.buy_and_hold), run.exit_code);
  }
  std::string header = "<tr><th>rank</th><th>run</th>";
  for (const Parameter& parameter : grid.parameters) header += "<th>" + html_escape(parameter.key) + "</th>";
  for (const char* metric : kMetrics) header += std::string("<th>") + metric + "</th>";
  header += "<th>buy_and_hold_return</th><th>exit_code</th></tr>";
  const std::string html = fmt::format(
      R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>sigex sweep</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.5rem; color: #1a1a1a; }}
table {{ border-collapse: collapse; font-size: 0.85rem; }}
th, td {{ border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; white-space: nowrap; }}
th {{ background: #f0f0f0; position: sticky; top: 0; }}
td.key {{ font-weight: bold; background: #eef6ee; }}
tr.failed td {{ color: #a00; }}
table.heatmap td {{ text-align: center; min-width: 5rem; }}
a {{ color: inherit; }}
</style></head><body>
<h1>sigex sweep</h1>
<p>Base configuration <code>{}</code>; {} runs ranked by <b>{}</b> ({}). Each run's outputs are in
<code>runs/&lt;run&gt;/</code>: the run numbers link to their reports. Returns, drawdowns and rates are
percentages; a metric that needs 30 days of data is – for shorter runs.</p>
{}<h2>Ranking</h2>
<table>
{}
{}</table>
</body></html>
)",
      html_escape(config_path), ranked.size(), html_escape(grid.rank_by), grid.descending ? "highest first" : "lowest first",
      heatmap(grid, ranked), header, rows);
  return write_output_files(out, {{"sweep.csv", &csv}, {"sweep.html", &html}}, error);
}

}  // namespace

int run_sweep(const SweepOptions& options) {
  Grid grid;
  std::string error;
  if (!read_grid(options.grid_path, grid, error)) {
    std::fprintf(stderr, "sweep: %s\n", error.c_str());
    return 2;
  }
  const std::filesystem::path out = options.out_dir.value_or(grid.out_dir);
  std::vector<Run> runs;
  for (auto& values : combinations(grid.parameters)) {
    Run run;
    run.index = runs.size() + 1;
    run.values = std::move(values);
    run.directory = out / "runs" / fmt::format("{:04}", run.index);
    // Every combination is validated before anything runs.
    std::vector<std::string> overrides;
    for (std::size_t i = 0; i < grid.parameters.size(); ++i) overrides.push_back(grid.parameters[i].key + "=" + run.values[i]);
    ConfigErrors errors;
    load_app_config(options.config_path, errors, overrides);
    if (!errors.empty()) {
      std::fprintf(stderr, "sweep: run %zu is not a valid configuration:\n", run.index);
      for (const auto& message : errors.messages()) std::fprintf(stderr, "  %s\n", message.c_str());
      return 2;
    }
    runs.push_back(std::move(run));
  }
  std::error_code ec;
  std::filesystem::remove_all(out / "runs", ec);
  for (const Run& run : runs) std::filesystem::create_directories(run.directory, ec);
  if (ec) {
    std::fprintf(stderr, "sweep: cannot create %s: %s\n", out.c_str(), ec.message().c_str());
    return 2;
  }

  const bool progress = !options.quiet && isatty(STDERR_FILENO) == 1;
  std::map<pid_t, std::size_t> running;
  std::size_t next = 0, done = 0;
  const std::size_t jobs = static_cast<std::size_t>(std::max(options.jobs, 1));
  while (done < runs.size()) {
    while (next < runs.size() && running.size() < jobs) {
      running[start_backtest(options, grid, runs[next])] = next;
      ++next;
    }
    int status = 0;
    const pid_t finished = ::waitpid(-1, &status, 0);
    const auto found = running.find(finished);
    if (found == running.end()) continue;
    Run& run = runs[found->second];
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    running.erase(found);
    ++done;
    if (progress) std::fprintf(stderr, "\r[%zu/%zu] backtests done", done, runs.size());
  }
  if (progress) std::fprintf(stderr, "\r%40s\r", "");

  for (Run& run : runs) read_summary(run);
  std::vector<Run> ranked = runs;
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Run& a, const Run& b) {
    const double x = a.metrics.at(grid.rank_by), y = b.metrics.at(grid.rank_by);
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);  // runs without a value go last
    if (std::isnan(x) || x == y) return a.index < b.index;
    return grid.descending ? x > y : x < y;
  });
  if (!write_tables(grid, ranked, out, options.config_path, error)) {
    std::fprintf(stderr, "sweep: %s\n", error.c_str());
    return 1;
  }
  const auto failed = std::count_if(runs.begin(), runs.end(), [](const Run& run) { return run.exit_code != 0; });
  if (!options.quiet) {
    std::printf("sigex sweep: %zu runs (%zu at a time), ranked by %s; %s\n", runs.size(), jobs, grid.rank_by.c_str(),
                (out / "sweep.html").c_str());
    for (std::size_t rank = 0; rank < std::min<std::size_t>(ranked.size(), 5); ++rank) {
      std::string parameters;
      for (std::size_t i = 0; i < grid.parameters.size(); ++i) {
        parameters += fmt::format(" {}={}", grid.parameters[i].key, ranked[rank].values[i]);
      }
      std::printf("  #%zu run %zu: %s %s;%s\n", rank + 1, ranked[rank].index, grid.rank_by.c_str(),
                  cell(ranked[rank].metrics.at(grid.rank_by)).c_str(), parameters.c_str());
    }
    if (failed > 0) std::printf("  %ld run(s) failed: see runs/<run>/log.txt\n", static_cast<long>(failed));
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace sigex
