#include "engine/exe/sweep_command.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string_view>
#include <system_error>
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
  SlurmResources slurm;
};

struct Run : SweepRun {
  std::filesystem::path directory;
};

std::string toml_quoted(const std::string& text) {
  std::ostringstream out;
  out << toml::value<std::string>(text);
  return out.str();
}

std::string toml_text(const toml::node& node, std::string& error) {
  if (const auto* text = node.as_string()) return toml_quoted(text->get());
  if (const auto* integer = node.as_integer()) return std::to_string(integer->get());
  if (const auto* boolean = node.as_boolean()) return boolean->get() ? "true" : "false";
  error = "values must be strings (decimals are written as strings), integers or booleans";
  return {};
}

// Slurm reads these from #SBATCH lines: only the characters its own syntax uses get there.
bool slurm_value_is_plain(std::string_view value, std::string_view allowed) {
  return !value.empty() && std::all_of(value.begin(), value.end(), [allowed](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || allowed.find(c) != allowed.npos;
  });
}

// Digits with an optional unit, as --mem takes it: 2048, 2048M, 2G.
bool is_memory_size(std::string_view text) {
  const std::size_t digits = std::min(text.find_first_not_of("0123456789"), text.size());
  if (digits == 0) return false;
  return digits == text.size() ||
         (digits + 1 == text.size() && std::string_view("KMGT").find(text.back()) != text.npos);
}

// The checks of one resource, shared by the grid's [sweep.slurm] and the command's options.
std::string check_slurm_resources(const SlurmResources& resources) {
  if (!resources.partition.empty() && !slurm_value_is_plain(resources.partition, "_.-,"))
    return "partition '" + resources.partition + "' is not a Slurm partition name";
  if (!resources.account.empty() && !slurm_value_is_plain(resources.account, "_.-"))
    return "account '" + resources.account + "' is not a Slurm account name";
  if (resources.cpus_per_task < 0 || resources.cpus_per_task > 4096)
    return fmt::format("cpus_per_task {} is not between 1 and 4096", resources.cpus_per_task);
  if (!resources.memory.empty() && !is_memory_size(resources.memory))
    return "memory '" + resources.memory + "' is not a size such as 2048M or 2G";
  const std::string& time = resources.time_limit;
  if (!time.empty() && (!slurm_value_is_plain(time, ":-") ||
                        time.find_first_not_of("0123456789:-") != std::string::npos))
    return "time_limit '" + time + "' is not minutes, HH:MM:SS or D-HH:MM:SS";
  return {};
}

bool read_slurm_resources(const std::string& path, const toml::table& table,
                          SlurmResources& resources, std::string& error) {
  const toml::node* sweep = table.get("sweep");
  if (sweep == nullptr) return true;
  const toml::table* sweep_table = sweep->as_table();
  const toml::table* slurm = sweep_table != nullptr ? (*sweep_table)["slurm"].as_table() : nullptr;
  if (slurm == nullptr || sweep_table->size() != 1) {
    error = path + ": [sweep] holds only [sweep.slurm]";
    return false;
  }
  for (const auto& [key, node] : *slurm) {
    const std::string name(key.str());
    if (name == "cpus_per_task") {
      resources.cpus_per_task = static_cast<int>(node.value_or<std::int64_t>(-1));
      if (resources.cpus_per_task < 1) {
        error = path + ": [sweep.slurm] cpus_per_task: expected a whole number from 1 to 4096";
        return false;
      }
    } else if (name == "partition" || name == "memory" || name == "time_limit" ||
               name == "account") {
      std::string& field = name == "partition" ? resources.partition
                           : name == "memory"  ? resources.memory
                           : name == "account" ? resources.account
                                               : resources.time_limit;
      if (!node.is_string()) {
        error = path + ": [sweep.slurm] " + name + ": expected a string";
        return false;
      }
      field = node.value_or(std::string());
    } else {
      error = path + ": [sweep.slurm] unknown key '" + name +
              "' (expected partition, cpus_per_task, memory, time_limit, account)";
      return false;
    }
  }
  const std::string why = check_slurm_resources(resources);
  if (!why.empty()) error = path + ": [sweep.slurm] " + why;
  return why.empty();
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
    if (name != "rank_by" && name != "order" && name != "out_dir" && name != "parameter" &&
        name != "sweep") {
      error = path + ": unknown key '" + name +
              "' (expected rank_by, order, out_dir, [[parameter]], [sweep.slurm])";
      return false;
    }
  }
  if (!read_slurm_resources(path, table, grid.slurm, error)) return false;
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

// The runs of every combination, each validated as a configuration before anything runs.
bool plan_runs(const std::string& config_path, const Grid& grid, const std::filesystem::path& out,
               std::vector<Run>& runs) {
  for (auto& values : combinations(grid.parameters)) {
    Run run;
    run.index = runs.size() + 1;
    run.values = std::move(values);
    run.directory = out / "runs" / fmt::format("{:04}", run.index);
    std::vector<std::string> overrides;
    for (std::size_t i = 0; i < grid.parameters.size(); ++i)
      overrides.push_back(grid.parameters[i].key + "=" + run.values[i]);
    ConfigErrors errors;
    load_app_config(config_path, errors, overrides);
    if (!errors.empty()) {
      std::fprintf(stderr, "sweep: run %zu is not a valid configuration:\n", run.index);
      for (const auto& message : errors.messages()) std::fprintf(stderr, "  %s\n", message.c_str());
      return false;
    }
    runs.push_back(std::move(run));
  }
  return true;
}

// Reads every run's summary, writes the ranked tables and prints the best five. `how` says how
// the runs were executed ("2 at a time", "on Slurm").
int rank_and_report(const std::string& config_path, const Grid& grid, std::vector<Run>& runs,
                    const std::filesystem::path& out, bool quiet, const std::string& how) {
  for (Run& run : runs) read_summary(run);
  SweepTable table{config_path, grid.rank_by, grid.descending, grid.parameters, {}};
  for (const Run& run : runs) table.runs.push_back(run);
  const std::vector<SweepRun> ranked = rank_runs(table);
  std::string error;
  if (!write_sweep_tables(table, ranked, out, error)) {
    std::fprintf(stderr, "sweep: %s\n", error.c_str());
    return 1;
  }
  const auto failed =
      std::count_if(runs.begin(), runs.end(), [](const Run& run) { return run.exit_code != 0; });
  if (!quiet) {
    std::printf("sigex sweep: %zu runs (%s), ranked by %s; %s\n", runs.size(), how.c_str(),
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

int run_locally(const SweepOptions& options, const Grid& grid, std::vector<Run>& runs,
                const std::filesystem::path& out) {
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
  return rank_and_report(options.config_path, grid, runs, out, options.quiet,
                         fmt::format("{} at a time", jobs));
}

// ---- Slurm ----------------------------------------------------------------------------------

constexpr const char* kPlanFile = "sweep-plan.toml";  // what `collect` needs, in <out>
constexpr const char* kGridCopy = "grid.toml";        // the grid as submitted, in <out>

std::string shell_quoted(std::string_view text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool write_text(const std::filesystem::path& path, const std::string& text, std::string& error) {
  const std::filesystem::path partial = path.string() + ".partial";
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    file << text;
    if (!file.flush()) {
      error = "cannot write " + partial.string();
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) error = "cannot write " + path.string() + ": " + ec.message();
  return !ec;
}

// A run has a result once its task wrote exit code 0 (after summary.json) into its directory.
int recorded_exit_code(const Run& run) {
  std::ifstream in(run.directory / "exit_code");
  int code = -1;
  if (!(in >> code)) return -1;
  return code;
}

// "1-4,7,9-10": the array indices of `runs`, consecutive ones as ranges.
std::string array_ranges(const std::vector<const Run*>& runs) {
  std::string ranges;
  for (std::size_t i = 0; i < runs.size();) {
    std::size_t last = i;
    while (last + 1 < runs.size() && runs[last + 1]->index == runs[last]->index + 1) ++last;
    if (!ranges.empty()) ranges += ',';
    ranges += last == i ? std::to_string(runs[i]->index)
                        : fmt::format("{}-{}", runs[i]->index, runs[last]->index);
    i = last + 1;
  }
  return ranges;
}

std::string job_script(const std::filesystem::path& sigex, const std::filesystem::path& config,
                       const std::filesystem::path& out, const Grid& grid,
                       const SlurmResources& resources, const std::vector<Run>& runs) {
  std::string script =
      "#!/bin/sh\n"
      "# Written by `sigex sweep --executor slurm`: one backtest per array task. Resubmitting the\n"
      "# sweep runs only the tasks without a result; `sigex sweep collect` ranks them.\n"
      "#SBATCH --job-name=sigex-sweep\n";
  script += fmt::format("#SBATCH --output={}/slurm/task-%a.out\n", out.string());
  if (!resources.partition.empty())
    script += fmt::format("#SBATCH --partition={}\n", resources.partition);
  if (!resources.account.empty())
    script += fmt::format("#SBATCH --account={}\n", resources.account);
  script += fmt::format("#SBATCH --cpus-per-task={}\n", std::max(resources.cpus_per_task, 1));
  if (!resources.memory.empty()) script += fmt::format("#SBATCH --mem={}\n", resources.memory);
  if (!resources.time_limit.empty())
    script += fmt::format("#SBATCH --time={}\n", resources.time_limit);
  script += "set -u\ncase \"${SLURM_ARRAY_TASK_ID:-}\" in\n";
  for (const Run& run : runs) {
    script += fmt::format("  {}) set --", run.index);
    for (const std::string& argument : set_arguments(grid, run))
      script += " " + shell_quoted(argument);
    script += " ;;\n";
  }
  script +=
      "  *) echo \"sigex sweep: no run '${SLURM_ARRAY_TASK_ID:-}' in this sweep\" >&2; exit 2 ;;\n"
      "esac\n";
  script += fmt::format("run={}/runs/$(printf %04d \"$SLURM_ARRAY_TASK_ID\")\n",
                        shell_quoted(out.string()));
  script +=
      "mkdir -p \"$run\" && rm -f \"$run/exit_code\"\n" +
      fmt::format("{} backtest --config {} --out \"$run\" --quiet \"$@\" > \"$run/log.txt\" 2>&1\n",
                  shell_quoted(sigex.string()), shell_quoted(config.string())) +
      "status=$?\n"
      "echo \"$status\" > \"$run/exit_code.partial\" && mv \"$run/exit_code.partial\" "
      "\"$run/exit_code\"\n"
      "exit \"$status\"\n";
  return script;
}

// Runs `argv` with its standard output captured; the exit code, or -1 when it could not start.
int run_capturing(const std::vector<std::string>& arguments, std::string& output) {
  int pipe_ends[2];
  if (::pipe2(pipe_ends, O_CLOEXEC) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipe_ends[1], STDOUT_FILENO);
    std::vector<char*> argv;
    for (const std::string& argument : arguments)
      argv.push_back(const_cast<char*>(argument.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    std::fprintf(stderr, "sweep: cannot run %s: %s\n", argv[0],
                 std::error_code(errno, std::generic_category()).message().c_str());
    ::_exit(127);
  }
  ::close(pipe_ends[1]);
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_ends[0], buffer, sizeof buffer)) != 0;) {
    if (n > 0)
      output.append(buffer, static_cast<std::size_t>(n));
    else if (errno != EINTR)
      break;
  }
  ::close(pipe_ends[0]);
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

SlurmResources merged(const SlurmResources& options, const SlurmResources& grid) {
  SlurmResources resources = grid;
  if (!options.partition.empty()) resources.partition = options.partition;
  if (options.cpus_per_task > 0) resources.cpus_per_task = options.cpus_per_task;
  if (!options.memory.empty()) resources.memory = options.memory;
  if (!options.time_limit.empty()) resources.time_limit = options.time_limit;
  if (!options.account.empty()) resources.account = options.account;
  return resources;
}

int submit_to_slurm(const SweepOptions& options, const Grid& grid, std::vector<Run>& runs,
                    const std::filesystem::path& out) {
  const SlurmResources resources = merged(options.slurm, grid.slurm);
  if (const std::string why = check_slurm_resources(resources); !why.empty()) {
    std::fprintf(stderr, "sweep: %s\n", why.c_str());
    return 2;
  }
  // Every task runs on some node of the cluster: the paths it is given are absolute (and must
  // be on a file system the nodes share).
  std::error_code ec;
  const std::filesystem::path config = std::filesystem::absolute(options.config_path, ec);
  const std::filesystem::path sigex = options.executable == "/proc/self/exe"
                                          ? std::filesystem::read_symlink("/proc/self/exe", ec)
                                          : std::filesystem::absolute(options.executable, ec);
  const std::filesystem::path directory = std::filesystem::absolute(out, ec).lexically_normal();
  if (ec) {
    std::fprintf(stderr, "sweep: cannot resolve the paths of the sweep: %s\n",
                 ec.message().c_str());
    return 2;
  }
  const std::string grid_text = read_text(options.grid_path);
  const std::string plan = fmt::format(
      "# Written by `sigex sweep --executor slurm`; read by `sigex sweep collect`.\n"
      "config = {}\nconfig_absolute = {}\n",
      toml_quoted(options.config_path), toml_quoted(config.string()));
  // The same <out> takes only the same sweep again: the results in it would not be this grid's.
  if (std::filesystem::exists(directory / kPlanFile) &&
      (read_text(directory / kPlanFile) != plan || read_text(directory / kGridCopy) != grid_text)) {
    std::fprintf(
        stderr,
        "sweep: %s holds another sweep (a different grid or configuration): choose another "
        "--out or remove it\n",
        directory.c_str());
    return 2;
  }
  std::string error;
  std::filesystem::create_directories(directory / "slurm", ec);
  const std::filesystem::path script = directory / "slurm" / "sweep.sh";
  for (Run& run : runs) run.directory = directory / run.directory.lexically_relative(out);
  if (ec || !write_text(directory / kGridCopy, grid_text, error) ||
      !write_text(directory / kPlanFile, plan, error) ||
      !write_text(script, job_script(sigex, config, directory, grid, resources, runs), error)) {
    std::fprintf(stderr, "sweep: %s\n", ec ? ec.message().c_str() : error.c_str());
    return 2;
  }
  std::filesystem::permissions(script, std::filesystem::perms::owner_exec,
                               std::filesystem::perm_options::add, ec);

  // The runs without a result: all of them the first time, the missing or failed ones after.
  std::vector<const Run*> pending;
  for (const Run& run : runs) {
    if (recorded_exit_code(run) == 0) continue;
    pending.push_back(&run);
    std::filesystem::remove_all(run.directory, ec);
  }
  if (pending.empty()) {
    if (!options.quiet) std::printf("sigex sweep: every run already has a result\n");
    return collect_sweep(directory.string(), options.quiet);
  }
  const std::string ranges = array_ranges(pending);
  std::vector<std::string> arguments = {options.sbatch, "--parsable", "--array=" + ranges};
  if (options.wait) arguments.push_back("--wait");
  arguments.push_back(script.string());
  std::string output;
  const int status = run_capturing(arguments, output);
  const std::string job = output.substr(0, output.find_first_of(";\n"));
  // With --wait, sbatch ends with the highest exit code of the tasks: the runs' own failures,
  // which the ranking lists. Without a job id nothing was submitted.
  if (job.empty() || (status != 0 && !options.wait)) {
    std::fprintf(stderr, "sweep: %s exited with %d; nothing was submitted (script: %s)\n",
                 options.sbatch.c_str(), status, script.c_str());
    return 1;
  }
  std::ofstream(directory / "slurm" / "jobs", std::ios::app)
      << fmt::format("job {} array {}\n", job, ranges);
  if (options.wait) return collect_sweep(directory.string(), options.quiet);
  if (!options.quiet) {
    std::printf(
        "sigex sweep: submitted Slurm job %s, %zu of %zu runs (array %s); when it has "
        "finished: sigex sweep collect %s\n",
        job.c_str(), pending.size(), runs.size(), ranges.c_str(), directory.c_str());
  }
  return 0;
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
  if (!plan_runs(options.config_path, grid, out, runs)) return 2;
  return options.executor == SweepExecutor::kSlurm ? submit_to_slurm(options, grid, runs, out)
                                                   : run_locally(options, grid, runs, out);
}

int collect_sweep(const std::string& out_dir, bool quiet) {
  const std::filesystem::path directory = out_dir;
  if (!std::filesystem::exists(directory / kPlanFile)) {
    std::fprintf(stderr, "sweep collect: %s is not a sweep submitted to Slurm (no %s in it)\n",
                 out_dir.c_str(), kPlanFile);
    return 2;
  }
  ConfigErrors errors;
  const auto plan = parse_toml_file((directory / kPlanFile).string(), errors);
  const std::optional<std::string> config =
      plan ? (*plan)["config"].value<std::string>() : std::nullopt;
  Grid grid;
  std::string error;
  if (!config || !read_grid((directory / kGridCopy).string(), grid, error)) {
    std::fprintf(stderr, "sweep collect: %s\n",
                 !errors.empty() ? errors.messages().front().c_str()
                 : !config       ? (out_dir + "/" + kPlanFile + ": no config").c_str()
                                 : error.c_str());
    return 2;
  }
  std::vector<Run> runs;
  for (auto& values : combinations(grid.parameters)) {
    Run run;
    run.index = runs.size() + 1;
    run.values = std::move(values);
    run.directory = directory / "runs" / fmt::format("{:04}", run.index);
    run.exit_code = recorded_exit_code(run);
    if (run.exit_code == -1) {
      std::fprintf(stderr,
                   "sweep collect: run %zu has no result yet (its task is still queued or "
                   "running, or was lost: submitting the sweep again runs only such runs)\n",
                   run.index);
    }
    runs.push_back(std::move(run));
  }
  return rank_and_report(*config, grid, runs, directory, quiet, "on Slurm");
}

}  // namespace sigex
