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
#include "engine/report/sweep_report.h"

namespace sigex {
namespace {

struct Grid {
  std::string rank_by = "sharpe";
  bool descending = true;
  std::string out_dir = "sweep-out";
  std::vector<SweepParameter> parameters;
};

struct Run : SweepRun {
  std::filesystem::path directory;
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
      error =
          path + ": unknown key '" + name + "' (expected rank_by, order, out_dir, [[parameter]])";
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
  if (std::find(std::begin(kSweepMetrics), std::end(kSweepMetrics), grid.rank_by) ==
      std::end(kSweepMetrics)) {
    error = path + ": rank_by '" + grid.rank_by + "' is not a metric; one of:";
    for (const char* metric : kSweepMetrics) error += std::string(" ") + metric;
    return false;
  }
  const std::string out = table["out_dir"].value_or(grid.out_dir);
  grid.out_dir =
      std::filesystem::path(out).is_absolute()
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
    SweepParameter parameter;
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
std::vector<std::vector<std::string>> combinations(const std::vector<SweepParameter>& parameters) {
  std::vector<std::vector<std::string>> result = {{}};
  for (const SweepParameter& parameter : parameters) {
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
  std::vector<std::string> arguments = {
      options.executable,     "backtest", "--config", options.config_path, "--out",
      run.directory.string(), "--quiet"};
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
  for (const char* metric : kSweepMetrics) run.metrics[metric] = std::nan("");
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
      found->second =
          std::strtod(std::string(text).c_str(), nullptr);  // money strings, for the table
    }
  }
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
    for (std::size_t i = 0; i < grid.parameters.size(); ++i)
      overrides.push_back(grid.parameters[i].key + "=" + run.values[i]);
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
  SweepTable table{options.config_path, grid.rank_by, grid.descending, grid.parameters, {}};
  for (const Run& run : runs) table.runs.push_back(run);
  const std::vector<SweepRun> ranked = rank_runs(table);
  if (!write_sweep_tables(table, ranked, out, error)) {
    std::fprintf(stderr, "sweep: %s\n", error.c_str());
    return 1;
  }
  const auto failed =
      std::count_if(runs.begin(), runs.end(), [](const Run& run) { return run.exit_code != 0; });
  if (!options.quiet) {
    std::printf("sigex sweep: %zu runs (%zu at a time), ranked by %s; %s\n", runs.size(), jobs,
                grid.rank_by.c_str(), (out / "sweep.html").c_str());
    for (std::size_t rank = 0; rank < std::min<std::size_t>(ranked.size(), 5); ++rank) {
      std::string parameters;
      for (std::size_t i = 0; i < grid.parameters.size(); ++i) {
        parameters += fmt::format(" {}={}", grid.parameters[i].key, ranked[rank].values[i]);
      }
      std::printf("  #%zu run %zu: %s %s;%s\n", rank + 1, ranked[rank].index, grid.rank_by.c_str(),
                  sweep_cell(ranked[rank].metrics.at(grid.rank_by)).c_str(), parameters.c_str());
    }
    if (failed > 0)
      std::printf("  %ld run(s) failed: see runs/<run>/log.txt\n", static_cast<long>(failed));
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace sigex
