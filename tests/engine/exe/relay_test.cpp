// `sigex relay` against the loopback feed and Token Metrics simulators and a real nats-server
// with JetStream: every venue message is published once, in sequence per instrument, signals
// once however often they are polled or the relay restarts, snapshots on request.

#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/nats/connection.h"
#include "adapters/nats/relay_wire.h"
#include "adapters/net/digest.h"
#include "adapters/recorded/replay_source.h"
#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "engine/exe/backtest_command.h"
#include "engine/exe/record_command.h"
#include "support/daemon_config.h"
#include "support/daemon_support.h"
#include "support/http_get.h"
#include "support/nats_server.h"
#include "support/test_support.h"
#include "support/tm_support.h"
#include "tools/feed_simulator/feed_simulator.h"
#include "tools/tm_simulator/tm_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;
using namespace std::chrono_literals;

constexpr const char* kTmKey = "tm-relay-test-key";
const std::string kData = std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/";

// The relay's world: the simulators, a NATS server, the relay's configuration.
class RelayWorld {
 public:
  RelayWorld() : nats(directory.path() / "nats") {
    FeedSimulatorOptions options;
    options.inputs = {{kData + "ethusdt_20240808.gz", "ETHUSDT"}};
    options.frame_interval_us = 1000;
    feed = std::make_unique<FeedSimulator>(options);
    std::string error;
    if (!feed->start(error) || !nats.start(error)) throw std::runtime_error(error);
    TmSimulatorOptions tm_options;
    tm_options.api_key = kTmKey;
    tm = std::make_unique<TmSimulator>(tm_options);
    if (!tm->start(error)) throw std::runtime_error(error);
    notify = std::make_unique<NotifyListener>(
        fmt::format("/tmp/sigex-relay-notify-{}.sock", ::getpid()));
    DaemonConfig config;
    config.state_dir = (directory.path() / "state").string();
    config.control_socket = fmt::format("/tmp/sigex-relay-ctl-{}.sock", ::getpid());
    config.feed_port = feed->port();
    config.token_metrics_url = tm->base_url();
    config.extra = fmt::format("[nats]\nurl = \"{}\"\nsnapshot_interval_s = 3600\n", nats.url());
    std::string text = daemon_config_text(config);
    const auto depth = text.find("depth = false");
    text.replace(depth, 13, "depth = true");  // books, so that there are snapshots to relay
    std::ofstream(config_path()) << text;
    NatsConfig watch;
    watch.url = nats.url();
    watcher = NatsConnection::connect(watch, error);
    if (!watcher) throw std::runtime_error(error);
  }

  std::filesystem::path config_path() const { return directory.path() / "relay.toml"; }

  // The Token Metrics key from an owner-only file instead of the environment.
  std::string use_key_file() {
    const std::string path = (directory.path() / "tm.key").string();
    std::string text = read_file(config_path());
    const std::string env_line = "api_key_env = \"SIGEX_TM_API_KEY\"";
    text.replace(text.find(env_line), env_line.size(),
                 "api_key_env = \"\"\napi_key_file = \"" + path + "\"");
    std::ofstream(config_path()) << text;
    return path;
  }
  static void write_key(const std::string& path, const std::string& key) {
    std::ofstream(path, std::ios::trunc) << key << "\n";
    std::filesystem::permissions(
        path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  CommandResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ctl", "--config", config_path().string()});
    return run_command(SIGEX_BINARY, args, directory.path(), "ctl" + std::to_string(++runs_));
  }

  std::unique_ptr<DaemonProcess> start_relay() {
    return std::make_unique<DaemonProcess>(
        SIGEX_BINARY, std::vector<std::string>{"relay", "--config", config_path().string()},
        std::vector<std::string>{"NOTIFY_SOCKET=" + notify->path().string(),
                                 "SIGEX_TM_API_KEY=" + std::string(kTmKey)},
        directory.path(), "relay" + std::to_string(++runs_));
  }

  // Yesterday's ETH buy signal waiting at Token Metrics, and the relay started.
  std::unique_ptr<DaemonProcess> start_relay_with_signal() {
    const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
    add_daily_signal(*tm, 3306, "ETH", format_utc_date(today - kNsPerDay), 1);
    return start_relay();
  }

  std::uint64_t messages(const std::string& stream) {
    std::string error;
    return watcher->stream_messages(stream, error).value_or(0);
  }
  // Waits (on the server's own count, up to 30 s) until `stream` holds at least `count`.
  bool wait_for_messages(const std::string& stream, std::uint64_t count) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (messages(stream) < count) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      notify->next(20ms);  // the relay's notifications pace the loop
    }
    return true;
  }

  // Every message of `stream`, decoded, by subject in stream order.
  std::map<std::string, std::vector<RelayMessage>> read(const std::string& stream) {
    std::map<std::string, std::vector<RelayMessage>> by_subject;
    const std::uint64_t total = messages(stream);
    for (std::uint64_t sequence = 1; sequence <= total; ++sequence) {
      std::string error;
      const auto stored = watcher->stream_message(stream, sequence, error);
      EXPECT_TRUE(stored) << sequence << ": " << error;
      if (!stored) continue;
      auto decoded = decode_relay_message(stored->data);
      EXPECT_TRUE(decoded) << stored->subject << ": " << decoded.error();
      if (decoded) by_subject[stored->subject].push_back(std::move(*decoded));
    }
    return by_subject;
  }

  TemporaryDirectory directory;
  NatsServer nats;
  std::unique_ptr<FeedSimulator> feed;
  std::unique_ptr<TmSimulator> tm;
  std::unique_ptr<NotifyListener> notify;
  std::unique_ptr<NatsConnection> watcher;

 private:
  int runs_ = 0;
};

TEST(Relay, PublishesEveryVenueMessageOnceInSequenceSignalsOnceAndSnapshotsOnRequest) {
  RelayWorld world;
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  add_daily_signal(*world.tm, 3306, "ETH", format_utc_date(today - kNsPerDay), 1);
  const std::string market = "sigex.market.binance.ETHUSDT";
  std::uint64_t first_epoch = 0;
  {
    auto relay = world.start_relay();
    ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << relay->stderr_text();
    ASSERT_TRUE(world.wait_for_messages("SIGEX_SIGNALS", 1)) << relay->stderr_text();
    ASSERT_TRUE(world.wait_for_messages("SIGEX_MARKET", 200)) << relay->stderr_text();
    // A subscriber that lost its book asks for a snapshot: it comes on the stream, in order.
    std::string error;
    ASSERT_TRUE(world.watcher->publish_core("sigex.relay.snapshot.binance.ETHUSDT", "", error))
        << error;
    const auto has_snapshot = [&world, &market] {
      const auto by_subject = world.read("SIGEX_MARKET");  // outlives the loop over it
      if (by_subject.count(market) == 0) return false;
      for (const RelayMessage& message : by_subject.at(market)) {
        if (message.kind == MarketEventKind::kDepthLevel &&
            (message.events.front().depth.flags & DepthLevel::kSnapshot) &&
            message.events.front().depth.receive_time_ns > 0 &&
            message.events.front().depth.venue_time_ns == 0) {  // the relay's, not the venue's
          return true;
        }
      }
      return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!has_snapshot() && std::chrono::steady_clock::now() < deadline) world.notify->next(50ms);
    EXPECT_TRUE(has_snapshot()) << relay->stderr_text();
    relay->signal(SIGTERM);
    EXPECT_EQ(relay->wait_exit(20s), 0) << relay->stderr_text();
    EXPECT_NE(relay->stderr_text().find("relay: stopped:"), std::string::npos)
        << relay->stderr_text();
  }

  // The market subject: one epoch, sequence 1, 2, 3 ... without a gap, each message one venue
  // message of one kind (a depth message with its first and last level marked).
  const auto by_subject = world.read("SIGEX_MARKET");
  ASSERT_EQ(by_subject.count(market), 1u);
  const std::vector<RelayMessage>& messages = by_subject.at(market);
  first_epoch = messages.front().epoch;
  std::map<MarketEventKind, int> kinds;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const RelayMessage& message = messages[i];
    EXPECT_EQ(message.epoch, first_epoch);
    ASSERT_EQ(message.sequence, i + 1) << "a gap in the sequence";
    ASSERT_FALSE(message.events.empty());
    ++kinds[message.kind];
    for (const InboundEvent& event : message.events) EXPECT_EQ(event.kind, message.kind);
    if (message.kind == MarketEventKind::kDepthLevel) {
      EXPECT_TRUE(message.events.front().depth.flags & DepthLevel::kFirstInMessage);
      EXPECT_TRUE(message.events.back().depth.flags & DepthLevel::kLastInMessage);
    }
  }
  EXPECT_GT(kinds[MarketEventKind::kBestBidOffer], 0);
  EXPECT_GT(kinds[MarketEventKind::kDepthLevel], 0);

  // The signal: on its token's subject, decoded as the core holds it.
  auto signals = world.read("SIGEX_SIGNALS");
  ASSERT_EQ(signals.count("sigex.signals.trading_signal_daily.3306"), 1u);
  const RelayMessage& signal = signals.at("sigex.signals.trading_signal_daily.3306").front();
  EXPECT_EQ(signal.events.front().trading_signal.signal, 1);
  EXPECT_EQ(signal.events.front().trading_signal.token_id, 3306);
  const std::uint64_t signal_messages = world.messages("SIGEX_SIGNALS");

  // Restarted: a new epoch, and the signal polled again is not stored twice.
  {
    world.notify->messages.clear();
    auto relay = world.start_relay();
    ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << relay->stderr_text();
    const std::uint64_t before = world.messages("SIGEX_MARKET");
    ASSERT_TRUE(world.wait_for_messages("SIGEX_MARKET", before + 50)) << relay->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("STATUS=relay: NATS connected", 30s));
    relay->signal(SIGTERM);
    EXPECT_EQ(relay->wait_exit(20s), 0) << relay->stderr_text();
    // The signal and its trader grade, both repeats of what the first run stored.
    EXPECT_NE(relay->stderr_text().find("2 signals (2 repeats, 0 never published)"),
              std::string::npos)
        << relay->stderr_text();
  }
  EXPECT_EQ(world.messages("SIGEX_SIGNALS"), signal_messages);
  const auto after = world.read("SIGEX_MARKET").at(market);
  EXPECT_GT(after.back().epoch, first_epoch);
  std::uint64_t expected = 0;  // counted from 1 again in the new epoch
  for (std::size_t i = messages.size(); i < after.size(); ++i)
    EXPECT_EQ(after[i].sequence, ++expected);
  // One Token Metrics budget: the relay's polls are the only calls.
  EXPECT_GE(world.tm->requests(), 2u);
}

// The relay's operator: `sigex ctl status` and the metrics endpoint show what it publishes,
// the trading verbs are refused (it trades nothing), a second relay on the same state
// directory is refused, and a Token Metrics key the API refuses is replaced by `ctl reload`
// while market data keeps flowing: no restart.
TEST(Relay, OperatorSeesItThroughCtlAndMetricsAndReplacesARefusedKeyWithoutARestart) {
  RelayWorld world;
  const std::string key_path = world.use_key_file();
  world.tm->add_api_key("tm-old-key");
  world.tm->revoke_api_key("tm-old-key");
  RelayWorld::write_key(key_path, "tm-old-key");
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  add_daily_signal(*world.tm, 3306, "ETH", format_utc_date(today - kNsPerDay), 1);
  auto relay = world.start_relay();
  ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << relay->stderr_text();
  ASSERT_TRUE(world.wait_for_messages("SIGEX_MARKET", 50)) << relay->stderr_text();

  // The refused key halts polling, and the operator sees why.
  CommandResult status;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  do {
    status = world.ctl({"status"});
  } while (status.out.find("polling HALTED") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline && !world.notify->next(100ms));
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("polling HALTED"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("mode            relay"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("NATS          " + world.nats.url() + " connected"), std::string::npos)
      << status.out;
  EXPECT_EQ(status.out.find("positions"), std::string::npos) << status.out;
  const CommandResult json = world.ctl({"status", "--json"});
  EXPECT_NE(json.out.find("\"mode\": \"relay\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"nats_connected\": true"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find(fingerprint(Secret(std::string("tm-old-key")))), std::string::npos);

  const std::string metrics = http_get(metrics_url(status.out));
  EXPECT_NE(metrics.find("sigex_info{mode=\"relay\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sigex_ready 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sigex_relay_nats_connected 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sigex_relay_market_messages_total "), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("sigex_relay_market_messages_total 0\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sigex_market_data_"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("sigex_build_info{"), std::string::npos) << metrics;

  const CommandResult halt = world.ctl({"halt", "--reason", "test"});
  EXPECT_NE(halt.exit_code, 0);
  EXPECT_NE((halt.out + halt.err).find("a relay trades nothing"), std::string::npos)
      << halt.out << halt.err;
  auto second = world.start_relay();
  EXPECT_EQ(second->wait_exit(20s), 1) << second->stderr_text();
  EXPECT_NE(second->stderr_text().find("locked"), std::string::npos) << second->stderr_text();

  // Rotation: the new key deployed, then reloaded; the signal comes through.
  EXPECT_EQ(world.messages("SIGEX_SIGNALS"), 0u);
  world.tm->add_api_key("tm-new-key");
  RelayWorld::write_key(key_path, "tm-new-key");
  const CommandResult reload = world.ctl({"reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.out << reload.err;
  EXPECT_NE(reload.out.find("the Token Metrics API keys (changed)"), std::string::npos)
      << reload.out;
  ASSERT_TRUE(world.wait_for_messages("SIGEX_SIGNALS", 1)) << relay->stderr_text();
  EXPECT_GT(world.tm->requests_with_key("tm-new-key"), 0u);
  const CommandResult after = world.ctl({"status", "--json"});
  EXPECT_NE(after.out.find(fingerprint(Secret(std::string("tm-new-key")))), std::string::npos)
      << after.out;
  const std::uint64_t market_before = world.messages("SIGEX_MARKET");
  ASSERT_TRUE(world.wait_for_messages("SIGEX_MARKET", market_before + 20));
  relay->signal(SIGTERM);
  EXPECT_EQ(relay->wait_exit(20s), 0) << relay->stderr_text();
  EXPECT_EQ(relay->stderr_text().find("tm-new-key"), std::string::npos);  // never printed
}

// A paper engine reading market data and signals from the relay instead of the venue and
// Token Metrics.
class RelayedEngine {
 public:
  // `eth_extra`: more ETHUSDT lines than the relay's.
  RelayedEngine(const RelayWorld& world, const std::string& name, const std::string& eth_extra = "")
      : name_(name),
        notify(fmt::format("/tmp/sigex-relayed-{}-{}.sock", name, ::getpid())),
        directory_(world.directory.path() / name) {
    std::filesystem::create_directories(directory_);
    DaemonConfig config;
    config.state_dir = (directory_ / "state").string();
    config.control_socket = fmt::format("/tmp/sigex-relayed-ctl-{}-{}.sock", name, ::getpid());
    config.feed_port = 9;  // never connected: the relay's records come instead
    config.strategy_tag = "sf" + name;
    config.eth_extra = eth_extra;
    config.extra = fmt::format("[nats]\nurl = \"{}\"\n", world.nats.url());
    std::string text = daemon_config_text(config);
    const auto replace = [&text](const std::string& from, const std::string& to) {
      text.replace(text.find(from), from.size(), to);
    };
    replace("[market_data.binance]", "[market_data]\nsource = \"nats\"\n[market_data.binance]");
    replace("[signals]\n", "[signals]\nsource = \"nats\"\n");
    config_path_ = directory_ / "engine.toml";
    std::ofstream(config_path_) << text;
  }

  const std::filesystem::path& config_path() const { return config_path_; }

  std::unique_ptr<DaemonProcess> start() {
    return std::make_unique<DaemonProcess>(
        SIGEX_BINARY, std::vector<std::string>{"run", "--config", config_path_.string()},
        std::vector<std::string>{"NOTIFY_SOCKET=" + notify.path().string()}, directory_,
        name_ + std::to_string(++runs_));
  }

 private:
  std::string name_;

 public:
  NotifyListener notify;

 private:
  std::filesystem::path directory_;
  std::filesystem::path config_path_;
  int runs_ = 0;
};

// The acceptance scenario: a relay fed by the simulators, two paper engines subscribed. Both
// buy on the one signal, once each; the relay is killed and restarted mid-session, and then
// the NATS server: each engine sees the gap, resets its book and resyncs, and neither trades
// the signal again. Token Metrics sees the relay's polls only.
TEST(Relay, TwoEnginesOnOneRelayTradeTheSignalOnceEachThroughRelayAndNatsRestarts) {
  RelayWorld world;
  auto relay = world.start_relay_with_signal();
  ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << relay->stderr_text();
  RelayedEngine first(world, "a"), second(world, "b");
  auto engine_a = first.start();
  auto engine_b = second.start();
  for (auto* engine : {&first, &second}) {
    ASSERT_TRUE(engine->notify.wait_for("READY=1", 60s))
        << engine_a->stderr_text() << engine_b->stderr_text() << relay->stderr_text();
    ASSERT_TRUE(engine->notify.wait_for("orders 1, fills 1", 30s))
        << engine_a->stderr_text() << engine_b->stderr_text();
  }
  // The relay dies and comes back (a new epoch).
  relay->signal(SIGKILL);
  EXPECT_EQ(relay->wait_exit(10s), 128 + SIGKILL);
  relay = world.start_relay();
  for (auto* engine : {engine_a.get(), engine_b.get()}) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (engine->stderr_text().find("a new relay epoch") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      first.notify.next(50ms);
    }
    EXPECT_NE(engine->stderr_text().find("a new relay epoch"), std::string::npos)
        << engine->stderr_text();
  }
  // NATS itself restarts on the same port: the engines reconnect and resync again.
  world.nats.stop();
  std::string error;
  ASSERT_TRUE(world.nats.start(error)) << error;
  const std::uint64_t before = world.messages("SIGEX_MARKET");
  ASSERT_TRUE(world.wait_for_messages("SIGEX_MARKET", before + 100)) << relay->stderr_text();
  // Nothing was traded twice: one order, one fill per engine, after everything.
  for (auto* engine : {&first, &second}) {
    while (engine->notify.next(10ms)) {
    }
    std::string last;
    for (const std::string& message : engine->notify.messages)
      if (message.find("; orders ") != std::string::npos) last = message;
    EXPECT_NE(last.find("orders 1, fills 1"), std::string::npos) << last;
  }
  for (auto* engine : {engine_a.get(), engine_b.get()}) {
    engine->signal(SIGTERM);
    EXPECT_EQ(engine->wait_exit(30s), 0) << engine->stderr_text();
  }
  relay->signal(SIGTERM);
  EXPECT_EQ(relay->wait_exit(20s), 0) << relay->stderr_text();
  // One Token Metrics budget: the engines never called it (they have no [token_metrics]).
  EXPECT_EQ(world.tm->requests_with_key(kTmKey), world.tm->requests());
}

// An engine whose ETHUSDT has other decimals than the relay's (quantity_scale 5 against the
// default 8) would read every quantity a thousand times off: it refuses the relay's records
// for it, says so once as an ALERT, and never trades it.
TEST(Relay, AnEngineConfiguredWithOtherDecimalsRefusesTheRelaysRecords) {
  RelayWorld world;
  auto relay = world.start_relay_with_signal();
  ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << relay->stderr_text();
  RelayedEngine engine(world, "odd", "quantity_scale = 5\n");
  auto process = engine.start();
  const std::string alert =
      "ALERT market data: sigex.market.binance.ETHUSDT: refused: the relay's ETHUSDT has 8 "
      "price and 8 quantity decimals, this configuration's 8 and 5";
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (process->stderr_text().find(alert) == std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    engine.notify.next(50ms);
  }
  EXPECT_NE(process->stderr_text().find(alert), std::string::npos) << process->stderr_text();
  process->signal(SIGTERM);
  process->wait_exit(30s);
  const std::string log = process->stderr_text();
  EXPECT_EQ(log.find(alert), log.rfind(alert)) << "said once";
  EXPECT_EQ(log.find("orders 1"), std::string::npos) << log;
  relay->signal(SIGTERM);
  EXPECT_EQ(relay->wait_exit(20s), 0) << relay->stderr_text();
}

// `sigex record` with the engine's relayed configuration: the relay's messages become lines
// of a recording, market data and signals each in its file, which replay to exactly the
// records the engine's core received, and `sigex backtest` runs on them.
TEST(Relay, RecordingFromTheRelayReplaysToWhatTheEngineReceived) {
  RelayWorld world;
  auto relay = world.start_relay_with_signal();
  ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << relay->stderr_text();
  ASSERT_TRUE(world.wait_for_messages("SIGEX_SIGNALS", 1)) << relay->stderr_text();
  RelayedEngine engine(world, "rec");
  ConfigErrors errors;
  AppConfig config = load_app_config(engine.config_path().string(), errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();

  std::vector<InboundEvent> market, signals;  // on_event and stop_when: the record loop's
  RecordOptions options;
  options.out_path = (world.directory.path() / "relayed.jsonl.gz").string();
  options.quiet = true;
  options.on_event = [&](const InboundEvent& event) {
    if (event.kind == MarketEventKind::kMarketDataReset) return;
    const bool signal =
        event.kind == MarketEventKind::kTradingSignal || event.kind == MarketEventKind::kGrade;
    (signal ? signals : market).push_back(event);
  };
  options.stop_when = [&] { return market.size() >= 3000 && !signals.empty(); };
  ASSERT_EQ(run_record(config, options), 0);
  relay->signal(SIGTERM);
  EXPECT_EQ(relay->wait_exit(20s), 0) << relay->stderr_text();

  const InstrumentRegistry instruments = build_registry(config);
  const std::string signals_path = default_signals_path(options.out_path);
  std::string error;
  for (const auto& [path, expected] :
       {std::pair{options.out_path, &market}, std::pair{signals_path, &signals}}) {
    ReplaySource replay(instruments, {{path}}, 0, INT64_MAX);
    ASSERT_TRUE(replay.open(error)) << error;
    std::vector<InboundEvent> batch;
    std::size_t index = 0;
    while (replay.next(batch)) {
      for (const InboundEvent& event : batch) {
        if (event.kind == MarketEventKind::kMarketDataReset) continue;
        // The core may have stopped before the last recorded lines reached it.
        if (index >= expected->size()) break;
        ASSERT_EQ(event.kind, (*expected)[index].kind) << path << " record " << index;
        ASSERT_EQ(event.receive_time_ns(), (*expected)[index].receive_time_ns())
            << path << " record " << index;
        ASSERT_EQ(record_instrument(event), record_instrument((*expected)[index]));
        ++index;
      }
    }
    EXPECT_EQ(index, expected->size()) << path;
    EXPECT_EQ(replay.problems().count(), 0u) << path;
  }
  config.backtest.inputs = {{options.out_path, ""}, {signals_path, ""}};
  BacktestOptions backtest;
  backtest.out_dir = (world.directory.path() / "backtest").string();
  backtest.quiet = true;
  EXPECT_EQ(run_backtest(config, backtest), 0);
}

TEST(Relay, WithoutNatsSectionItIsRefusedNamingTheSection) {
  TemporaryDirectory directory;
  const std::string config = std::string(SIGEX_SOURCE_DIR) + "/config/run-paper-simulator.toml";
  const CommandResult refused =
      run_command(SIGEX_BINARY, {"relay", "--config", config}, directory.path(), "refused");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("sigex relay needs a [nats] section"), std::string::npos)
      << refused.err;
}

}  // namespace
}  // namespace sigex
