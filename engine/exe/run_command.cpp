#include "engine/exe/run_command.h"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "adapters/nats/event_publisher.h"
#include "adapters/nats/signal_subscriber.h"
#include "adapters/net/digest.h"
#include "adapters/service/control_socket.h"
#include "adapters/service/instance_lock.h"
#include "adapters/service/metrics_server.h"
#include "adapters/service/process_hardening.h"
#include "adapters/service/process_metrics.h"
#include "adapters/service/systemd_notifier.h"
#include "adapters/service/thread_placement.h"
#include "adapters/token_metrics/signal_poller.h"
#include "adapters/webhook/signal_webhook.h"
#include "engine/console/flatten_strategy.h"
#include "engine/console/loop_calls.h"
#include "engine/console/operator_console.h"
#include "engine/console/service_metrics.h"
#include "engine/core/calendar.h"
#include "engine/core/decimal.h"
#include "engine/core/failpoint.h"
#include "engine/core/live_clock.h"
#include "engine/core/simulated_clock.h"
#include "engine/exe/build_info.h"
#include "engine/exe/ctl_command.h"
#include "engine/exe/intake_setup.h"
#include "engine/exe/process_signals.h"
#include "engine/exe/session_core.h"
#include "engine/exe/trading_state_command.h"
#include "engine/exe/venue_sets.h"
#include "engine/health/watchdog.h"
#include "engine/logging/log.h"
#include "engine/oms/account_history.h"
#include "engine/order/client_order_id.h"
#include "engine/portfolio/balance_check.h"
#include "engine/runtime/core_driver.h"
#include "engine/sim/simulated_venue.h"
#include "engine/status/daemon_status.h"

namespace sigex {
namespace {

// Set by the signal handlers only (async-signal-safe stores); read by the core loop.
constexpr DurationNs kControlAnswerTimeoutNs = 5 * kNsPerSecond;
constexpr DurationNs kStatusEveryNs = 250 * kNsPerMs;  // STATUS= at most this often
// How long an idle core loop waits for the next record before it turns again (handling
// control requests, signals and timers). Live: venue answers arrive on their own queue, so
// the wait is short; paper: venue answers are timers of the core itself.
constexpr DurationNs kLiveIdleWaitNs = 500 * kNsPerUs;
constexpr DurationNs kPaperIdleWaitNs = kNsPerMs;

class Daemon final : private ConsoleHost {
 public:
  Daemon(const AppConfig& config, const RunOptions& options)
      : config_(config), options_(options), notifier_(ServiceNotifier::from_environment()) {
    for (const auto& feed : config_.market_data.feeds) {
      market_data_venues_ += (market_data_venues_.empty() ? "" : ", ") + std::string(feed->venue());
    }
    if (config_.service.mode != RunMode::kLive || config_.execution.accounts.empty()) {
      order_venues_ = "simulated";
    }
    for (const AccountConfig& account : config_.execution.accounts) {
      if (config_.service.mode != RunMode::kLive) break;
      order_venues_ += (order_venues_.empty() ? "" : ", ") + account.venue;
    }
  }

  int run();

 private:
  bool start_venue(std::string& error);
  // Refuses a missing or empty journal next to evidence that sigex ran here before.
  bool check_journal_continuity(std::string& error) const;
  // Orders of this configuration's strategies on the account that the journal does not
  // know: refused, adopted or acknowledged as the operator said.
  bool check_account_history(std::string& error);
  void adopt(const std::vector<AccountOrder>& orders);
  bool reconcile(std::string& error);
  bool start_feeds(std::string& error);
  bool start_service_endpoints(std::string& error);
  void loop();
  void turn();
  // [service] warm_order_path_us is set and the daemon is ready and not stopping.
  bool rehearsing() const;
  void check_ready(TimeNs now_ns);
  void publish_status(TimeNs now_ns, bool force);
  void begin_stop(int signal_number);
  bool stop_complete(TimeNs now_ns) const;
  void shut_down();
  void watchdog_thread();
  std::string ask_core(std::string request);
  // ConsoleHost: what the operator console needs from the daemon.
  std::size_t control(const ControlAction& action) override;
  std::string reload() override;
  // Reads the key sources of `fresh` again and swaps the keys in use; what was reloaded
  // (", the Token Metrics API keys"), with `problems` set for sources that failed.
  std::string reload_keys(const AppConfig& fresh, std::string& problems);
  void reload_venue_keys(const ExecutionConfig& execution, std::string& reloaded,
                         std::string& problems);
  // Adds what a key reload did to `reloaded`, or its error to `problems` (and the log).
  static void note_reload(const tl::expected<bool, std::string>& changed, std::string_view what,
                          std::string& reloaded, std::string& problems);
  DaemonStatus status() const override;
  std::string metrics() const override;
  std::string check_scope(std::string_view scope) const override;
  void state_changed() override;
  MetricsComponents components() const {
    const ReportingComponent* signals = poller_.get();
    if (relayed_signals_) signals = relayed_signals_.get();
    return {feed_.get(),       signals,
            live_venue_.get(), webhook_.get(),
            events_.get(),     market_data_venue(),
            order_venue(),     journal_ ? &journal_->hand_overs() : nullptr};
  }
  // "binance" or "binance, coinbase".
  std::string_view market_data_venue() const { return market_data_venues_; }
  std::string_view order_venue() const { return order_venues_; }
  // [signals.webhook]: its secrets and inbox, before any key leaves the environment.
  bool prepare_webhook(std::string& error);
  bool start_webhook(std::string& error);
  // Orders resting on the venue (being canceled at stop). An order whose outcome is unknown
  // cannot be canceled and does not hold up a stop: the next start reconciles it.
  bool any_resting_order() const;
  const Clock& engine_clock() const {
    return paper_venue_ ? static_cast<const Clock&>(core_clock_) : clock_;
  }

  void phase(const std::string& text) {
    log_info("{}", text);
    notifier_.status(text);
  }

  AppConfig config_;
  RunOptions options_;
  ServiceNotifier notifier_;
  LiveClock clock_;
  InstanceLock lock_;
  std::unique_ptr<Journal> journal_;
  InstrumentRegistry instruments_;
  TokenMetricsIntake intake_;

  // Exactly one venue: the live accounts (live) or the simulated exchange (paper).
  std::unique_ptr<AccountSet> live_venue_;
  std::unique_ptr<SimulatedVenue> paper_venue_;
  ExecutionVenue* venue_ = nullptr;

  // Paper: the core runs on input time (as a backtest and a replay do); live: on the wall clock.
  SimulatedClock core_clock_;
  SessionCore core_;
  std::unique_ptr<CoreDriver> driver_;
  std::unique_ptr<InputHousekeeper> housekeeper_;  // compresses and prunes <state_dir>/inputs
  std::unique_ptr<InputLogWriter> input_log_;
  std::unique_ptr<EventQueue<InboundEvent>> queue_;
  std::unique_ptr<FeedSet> feed_;
  std::unique_ptr<EventPublisher> events_;  // [service] publish_events
  std::unique_ptr<SignalPoller> poller_;
  std::unique_ptr<NatsSignalSubscriber> relayed_signals_;  // [signals] source = "nats"
  std::shared_ptr<KeySet> webhook_secrets_;
  std::unique_ptr<WebhookInbox> webhook_inbox_;
  std::unique_ptr<SignalWebhook> webhook_;
  std::unique_ptr<ControlSocketServer> control_;
  std::unique_ptr<MetricsServer> metrics_server_;
  ServiceMetrics metrics_;
  OperatorConsole console_{*this};
  std::vector<InboundEvent> batch_ = std::vector<InboundEvent>(1024);

  LoopCalls calls_;                          // from the control socket and the metrics endpoint
  std::unique_ptr<ProcessSignals> signals_;  // while run() runs
  ThreadPlacement placement_;                // [service] core_cpu, io_cpu, busy_poll
  std::unique_ptr<Watchdog> watchdog_;
  std::thread watchdog_thread_;
  std::mutex watchdog_mutex_;
  std::condition_variable watchdog_wake_;
  bool watchdog_stop_ = false;

  std::string market_data_venues_;  // what status and metrics call the feeds and the venue
  std::string order_venues_;
  // Per live account: where the API key in use came from, and the fingerprint of its secret
  // (a reload compares it).
  std::vector<std::string> venue_key_origins_;
  std::vector<std::string> venue_secret_prints_;
  std::atomic<TimeNs> last_market_event_ns_{0};
  std::atomic<TimeNs> ready_since_ns_{0};
  TimeNs started_ns_ = 0;
  TimeNs feed_deadline_ns_ = 0;
  TimeNs feeds_started_ns_ = 0;
  TimeNs next_ready_check_ns_ = 0;
  TimeNs next_rehearsal_ns_ = 0;  // [service] warm_order_path_us
  TimeNs next_status_ns_ = 0;
  std::string last_status_;
  bool stopping_ = false;
  TimeNs stop_deadline_ns_ = 0;
  int exit_code_ = 0;
};

bool Daemon::start_venue(std::string& error) {
  if (config_.service.mode == RunMode::kPaper) {
    phase(
        "paper mode: the simulated exchange is restored from the journal (no clock skew check: "
        "no exchange account)");
    paper_venue_ = restore_paper_venue(config_, instruments_, *journal_);
    venue_ = paper_venue_.get();
    return true;
  }
  const ExecutionConfig& execution = config_.execution;
  if (!execution.enabled) {
    error = "mode = \"live\" needs an [execution] section (the exchange and where its keys are)";
    return false;
  }
  std::vector<VenueKeys> keys;
  for (const AccountConfig& account : execution.accounts) {
    auto api_key = load_secret(account.api_key);
    if (!api_key) {
      error = api_key.error();
      return false;
    }
    auto api_secret = load_secret(account.api_secret);
    if (!api_secret) {
      error = api_secret.error();
      return false;
    }
    log_info("{} API key {} from {}, signing key from {}", account.venue,
             fingerprint(api_key->secret), api_key->origin, api_secret->origin);
    venue_key_origins_.push_back(api_key->origin);
    venue_secret_prints_.push_back(fingerprint(api_secret->secret));
    keys.push_back({std::move(api_key->secret), std::move(api_secret->secret)});
  }
  phase("checking the exchange clock skew, trading rules, balances and open orders");
  live_venue_ = AccountSet::make(execution, instruments_, std::move(keys), clock_,
                                 journal_->watermark(), error);
  if (!live_venue_) return false;
  live_venue_->set_wire_latency(&metrics_.decision_to_wire);
  live_venue_->poll_for_commands(placement_.io_poll_ns());
  live_venue_->rehearse_signing_every(config_.service.warm_order_path_ns);
  if (!live_venue_->start(error)) return false;
  venue_ = live_venue_.get();
  return true;
}

bool Daemon::prepare_webhook(std::string& error) {
  if (!config_.webhook.enabled) return true;
  auto secrets = open_key_set(webhook_key_slots(config_.webhook), "webhook secret");
  if (!secrets) {
    error = "[signals.webhook]: " + secrets.error();
    return false;
  }
  webhook_secrets_ = std::move(*secrets);
  webhook_inbox_ = WebhookInbox::open(config_.engine.state_dir, error);
  return webhook_inbox_ != nullptr;
}

bool Daemon::start_webhook(std::string& error) {
  webhook_ = std::make_unique<SignalWebhook>(config_.webhook, instruments_, *queue_, clock_,
                                             webhook_secrets_, std::move(webhook_inbox_));
  if (!webhook_->start(error)) return false;
  return true;
}

bool Daemon::check_journal_continuity(std::string& error) const {
  const std::filesystem::path state_dir(config_.engine.state_dir);
  const std::filesystem::path journal_path = state_dir / "journal.db";
  std::error_code ignored;
  const bool journal_missing = !std::filesystem::exists(journal_path, ignored) ||
                               std::filesystem::file_size(journal_path, ignored) == 0;
  if (!journal_missing || options_.new_journal) return true;
  std::vector<std::string> evidence;
  if (std::filesystem::is_directory(state_dir / "inputs", ignored)) {
    std::size_t logs = 0;
    for (const auto& entry : std::filesystem::directory_iterator(state_dir / "inputs", ignored)) {
      const auto name = parse_input_log_name(entry.path().filename().string());
      logs += name && name->segment == 0 ? 1 : 0;  // plain or compressed
    }
    if (logs > 0)
      evidence.push_back(
          fmt::format("{} recorded run(s) in {}", logs, (state_dir / "inputs").string()));
  }
  if (std::filesystem::exists(state_dir / "api_calls.db", ignored)) {
    evidence.push_back("the Token Metrics call counter " + (state_dir / "api_calls.db").string());
  }
  if (evidence.empty()) return true;
  error = fmt::format(
      "the journal {} is {} but {} show(s) that sigex ran here before: starting would forget its "
      "orders "
      "and fills and could trade its signals again. Restore the journal from a backup; or, to "
      "start a "
      "new journal on purpose, run with --new-journal (the account's order history is still "
      "checked "
      "against it)",
      journal_path.string(), std::filesystem::exists(journal_path, ignored) ? "empty" : "missing",
      fmt::join(evidence, " and "));
  return false;
}

bool Daemon::check_account_history(std::string& error) {
  if (!live_venue_) return true;
  std::set<std::string, std::less<>> known = journal_->acknowledged_orders();
  for (const Order& order : journal_->load_orders()) known.emplace(order.client_order_id.view());
  const auto unknown = orders_unknown_to_journal(live_venue_->account_history(),
                                                 core_.engine->strategy_tags(), known);
  if (unknown.empty()) {
    log_info(
        "account history ({} days): no order of this configuration's strategies that the journal "
        "does not know",
        live_venue_->history_lookback_ns() / kNsPerDay);
    return true;
  }
  std::vector<std::string> named;
  for (const AccountOrder& order : unknown) {
    if (named.size() == 10) {
      named.push_back(fmt::format("and {} more", unknown.size() - 10));
      break;
    }
    const Instrument& instrument = instruments_.get(order.instrument);
    named.push_back(fmt::format("{} ({} {} {} of {}, {}, {})", order.client_order_id.view(),
                                to_string(order.side), instrument.symbol.view(),
                                format_decimal(order.executed.raw, instrument.quantity_scale),
                                format_decimal(order.quantity.raw, instrument.quantity_scale),
                                order.status, format_utc_timestamp(order.time_ns)));
  }
  switch (options_.unknown_orders) {
    case UnknownOrderDecision::kRefuse:
      error = fmt::format(
          "the exchange account shows {} order(s) of this configuration's strategies that the "
          "journal "
          "does not know: {}. An earlier journal (lost, emptied or another state directory) traded "
          "on "
          "this account; starting now could trade the same signals again. Run with "
          "--adopt-unknown-orders to take them and their fills into this journal, or "
          "--ignore-unknown-orders to record that they are not this journal's",
          unknown.size(), fmt::join(named, "; "));
      return false;
    case UnknownOrderDecision::kIgnore:
      for (const AccountOrder& order : unknown) {
        journal_->acknowledge_order(order.client_order_id.view(), "ignored by the operator",
                                    clock_.now_ns());
      }
      log_warn("--ignore-unknown-orders: {} order(s) recorded as not this journal's: {}",
               unknown.size(), fmt::join(named, "; "));
      return true;
    case UnknownOrderDecision::kAdopt:
      adopt(unknown);
      log_warn("--adopt-unknown-orders: {} order(s) and their fills taken into the journal: {}",
               unknown.size(), fmt::join(named, "; "));
      return true;
  }
  return true;
}

void Daemon::adopt(const std::vector<AccountOrder>& orders) {
  adopt_account_orders(
      *journal_, instruments_, core_.engine->strategy_tags(), orders,
      [this](const AccountOrder& order) { return live_venue_->history_fills(order); },
      clock_.now_ns());
}

bool Daemon::reconcile(std::string& error) {
  core_clock_.advance_to(clock_.now_ns());
  core_ = compose_session_core(config_, instruments_, engine_clock(), *journal_, *venue_,
                               paper_venue_.get());
  core_.engine->set_order_log(true);
  if (live_venue_) {
    core_.engine->set_resolution_policy(config_.resolution);
    core_.engine->set_instrument_resolution(instrument_resolution(config_, instruments_));
    core_.engine->set_foreign_order_policy(config_.foreign_orders);
  }
  if (!check_account_history(error)) return false;
  // Measured on the wall clock: in paper mode the core's own clock is the inputs' time.
  core_.engine->set_decision_latency(&metrics_.market_to_decision, &metrics_.signal_to_decision,
                                     &clock_);
  driver_ = std::make_unique<CoreDriver>(*core_.engine, paper_venue_ ? &core_clock_ : nullptr);
  if (config_.service.record_inputs) {
    RunStart start;
    start.start_ns = engine_clock().now_ns();
    start.paper = paper_venue_ != nullptr;
    start.journal_orders = journal_->count_rows("orders");
    start.config_path = options_.config_path;
    start.config_text = options_.config_text;
    start.instruments = instruments_.all();
    const std::filesystem::path inputs = std::filesystem::path(config_.engine.state_dir) / "inputs";
    std::error_code created;
    std::filesystem::create_directories(inputs, created);
    // The journal as this run found it: replay-check starts here once older runs are removed.
    if (!journal_->copy_to(run_start_snapshot(inputs, start.start_ns), error)) return false;
    housekeeper_ =
        std::make_unique<InputHousekeeper>(inputs, start.start_ns, config_.service.inputs, clock_);
    input_log_ = InputLogWriter::create(
        inputs, start, error, config_.service.inputs.segment_bytes,
        [this](const std::filesystem::path& closed) { housekeeper_->segment_closed(closed); });
    if (!input_log_) return false;
    housekeeper_->start();
    driver_->set_input_log(input_log_.get());
    log_info("recording this run's inputs to {} (for sigex replay-check)",
             input_log_->path().string());
  }

  phase("reconciling the journal with the venue");
  core_.engine->start();
  const TimeNs deadline = clock_.now_ns() + config_.service.reconcile_timeout_ns;
  TimeNs next_report = 0;
  while (core_.engine->orders().pending_lookups() > 0) {
    const TimeNs now_ns = clock_.now_ns();
    if (now_ns >= deadline) {
      error = fmt::format(
          "reconciliation did not finish within {} s: {} order(s) still unresolved "
          "(the venue does not answer lookups)",
          config_.service.reconcile_timeout_ns / kNsPerSecond,
          core_.engine->orders().pending_lookups());
      return false;
    }
    if (now_ns >= next_report) {
      notifier_.extend_timeout(30 * kNsPerSecond);
      notifier_.status(fmt::format("reconciling: {} open order(s) being looked up",
                                   core_.engine->orders().pending_lookups()));
      next_report = now_ns + 5 * kNsPerSecond;
    }
    if (live_venue_) {
      live_venue_->wait_for_answers(20 * kNsPerMs);
      core_.engine->run_due();
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));  // the simulated latency passes
      if (core_.engine->next_due_time_ns() <= clock_.now_ns()) driver_->tick(clock_.now_ns());
    }
  }
  if (live_venue_) {
    const auto differences = compare_with_account(core_.engine->portfolio(), instruments_,
                                                  live_venue_->start_holdings());
    // What each account held limits what sigex spends there from now on; the venues report
    // it again while running (kAccountCash). The comparison logs each account's shortfall.
    const std::vector<HeldCash> held = live_venue_->start_cash();
    compare_cash_with_accounts(core_.engine->portfolio(), held, config_.engine.cash_asset);
    for (const HeldCash& cash : held) {
      if (const auto account = account_reported_by(core_.engine->portfolio(), cash))
        core_.engine->report_account_cash(*account, cash.held, /*announced=*/true);
    }
    metrics_.balance_differences = differences.size();
    for (const BalanceDifference& difference : differences) {
      if (!difference.blocks_trading) continue;
      const Instrument& instrument = instruments_.get(difference.instrument);
      core_.engine->set_trading_state(
          instrument_scope(instrument.symbol.view()), TradingState::kHalted,
          fmt::format("ALERT: the venue's position {} is not the journal's {}: not explained by "
                      "the journal",
                      format_decimal(difference.account.raw, instrument.quantity_scale),
                      format_decimal(difference.sigex.raw, instrument.quantity_scale)));
    }
  }
  metrics_.reconciliation_differences_at_start =
      core_.engine->orders().counters().reconciliation_differences + metrics_.balance_differences;
  std::size_t open = 0;
  for (const Order& order : core_.engine->orders().orders()) open += is_open(order.state) ? 1 : 0;
  phase(fmt::format("reconciled: {} journaled order(s), {} open, {} difference(s)",
                    core_.engine->orders().orders().size(), open,
                    metrics_.reconciliation_differences_at_start));
  for (const auto& [scope, status] : core_.engine->trading_states().all()) {
    if (status.state != TradingState::kActive) {
      log_warn("trading state {} is {} since {}: {} (sigex ctl resume to trade again)", scope,
               to_string(status.state), format_utc_timestamp(status.since_ns), status.reason);
    }
  }
  return true;
}

bool Daemon::start_feeds(std::string& error) {
  phase("connecting the market data and signal feeds");
  // Producers: the market data feeds, the Token Metrics poller, the webhook.
  queue_ = std::make_unique<EventQueue<InboundEvent>>(config_.market_data.queue_capacity,
                                                      FeedSet::producers(config_.market_data) + 2);
  feed_ =
      std::make_unique<FeedSet>(config_.market_data, instruments_, *queue_, clock_, config_.nats);
  core_.engine->set_market_data_control(feed_.get());
  if (!feed_->start(error)) return false;
  // Token Metrics polling starts once every instrument has a price (check_ready): a signal
  // that arrived before the market would find nothing to trade at and be spent.
  feeds_started_ns_ = clock_.now_ns();
  feed_deadline_ns_ = feeds_started_ns_ + config_.service.feed_connect_timeout_ns;
  return true;
}

bool Daemon::start_service_endpoints(std::string& error) {
  control_ = std::make_unique<ControlSocketServer>(
      control_socket_path(config_),
      [this](const std::string& request) { return ask_core(request); });
  if (!control_->start(error)) return false;
  if (!config_.service.metrics_listen.empty()) {
    metrics_server_ = start_metrics_server(
        config_.service.metrics_listen,
        [this]() -> std::optional<std::string> {
          std::string body = ask_core("metrics");
          if (body.starts_with("error:")) return std::nullopt;
          return body + render_process_metrics(BuildInfo{kVersion, kBuildType, kFailpointsBuilt});
        },
        error);
    if (metrics_server_ == nullptr) return false;
    metrics_.listen = metrics_server_->url();
    log_info("metrics at {}", metrics_.listen);
  }
  log_info("control socket at {}", control_->path());
  if (config_.service.publish_events) {
    // Reads the journal on a thread of its own: the core never waits for NATS.
    events_ = std::make_unique<EventPublisher>(
        config_.nats, journal_->path(),
        config_.nats.engine.empty() ? journal_->identity() : config_.nats.engine,
        instruments_.all());
    if (!events_->start(error)) return false;
  }
  return true;
}

int Daemon::run() {
  started_ns_ = clock_.now_ns();
  signals_ = std::make_unique<ProcessSignals>(ProcessSignals::Reload::kOnSighup);
  phase(fmt::format("configuration {} validated ({} mode)", config_.path,
                    config_.service.mode == RunMode::kLive ? "live" : "paper"));
  std::string error;
  if (!placement_.prepare(config_.service.threads, error)) {
    log_error("{}", error);
    notifier_.status(error);
    return 1;
  }
  // Every thread (the logger's) and every thread started from here on (journal writer, venues,
  // feeds, listeners, poller) runs on the I/O CPUs; this one takes the core CPU once ready.
  placement_.move_process_to_io();
  if (placement_.pins_io() || placement_.io_poll_ns() > 0) {
    phase("threads: " + placement_.describe());
  }
  if (config_.service.warm_order_path_ns > 0) {
    phase(fmt::format("order path: rehearsed every {} us while the core thread is idle",
                      config_.service.warm_order_path_ns / kNsPerUs));
  }
  if (!config_.service.allow_core_dumps && !disable_core_dumps(error)) {
    log_error("{}", error);
    return 1;
  }
  if (config_.service.allow_core_dumps) {
    log_warn(
        "[service] allow_core_dumps = true: a core dump of this process would hold the API keys");
  }
  if (!lock_.acquire(config_.engine.state_dir, error)) {
    log_error("{}", error);
    notifier_.status(error);
    return 1;
  }
  phase("state directory " + config_.engine.state_dir + " locked");
  if (!check_journal_continuity(error)) {
    log_error("{}", error);
    notifier_.status("journal missing next to earlier runs (see the log)");
    return 1;
  }
  journal_ = Journal::open(config_.engine.state_dir, config_.engine.durability, error);
  if (!journal_) {
    log_error("{}", error);
    notifier_.status("journal check failed");
    return 1;
  }
  journal_->poll_for_batches(&clock_, placement_.io_poll_ns());
  phase(fmt::format("journal opened and checked: {} order(s), {} fill(s)",
                    journal_->count_rows("orders"), journal_->count_rows("fills")));
  std::vector<Instrument> instrument_list = config_.instruments;
  if (!complete_instrument_rules(config_, instrument_list, error)) {
    log_error("{}", error);
    notifier_.status("instrument rules from the venue failed (see the log)");
    return 1;
  }
  if (!prepare_token_metrics(config_, clock_, intake_, instrument_list, error) ||
      !rank_universe(config_, clock_, intake_, instrument_list, error)) {
    log_error("{}", error);
    notifier_.status("Token Metrics set-up failed (see the log)");
    return 1;
  }
  for (const auto& instrument : instrument_list) instruments_.add(instrument);
  bool venue_started = start_venue(error) && prepare_webhook(error);
  for (const auto& feed : config_.market_data.feeds)
    venue_started = venue_started && feed->load_keys(error);
  // Every key is read by now: none stays in the environment (/proc/<pid>/environ).
  for (const SecretSource* source :
       {&config_.token_metrics.api_key, &config_.token_metrics.next_api_key,
        &config_.webhook.secret, &config_.webhook.next_secret}) {
    scrub_environment_variable(source->env);
  }
  for (const AccountConfig& account : config_.execution.accounts) {
    scrub_environment_variable(account.api_key.env);
    scrub_environment_variable(account.api_secret.env);
  }
  for (const auto& feed : config_.market_data.feeds) {
    for (const std::string& name : feed->key_environment()) scrub_environment_variable(name);
  }
  if (!venue_started || !reconcile(error) || !start_service_endpoints(error) ||
      !start_feeds(error)) {
    log_error("{}; sigex exits (status 1) without trading", error);
    notifier_.status("start-up failed (see the log)");
    shut_down();
    return 1;
  }
  const DurationNs ping_interval = notifier_.watchdog_ping_interval_ns();
  if (ping_interval > 0) {
    watchdog_ = std::make_unique<Watchdog>(ping_interval, config_.service.max_loop_silence_ns);
    log_info("systemd watchdog: pinging every {} ms while healthy", ping_interval / kNsPerMs);
    watchdog_thread_ = std::thread([this] { watchdog_thread(); });
  }
  loop();
  shut_down();
  return exit_code_;
}

void Daemon::loop() {
  while (!stop_complete(clock_.now_ns())) turn();
}

void Daemon::turn() {
  if (ready_since_ns_.load(std::memory_order_relaxed) != 0 &&
      SIGEX_FAILPOINT_TRIGGERED("run.core_loop_hang")) {
    log_error("failpoint run.core_loop_hang: the core loop stops turning");
    while (true) std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  if (const int signal_number = signals_->take_stop(); signal_number != 0)
    begin_stop(signal_number);
  if (signals_->take_reload()) reload();
  calls_.answer([this](const std::string& request) { return console_.handle(request); });

  // Sleeps until a record arrives (or the next timer, or the idle wait ends): no spinning,
  // unless [service] busy_poll gives the core thread a CPU to spin on.
  const TimeNs before_wait_ns = clock_.now_ns();
  const bool polling =
      placement_.busy_poll() && ready_since_ns_.load(std::memory_order_relaxed) != 0;
  DurationNs wait_ns =
      polling       ? 0
      : live_venue_ ? kLiveIdleWaitNs
                    : std::clamp<DurationNs>(core_.engine->next_due_time_ns() - before_wait_ns, 0,
                                             kPaperIdleWaitNs);
  if (rehearsing())
    wait_ns = std::clamp<DurationNs>(next_rehearsal_ns_ - before_wait_ns, 0, wait_ns);
  const std::size_t count = queue_->wait_drain(batch_.data(), batch_.size(), wait_ns / 1000);
  for (std::size_t i = 0; i < count; ++i) {
    const InboundEvent& event = batch_[i];
    if (event.kind != MarketEventKind::kTradingSignal && event.kind != MarketEventKind::kGrade &&
        event.kind != MarketEventKind::kMarketDataReset) {
      last_market_event_ns_.store(event.receive_time_ns(), std::memory_order_relaxed);
    }
    driver_->process(event);
  }
  const TimeNs now_ns = clock_.now_ns();
  if (core_.engine->next_due_time_ns() <= now_ns) {
    driver_->tick(now_ns);
  } else if (live_venue_) {
    core_.engine->run_due();  // live venue answers arrive on their own queue
  }
  if (count == 0) {
    driver_->idle();
    // Only on a turn that found nothing to do: a rehearsal never holds up an event in hand.
    if (rehearsing() && now_ns >= next_rehearsal_ns_) {
      core_.engine->rehearse_order_path();
      next_rehearsal_ns_ = now_ns + config_.service.warm_order_path_ns;
    }
  }
  if (watchdog_) watchdog_->loop_turned(now_ns);
  if (ready_since_ns_.load(std::memory_order_relaxed) == 0) check_ready(now_ns);
  publish_status(now_ns, false);
}

bool Daemon::rehearsing() const {
  return config_.service.warm_order_path_ns > 0 &&
         ready_since_ns_.load(std::memory_order_relaxed) != 0 && !stopping_;
}

void Daemon::check_ready(TimeNs now_ns) {
  if (now_ns < next_ready_check_ns_ || stopping_) return;
  next_ready_check_ns_ = now_ns + 5 * kNsPerMs;
  const bool streaming = feed_->health().streaming;
  // Priced, and where depth is used, its book synced: a signal must find a tradeable market.
  bool priced = true;
  for (InstrumentId id = 0; id < instruments_.size(); ++id) {
    priced &= core_.engine->quotes().quote(id).bid.raw > 0 && core_.engine->is_tradeable(id);
  }
  if (!streaming || (!priced && now_ns < feed_deadline_ns_)) {
    if (now_ns < feed_deadline_ns_) return;
    log_error("the market data feed did not connect within {} s; stopping (systemd restarts sigex)",
              config_.service.feed_connect_timeout_ns / kNsPerSecond);
    exit_code_ = 1;
    begin_stop(0);
    return;
  }
  if (!priced)
    log_warn(
        "some instruments are not tradeable yet after {} s (no price, or a depth book not synced); "
        "starting anyway",
        config_.service.feed_connect_timeout_ns / kNsPerSecond);
  // The signal sources start once the market is priced; one that cannot start stops the daemon.
  std::string error;
  const auto cannot_start = [this, &error](std::string_view what) {
    log_error("{}: {}", what, error);
    exit_code_ = 1;
    begin_stop(0);
  };
  if (config_.signals_from_relay) {
    relayed_signals_ =
        std::make_unique<NatsSignalSubscriber>(config_.nats, instruments_, *queue_, clock_);
    if (!relayed_signals_->start(error)) {
      relayed_signals_.reset();
      return cannot_start("signals from the relay");
    }
  }
  if (config_.token_metrics.enabled) {
    poller_ = make_signal_poller(config_, instruments_, *queue_, clock_, intake_);
    if (!poller_->start(error)) {
      poller_.reset();
      return cannot_start("Token Metrics polling");
    }
  }
  if (webhook_inbox_ && !start_webhook(error)) return cannot_start("webhook");
  ready_since_ns_.store(now_ns);
  placement_.enter_core();  // everything is started: the core's CPU is the core's alone
  metrics_.start_to_ready_ns = now_ns - started_ns_;
  metrics_.feed_wait_ns = now_ns - feeds_started_ns_;
  log_info(
      "ready: {:.3f} s after start, {:.3f} s of it waiting for the market data feed (market data "
      "streaming, every instrument priced{})",
      static_cast<double>(metrics_.start_to_ready_ns) / 1e9,
      static_cast<double>(metrics_.feed_wait_ns) / 1e9,
      std::string(config_.token_metrics.enabled ? ", signal polling started" : "") +
          (webhook_ ? ", webhook listening" : ""));
  notifier_.notify("READY=1");
  publish_status(now_ns, true);
}

void Daemon::publish_status(TimeNs now_ns, bool force) {
  if (!force && now_ns < next_status_ns_) return;
  next_status_ns_ = now_ns + kStatusEveryNs;
  if (ready_since_ns_.load(std::memory_order_relaxed) == 0 && !force) return;
  const TradingStatus& global = core_.engine->trading_states().get(kGlobalScope);
  std::uint64_t denials = 0;
  for (std::size_t i = 1; i < static_cast<std::size_t>(RiskDenial::kCount); ++i) {
    denials += core_.engine->risk().denials(static_cast<RiskDenial>(i));
  }
  std::size_t positions = 0, open_orders = 0;
  for (InstrumentId id = 0; id < instruments_.size(); ++id) {
    positions += core_.engine->portfolio().position(id).quantity.raw != 0 ? 1 : 0;
    open_orders += core_.engine->orders().has_open_order(id) ? 1 : 0;
  }
  std::string text = fmt::format(
      "{} {}; orders {}, fills {}, risk denials {}; positions {}, instruments with open orders {}",
      stopping_ ? "stopping," : "trading", to_string(global.state),
      core_.engine->counters().orders_submitted, core_.engine->counters().fills, denials, positions,
      open_orders);
  if (core_.engine->halted()) text += "; OMS halted: " + core_.engine->halt_reason();
  if (text == last_status_) return;
  last_status_ = text;
  notifier_.status(text);
}

void Daemon::begin_stop(int signal_number) {
  if (stopping_) return;
  stopping_ = true;
  notifier_.notify(
      fmt::format("STOPPING=1\nSTATUS=stopping{}", signal_number == SIGTERM  ? " on SIGTERM"
                                                   : signal_number == SIGINT ? " on SIGINT"
                                                                             : ""));
  const std::size_t canceled =
      control({ControlKind::kStop, "", "",
               config_.service.on_stop == StopPolicy::kCancelOrders ? "cancel" : "leave"});
  // Leave two seconds of systemd's stop timeout for closing the feeds and the journal.
  stop_deadline_ns_ =
      clock_.now_ns() +
      std::max<DurationNs>(config_.service.stop_timeout_ns - 2 * kNsPerSecond, kNsPerSecond);
  log_info("stopping: new orders refused; {}",
           config_.service.on_stop == StopPolicy::kCancelOrders
               ? fmt::format("{} resting order(s) being canceled", canceled)
               : std::string("resting orders left on the venue (on_stop = \"leave\")"));
}

std::size_t Daemon::control(const ControlAction& action) {
  // Paper: the action happens now, so the core's clock first catches up with the wall clock
  // (the tick is recorded, and replayed, like any other).
  if (paper_venue_) driver_->tick(clock_.now_ns());
  if (input_log_) input_log_->control(action);
  return apply_control(core_, action, engine_clock());
}

bool Daemon::any_resting_order() const {
  for (const Order& order : core_.engine->orders().orders()) {
    if (order.state == OrderState::kAccepted || order.state == OrderState::kPartiallyFilled ||
        order.state == OrderState::kPendingCancel) {
      return true;
    }
  }
  return false;
}

bool Daemon::stop_complete(TimeNs now_ns) const {
  if (!stopping_) return false;
  if (config_.service.on_stop == StopPolicy::kLeaveOrders || !any_resting_order()) return true;
  if (now_ns < stop_deadline_ns_) return false;
  log_warn(
      "stopping with orders still open (no cancel answer in time); the next start reconciles them");
  return true;
}

void Daemon::shut_down() {
  if (watchdog_thread_.joinable()) {
    {
      std::lock_guard lock(watchdog_mutex_);
      watchdog_stop_ = true;
    }
    watchdog_wake_.notify_all();
    watchdog_thread_.join();
  }
  if (control_) control_->stop();
  if (metrics_server_) metrics_server_->stop();
  // Answer whatever was asked while the servers closed.
  calls_.refuse("error: sigex is stopping\n");
  intake_.waiter.stop();
  if (poller_) poller_->stop();
  if (relayed_signals_) relayed_signals_->stop();
  if (webhook_) webhook_->stop();
  if (feed_) feed_->stop();
  if (live_venue_) live_venue_->stop();
  if (input_log_) input_log_->end(engine_clock().now_ns());
  if (housekeeper_) housekeeper_->stop();  // the last segment compressed before the exit
  if (journal_ && !journal_->flush()) {
    log_error("journal: the last writes failed: {}", journal_->last_error());
    exit_code_ = 1;
  }
  if (events_) events_->stop();  // after the flush: the last events go out too
  if (core_.engine) {
    log_info("stopped: {} orders, {} fills this run; journal flushed",
             core_.engine->counters().orders_submitted, core_.engine->counters().fills);
  }
}

std::string Daemon::reload() {
  // A reload may start threads (a user data stream on a new key): not on the core's CPU.
  const ThreadPlacement::IoScope io(placement_);
  notifier_.reloading();
  log_info("reloading the configuration from {}", options_.config_path);
  std::string text;
  std::string answer;
  const std::optional<AppConfig> reloaded =
      load_reloaded_config(options_.config_path, answer, &text);
  if (reloaded) {
    const AppConfig& fresh = *reloaded;
    std::string key_problems;
    const std::string keys = reload_keys(fresh, key_problems);
    spdlog::set_level(spdlog::level::from_str(fresh.logging.level));
    control({ControlKind::kReloadRisk, "", "", text});
    config_.logging = fresh.logging;
    config_.risk = fresh.risk;
    answer = fmt::format(
        "{}\nreloaded [logging] and [risk]{}; other sections take effect at the next restart\n{}",
        key_problems.empty() ? "ok" : "error: " + key_problems, keys,
        key_problems.empty() ? "" : "the keys in use are kept\n");
    log_info("reloaded [logging] and [risk]{}; other sections take effect at the next restart",
             keys);
  }
  notifier_.notify("READY=1");
  last_status_.clear();
  publish_status(clock_.now_ns(), true);
  return answer;
}

std::string Daemon::reload_keys(const AppConfig& fresh, std::string& problems) {
  std::string reloaded;
  reload_token_metrics_keys(intake_, config_, fresh, poller_.get(), reloaded, problems);
  if (live_venue_) reload_venue_keys(fresh.execution, reloaded, problems);
  if (webhook_secrets_ && fresh.webhook.enabled) {
    note_reload(
        reload_key_set(*webhook_secrets_, webhook_key_slots(fresh.webhook), "webhook secret"),
        "the webhook secrets", reloaded, problems);
  }
  return reloaded;
}

void Daemon::note_reload(const tl::expected<bool, std::string>& changed, std::string_view what,
                         std::string& reloaded, std::string& problems) {
  if (changed) {
    reloaded += fmt::format(", {}{}", what, *changed ? " (changed)" : "");
    return;
  }
  log_error("reload: {}; {} in use are kept", changed.error(), what);
  problems += (problems.empty() ? "" : "; ") + changed.error();
}

void Daemon::reload_venue_keys(const ExecutionConfig& execution, std::string& reloaded,
                               std::string& problems) {
  // Environment variables are read once (and removed): keys from there need a restart.
  auto from_environment_only = [](const SecretSource& source) {
    return source.credential.empty() && source.file.empty();
  };
  // The accounts are the ones started with: a reload changes keys, never venues.
  for (std::size_t i = 0; i < live_venue_->size() && i < execution.accounts.size(); ++i) {
    const AccountConfig& account = execution.accounts[i];
    if (account.venue != live_venue_->venue(i)) continue;
    if (from_environment_only(account.api_key) && from_environment_only(account.api_secret))
      continue;
    LiveVenue& venue = live_venue_->account(i);
    const std::string which = live_venue_->size() == 1 ? "exchange" : account.venue;
    auto api_key = load_secret(account.api_key);
    auto api_secret = load_secret(account.api_secret);
    if (!api_key || !api_secret) {
      const std::string error = !api_key ? api_key.error() : api_secret.error();
      log_error("reload: {}; the {} keys in use are kept", error, which);
      problems += (problems.empty() ? "" : "; ") + error;
      continue;
    }
    const std::string secret_print = fingerprint(api_secret->secret);
    if (fingerprint(api_key->secret) == venue.key_fingerprint() &&
        secret_print == venue_secret_prints_[i]) {
      reloaded += fmt::format(", the {} keys (unchanged)", which);
      continue;
    }
    std::string error;
    const std::string origin = api_key->origin;
    if (!venue.rotate_keys({std::move(api_key->secret), std::move(api_secret->secret)}, error)) {
      log_error("reload: the new {} signing key cannot be used: {}; the keys in use are kept",
                which, error);
      problems += (problems.empty() ? "" : "; ") + error;
      continue;
    }
    venue_key_origins_[i] = origin;
    venue_secret_prints_[i] = secret_print;
    reloaded += fmt::format(", the {} keys (rotated to {})", which, venue.key_fingerprint());
  }
}

void Daemon::watchdog_thread() {
  std::string last_problem;
  std::unique_lock lock(watchdog_mutex_);
  while (!watchdog_stop_) {
    watchdog_wake_.wait_for(lock, std::chrono::nanoseconds(watchdog_->interval_ns() / 4));
    if (watchdog_stop_) break;
    const TimeNs ready_ns = ready_since_ns_.load();
    const TimeNs now_ns = clock_.now_ns();
    if (ready_ns == 0 || !watchdog_->due(now_ns)) continue;
    std::vector<WatchedFeed> feeds;
    if (config_.service.max_market_data_age_ns > 0) {
      feeds.push_back(
          {"market data", config_.service.max_market_data_age_ns, last_market_event_ns_.load()});
    }
    const WatchdogVerdict verdict = watchdog_->verdict(now_ns, feeds, ready_ns);
    if (verdict.healthy) {
      notifier_.notify("WATCHDOG=1");
      metrics_.watchdog_pings.fetch_add(1, std::memory_order_relaxed);
      if (!last_problem.empty()) {
        log_info("watchdog: healthy again, pinging");
        last_problem.clear();
      }
      continue;
    }
    if (verdict.subject != last_problem) {
      log_error("watchdog: not pinging systemd: {}", verdict.reason);
      notifier_.status("watchdog: not pinging: " + verdict.reason);
      last_problem = verdict.subject;
    }
  }
}

std::string Daemon::ask_core(std::string request) {
  return calls_.ask(std::move(request), kControlAnswerTimeoutNs, "core loop");
}

std::string Daemon::metrics() const {
  return render_metrics(metrics_, *core_.engine,
                        config_.service.mode == RunMode::kLive ? "live" : "paper", components(),
                        queue_->approximate_size(), ready_since_ns_.load() != 0, clock_.now_ns(),
                        last_market_event_ns_.load());
}

std::string Daemon::check_scope(std::string_view scope) const {
  return sigex::check_scope(config_, std::string(scope));
}

void Daemon::state_changed() {
  last_status_.clear();
  publish_status(clock_.now_ns(), true);
}

DaemonStatus Daemon::status() const {
  const TimeNs now_ns = clock_.now_ns();
  const TimeNs ready_ns = ready_since_ns_.load();
  DaemonStatus s;
  s.mode = config_.service.mode == RunMode::kLive ? "live" : "paper";
  s.market_data_venue = std::string(market_data_venue());
  s.order_venue = std::string(order_venue());
  s.state_dir = config_.engine.state_dir;
  if (ready_ns != 0) s.ready_since = format_utc_timestamp(ready_ns);
  s.stopping = stopping_;
  s.core_dumps_allowed = core_dumps_allowed();
  s.metrics_url = metrics_.listen;
  const TimeNs last_event = last_market_event_ns_.load();
  if (last_event != 0) s.last_market_event_age_s = static_cast<double>(now_ns - last_event) / 1e9;
  const MetricsComponents parts = components();
  for (const ReportingComponent* component :
       {parts.market_data, parts.signals, parts.venue, parts.webhook, parts.events}) {
    if (component != nullptr) component->write_status(s, now_ns);
  }
  describe_core(s, *core_.engine, core_.signal_gate.get(), config_.engine.cash_asset);
  if (live_venue_) {
    for (std::size_t i = 0; i < live_venue_->size(); ++i) {
      s.keys.push_back({live_venue_->venue(i) + " API key", "current",
                        live_venue_->account(i).key_fingerprint(), venue_key_origins_[i], true});
    }
    s.keys_retiring += live_venue_->keys_retiring();
  }
  return s;
}

}  // namespace

int run_daemon(const AppConfig& config, const RunOptions& options) {
  Daemon daemon(config, options);
  return daemon.run();
}

}  // namespace sigex
