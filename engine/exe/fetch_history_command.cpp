#include "engine/exe/fetch_history_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "adapters/recorded/frame_recorder.h"
#include "adapters/recorded/publication_schedule.h"
#include "adapters/token_metrics/signal_poller.h"
#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "engine/exe/intake_setup.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

struct Job {
  TmEndpoint endpoint;
  const TmPollConfig* poll;
  TimeNs from_day_ns;
  TimeNs to_day_ns;
  int order;  // ties in the output keep the endpoint order

  std::string part_name() const {
    return fmt::format("{}_{}_{}.lines", path_of(endpoint), format_utc_date(from_day_ns),
                       format_utc_date(to_day_ns));
  }
};

struct Line {
  TimeNs time_ns;
  int order;
  std::string text;
};

std::string single_row_envelope(TmEndpoint endpoint, const std::string& item) {
  return fmt::format(
      R"({{"success":true,"message":"sigex fetch-history {}","length":1,"data":[{}]}})",
      path_of(endpoint), item);
}

// Writes a completed window atomically: a crash leaves either the whole part or none.
bool write_part(const std::filesystem::path& path, const std::vector<Line>& lines,
                std::string& error) {
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    for (const auto& line : lines)
      out << line.time_ns << ' ' << line.order << ' ' << line.text << '\n';
    out.flush();
    if (!out) {
      error = "cannot write " + temporary;
      return false;
    }
  }
  std::error_code rename_error;
  std::filesystem::rename(temporary, path, rename_error);
  if (rename_error) {
    error = "cannot rename " + temporary + ": " + rename_error.message();
    return false;
  }
  return true;
}

bool read_parts(const std::filesystem::path& directory, const std::vector<Job>& jobs,
                std::vector<Line>& lines, std::string& error) {
  for (const auto& job : jobs) {
    std::ifstream in(directory / job.part_name());
    std::string text;
    while (std::getline(in, text)) {
      const auto first = text.find(' ');
      const auto second = text.find(' ', first + 1);
      if (first == std::string::npos || second == std::string::npos) {
        error = "corrupt part file " + (directory / job.part_name()).string() +
                "; delete it and run again";
        return false;
      }
      lines.push_back({std::stoll(text.substr(0, first)),
                       std::stoi(text.substr(first + 1, second - first - 1)),
                       text.substr(second + 1)});
    }
  }
  return true;
}

}  // namespace

int run_fetch_history(const AppConfig& config, const FetchHistoryOptions& options) {
  AppConfig paying = config;
  if (options.access) paying.token_metrics.access = *options.access;
  const TokenMetricsConfig& tm = paying.token_metrics;
  if (options.to_day_ns < options.from_day_ns) {
    log_error("fetch-history: --to {} is before --from {}", format_utc_date(options.to_day_ns),
              format_utc_date(options.from_day_ns));
    return 2;
  }
  LiveClock live_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : live_clock;
  std::string error;
  std::unique_ptr<X402Payer> payer = open_x402_payer(paying, error);
  if (!error.empty()) {
    log_error("fetch-history: {}", error);
    return 1;
  }
  auto keys = payer ? tl::expected<std::vector<LoadedKey>, std::string>{}
                    : load_keys(token_metrics_key_slots(tm));
  if (!keys) {
    log_error("fetch-history: {}", keys.error());
    return 1;
  }
  // What x402 cost, printed however the command ends.
  auto spent = [&] {
    if (!payer) return;
    const X402Totals totals = payer->totals(clock.now_ns());
    std::printf(
        "x402: %lld payment(s) this run, %s USDC (%lld settled, %lld failed in the journal); %s "
        "USDC today, %s this month\n",
        static_cast<long long>(totals.payments), format_amount(totals.spent).c_str(),
        static_cast<long long>(totals.settled), static_cast<long long>(totals.failed),
        format_amount(totals.spent_today).c_str(), format_amount(totals.spent_this_month).c_str());
  };
  auto budget = CallBudget::open(config.engine.state_dir, "token_metrics", tm.monthly_call_budget,
                                 tm.budget_warn_percent, error);
  if (!budget) {
    log_error("fetch-history: {}", error);
    return 1;
  }
  auto tls = make_client_tls_context(tm.tls_ca_file, error);
  if (!error.empty()) {
    log_error("fetch-history: {}", error);
    return 1;
  }
  StoppableWaiter waiter;
  TokenMetricsClient client(tm, std::make_shared<KeySet>(std::move(*keys)), budget.get(), clock,
                            waiter, tls);
  client.set_payer(payer.get());
  if (!client.valid(error)) {
    log_error("fetch-history: {}", error);
    return 2;
  }
  std::vector<Instrument> instruments = config.instruments;
  if (tm.resolve_tokens &&
      !resolve_token_ids(client, instruments, error, token_cache_path(config))) {
    log_error("fetch-history: {}", error);
    return 1;
  }
  std::vector<TokenId> token_ids;
  for (const auto& instrument : instruments) {
    if (instrument.token_id != 0) token_ids.push_back(instrument.token_id);
  }
  if (token_ids.empty()) {
    log_error(
        "fetch-history: no instrument has a Token Metrics token id (token_id or token_symbol)");
    return 2;
  }

  // What to fetch: daily signals, grade history, and hourly signals when they are polled live.
  std::vector<Job> jobs;
  auto add_dated = [&](TmEndpoint endpoint, const TmPollConfig& poll, int order) {
    for (const auto& [from, to] :
         split_date_range(options.from_day_ns, options.to_day_ns, tm.window_days)) {
      jobs.push_back({endpoint, &poll, from, to, order});
    }
  };
  if (tm.daily_signals.enabled) add_dated(TmEndpoint::kTradingSignals, tm.daily_signals, 0);
  if (tm.grades.enabled) {
    add_dated(tm.grade_endpoint == "trader-grades" ? TmEndpoint::kTraderGrades
                                                   : TmEndpoint::kTmGradeHistory,
              tm.grades, 1);
  }
  if (tm.hourly_signals.enabled) {
    jobs.push_back({TmEndpoint::kHourlyTradingSignals, &tm.hourly_signals, options.from_day_ns,
                    options.to_day_ns, 2});
  }

  const std::filesystem::path parts = options.out_path + ".parts";
  std::filesystem::create_directories(parts);
  std::size_t done = 0, fetched = 0;
  TmPageReader page_reader;
  ProgressLine progress(options.progress, options.progress_out);
  for (const auto& job : jobs) {
    if (std::filesystem::exists(parts / job.part_name())) {
      ++done;
      continue;
    }
    progress.update(
        fmt::format("fetch-history: window {}/{} {} {}..{}, {} rows so far, {} calls this run",
                    done + 1, jobs.size(), path_of(job.endpoint), format_utc_date(job.from_day_ns),
                    format_utc_date(job.to_day_ns), fetched, client.metrics().calls));
    TmQuery query;
    query.endpoint = job.endpoint;
    query.token_ids = token_ids;
    if (job.endpoint == TmEndpoint::kHourlyTradingSignals) {
      query.stop_before_ns = job.from_day_ns;
    } else {
      query.start_day_ns = job.from_day_ns;
      query.end_day_ns = job.to_day_ns;
    }
    const TmFetch fetch = client.fetch(query);
    if (fetch.outcome == TmOutcome::kBudgetExhausted) {
      log_error(
          "fetch-history: {}. {} of {} windows are done and kept in {}; run the same command "
          "again when the budget allows to fetch the rest",
          fetch.message, done, jobs.size(), parts.string());
      spent();
      return 3;
    }
    if (fetch.outcome != TmOutcome::kOk) {
      log_error("fetch-history: {} {}..{}: {}. {} of {} windows are done and kept in {}",
                path_of(job.endpoint), format_utc_date(job.from_day_ns),
                format_utc_date(job.to_day_ns), fetch.message, done, jobs.size(), parts.string());
      spent();
      return 1;
    }
    std::vector<Line> lines;
    const TimeNs end_ns = job.to_day_ns + kNsPerDay;
    for (const auto& page : fetch.pages) {
      const auto read = page_reader.read(page.body, true);
      if (!read) continue;  // cannot happen: the client checked every page
      for (const auto& item : read->item_list) {
        // Rows outside the asked range (hourly paging overshoots) and undated rows are left out.
        if (item.time_ns == 0 || item.time_ns < job.from_day_ns || item.time_ns >= end_ns) continue;
        // Stamped when the row could first have been polled: after its publication (the end
        // of its period by default), at the next poll boundary. Never at its date.
        const PublicationRule rule{job.poll->publication_delay_ns, job.poll->interval_ns,
                                   job.poll->offset_ns};
        lines.push_back({rule.published_ns(item.time_ns), job.order,
                         single_row_envelope(job.endpoint, item.json)});
      }
    }
    if (!write_part(parts / job.part_name(), lines, error)) {
      log_error("fetch-history: {}", error);
      return 1;
    }
    ++done;
    fetched += lines.size();
  }

  progress.update(fmt::format("fetch-history: {} windows done, {} rows fetched this run, {} calls",
                              jobs.size(), fetched, client.metrics().calls));
  progress.finish();
  std::vector<Line> lines;
  if (!read_parts(parts, jobs, lines, error)) {
    log_error("fetch-history: {}", error);
    return 1;
  }
  std::stable_sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
    return a.time_ns != b.time_ns ? a.time_ns < b.time_ns : a.order < b.order;
  });
  std::set<std::string> seen;  // overlapping windows or repeated pages: each row once
  FrameRecorder recorder;
  if (!recorder.open(options.out_path, error)) {
    log_error("fetch-history: {}", error);
    return 1;
  }
  std::size_t written = 0;
  for (const auto& line : lines) {
    if (!seen.insert(line.text).second) continue;
    recorder.record(line.time_ns, line.text);
    ++written;
  }
  if (!recorder.close()) {
    log_error("fetch-history: {}", recorder.error());
    return 1;
  }
  std::filesystem::remove_all(parts);
  if (!options.quiet) {
    std::printf("%s\n",
                fmt::format("sigex fetch-history: {} rows ({} windows, {} calls this run, {} of {} "
                            "calls used this month) written to {}",
                            written, jobs.size(), client.metrics().calls,
                            budget->used(clock.now_ns()), budget->limit(), options.out_path)
                    .c_str());
  }
  spent();
  return 0;
}

}  // namespace sigex
