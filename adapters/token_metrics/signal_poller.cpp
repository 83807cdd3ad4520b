#include "adapters/token_metrics/signal_poller.h"

#include <filesystem>
#include <fstream>

#include "engine/core/calendar.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "engine/logging/log.h"

namespace sigex {
namespace {

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

}  // namespace

TimeNs next_poll_time(TimeNs time_ns, const TmPollConfig& poll) {
  return next_scheduled_time(time_ns, poll.interval_ns, poll.offset_ns);
}

SignalPoller::SignalPoller(const TokenMetricsConfig& config, const InstrumentRegistry& instruments,
                           EventQueue<InboundEvent>& queue, const Clock& clock,
                           std::shared_ptr<KeySet> keys, CallBudget* budget, Waiter& waiter,
                           boost::asio::ssl::context& tls)
    : config_(config),
      clock_(clock),
      waiter_(waiter),
      budget_(budget),
      keys_(keys),
      client_(config, std::move(keys), budget, clock, waiter, tls),
      parser_(instruments),
      producer_(queue) {
  for (const auto& instrument : instruments.all()) {
    if (instrument.token_id != 0) token_ids_.push_back(instrument.token_id);
  }
  auto add = [this](TmEndpoint endpoint, const TmPollConfig& poll) {
    Endpoint entry{endpoint, poll, {}};
    entry.status.name = std::string(path_of(endpoint));
    entry.status.enabled = poll.enabled;
    endpoints_.push_back(entry);
  };
  add(TmEndpoint::kTradingSignals, config.daily_signals);
  add(TmEndpoint::kHourlyTradingSignals, config.hourly_signals);
  add(config.grade_endpoint == "trader-grades" ? TmEndpoint::kTraderGrades : TmEndpoint::kTmGrade,
      config.grades);
  records_.reserve(4096);
  metrics_.budget_limit = budget != nullptr ? budget->limit() : 0;
}

SignalPoller::~SignalPoller() { stop(); }

void SignalPoller::set_frame_sink(FrameSink sink) { sink_ = std::move(sink); }

bool SignalPoller::start(std::string& error) {
  if (!client_.valid(error)) return false;
  if (token_ids_.empty()) {
    error = "no configured instrument has a Token Metrics token id (token_id or token_symbol)";
    return false;
  }
  thread_ = std::thread([this] { run(); });
  return true;
}

void SignalPoller::stop() {
  if (thread_.joinable()) thread_.join();
}

void SignalPoller::keys_reloaded() {
  if (!halted_by_key_.load()) return;
  resume_.store(true);
  waiter_.wake();
}

void SignalPoller::resume_if_asked() {
  if (!resume_.exchange(false) || !halted_by_key_.load()) return;
  halted_by_key_.store(false);
  halted_.store(false);
  for (auto& endpoint : endpoints_) endpoint.status.next_due_ns = 0;  // what was missed: now
  log_info("Token Metrics: the API keys were reloaded; polling again");
  std::lock_guard lock(metrics_mutex_);
  metrics_.halted = false;
  metrics_.halt_reason.clear();
}

void SignalPoller::run() {
  while (!waiter_.stopped()) {
    resume_if_asked();
    if (halted_.load()) {
      // Halted by a refused key: wait for a reload (keys_reloaded() wakes the waiter);
      // halted otherwise (402): for good.
      if (!halted_by_key_.load() || !waiter_.wait_for(kNsPerHour)) break;
      continue;
    }
    poll_due(clock_.now_ns());
    const TimeNs next = next_due_ns();
    if (next == INT64_MAX) break;  // every endpoint disabled
    if (!waiter_.wait_for(next - clock_.now_ns())) break;
  }
}

TimeNs SignalPoller::next_due_ns() const {
  TimeNs next = INT64_MAX;
  for (const auto& endpoint : endpoints_) {
    if (endpoint.status.enabled) next = std::min(next, endpoint.status.next_due_ns);
  }
  return next;
}

void SignalPoller::poll_due(TimeNs now_ns) {
  resume_if_asked();
  for (auto& endpoint : endpoints_) {
    if (halted_.load() || waiter_.stopped()) return;
    if (!endpoint.status.enabled || endpoint.status.next_due_ns > now_ns) continue;
    poll(endpoint, now_ns);
    // After a poll at t the next is the first boundary strictly after t.
    endpoint.status.next_due_ns = next_poll_time(clock_.now_ns() + 1, endpoint.poll);
  }
}

void SignalPoller::poll(Endpoint& endpoint, TimeNs now_ns) {
  TmQuery query;
  query.endpoint = endpoint.endpoint;
  query.token_ids = token_ids_;
  if (takes_dates(endpoint.endpoint)) {
    query.start_day_ns = (now_ns - endpoint.poll.lookback_ns) / kNsPerDay * kNsPerDay;
    query.end_day_ns = now_ns / kNsPerDay * kNsPerDay;
  } else if (endpoint.endpoint == TmEndpoint::kHourlyTradingSignals) {
    query.stop_before_ns = now_ns - endpoint.poll.lookback_ns;
  }
  // A lookback longer than the API's window is asked for window by window, all or nothing.
  TmFetch fetch;
  if (takes_dates(endpoint.endpoint)) {
    for (const auto& [from, to] :
         split_date_range(query.start_day_ns, query.end_day_ns, config_.window_days)) {
      TmQuery window = query;
      window.start_day_ns = from;
      window.end_day_ns = to;
      TmFetch part = client_.fetch(window);
      if (part.outcome != TmOutcome::kOk) {
        fetch = std::move(part);
        break;
      }
      for (auto& page : part.pages) fetch.pages.push_back(std::move(page));
    }
  } else {
    fetch = client_.fetch(query);
  }
  ++endpoint.status.polls;
  switch (fetch.outcome) {
    case TmOutcome::kOk:
      endpoint.status.last_success_ns = now_ns;
      path_of_fetch_ = std::string(path_of(endpoint.endpoint));
      emit(fetch);
      break;
    case TmOutcome::kAuthFailed:
    case TmOutcome::kPaymentRequired: {
      ++endpoint.status.failures;
      halted_by_key_.store(fetch.outcome == TmOutcome::kAuthFailed);
      halted_.store(true);
      std::lock_guard lock(metrics_mutex_);
      metrics_.halted = true;
      metrics_.halt_reason = fetch.message;
      break;
    }
    case TmOutcome::kNotFound:
      ++endpoint.status.failures;
      endpoint.status.enabled = false;
      log_error("Token Metrics {}: disabled ({})", endpoint.status.name, fetch.message);
      break;
    case TmOutcome::kBudgetExhausted:
      ++endpoint.status.failures;
      log_error("Token Metrics {}: not polled: {}", endpoint.status.name, fetch.message);
      break;
    case TmOutcome::kBadRequest:
    case TmOutcome::kGaveUp:
    case TmOutcome::kStopped:
      ++endpoint.status.failures;
      break;
  }
  std::lock_guard lock(metrics_mutex_);
  metrics_.client = client_.metrics();
  if (budget_ != nullptr) metrics_.budget_used = static_cast<std::uint64_t>(budget_->used(now_ns));
  metrics_.endpoints.clear();
  for (const auto& entry : endpoints_) metrics_.endpoints.push_back(entry.status);
  metrics_.rejections.clear();
  for (std::size_t i = 0; i < static_cast<std::size_t>(SignalRejection::kCount); ++i) {
    const auto reason = static_cast<SignalRejection>(i);
    metrics_.rejections.emplace_back(std::string(to_string(reason)), parser_.rejected(reason));
  }
}

void SignalPoller::emit(const TmFetch& fetch) {
  std::uint64_t emitted = 0, unchanged = 0, parse_failures = 0;
  // The pages of one query become one frame, received when the last page arrived: rows come
  // newest first across pages, and the parser orders the rows of a frame by time. The recorder
  // gets the same frame, so a replay sees exactly what the core saw.
  const std::string frame = page_reader_.combine(fetch.pages, path_of_fetch_);
  const TimeNs receive_time_ns =
      fetch.pages.empty() ? clock_.now_ns() : fetch.pages.back().receive_time_ns;
  if (sink_) sink_(receive_time_ns, frame);
  padded_.assign(frame);
  padded_.append(simdjson::SIMDJSON_PADDING, '\0');
  records_.clear();
  if (!parser_.parse(std::string_view(padded_.data(), frame.size()), receive_time_ns, records_)) {
    ++parse_failures;
  }
  for (const auto& record : records_) {
    if (latest_.admit(record) != SignalVerdict::kNew) {
      ++unchanged;
      continue;
    }
    // Signals are never dropped: wait for room (the core drains continuously).
    while (!producer_.try_push(record)) {
      if (!waiter_.wait_for(kNsPerMs)) return;
    }
    ++emitted;
  }
  std::lock_guard lock(metrics_mutex_);
  metrics_.records_emitted += emitted;
  metrics_.records_unchanged += unchanged;
  metrics_.parse_failures += parse_failures;
}

TmPollerMetrics SignalPoller::metrics() const {
  std::lock_guard lock(metrics_mutex_);
  return metrics_;
}

namespace {

// "SYMBOL<TAB>token_id<TAB>name" per line.
std::map<std::string, std::pair<std::int64_t, std::string>> read_token_cache(
    const std::string& path) {
  std::map<std::string, std::pair<std::int64_t, std::string>> cache;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    const auto first = line.find('\t');
    const auto second = line.find('\t', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::int64_t id = std::atoll(line.substr(first + 1, second - first - 1).c_str());
    if (id > 0) cache[line.substr(0, first)] = {id, line.substr(second + 1)};
  }
  return cache;
}

void apply_token_cache(std::vector<Instrument>& instruments,
                       const std::map<std::string, std::pair<std::int64_t, std::string>>& cache) {
  for (auto& instrument : instruments) {
    if (instrument.token_id != 0 || instrument.token_symbol.view().empty()) continue;
    const auto found = cache.find(upper(instrument.token_symbol.view()));
    if (found != cache.end()) instrument.token_id = found->second.first;
  }
}

}  // namespace

void resolve_token_ids_from_cache(std::vector<Instrument>& instruments,
                                  const std::string& cache_file) {
  if (!cache_file.empty()) apply_token_cache(instruments, read_token_cache(cache_file));
}

bool resolve_token_ids(TokenMetricsClient& client, std::vector<Instrument>& instruments,
                       std::string& error, const std::string& cache_file) {
  auto cache = cache_file.empty() ? decltype(read_token_cache("")){} : read_token_cache(cache_file);
  apply_token_cache(instruments, cache);
  TmQuery query;
  query.endpoint = TmEndpoint::kTokens;
  for (const auto& instrument : instruments) {
    if (instrument.token_id == 0 && !instrument.token_symbol.view().empty()) {
      query.symbols.push_back(upper(instrument.token_symbol.view()));
    }
  }
  if (query.symbols.empty()) return true;
  const TmFetch fetch = client.fetch(query);
  if (fetch.outcome != TmOutcome::kOk) {
    error = "cannot resolve Token Metrics token ids: " + fetch.message;
    return false;
  }
  std::map<std::string, std::vector<std::pair<std::int64_t, std::string>>> matches;
  TmPageReader reader;
  simdjson::dom::parser parser;
  for (const auto& page : fetch.pages) {
    const auto read = reader.read(page.body, true);
    if (!read) continue;
    for (const auto& item : read->item_list) {
      simdjson::dom::element element;
      if (parser.parse(item.json).get(element)) continue;
      std::string_view symbol, name;
      if (element["TOKEN_SYMBOL"].get_string().get(symbol) || item.token_id == 0) continue;
      if (element["TOKEN_NAME"].get_string().get(name)) name = "?";
      matches[upper(symbol)].emplace_back(item.token_id, std::string(name));
    }
  }
  for (auto& instrument : instruments) {
    if (instrument.token_id != 0 || instrument.token_symbol.view().empty()) continue;
    const std::string symbol = upper(instrument.token_symbol.view());
    const auto found = matches.find(symbol);
    if (found == matches.end()) {
      error = "Token Metrics knows no token with symbol " + symbol + " (instrument " +
              std::string(instrument.symbol.view()) + "); set token_id in [[instruments]]";
      return false;
    }
    if (found->second.size() > 1) {
      error = "Token Metrics symbol " + symbol + " is ambiguous:";
      for (const auto& [id, name] : found->second)
        error += " " + std::to_string(id) + " (" + name + ")";
      error += "; set token_id in [[instruments]] for " + std::string(instrument.symbol.view());
      return false;
    }
    instrument.token_id = found->second.front().first;
    log_info("{}: Token Metrics token id {} ({})", instrument.symbol.view(), instrument.token_id,
             found->second.front().second);
    cache[symbol] = found->second.front();
  }
  if (!cache_file.empty()) {
    const std::string temporary = cache_file + ".tmp";
    {
      std::ofstream out(temporary, std::ios::trunc);
      for (const auto& [symbol, entry] : cache)
        out << symbol << '\t' << entry.first << '\t' << entry.second << '\n';
    }
    std::error_code code;
    std::filesystem::rename(temporary, cache_file, code);  // a cache: a failure costs a call
  }
  return true;
}

void SignalPoller::write_metrics(MetricsExposition& out, TimeNs now_ns) const {
  const TmPollerMetrics tm = metrics();
  out.single("sigex_tm_calls_total", "counter", "Token Metrics API calls made.",
             static_cast<double>(tm.client.calls));
  out.single("sigex_tm_calls_left", "gauge", "Token Metrics calls left in this month's budget.",
             static_cast<double>(std::max<std::int64_t>(
                 tm.budget_limit - static_cast<std::int64_t>(tm.budget_used), 0)));
  out.single("sigex_tm_records_total", "counter", "Signals and grades received (new ones).",
             static_cast<double>(tm.records_emitted));
  out.single("sigex_tm_parse_failures_total", "counter",
             "Token Metrics pages that failed to parse.",
             static_cast<double>(tm.parse_failures + tm.client.malformed));
  out.single("sigex_tm_errors_total", "counter",
             "Token Metrics calls that failed (HTTP errors, timeouts, transport, malformed or "
             "success:false pages).",
             static_cast<double>(tm.client.rate_limited + tm.client.server_errors +
                                 tm.client.auth_failures + tm.client.payment_required +
                                 tm.client.timeouts + tm.client.transport_errors +
                                 tm.client.bad_requests + tm.client.other_http_errors +
                                 tm.client.malformed + tm.client.success_false));
  out.single("sigex_tm_halted", "gauge", "1 when polling stopped (budget exhausted, key refused).",
             tm.halted ? 1 : 0);
  out.single("sigex_tm_api_key_fail_overs_total", "counter",
             "Token Metrics 401/403 answers that made the client try the other API key.",
             static_cast<double>(tm.client.key_fail_overs));
  out.single("sigex_tm_x402_payments_total", "counter",
             "x402 payments signed for Token Metrics calls (access = \"x402\").",
             static_cast<double>(tm.client.payments));
  out.single("sigex_tm_x402_refusals_total", "counter",
             "402 answers not paid: outside the allow-list or limits, or over budget.",
             static_cast<double>(tm.client.payment_refusals));
  out.family("sigex_tm_api_key_info", "gauge",
             "The configured Token Metrics API keys by fingerprint (never the key); 1 for the one "
             "in use.");
  const LoadedKey active = keys_->active();
  for (const LoadedKey& key : keys_->keys()) {
    out.sample("sigex_tm_api_key_info",
               label("slot", key.slot) + "," + label("fingerprint", key.fingerprint),
               key.fingerprint == active.fingerprint ? 1 : 0);
  }
  out.family("sigex_tm_last_success_age_seconds", "gauge",
             "Age of the last successful poll per endpoint (-1: never).");
  for (const auto& endpoint : tm.endpoints) {
    if (!endpoint.enabled) continue;
    out.sample("sigex_tm_last_success_age_seconds", label("endpoint", endpoint.name),
               endpoint.last_success_ns == 0
                   ? -1
                   : static_cast<double>(now_ns - endpoint.last_success_ns) / 1e9);
  }
}

void SignalPoller::write_status(DaemonStatus& status, TimeNs now_ns) const {
  const TmPollerMetrics tm = metrics();
  DaemonStatus::TokenMetrics out;
  for (const auto& endpoint : tm.endpoints) {
    if (!endpoint.enabled) continue;
    out.endpoints.push_back(
        {endpoint.name, endpoint.polls, endpoint.failures,
         endpoint.last_success_ns == 0
             ? std::nullopt
             : std::optional<double>(static_cast<double>(now_ns - endpoint.last_success_ns) /
                                     1e9)});
  }
  out.records_received = tm.records_emitted;
  out.budget_used = tm.budget_used;
  out.budget_limit = tm.budget_limit;
  if (tm.halted) out.halted_reason = tm.halt_reason;
  status.token_metrics = std::move(out);
  add_key_status(status, "Token Metrics API key", *keys_);
  status.keys_retiring += keys_->retiring();
}

}  // namespace sigex
