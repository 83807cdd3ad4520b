#include "engine/exe/relay_command.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "adapters/nats/connection.h"
#include "adapters/nats/relay_publisher.h"
#include "adapters/nats/relay_wire.h"
#include "adapters/service/systemd_notifier.h"
#include "adapters/token_metrics/signal_poller.h"
#include "engine/core/live_clock.h"
#include "engine/exe/intake_setup.h"
#include "engine/exe/venue_sets.h"
#include "engine/health/watchdog.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

std::atomic<bool> g_stop_requested{false};  // set by SIGINT/SIGTERM only

extern "C" void request_relay_stop(int) { g_stop_requested.store(true); }

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

}  // namespace

int run_relay(const AppConfig& config, const RelayOptions& options) {
  LiveClock clock;
  std::string error;
  TokenMetricsIntake intake;
  InstrumentRegistry instruments;
  if (!prepare_live_instruments(config, clock, intake, instruments, error)) {
    log_error("{}", error);
    return 1;
  }
  // Subjects name each instrument's venue: its own, or the only feed's.
  std::vector<std::string> venue_of;
  for (const Instrument& instrument : instruments.all()) {
    venue_of.emplace_back(!instrument.venue.empty() ? std::string(instrument.venue.view())
                          : config.market_data.feeds.empty()
                              ? std::string("none")
                              : std::string(config.market_data.feeds.front()->venue()));
  }

  const std::uint64_t epoch = static_cast<std::uint64_t>(clock.now_ns());
  RelayPublisher publisher(config.nats, instruments, std::move(venue_of), epoch);
  SnapshotRequests requests;
  // Declared after what its handler uses: destroyed (its handler done) before them.
  std::unique_ptr<NatsConnection> nats = NatsConnection::connect(config.nats, error);
  if (nats == nullptr || !publisher.ensure_streams(*nats, error) ||
      !nats->subscribe(
          publisher.snapshot_request_subject(),
          [&publisher, &requests](std::string_view subject, std::string_view) {
            if (const auto instrument = publisher.requested(subject)) requests.add(*instrument);
          },
          error)) {
    log_error("relay: {}", error);
    return 1;
  }

  EventQueue<InboundEvent> queue(config.market_data.queue_capacity,
                                 FeedSet::producers(config.market_data) + 1);
  FeedSet feed(config.market_data, instruments, queue, clock, config.nats);
  if (!feed.start(error)) {
    log_error("{}", error);
    return 1;
  }
  std::unique_ptr<SignalPoller> poller;
  if (config.token_metrics.enabled) {
    poller = make_signal_poller(config, instruments, queue, clock, intake);
    if (!poller->start(error)) {
      log_error("{}", error);
      feed.stop();
      return 1;
    }
  }
  g_stop_requested.store(false);
  std::signal(SIGINT, request_relay_stop);
  std::signal(SIGTERM, request_relay_stop);
  log_info("relay: epoch {}, {} instrument(s) from {}, Token Metrics {}, publishing to {}", epoch,
           instruments.size(), feed.size() > 0 ? feed.venues() : std::string("no feed"),
           poller ? "polled" : "not polled", config.nats.url);

  const ServiceNotifier notifier = ServiceNotifier::from_environment();
  Watchdog watchdog(notifier.watchdog_ping_interval_ns() > 0 ? notifier.watchdog_ping_interval_ns()
                                                             : 10 * kNsPerSecond,
                    config.service.max_loop_silence_ns);
  TimeNs ready_since_ns = 0;
  TimeNs last_market_ns = 0;
  TimeNs next_snapshots_ns = clock.now_ns() + config.nats.snapshot_interval_ns;
  TimeNs next_status_ns = 0;
  std::vector<InboundEvent> batch(4096);
  const auto started = std::chrono::steady_clock::now();
  const auto deliver = [&](const InboundEvent& event) {
    if (event.kind != MarketEventKind::kTradingSignal && event.kind != MarketEventKind::kGrade)
      last_market_ns = event.receive_time_ns();
    if (publisher.on_event(nats.get(), event)) feed.request_resync(record_instrument(event));
  };
  while (!g_stop_requested.load()) {
    if (options.stop_when && options.stop_when()) break;
    if (options.duration_s &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
            *options.duration_s) {
      break;
    }
    const std::size_t count = queue.drain(batch.data(), batch.size());
    for (std::size_t i = 0; i < count; ++i) deliver(batch[i]);
    const TimeNs now_ns = clock.now_ns();
    watchdog.loop_turned(now_ns);
    for (const InstrumentId instrument : requests.take())
      publisher.publish_snapshot(nats.get(), instrument, now_ns);
    if (now_ns >= next_snapshots_ns) {
      next_snapshots_ns = now_ns + config.nats.snapshot_interval_ns;
      for (InstrumentId id = 0; id < instruments.size(); ++id)
        publisher.publish_snapshot(nats.get(), id, now_ns);
    }
    publisher.flush_signals(nats.get());
    const bool streaming = feed.size() == 0 || feed.health().streaming;
    if (ready_since_ns == 0 && streaming && nats->connected()) {
      ready_since_ns = now_ns;
      notifier.notify("READY=1");
      log_info("relay: ready: every feed streams and NATS is connected");
    }
    if (ready_since_ns != 0 && notifier.enabled() && watchdog.due(now_ns)) {
      std::vector<WatchedFeed> feeds;
      if (feed.size() > 0 && config.service.max_market_data_age_ns > 0)
        feeds.push_back({"market data", config.service.max_market_data_age_ns, last_market_ns});
      const WatchdogVerdict verdict = watchdog.verdict(now_ns, feeds, ready_since_ns);
      if (verdict.healthy) {
        notifier.notify("WATCHDOG=1");
      } else {
        notifier.status("watchdog: not pinging: " + verdict.reason);
      }
    }
    if (now_ns >= next_status_ns) {
      next_status_ns = now_ns + 10 * kNsPerSecond;
      const RelayCounters counters = publisher.counters();
      const std::string status = fmt::format(
          "relay: NATS {}, feeds {}, {} market messages ({} dropped), {} signals ({} repeats, {} "
          "waiting), {} snapshots",
          nats->connected() ? "connected" : "NOT connected",
          feed.size() > 0 ? std::string(feed.health().state) : std::string("none"),
          counters.market_messages, counters.market_dropped, counters.signal_messages,
          counters.signal_duplicates, counters.signals_pending, counters.snapshots);
      notifier.status(status);
      if (!options.quiet) log_info("{}", status);
    }
    if (count == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));  // idle loop
  }
  notifier.notify("STOPPING=1");
  intake.waiter.stop();
  if (poller) poller->stop();
  feed.stop();
  // What the feeds handed over before they stopped still goes out.
  for (std::size_t count = queue.drain(batch.data(), batch.size()); count > 0;
       count = queue.drain(batch.data(), batch.size())) {
    for (std::size_t i = 0; i < count; ++i) deliver(batch[i]);
  }
  publisher.flush_signals(nats.get());
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  const RelayCounters counters = publisher.counters();
  log_info(
      "relay: stopped: {} market messages ({} dropped), {} signals ({} repeats, {} never "
      "published), {} snapshots",
      counters.market_messages, counters.market_dropped, counters.signal_messages,
      counters.signal_duplicates, counters.signals_pending, counters.snapshots);
  return 0;
}

}  // namespace sigex
