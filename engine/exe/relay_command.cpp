#include "engine/exe/relay_command.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/nats/connection.h"
#include "adapters/nats/relay_publisher.h"
#include "adapters/nats/relay_wire.h"
#include "adapters/service/control_socket.h"
#include "adapters/service/instance_lock.h"
#include "adapters/service/metrics_server.h"
#include "adapters/service/process_metrics.h"
#include "adapters/service/systemd_notifier.h"
#include "adapters/token_metrics/signal_poller.h"
#include "engine/console/loop_calls.h"
#include "engine/console/service_metrics.h"
#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "engine/exe/build_info.h"
#include "engine/exe/ctl_command.h"
#include "engine/exe/intake_setup.h"
#include "engine/exe/process_signals.h"
#include "engine/exe/venue_sets.h"
#include "engine/health/watchdog.h"
#include "engine/logging/log.h"
#include "engine/status/daemon_status.h"

namespace sigex {
namespace {

constexpr DurationNs kControlAnswerTimeoutNs = 5 * kNsPerSecond;
constexpr DurationNs kStatusEveryNs = 10 * kNsPerSecond;  // STATUS= and the log line
constexpr std::uint64_t kIdleWaitUs = 1000;               // an idle loop still turns this often

// Snapshot requests arrive on the NATS client's thread; the relay loop takes them.
class SnapshotRequests {
 public:
  void add(InstrumentId instrument) {
    std::lock_guard lock(mutex_);
    requested_.push_back(instrument);
  }
  std::vector<InstrumentId> take() {
    std::lock_guard lock(mutex_);
    return std::exchange(requested_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<InstrumentId> requested_;
};

// One relay process: everything below is owned, and only touched, by the thread that calls
// run() (the loop), except what the control socket and metrics endpoint ask through calls_.
class Relay {
 public:
  Relay(const AppConfig& config, const RelayOptions& options)
      : config_(config), options_(options), notifier_(ServiceNotifier::from_environment()) {}

  int run();

 private:
  bool start(std::string& error);
  bool start_endpoints(std::string& error);
  bool should_stop() const;
  void turn();
  void deliver(const InboundEvent& event);
  void check_ready(TimeNs now_ns);
  void ping_watchdog(TimeNs now_ns);
  void publish_status(TimeNs now_ns);
  void stop();
  std::string handle(const std::string& request);
  std::string reload();
  DaemonStatus status() const;
  std::string metrics() const;
  MetricsComponents components() const {
    return {feed_.get(), poller_.get(), nullptr, nullptr, publisher_.get(), venues_, ""};
  }

  AppConfig config_;
  RelayOptions options_;
  ServiceNotifier notifier_;
  LiveClock clock_;
  InstanceLock lock_;
  TokenMetricsIntake intake_;
  InstrumentRegistry instruments_;
  std::string venues_;  // "binance" or "binance, coinbase": the feeds'
  std::unique_ptr<RelayPublisher> publisher_;
  SnapshotRequests requests_;
  // Declared after what its handlers use: destroyed (its handlers done) before them.
  std::unique_ptr<NatsConnection> nats_;
  std::unique_ptr<EventQueue<InboundEvent>> queue_;
  std::unique_ptr<FeedSet> feed_;
  std::unique_ptr<SignalPoller> poller_;
  LoopCalls calls_;
  std::unique_ptr<ControlSocketServer> control_;
  std::unique_ptr<MetricsServer> metrics_server_;
  std::string metrics_url_;
  std::unique_ptr<Watchdog> watchdog_;
  std::unique_ptr<ProcessSignals> signals_;
  std::vector<InboundEvent> batch_ = std::vector<InboundEvent>(4096);
  std::chrono::steady_clock::time_point started_;
  TimeNs ready_since_ns_ = 0;
  TimeNs last_market_ns_ = 0;
  TimeNs next_snapshots_ns_ = 0;
  TimeNs next_status_ns_ = 0;
  std::uint64_t watchdog_pings_ = 0;
};

bool Relay::start(std::string& error) {
  if (!lock_.acquire(config_.engine.state_dir, error)) return false;
  if (!prepare_live_instruments(config_, clock_, intake_, instruments_, error)) return false;
  // Subjects name each instrument's venue: its own, or the only feed's.
  std::vector<std::string> venue_of;
  for (const Instrument& instrument : instruments_.all()) {
    venue_of.emplace_back(!instrument.venue.empty() ? std::string(instrument.venue.view())
                          : config_.market_data.feeds.empty()
                              ? std::string("none")
                              : std::string(config_.market_data.feeds.front()->venue()));
  }
  for (const auto& feed : config_.market_data.feeds)
    venues_ += (venues_.empty() ? "" : ", ") + std::string(feed->venue());

  const auto epoch = static_cast<std::uint64_t>(clock_.now_ns());
  publisher_ =
      std::make_unique<RelayPublisher>(config_.nats, instruments_, std::move(venue_of), epoch);
  nats_ = NatsConnection::connect(config_.nats, error);
  if (nats_ == nullptr) return false;
  publisher_->report_connection(nats_.get());
  if (!publisher_->ensure_streams(*nats_, error) ||
      !nats_->subscribe(
          publisher_->snapshot_request_subject(),
          [this](std::string_view subject, std::string_view) {
            if (const auto instrument = publisher_->requested(subject)) requests_.add(*instrument);
          },
          error)) {
    return false;
  }
  queue_ = std::make_unique<EventQueue<InboundEvent>>(config_.market_data.queue_capacity,
                                                      FeedSet::producers(config_.market_data) + 1);
  feed_ =
      std::make_unique<FeedSet>(config_.market_data, instruments_, *queue_, clock_, config_.nats);
  if (!feed_->start(error)) return false;
  if (config_.token_metrics.enabled) {
    poller_ = make_signal_poller(config_, instruments_, *queue_, clock_, intake_);
    if (!poller_->start(error)) return false;
  }
  log_info("relay: epoch {}, {} instrument(s) from {}, Token Metrics {}, publishing to {}", epoch,
           instruments_.size(), feed_->size() > 0 ? feed_->venues() : std::string("no feed"),
           poller_ ? "polled" : "not polled", config_.nats.url);
  return start_endpoints(error);
}

bool Relay::start_endpoints(std::string& error) {
  control_ = std::make_unique<ControlSocketServer>(
      control_socket_path(config_), [this](const std::string& request) {
        return calls_.ask(request, kControlAnswerTimeoutNs, "relay loop");
      });
  if (!control_->start(error)) return false;
  log_info("control socket at {}", control_->path());
  if (config_.service.metrics_listen.empty()) return true;
  metrics_server_ = start_metrics_server(
      config_.service.metrics_listen,
      [this]() -> std::optional<std::string> {
        std::string body = calls_.ask("metrics", kControlAnswerTimeoutNs, "relay loop");
        if (body.starts_with("error:")) return std::nullopt;
        return body + render_process_metrics(BuildInfo{kVersion, kBuildType, kFailpointsBuilt});
      },
      error);
  if (metrics_server_ == nullptr) return false;
  metrics_url_ = metrics_server_->url();
  log_info("metrics at {}", metrics_url_);
  return true;
}

int Relay::run() {
  signals_ = std::make_unique<ProcessSignals>(ProcessSignals::Reload::kOnSighup);
  std::string error;
  if (!start(error)) {
    log_error("relay: {}", error);
    notifier_.status("relay: " + error);
    stop();
    return 1;
  }
  watchdog_ = std::make_unique<Watchdog>(notifier_.watchdog_ping_interval_ns() > 0
                                             ? notifier_.watchdog_ping_interval_ns()
                                             : 10 * kNsPerSecond,
                                         config_.service.max_loop_silence_ns);
  next_snapshots_ns_ = clock_.now_ns() + config_.nats.snapshot_interval_ns;
  started_ = std::chrono::steady_clock::now();
  while (!should_stop()) turn();
  notifier_.notify("STOPPING=1");
  stop();
  const RelayCounters counters = publisher_->counters();
  log_info(
      "relay: stopped: {} market messages ({} dropped), {} signals ({} repeats, {} never "
      "published), {} snapshots",
      counters.market_messages, counters.market_dropped, counters.signal_messages,
      counters.signal_duplicates, counters.signals_pending, counters.snapshots);
  return 0;
}

bool Relay::should_stop() const {
  if (const int signal_number = signals_->take_stop(); signal_number != 0) {
    log_info("relay: stopping on signal {}", signal_number);
    return true;
  }
  if (options_.stop_when && options_.stop_when()) return true;
  return options_.duration_s &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() >=
             *options_.duration_s;
}

void Relay::turn() {
  if (signals_->take_reload()) reload();
  calls_.answer([this](const std::string& request) { return handle(request); });
  const std::size_t count = queue_->wait_drain(batch_.data(), batch_.size(), kIdleWaitUs);
  for (std::size_t i = 0; i < count; ++i) deliver(batch_[i]);
  const TimeNs now_ns = clock_.now_ns();
  watchdog_->loop_turned(now_ns);
  for (const InstrumentId instrument : requests_.take())
    publisher_->snapshot_requested(nats_.get(), instrument, now_ns);
  if (now_ns >= next_snapshots_ns_) {
    next_snapshots_ns_ = now_ns + config_.nats.snapshot_interval_ns;
    for (InstrumentId id = 0; id < instruments_.size(); ++id)
      publisher_->publish_snapshot(nats_.get(), id, now_ns);
  }
  publisher_->flush_signals(nats_.get());
  check_ready(now_ns);
  ping_watchdog(now_ns);
  publish_status(now_ns);
}

void Relay::deliver(const InboundEvent& event) {
  if (event.kind != MarketEventKind::kTradingSignal && event.kind != MarketEventKind::kGrade &&
      event.kind != MarketEventKind::kMarketDataReset) {
    last_market_ns_ = event.receive_time_ns();
  }
  if (publisher_->on_event(nats_.get(), event)) feed_->request_resync(record_instrument(event));
}

void Relay::check_ready(TimeNs now_ns) {
  if (ready_since_ns_ != 0) return;
  const bool streaming = feed_->size() == 0 || feed_->health().streaming;
  if (!streaming || !nats_->connected()) return;
  ready_since_ns_ = now_ns;
  notifier_.notify("READY=1");
  log_info("relay: ready: every feed streams and NATS is connected");
}

void Relay::ping_watchdog(TimeNs now_ns) {
  if (ready_since_ns_ == 0 || !notifier_.enabled() || !watchdog_->due(now_ns)) return;
  std::vector<WatchedFeed> feeds;
  if (feed_->size() > 0 && config_.service.max_market_data_age_ns > 0)
    feeds.push_back({"market data", config_.service.max_market_data_age_ns, last_market_ns_});
  const WatchdogVerdict verdict = watchdog_->verdict(now_ns, feeds, ready_since_ns_);
  if (verdict.healthy) {
    notifier_.notify("WATCHDOG=1");
    ++watchdog_pings_;
  } else {
    notifier_.status("watchdog: not pinging: " + verdict.reason);
  }
}

void Relay::publish_status(TimeNs now_ns) {
  if (now_ns < next_status_ns_) return;
  next_status_ns_ = now_ns + kStatusEveryNs;
  const RelayCounters counters = publisher_->counters();
  const std::string status = fmt::format(
      "relay: NATS {}, feeds {}, {} market messages ({} dropped), {} signals ({} repeats, {} "
      "waiting), {} snapshots",
      nats_->connected() ? "connected" : "NOT connected",
      feed_->size() > 0 ? std::string(feed_->health().state) : std::string("none"),
      counters.market_messages, counters.market_dropped, counters.signal_messages,
      counters.signal_duplicates, counters.signals_pending, counters.snapshots);
  notifier_.status(status);
  if (!options_.quiet) log_info("{}", status);
}

void Relay::stop() {
  if (control_) control_->stop();
  if (metrics_server_) metrics_server_->stop();
  calls_.refuse("error: the relay is stopping\n");
  intake_.waiter.stop();
  if (poller_) poller_->stop();
  if (feed_) feed_->stop();
  if (queue_ == nullptr || publisher_ == nullptr) return;
  // What the feeds handed over before they stopped still goes out.
  for (std::size_t count = queue_->drain(batch_.data(), batch_.size()); count > 0;
       count = queue_->drain(batch_.data(), batch_.size())) {
    for (std::size_t i = 0; i < count; ++i) deliver(batch_[i]);
  }
  publisher_->flush_signals(nats_.get());
  if (nats_ != nullptr && !nats_->wait_async(2 * kNsPerSecond))
    log_warn("relay: market messages still unacknowledged after 2 s: not waited for");
}

std::string Relay::handle(const std::string& request) {
  if (request == "status json") return "ok\n" + render_status_json(status());
  if (request == "status") return "ok\n" + render_status_text(status());
  if (request == "metrics") return metrics();
  if (request == "reload") return reload();
  const std::string verb = request.substr(0, request.find(' '));
  if (verb == "halt" || verb == "resume" || verb == "reduce" || verb == "flatten") {
    return "error: a relay trades nothing: " + verb +
           " the engines themselves (sigex ctl --config <an engine's configuration>)\n";
  }
  return "error: unknown request \"" + verb + "\" (a relay answers status and reload)\n";
}

// SIGHUP or `ctl reload`: the log level and the Token Metrics keys (a key file replaced on
// disk, the next key promoted). Everything else takes effect at the next start.
std::string Relay::reload() {
  notifier_.reloading();
  log_info("relay: reloading the configuration from {}", config_.path);
  std::string answer;
  if (const std::optional<AppConfig> fresh = load_reloaded_config(config_.path, answer)) {
    std::string keys;
    std::string problems;
    reload_token_metrics_keys(intake_, config_, *fresh, poller_.get(), keys, problems);
    spdlog::set_level(spdlog::level::from_str(fresh->logging.level));
    config_.logging = fresh->logging;
    answer =
        fmt::format("{}\nreloaded [logging]{}; other sections take effect at the next restart\n{}",
                    problems.empty() ? "ok" : "error: " + problems, keys,
                    problems.empty() ? "" : "the keys in use are kept\n");
    log_info("relay: reloaded [logging]{}", keys);
  }
  notifier_.notify("READY=1");
  next_status_ns_ = 0;
  return answer;
}

DaemonStatus Relay::status() const {
  const TimeNs now_ns = clock_.now_ns();
  DaemonStatus s;
  s.mode = "relay";
  s.market_data_venue = venues_;
  s.order_venue = "none";
  s.state_dir = config_.engine.state_dir;
  if (ready_since_ns_ != 0) s.ready_since = format_utc_timestamp(ready_since_ns_);
  s.core_dumps_allowed = config_.service.allow_core_dumps;
  s.metrics_url = metrics_url_;
  if (last_market_ns_ != 0)
    s.last_market_event_age_s = static_cast<double>(now_ns - last_market_ns_) / 1e9;
  const MetricsComponents parts = components();
  for (const ReportingComponent* component : {parts.market_data, parts.signals, parts.events})
    if (component != nullptr) component->write_status(s, now_ns);
  s.alerts = parts.alerts();
  return s;
}

std::string Relay::metrics() const {
  const TimeNs now_ns = clock_.now_ns();
  const MetricsComponents parts = components();
  MetricsExposition out;
  write_identity_metrics(out, "relay", parts);
  out.single("sigex_ready", "gauge", "1 once start-up finished (READY=1 was sent).",
             ready_since_ns_ != 0 ? 1 : 0);
  out.single("sigex_watchdog_pings_total", "counter", "WATCHDOG=1 pings sent to systemd.",
             static_cast<double>(watchdog_pings_));
  out.single("sigex_market_data_last_event_age_seconds", "gauge",
             "Age of the newest market data event the relay saw.",
             last_market_ns_ == 0 ? -1 : static_cast<double>(now_ns - last_market_ns_) / 1e9);
  out.single("sigex_inbound_queue_depth", "gauge", "Records waiting for the relay loop.",
             static_cast<double>(queue_->approximate_size()));
  for (const ReportingComponent* component : {parts.market_data, parts.signals, parts.events})
    if (component != nullptr) component->write_metrics(out, now_ns);
  out.single("sigex_alerts_total", "counter",
             "Conditions an operator must see (logged with ALERT).",
             static_cast<double>(parts.alerts()));
  return out.take();
}

}  // namespace

int run_relay(const AppConfig& config, const RelayOptions& options) {
  Relay relay(config, options);
  return relay.run();
}

}  // namespace sigex
