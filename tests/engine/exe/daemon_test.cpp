// `sigex run` as systemd runs it: the real executable, a fake NOTIFY_SOCKET, and the loopback
// market data and Token Metrics simulators. Start-up phases and READY, watchdog pings and
// when they stop, STOPPING and RELOADING, exit codes, the single-instance lock, the control
// socket, and a paper session that trades, stops, restarts and keeps its kill switch.

#include <sys/stat.h>

#include <map>
#include <regex>
#include <set>

#include <sqlite3.h>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "adapters/nats/connection.h"
#include "adapters/net/digest.h"
#include "adapters/net/http_session.h"
#include "adapters/service/thread_placement.h"
#include "adapters/webhook/request.h"
#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "engine/journal/input_log.h"
#include "engine/journal/input_retention.h"
#include "engine/journal/journal.h"
#include "support/daemon_config.h"
#include "support/daemon_support.h"
#include "support/http_get.h"
#include "support/nats_server.h"
#include "support/test_support.h"
#include "support/tm_support.h"
#include "tools/exchange_simulator/exchange_simulator.h"
#include "tools/feed_simulator/feed_simulator.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace sigex {
namespace {

using namespace sigex::testing;
using namespace std::chrono_literals;

const std::string kData = std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/";
constexpr const char* kTmKey = "tm-daemon-test-key";

struct DaemonSettings {
  std::string mode = "paper";
  std::string tm_key = kTmKey;  // what the daemon is given (the simulator accepts kTmKey)
  bool token_metrics = false;
  bool btc = false;
  std::string extra_service;  // more [service] lines
  std::string risk = "max_order_notional = \"2000\"";
  bool eth_perpetual = false;  // ETHUSDT as a USD-M perpetual, signal_follow shorting it
  std::string tm_key_source = "api_key_env = \"SIGEX_TM_API_KEY\"";
};

// A paper daemon's world: simulators on loopback ports, a state directory, a config file.
class DaemonWorld {
 public:
  explicit DaemonWorld(DaemonSettings settings) : settings_(std::move(settings)) {
    FeedSimulatorOptions options;
    options.inputs = {{kData + "ethusdt_20240808.gz", "ETHUSDT"}};
    if (settings_.btc) options.inputs.push_back({kData + "btcusdt_20240808.gz", "BTCUSDT"});
    options.frame_interval_us = 1000;  // ~30 s of market per connection
    feed = std::make_unique<FeedSimulator>(options);
    std::string error;
    if (!feed->start(error)) throw std::runtime_error(error);
    TmSimulatorOptions tm_options;
    tm_options.api_key = kTmKey;
    tm = std::make_unique<TmSimulator>(tm_options);
    if (!tm->start(error)) throw std::runtime_error(error);
    control_socket = fmt::format("/tmp/sigex-ctl-{}-{}.sock", ::getpid(), ++counter_);
    notify = std::make_unique<NotifyListener>(
        fmt::format("/tmp/sigex-notify-{}-{}.sock", ::getpid(), counter_));
    write_config();
  }
  ~DaemonWorld() {
    std::error_code ignored;
    std::filesystem::remove(control_socket, ignored);
  }

  void write_config(const std::string& extra = "") const {
    DaemonConfig config;
    config.state_dir = (directory.path() / "state").string();
    config.control_socket = control_socket;
    config.feed_port = feed->port();
    config.mode = settings_.mode;
    config.btc = settings_.btc;
    config.extra_service = settings_.extra_service;
    config.risk = settings_.risk;
    if (settings_.token_metrics) config.token_metrics_url = tm->base_url();
    config.tm_key_source = settings_.tm_key_source;
    if (settings_.eth_perpetual) {
      config.eth_step = "0.001";
      config.eth_extra = R"(kind = "perpetual"
leverage = 5
[[instruments.brackets]]
notional_cap = "50000"
maintenance_margin_rate = "0.005"
max_leverage = 75
[[instruments.brackets]]
notional_cap = "250000"
maintenance_margin_rate = "0.0065"
max_leverage = 50
)";
      config.strategy_extra = R"(direction = "short"
short_entry_grade = "90"
short_exit_grade = "95"
)";
    }
    config.extra = extra;
    std::ofstream(config_path()) << daemon_config_text(config);
  }

  std::filesystem::path config_path() const { return directory.path() / "sigex.toml"; }

  std::unique_ptr<DaemonProcess> start(std::vector<std::string> environment = {},
                                       const std::string& name = "sigex",
                                       const std::vector<std::string>& flags = {}) {
    environment.push_back("NOTIFY_SOCKET=" + notify->path().string());
    environment.push_back("SIGEX_TM_API_KEY=" + settings_.tm_key);
    std::vector<std::string> args{"run", "--config", config_path().string()};
    args.insert(args.end(), flags.begin(), flags.end());
    return std::make_unique<DaemonProcess>(SIGEX_BINARY, args, environment, directory.path(),
                                           name + std::to_string(++runs_));
  }

  CommandResult ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ctl", "--config", config_path().string()});
    return run_command(SIGEX_BINARY, args, directory.path(), "ctl" + std::to_string(++runs_));
  }

  // A daily signal row for `token` dated `date` (YYYY-MM-DD) with a trader grade of 80.
  void add_signal(std::int64_t token, const std::string& symbol, const std::string& date,
                  int signal) {
    add_daily_signal(*tm, token, symbol, date, signal);
  }

  TemporaryDirectory directory;
  std::unique_ptr<FeedSimulator> feed;
  std::unique_ptr<TmSimulator> tm;
  std::unique_ptr<NotifyListener> notify;
  std::string control_socket;

 private:
  DaemonSettings settings_;
  int runs_ = 0;
  static inline int counter_ = 0;
};

std::size_t count_containing(const std::vector<std::string>& messages, const std::string& needle,
                             std::size_t from = 0) {
  std::size_t count = 0;
  for (std::size_t i = from; i < messages.size(); ++i)
    count += messages[i].find(needle) != std::string::npos ? 1 : 0;
  return count;
}

TEST(Daemon, AnnouncesEachStartUpPhaseIsReadyOnlyAfterReconciliationPingsAndStopsOnSigterm) {
  DaemonWorld world(DaemonSettings{});
  auto daemon = world.start({"WATCHDOG_USEC=400000"});
  ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
  const int validated = world.notify->index_of("STATUS=configuration");
  const int locked = world.notify->index_of("locked");
  const int journal = world.notify->index_of("STATUS=journal opened and checked");
  const int reconciling = world.notify->index_of("STATUS=reconciling the journal");
  const int reconciled = world.notify->index_of("STATUS=reconciled:");
  const int feeds = world.notify->index_of("STATUS=connecting the market data");
  const int ready = world.notify->index_of("READY=1");
  EXPECT_GE(validated, 0);
  EXPECT_LT(validated, locked);
  EXPECT_LT(locked, journal);
  EXPECT_LT(journal, reconciling);
  EXPECT_LT(reconciling, reconciled);
  EXPECT_LT(reconciled, feeds);
  EXPECT_LT(feeds, ready);

  // Pings at half of WATCHDOG_USEC while healthy: three arrive.
  for (int ping = 0; ping < 3; ++ping)
    ASSERT_TRUE(world.notify->wait_for("WATCHDOG=1", 5s)) << ping;

  // ctl status tells the truth.
  const CommandResult status = world.ctl({"status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("mode            paper"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("global        ACTIVE"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("market data   streaming"), std::string::npos) << status.out;
  struct stat socket_status {};
  ASSERT_EQ(::stat(world.control_socket.c_str(), &socket_status), 0);
  EXPECT_EQ(socket_status.st_mode & 0777, 0600u);  // owner only

  daemon->signal(SIGTERM);
  ASSERT_TRUE(world.notify->wait_for("STOPPING=1", 10s));
  EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  EXPECT_NE(daemon->stderr_text().find("journal flushed"), std::string::npos);
}

TEST(Daemon, WorksInTheForegroundWithoutANotifySocket) {
  DaemonWorld world(DaemonSettings{});
  auto daemon = std::make_unique<DaemonProcess>(
      SIGEX_BINARY, std::vector<std::string>{"run", "--config", world.config_path().string()},
      std::vector<std::string>{"NOTIFY_SOCKET="}, world.directory.path(), "foreground");
  // Without systemd, readiness shows in `ctl status` (each attempt blocks on the daemon).
  CommandResult status;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    status = world.ctl({"status"});
    if (status.out.find("ready           since") != std::string::npos) break;
  }
  EXPECT_NE(status.out.find("ready           since"), std::string::npos)
      << status.out << status.err;
  daemon->signal(SIGINT);
  EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  EXPECT_TRUE(world.notify->messages.empty());
}

TEST(Daemon, ASecondInstanceOnTheSameStateDirectoryIsRefusedWithTheOwnersPid) {
  DaemonWorld world(DaemonSettings{});
  auto first = world.start();
  ASSERT_TRUE(world.notify->wait_for("READY=1")) << first->stderr_text();
  auto second = world.start({}, "second");
  EXPECT_EQ(second->wait_exit(30s), 1);
  EXPECT_NE(second->stderr_text().find("is locked by PID " + std::to_string(first->pid())),
            std::string::npos)
      << second->stderr_text();
  // And the offline trading-state editor refuses too, pointing at ctl.
  const CommandResult edit = run_command(SIGEX_BINARY,
                                         {"trading-state", "--config", world.config_path().string(),
                                          "--set", "halted", "--reason", "test"},
                                         world.directory.path(), "edit");
  EXPECT_EQ(edit.exit_code, 1);
  EXPECT_NE(edit.err.find("sigex ctl"), std::string::npos) << edit.err;
  first->signal(SIGTERM);
  EXPECT_EQ(first->wait_exit(20s), 0);
}

TEST(Daemon, WatchdogPingsStopWhenTheCoreLoopHangs) {
  DaemonWorld world(DaemonSettings{});
  auto daemon = world.start({"WATCHDOG_USEC=400000", "SIGEX_FAILPOINT=run.core_loop_hang:1000"});
  ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
  ASSERT_TRUE(world.notify->wait_for("STATUS=watchdog: not pinging: core loop has not turned", 30s))
      << daemon->stderr_text();
  const std::size_t after = world.notify->messages.size();
  // Four ping intervals without a single ping: systemd would restart the service.
  while (world.notify->next(800ms)) {
  }
  EXPECT_EQ(count_containing(world.notify->messages, "WATCHDOG=1", after), 0u);
  daemon->signal(SIGKILL);
  EXPECT_EQ(daemon->wait_exit(10s), 128 + SIGKILL);
}

TEST(Daemon, WatchdogPingsStopWhenMarketDataGoesSilent) {
  DaemonSettings settings;
  settings.extra_service = "max_market_data_age_s = 1";
  DaemonWorld world(settings);
  auto daemon = world.start({"WATCHDOG_USEC=400000"});
  ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
  ASSERT_TRUE(world.notify->wait_for("WATCHDOG=1", 5s));
  world.feed->stall(true);
  ASSERT_TRUE(world.notify->wait_for("STATUS=watchdog: not pinging: feed market data silent", 30s))
      << daemon->stderr_text();
  const std::size_t after = world.notify->messages.size();
  while (world.notify->next(800ms)) {
  }
  EXPECT_EQ(count_containing(world.notify->messages, "WATCHDOG=1", after), 0u);
  // The feed comes back: pings resume.
  world.feed->stall(false);
  world.feed->inject(FeedFault::kDropConnection);
  EXPECT_TRUE(world.notify->wait_for("WATCHDOG=1", 30s)) << daemon->stderr_text();
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(20s), 0);
}

// The CPUs each thread of process `pid` may run on, by thread id (/proc/<pid>/task/*/status).
std::map<pid_t, std::string> thread_cpus(pid_t pid) {
  std::map<pid_t, std::string> cpus;
  for (const auto& task : std::filesystem::directory_iterator(fmt::format("/proc/{}/task", pid))) {
    std::ifstream status(task.path() / "status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("Cpus_allowed_list:")) {
        cpus[std::stoi(task.path().filename().string())] =
            line.substr(line.find_first_not_of(" \t", line.find(':') + 1));
      }
    }
  }
  return cpus;
}

// [service] core_cpu and io_cpu: once the daemon is ready its core thread (the main thread)
// runs alone on its CPU and every other thread (journal writer, feed, poller, listeners,
// watchdog) on the I/O CPU, also after a reload; busy_poll keeps the loop answering, and with
// io_poll_us the journal's writer polls for the core's batches (counted in the metrics); a CPU
// the process may not use stops the start with the key named.
TEST(Daemon, ThreadsRunWhereTheServiceSectionPlacesThem) {
  const cpu_set_t allowed = current_thread_cpus();
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE && cpus.size() < 2; ++cpu)
    if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs";
  DaemonSettings settings;
  settings.token_metrics = true;  // its poller starts last, just before the core takes its CPU
  settings.extra_service = fmt::format(
      "core_cpu = {}\nio_cpu = {}\nbusy_poll = true\nio_poll_us = 500\nwarm_order_path_us = 250",
      cpus[0], cpus[1]);
  DaemonWorld world(settings);
  auto daemon = world.start();
  ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
  const auto expect_placed = [&](std::string_view when) {
    const auto threads = thread_cpus(daemon->pid());
    EXPECT_GE(threads.size(), 5U) << when;
    for (const auto& [thread, cpu] : threads) {
      EXPECT_EQ(cpu, std::to_string(thread == daemon->pid() ? cpus[0] : cpus[1]))
          << when << ": thread " << thread;
    }
  };
  expect_placed("ready");
  EXPECT_NE(daemon->stderr_text().find(fmt::format(
                "threads: core thread on CPU {}, I/O threads on CPU {}, busy-polling, the journal "
                "writer and venue I/O threads polling 500 us after each hand-over",
                cpus[0], cpus[1])),
            std::string::npos)
      << daemon->stderr_text();
  EXPECT_NE(daemon->stderr_text().find(
                "order path: rehearsed every 250 us while the core thread is idle"),
            std::string::npos)
      << daemon->stderr_text();
  const CommandResult reload = world.ctl({"reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  expect_placed("after a reload");
  EXPECT_EQ(world.ctl({"status"}).exit_code, 0);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(20s), 0);

  // A CPU no process here may use.
  DaemonSettings outside = settings;
  outside.extra_service = "core_cpu = 1023";
  DaemonWorld elsewhere(outside);
  auto refused = elsewhere.start();
  EXPECT_EQ(refused->wait_exit(30s), 1);
  EXPECT_NE(refused->stderr_text().find("[service] core_cpu = 1023: this process may run on CPUs " +
                                        cpu_list_text(allowed) + " only"),
            std::string::npos)
      << refused->stderr_text();
}

TEST(Daemon, ReloadAppliesAValidConfigurationAndKeepsTheRunningOneWhenInvalid) {
  DaemonWorld world(DaemonSettings{});
  auto daemon = world.start();
  ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();

  world.write_config();  // same file, new risk section would apply; here: unchanged and valid
  daemon->signal(SIGHUP);
  ASSERT_TRUE(world.notify->wait_for("RELOADING=1", 10s));
  EXPECT_NE(world.notify->messages.back().find("MONOTONIC_USEC="), std::string::npos);
  ASSERT_TRUE(world.notify->wait_for("READY=1", 10s));

  // An invalid file: refused, the old configuration kept, READY again.
  std::ofstream(world.config_path(), std::ios::app) << "\n[service.unknown]\nkey = 1\n";
  daemon->signal(SIGHUP);
  ASSERT_TRUE(world.notify->wait_for("RELOADING=1", 10s));
  ASSERT_TRUE(world.notify->wait_for("READY=1", 10s));
  const CommandResult reload = world.ctl({"reload"});
  EXPECT_EQ(reload.exit_code, 1);
  EXPECT_NE(reload.err.find("the running configuration is kept"), std::string::npos) << reload.err;
  EXPECT_NE(reload.err.find("unknown key 'unknown' in [service]"), std::string::npos) << reload.err;
  const CommandResult status = world.ctl({"status"});
  EXPECT_EQ(status.exit_code, 0);

  daemon->signal(SIGTERM);
  ASSERT_TRUE(world.notify->wait_for("STOPPING=1", 10s));
  EXPECT_EQ(daemon->wait_exit(20s), 0);
  EXPECT_NE(daemon->stderr_text().find("reload refused"), std::string::npos);

  // Started on the invalid file, it refuses to start at all: exit 2, the problem named.
  auto refused = world.start({}, "invalid");
  EXPECT_EQ(refused->wait_exit(30s), 2);
  EXPECT_NE(refused->stderr_text().find("unknown key 'unknown' in [service]"), std::string::npos)
      << refused->stderr_text();
  EXPECT_NE(refused->stderr_text().find("nothing was started"), std::string::npos);

  // A TOML syntax error: ctl names it (file, line), not only that the daemon is unreachable.
  std::ofstream(world.config_path(), std::ios::app) << "\n[[broken\n";
  const CommandResult broken = world.ctl({"reload"});
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.err.find("config error: " + world.config_path().string()), std::string::npos)
      << broken.err;
}

TEST(Daemon, APaperSessionTradesRestartsWithoutDuplicatesAndItsKillSwitchHoldsAcrossRestarts) {
  DaemonSettings settings;
  settings.token_metrics = true;
  settings.btc = true;
  DaemonWorld world(settings);
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(3306, "ETH", format_utc_date(today - 2 * kNsPerDay), 1);  // A: bullish ETH

  // Run 1: signal A buys ETH.
  {
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for(
        "orders 1, fills 1, risk denials 0; positions 1, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
    // One key=value line per step of the order's life, the signal that caused it first.
    const std::string log = daemon->stderr_text();
    for (const char* line :
         {"signal symbol=ETHUSDT token=3306 timeframe=daily signal=1", "order sent id=sfpaper-",
          "symbol=ETHUSDT side=BUY type=LIMIT tif=IOC", "order accepted id=sfpaper-",
          "order filled id=sfpaper-", "fee_asset=USDT"}) {
      EXPECT_NE(log.find(line), std::string::npos) << line << " in\n" << log;
    }
  }
  // Run 2: A is served again (must not buy twice); B (bearish ETH, a day newer) sells.
  world.add_signal(3306, "ETH", format_utc_date(today - kNsPerDay), -1);
  {
    world.notify->messages.clear();
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    EXPECT_GE(world.notify->index_of("STATUS=reconciled: 1 journaled order(s), 0 open"), 0);
    // B sells the position (IOC orders: maybe in more than one); A buys nothing again.
    ASSERT_TRUE(world.notify->wait_for("positions 0, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    const CommandResult halt = world.ctl({"halt", "--reason", "kill switch test"});
    EXPECT_EQ(halt.exit_code, 0) << halt.err;
    ASSERT_TRUE(world.notify->wait_for("trading HALTED", 10s));
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  // Run 3: a new bullish BTC signal C arrives, but the kill switch holds.
  world.add_signal(3375, "BTC", format_utc_date(today), 1);
  {
    world.notify->messages.clear();
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("risk denials 1", 30s)) << daemon->stderr_text();
    EXPECT_GE(world.notify->index_of("trading HALTED"), 0);
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find("HALTED since"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("operator: kill switch test"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("trading_halted=1"), std::string::npos) << status.out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  // The journal: one buy (signal A, once), then the sells of signal B; every id and trade once.
  std::string error;
  auto journal =
      Journal::open((world.directory.path() / "state").string(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  const auto orders = journal->load_orders();
  ASSERT_GE(orders.size(), 2u);
  EXPECT_EQ(orders[0].side, Side::kBuy);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < orders.size(); ++i) {
    EXPECT_EQ(orders[i].instrument, 0u);  // ETH only; BTC was denied
    if (i > 0) {
      EXPECT_EQ(orders[i].side, Side::kSell) << i;
    }
    EXPECT_TRUE(ids.insert(std::string(orders[i].client_order_id.view())).second);
  }
  std::set<std::uint64_t> trades;
  for (const FillRow& fill : journal->load_fills())
    EXPECT_TRUE(trades.insert(fill.trade_id).second);
  EXPECT_EQ(journal->duplicate_fills(), 0u);
}

// A paper daemon that bought ETH on a bullish signal dated yesterday: ready and holding.
std::unique_ptr<DaemonProcess> start_holding_eth(DaemonWorld& world) {
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(3306, "ETH", format_utc_date(today - kNsPerDay), 1);
  auto daemon = world.start();
  EXPECT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
  EXPECT_TRUE(world.notify->wait_for("positions 1, instruments with open orders 0", 30s))
      << daemon->stderr_text();
  return daemon;
}

// [service] publish_events: the paper session's order, fill and position reach the NATS events
// stream (a real nats-server on loopback), named by the engine; status and metrics show the
// publisher; a restart publishes nothing twice.
TEST(Daemon, PublishEventsSendsTheJournalsOrdersFillsAndPositionsToJetStream) {
  DaemonSettings settings;
  settings.token_metrics = true;
  settings.extra_service = "publish_events = true";
  DaemonWorld world(settings);
  NatsServer nats(world.directory.path() / "nats");
  std::string error;
  ASSERT_TRUE(nats.start(error)) << error;
  world.write_config(fmt::format("[nats]\nurl = \"{}\"\nengine = \"paper-1\"\n", nats.url()));
  NatsConfig watch;
  watch.url = nats.url();
  {
    auto daemon = start_holding_eth(world);
    if (::testing::Test::HasFailure()) return;
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find("events          connected to SIGEX_EVENTS as paper-1"),
              std::string::npos)
        << status.out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  auto watcher = NatsConnection::connect(watch, error);
  ASSERT_TRUE(watcher) << error;
  const auto fill =
      watcher->last_header("SIGEX_EVENTS", "sigex.events.paper-1.fill", "Sigex-Row", error);
  ASSERT_TRUE(fill) << error;
  EXPECT_EQ(*fill, "1");
  const auto before = watcher->stream_messages("SIGEX_EVENTS", error);
  ASSERT_TRUE(before) << error;
  EXPECT_GE(*before, 3u) << "order events, the fill and the position";
  {
    world.notify->messages.clear();
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  EXPECT_EQ(watcher->stream_messages("SIGEX_EVENTS", error), before)
      << "a restart sends nothing again";
}

TEST(Daemon, FlattenSellsEveryPositionAndLeavesTradingReducing) {
  DaemonSettings settings;
  settings.token_metrics = true;
  DaemonWorld world(settings);
  auto daemon = start_holding_eth(world);
  if (::testing::Test::HasFailure()) return;
  const CommandResult flatten = world.ctl({"flatten", "--reason", "end of test"});
  EXPECT_EQ(flatten.exit_code, 0) << flatten.err;
  EXPECT_NE(flatten.out.find("global is REDUCING"), std::string::npos) << flatten.out;
  ASSERT_TRUE(world.notify->wait_for("positions 0, instruments with open orders 0", 30s))
      << daemon->stderr_text() << world.ctl({"status"}).out;
  const CommandResult status = world.ctl({"status"});
  EXPECT_NE(world.notify->messages.back().find("trading REDUCING; orders 2,"), std::string::npos)
      << world.notify->messages.back();  // one market sell
  EXPECT_NE(status.out.find("global        REDUCING"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("operator flatten: end of test"), std::string::npos) << status.out;
  // The same for scripts: one JSON object with stable keys.
  const CommandResult json = world.ctl({"status", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(json.out).get(root), simdjson::SUCCESS) << json.out;
  EXPECT_EQ(std::string_view(root["mode"]), "paper");
  EXPECT_TRUE(bool(root["ready"]));
  simdjson::dom::element global = root["trading_states"].at(0);
  EXPECT_EQ(std::string_view(global["scope"]), "global");
  EXPECT_EQ(std::string_view(global["state"]), "REDUCING");
  EXPECT_EQ(std::string_view(global["reason"]), "operator flatten: end of test");
  EXPECT_TRUE(root["oms_halted"].is_null());
  EXPECT_EQ(std::string_view(root["market_data"]["state"]), "streaming");
  EXPECT_FALSE(root["token_metrics"].is_null());
  EXPECT_GE(std::int64_t(root["token_metrics"]["budget_limit"]), 1);
  EXPECT_EQ(std::string_view(root["cash_asset"]), "USDT");
  EXPECT_TRUE(root["equity"].is_string());  // exact decimal text, as in summary.json
  EXPECT_EQ(root["open_orders"].get_array().size(), 0u);
  EXPECT_EQ(std::uint64_t(root["this_run"]["orders"]), 2u);
  // Resume through ctl: journaled, and the status says so.
  EXPECT_EQ(world.ctl({"resume", "--reason", "back to work"}).exit_code, 0);
  EXPECT_TRUE(world.notify->wait_for("trading ACTIVE", 10s));
  const CommandResult bad = world.ctl({"halt", "--scope", "instrument:DOGEUSDT", "--reason", "x"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("no [[instruments]] has the symbol \"DOGEUSDT\""), std::string::npos)
      << bad.err;
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(20s), 0);
}

TEST(Daemon, MetricsCoverFeedsOrdersRiskPositionsAndLatency) {
  DaemonSettings settings;
  settings.token_metrics = true;
  settings.extra_service = "warm_order_path_us = 100";
  DaemonWorld world(settings);
  auto daemon = start_holding_eth(world);
  if (::testing::Test::HasFailure()) return;
  // The idle core rehearses the order path every 100 us once ready: scraped until it has.
  const std::string body = scrape_until_counted(metrics_url(world.ctl({"status"}).out),
                                                "sigex_order_path_rehearsals_total");
  EXPECT_GT(metric_value(body, "sigex_order_path_rehearsals_total"), 0) << body;
  for (const char* expected : {"sigex_info{mode=\"paper\"} 1",
                               "sigex_ready 1",
                               "sigex_feed_connected 1",
                               "sigex_feed_messages_total{stream=\"ethusdt@bookTicker\"}",
                               "sigex_feed_parse_errors_total{stream=",
                               "sigex_feed_last_message_age_seconds{stream=",
                               "sigex_inbound_queue_depth",
                               "sigex_book_gaps_total{instrument=\"ETHUSDT\"} 0",
                               "sigex_tm_calls_left 9999",
                               "sigex_orders{state=\"FILLED\"} 1",
                               "sigex_orders_unknown_outcome 0",
                               "sigex_fills_total 1",
                               "sigex_risk_denials_total{reason=\"trading_halted\"} 0",
                               "sigex_reconciliation_differences_total 0",
                               "sigex_position_quantity{instrument=\"ETHUSDT\"} 0.",
                               "sigex_equity ",
                               "sigex_realised_pnl ",
                               "sigex_signal_to_decision_seconds_count 1",
                               "sigex_market_to_decision_seconds_bucket{le=\"+Inf\"} 0",
                               "sigex_decision_to_wire_seconds_count 0",
                               "sigex_trading_state{scope=\"global\"} 0",
                               "sigex_hand_overs_total{thread=\"journal\",how=\"polled\"} 0",
                               "sigex_hand_overs_total{thread=\"journal\",how=\"woken\"} "}) {
    EXPECT_NE(body.find(expected), std::string::npos) << expected << "\n" << body;
  }
  // Every series the example Grafana dashboard plots exists.
  const std::string dashboard =
      read_file(std::string(SIGEX_SOURCE_DIR) + "/config/grafana-dashboard.json");
  const std::regex series("sigex_[a-z_]+");
  std::size_t checked = 0;
  for (auto it = std::sregex_iterator(dashboard.begin(), dashboard.end(), series);
       it != std::sregex_iterator(); ++it) {
    const std::string name = it->str();
    if (name == "sigex_" || name.starts_with("sigex_overview")) continue;
    EXPECT_NE(body.find("# TYPE " +
                        (name.ends_with("_bucket") ? name.substr(0, name.size() - 7) : name) + " "),
              std::string::npos)
        << name;
    ++checked;
  }
  EXPECT_GT(checked, 20u);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(20s), 0);
}

// A spot exchange simulator for a live daemon trading ETHUSDT at 2500 with these keys; null
// when it cannot start.
std::unique_ptr<ExchangeSimulator> live_exchange(const std::string& api_key,
                                                 const std::string& secret) {
  ExchangeSimulatorOptions options;
  options.api_key = api_key;
  options.secret = secret;
  options.exchange_info_path = binance_exchange_info_path();
  auto exchange = std::make_unique<ExchangeSimulator>(options);
  std::string error;
  if (!exchange->start(error)) return nullptr;
  exchange->set_price("ETHUSDT", price("2500"));
  return exchange;
}

// The keys never leak. The daemon runs live against the loopback exchange with canary keys,
// through failure paths (a key file others can read, a signing secret the exchange refuses, a
// Token Metrics key it refuses) and a good run with ctl status and a metrics scrape. No byte
// of a canary may appear in any output: stdout, stderr, STATUS=, ctl, metrics, state files.
TEST(Daemon, NoOutputOfTheDaemonEverContainsASecret) {
  const std::string api_key = "bnc-canary-key-5e0a7d1c";
  const std::string api_secret = "bnc-canary-secret-9b2f4e6a";
  const auto started = live_exchange(api_key, api_secret);
  ASSERT_TRUE(started);
  ExchangeSimulator& exchange = *started;

  DaemonSettings settings;
  settings.mode = "live";
  settings.token_metrics = true;
  settings.tm_key = "tm-canary-wrong-key-71c3";  // refused by the simulator: 401 path
  DaemonWorld world(settings);
  const std::string ws = "ws://" + exchange.base_url().substr(7) + "/ws-api/v3";
  const std::filesystem::path key_file = world.directory.path() / "binance-secret";
  auto execution = [&](const std::string& secret_source) {
    return fmt::format(
        "[execution]\nrest_url = \"{}\"\nws_api_url = \"{}\"\napi_key_credential = \"\"\n"
        "api_key_env = \"SIGEX_BINANCE_API_KEY\"\napi_secret_credential = \"\"\n{}\n",
        exchange.base_url(), ws, secret_source);
  };
  std::vector<std::string> outputs;

  // 1. A key file that others can read is refused, naming the file only.
  std::ofstream(key_file) << api_secret << "\n";
  ::chmod(key_file.c_str(), 0644);
  world.write_config(
      execution("api_secret_file = \"" + key_file.string() + "\"\napi_secret_env = \"\""));
  {
    auto daemon = world.start({"SIGEX_BINANCE_API_KEY=" + api_key}, "keyfile");
    EXPECT_EQ(daemon->wait_exit(30s), 1);
    EXPECT_NE(daemon->stderr_text().find(key_file.string()), std::string::npos)
        << daemon->stderr_text();
  }
  // 2. A signing secret the exchange refuses: start-up fails.
  world.write_config(execution("api_secret_env = \"SIGEX_BINANCE_API_SECRET\""));
  {
    auto daemon = world.start(
        {"SIGEX_BINANCE_API_KEY=" + api_key, "SIGEX_BINANCE_API_SECRET=" + api_secret + "-wrong"},
        "badsecret");
    EXPECT_EQ(daemon->wait_exit(60s), 1) << daemon->stderr_text();
    // The exchange's own code and words, not only a guess at the cause.
    EXPECT_NE(daemon->stderr_text().find("-1022"), std::string::npos) << daemon->stderr_text();
    outputs.push_back(daemon->stderr_text());
  }
  // 3. The good keys: ready, status, metrics, stop. (The Token Metrics key is still refused.)
  {
    auto daemon = world.start(
        {"SIGEX_BINANCE_API_KEY=" + api_key, "SIGEX_BINANCE_API_SECRET=" + api_secret}, "good");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 60s)) << daemon->stderr_text();
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find("mode            live"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("core dumps      disabled"), std::string::npos) << status.out;
    outputs.push_back(status.out + status.err);
    // The keys came from the environment: none of them is left in it.
    outputs.push_back(read_file(fmt::format("/proc/{}/environ", daemon->pid())));
    EXPECT_FALSE(outputs.back().empty());
    const std::string metrics = http_get(metrics_url(status.out));
    EXPECT_NE(metrics.find("sigex_info{mode=\"live\"} 1"), std::string::npos);
    outputs.push_back(metrics);
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
    EXPECT_NE(daemon->stderr_text().find("401"), std::string::npos)
        << "the Token Metrics refusal is logged";
  }
  for (const auto& message : world.notify->messages) outputs.push_back(message);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(world.directory.path())) {
    if (entry.is_regular_file() && entry.path() != key_file)
      outputs.push_back(read_file(entry.path()));
  }
  const std::string tm_key = "tm-canary-wrong-key-71c3";
  for (const std::string& output : outputs) {
    for (const std::string& canary : {api_key, api_secret, tm_key, std::string(kTmKey)}) {
      EXPECT_EQ(output.find(canary), std::string::npos) << "a secret leaked:\n"
                                                        << output.substr(0, 2000);
    }
  }
  EXPECT_GT(outputs.size(), 8u);
}

// Keys rotate without a restart (the operator's procedure in the README): new keys are created
// at both simulators and written over the key files; `sigex ctl reload` swaps them in and
// returns once no request holds an old key; the old keys are revoked; the user data stream is
// subscribed again with the new key, Token Metrics polling goes on with its new key, and no
// request carries a revoked key. No output ever shows a key, only fingerprints. The order path
// is kept warm throughout ([service] warm_order_path_us): the venue signs its last order's
// request again and again, with the old key and then the new, and never sends one.
TEST(Daemon, KeysRotateAtAReloadWithoutARestartAndTheOldOnesAreNeverUsedAfterIt) {
  const std::string old_key = "bnc-rotate-old-key-3c1d", old_secret = "bnc-rotate-old-secret-77ae";
  const std::string new_key = "bnc-rotate-new-key-90b2", new_secret = "bnc-rotate-new-secret-5f10";
  const std::string old_tm = "tm-rotate-old-key-4411", new_tm = "tm-rotate-new-key-8e2c";
  const auto started = live_exchange(old_key, old_secret);
  ASSERT_TRUE(started);
  ExchangeSimulator& exchange = *started;

  DaemonSettings settings;
  settings.mode = "live";
  settings.token_metrics = true;
  settings.extra_service = "warm_order_path_us = 200";
  DaemonWorld world(settings);
  const auto file = [&](const std::string& name, const std::string& key) {
    const auto path = world.directory.path() / name;
    const auto temporary = path.string() + ".new";
    std::ofstream(temporary) << key << "\n";
    ::chmod(temporary.c_str(), 0600);
    std::filesystem::rename(temporary, path);  // replaced at once, as an operator's mv does
    return path.string();
  };
  world.tm->add_api_key(old_tm);
  const std::string tm_file = file("tm-key", old_tm);
  const std::string key_file = file("binance-key", old_key);
  const std::string secret_file = file("binance-secret", old_secret);
  const std::string ws = "ws://" + exchange.base_url().substr(7) + "/ws-api/v3";
  world.write_config(
      fmt::format("[execution]\nrest_url = \"{}\"\nws_api_url = \"{}\"\napi_key_credential = \"\"\n"
                  "api_key_env = \"\"\napi_key_file = \"{}\"\napi_secret_credential = \"\"\n"
                  "api_secret_env = \"\"\napi_secret_file = \"{}\"\n",
                  exchange.base_url(), ws, key_file, secret_file));
  {
    std::string text = read_file(world.config_path());
    const std::string env_line = "api_key_env = \"SIGEX_TM_API_KEY\"";
    ASSERT_NE(text.find(env_line), std::string::npos);
    text.replace(text.find(env_line), env_line.size(),
                 "api_key_env = \"\"\napi_key_file = \"" + tm_file + "\"");
    std::ofstream(world.config_path()) << text;
  }
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(3306, "ETH", format_utc_date(today - kNsPerDay), 1);

  std::vector<std::string> outputs;
  auto daemon = world.start({}, "rotate");
  ASSERT_TRUE(world.notify->wait_for("READY=1", 60s)) << daemon->stderr_text();
  ASSERT_TRUE(exchange.wait_for_subscriptions(1, 10'000));
  // The signal polled with the old Token Metrics key is traded with the old exchange key.
  ASSERT_TRUE(world.notify->wait_for("orders 1, fills 1", 30s)) << daemon->stderr_text();
  EXPECT_GT(world.tm->requests_with_key(old_tm), 0u);
  // From that order on, the idle venue thread signs its request again every 200 us.
  const std::string warm = scrape_until_counted(metrics_url(world.ctl({"status"}).out),
                                                "sigex_venue_signing_rehearsals_total");
  EXPECT_GT(metric_value(warm, "sigex_venue_signing_rehearsals_total"), 0) << warm;

  // The operator's procedure: create, deploy, reload, verify, revoke.
  exchange.add_api_key(new_key, new_secret);
  world.tm->add_api_key(new_tm);
  file("tm-key", new_tm);
  file("binance-key", new_key);
  file("binance-secret", new_secret);
  const CommandResult reload = world.ctl({"reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.out << reload.err;
  EXPECT_NE(reload.out.find("the Token Metrics API keys (changed)"), std::string::npos)
      << reload.out;
  EXPECT_NE(reload.out.find("the exchange keys (rotated to " +
                            fingerprint(Secret(std::string(new_key))) + ")"),
            std::string::npos)
      << reload.out;
  const CommandResult status = world.ctl({"status", "--json"});
  EXPECT_NE(status.out.find(fingerprint(Secret(std::string(new_key)))), std::string::npos);
  EXPECT_NE(status.out.find(fingerprint(Secret(std::string(new_tm)))), std::string::npos);
  EXPECT_EQ(status.out.find(fingerprint(Secret(std::string(old_tm)))), std::string::npos);
  EXPECT_NE(status.out.find("\"keys_retiring\": 0"), std::string::npos) << status.out;
  exchange.revoke_api_key(old_key);
  world.tm->revoke_api_key(old_tm);

  // The user data stream came back on the new key; trading state is intact.
  ASSERT_TRUE(exchange.wait_for_subscriptions(2, 10'000));
  const CommandResult after = world.ctl({"status"});
  EXPECT_NE(after.out.find("(in use)"), std::string::npos) << after.out;
  const std::string metrics = http_get(metrics_url(after.out));
  EXPECT_NE(metrics.find("sigex_venue_api_key_info{fingerprint=\"" +
                         fingerprint(Secret(std::string(new_key))) + "\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics.find("sigex_tm_api_key_info"), std::string::npos);
  daemon->signal(SIGTERM);
  EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  EXPECT_EQ(exchange.requests_with_revoked_key(), 0u);
  EXPECT_EQ(world.tm->requests_with_revoked_key(), 0u);
  EXPECT_GT(exchange.requests_with_key(new_key), 0u);
  EXPECT_EQ(exchange.order_requests(), 1u);  // the one order; no rehearsal ever left

  outputs = {reload.out + reload.err, status.out,           after.out, metrics,
             daemon->stderr_text(),   daemon->stdout_text()};
  for (const auto& message : world.notify->messages) outputs.push_back(message);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(world.directory.path())) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && !name.starts_with("binance-") && !name.starts_with("tm-key"))
      outputs.push_back(read_file(entry.path()));
  }
  for (const std::string& output : outputs) {
    for (const std::string& canary : {old_key, old_secret, new_key, new_secret, old_tm, new_tm}) {
      EXPECT_EQ(output.find(canary), std::string::npos) << "a secret leaked:\n"
                                                        << output.substr(0, 2000);
    }
  }
}

// Push intake end to end: a paper daemon with [signals.webhook] trades a signal that
// `sigex signal send` posts; a request built here is accepted once and refused (409) when sent
// again; after a restart the inbox hands both signals to the core again, the signal gate drops
// them (nothing trades twice), and the old request is still a replay.
TEST(Daemon, APushedSignalTradesOnceAndAReplayedRequestIsRefusedAcrossARestart) {
  const std::string secret = "webhook-daemon-secret-5a9c0e";
  DaemonWorld world(DaemonSettings{});
  const auto secret_file = world.directory.path() / "webhook-secret";
  std::ofstream(secret_file) << secret << "\n";
  ::chmod(secret_file.c_str(), 0600);
  world.write_config(
      fmt::format("[signals.webhook]\nlisten = \"127.0.0.1:0\"\nsecret_credential = \"\"\n"
                  "secret_env = \"\"\nsecret_file = \"{}\"\n",
                  secret_file.string()));
  auto webhook_url = [&world]() {
    const std::string json = world.ctl({"status", "--json"}).out;
    simdjson::dom::parser parser;
    std::string_view url;
    if (parser.parse(json).at_pointer("/webhook/url").get(url)) return std::string();
    return std::string(url);
  };
  auto gate = [&world](const char* counter) {
    const std::string json = world.ctl({"status", "--json"}).out;
    simdjson::dom::parser parser;
    std::int64_t value = -1;
    if (parser.parse(json).at_pointer(std::string("/signal_gate/") + counter).get(value))
      return std::int64_t{-1};
    return value;
  };
  auto post = [&](const std::string& url, std::int64_t timestamp_s, const std::string& nonce,
                  const std::string& body) {
    std::string error;
    auto tls = make_client_tls_context("", error);
    const auto parsed = parse_url(url);
    HttpSession session(*parsed, tls, HttpTimeouts{});
    return session.request(HttpSession::Method::kPost, parsed->target, body,
                           {{"X-Sigex-Timestamp", std::to_string(timestamp_s)},
                            {"X-Sigex-Nonce", nonce},
                            {"X-Sigex-Signature",
                             sign_request(Secret(std::string(secret)), timestamp_s, nonce, body)}});
  };
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  const std::string bearish =
      R"({"token":"ETH","signal":-1,"time":")" + format_utc_date(today) + R"("})";
  const std::int64_t sent_at = LiveClock().now_ns() / kNsPerSecond;
  const std::string nonce = "daemon-test-nonce-0001";
  std::vector<std::string> outputs;  // searched for the secret at the end
  {
    auto daemon = world.start({}, "webhook");
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    const std::string url = webhook_url();
    ASSERT_TRUE(url.starts_with("http://127.0.0.1:")) << url;
    const CommandResult sent = run_command(
        SIGEX_BINARY,
        {"signal", "send", "--config", world.config_path().string(), "--token", "ETH", "--signal",
         "1", "--grade", "80", "--time", format_utc_date(today - kNsPerDay), "--url", url},
        world.directory.path(), "send");
    EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
    EXPECT_NE(sent.out.find(R"("accepted":true)"), std::string::npos) << sent.out;
    ASSERT_TRUE(world.notify->wait_for("orders 1, fills 1", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;

    const HttpResponse accepted = post(url, sent_at, nonce, bearish);
    ASSERT_EQ(accepted.status, 200) << accepted.body;
    ASSERT_TRUE(world.notify->wait_for("positions 0", 30s)) << daemon->stderr_text();
    const HttpResponse replayed = post(url, sent_at, nonce, bearish);
    EXPECT_EQ(replayed.status, 409) << replayed.body;
    EXPECT_NE(replayed.body.find("replayed_nonce"), std::string::npos);
    EXPECT_EQ(gate("delivered"), 3);  // the grade sent with the first signal, two signals
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find("webhook secret"), std::string::npos) << status.out;
    outputs.push_back(status.out);
    outputs.push_back(http_get(metrics_url(status.out)));
    EXPECT_NE(outputs.back().find("sigex_webhook_accepted_total 2"), std::string::npos);
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
    outputs.push_back(daemon->stderr_text());
    outputs.push_back(sent.out + sent.err);
  }
  {
    world.notify->messages.clear();
    auto daemon = world.start({}, "webhook-again");
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    EXPECT_EQ(post(webhook_url(), sent_at, nonce, bearish).status, 409);
    // The grade and the bearish signal are duplicates; the bullish one is older than the
    // latest signal of ETH (outdated). None is delivered to the strategy again.
    std::int64_t dropped = 0;
    for (int asked = 0; asked < 200 && dropped < 3; ++asked)
      dropped = gate("duplicates") + gate("outdated");
    EXPECT_EQ(dropped, 3);
    EXPECT_EQ(gate("delivered"), 0);
    const CommandResult status = world.ctl({"status", "--json"});
    EXPECT_NE(status.out.find("\"orders\": 0"), std::string::npos) << status.out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
    // The log is asynchronous: read it once the daemon has exited (and flushed it).
    EXPECT_NE(daemon->stderr_text().find("2 signal(s) of the last 168 h handed to the core"),
              std::string::npos)
        << daemon->stderr_text();
  }
  // The pushed signals are in the input log: the session replays to the same decisions.
  const CommandResult check = run_command(
      SIGEX_BINARY, {"replay-check", "--session", (world.directory.path() / "state").string()},
      world.directory.path(), "replay");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("0 differences"), std::string::npos) << check.out;
  // The webhook secret never shows: not in any output, STATUS= or state file.
  for (const auto& message : world.notify->messages) outputs.push_back(message);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(world.directory.path())) {
    if (entry.is_regular_file() && entry.path() != secret_file)
      outputs.push_back(read_file(entry.path()));
  }
  for (const std::string& output : outputs)
    EXPECT_EQ(output.find(secret), std::string::npos) << output.substr(0, 2000);
}

// A lost journal must never re-trade. The account shows an order of the configured strategy
// ("sfpaper") that this state directory's journal does not know (an earlier journal's):
// sigex refuses to start and names it; --ignore-unknown-orders records that and starts, and
// later starts pass; on a fresh state directory --adopt-unknown-orders takes the order and its
// fill into the journal. A journal deleted next to the input logs of earlier runs is refused
// unless --new-journal; a damaged journal is refused with exit 1, never an abort.
TEST(Daemon, ALostOrForeignJournalIsRefusedUntilTheOperatorDecides) {
  ExchangeSimulatorOptions exchange_options;
  exchange_options.exchange_info_path = binance_exchange_info_path();
  ExchangeSimulator exchange(exchange_options);
  std::string error;
  ASSERT_TRUE(exchange.start(error)) << error;
  exchange.set_price("ETHUSDT", price("2500"));
  const std::string earlier = "sfpaper-Old123-0123456789ab-0";
  exchange.place_foreign("ETHUSDT", earlier, quantity("0.01"));
  exchange.place_foreign("ETHUSDT", "web_manual_1", quantity("0.01"));  // by hand: not sigex's

  DaemonSettings settings;
  settings.mode = "live";
  DaemonWorld world(settings);
  const std::string ws = "ws://" + exchange.base_url().substr(7) + "/ws-api/v3";
  world.write_config(
      fmt::format("[execution]\nrest_url = \"{}\"\nws_api_url = \"{}\"\napi_key_credential = \"\"\n"
                  "api_key_env = \"SIGEX_BINANCE_API_KEY\"\napi_secret_credential = \"\"\n"
                  "api_secret_env = \"SIGEX_BINANCE_API_SECRET\"\n",
                  exchange.base_url(), ws));
  const std::vector<std::string> keys{"SIGEX_BINANCE_API_KEY=sim-api-key",
                                      "SIGEX_BINANCE_API_SECRET=sim-secret"};
  const auto run_until_ready_then_stop = [&](const std::string& name,
                                             const std::vector<std::string>& flags) {
    auto daemon = world.start(keys, name, flags);
    EXPECT_TRUE(world.notify->wait_for("READY=1", 60s)) << daemon->stderr_text();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(30s), 0) << daemon->stderr_text();
    return daemon->stderr_text();
  };

  {
    auto refused = world.start(keys, "unknown");
    EXPECT_EQ(refused->wait_exit(60s), 1) << refused->stderr_text();
    EXPECT_NE(refused->stderr_text().find(earlier), std::string::npos) << refused->stderr_text();
    EXPECT_NE(refused->stderr_text().find("--adopt-unknown-orders"), std::string::npos);
    EXPECT_EQ(refused->stderr_text().find("web_manual_1"), std::string::npos)
        << "orders placed by hand are not sigex's";
  }
  EXPECT_NE(run_until_ready_then_stop("ignore", {"--ignore-unknown-orders"})
                .find("recorded as not this journal's"),
            std::string::npos);
  run_until_ready_then_stop("again", {});  // acknowledged: no flag needed any more

  // The journal is lost; the state directory still holds the recorded runs.
  const std::filesystem::path state = world.directory.path() / "state";
  for (const char* name : {"journal.db", "journal.db-wal", "journal.db-shm"})
    std::filesystem::remove(state / name);
  {
    auto refused = world.start(keys, "lost");
    EXPECT_EQ(refused->wait_exit(60s), 1);
    EXPECT_NE(refused->stderr_text().find("is missing but"), std::string::npos)
        << refused->stderr_text();
    EXPECT_NE(refused->stderr_text().find("--new-journal"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(state / "journal.db"))
        << "a refused start creates no journal";
  }
  // A new journal on purpose, adopting the earlier order: its fill is the journal's now.
  run_until_ready_then_stop("adopt", {"--new-journal", "--adopt-unknown-orders"});
  {
    auto journal = Journal::open(state, Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    const auto fills = journal->load_fills();
    ASSERT_EQ(fills.size(), 1u);
    EXPECT_EQ(fills[0].client_order_id.view(), earlier);
    EXPECT_EQ(fills[0].quantity, quantity("0.01"));
  }
  EXPECT_EQ(exchange.orders_placed(), 0u) << "nothing traded by any of these starts";

  // A journal damaged from outside: refused with exit 1 and what is wrong, never an abort.
  ASSERT_EQ(std::system(("sqlite3 '" + (state / "journal.db").string() +
                         "' \"UPDATE orders SET state = 'BOGUS';\"")
                            .c_str()),
            0);
  auto damaged = world.start(keys, "damaged");
  EXPECT_EQ(damaged->wait_exit(60s), 1) << damaged->stderr_text();
  EXPECT_NE(damaged->stderr_text().find("is damaged: order " + earlier +
                                        ": state 'BOGUS' does not exist"),
            std::string::npos)
      << damaged->stderr_text();
}

// The exchange's clock is 5 s ahead: start-up stops before trading, and the last line of the
// log says why and that sigex exits.
TEST(Daemon, AClockSkewAtStartUpEndsTheLogWithTheExit) {
  ExchangeSimulatorOptions exchange_options;
  exchange_options.exchange_info_path = binance_exchange_info_path();
  exchange_options.server_offset_ms = 5000;
  ExchangeSimulator exchange(exchange_options);
  std::string error;
  ASSERT_TRUE(exchange.start(error)) << error;
  DaemonSettings settings;
  settings.mode = "live";
  DaemonWorld world(settings);
  world.write_config(
      fmt::format("[execution]\nrest_url = \"{}\"\nws_api_url = \"\"\napi_key_credential = \"\"\n"
                  "api_key_env = \"SIGEX_BINANCE_API_KEY\"\napi_secret_credential = \"\"\n"
                  "api_secret_env = \"SIGEX_BINANCE_API_SECRET\"\n",
                  exchange.base_url()));
  auto daemon = world.start(
      {"SIGEX_BINANCE_API_KEY=sim-api-key", "SIGEX_BINANCE_API_SECRET=sim-secret"}, "skew");
  EXPECT_EQ(daemon->wait_exit(60s), 1);
  std::string text = daemon->stderr_text();
  while (!text.empty() && text.back() == '\n') text.pop_back();
  const std::string last = text.substr(text.rfind('\n') + 1);
  EXPECT_NE(last.find("ms off the exchange's"), std::string::npos) << last;
  EXPECT_NE(last.find("sigex exits (status 1) without trading"), std::string::npos) << last;
  EXPECT_EQ(exchange.order_requests(), 0u);
}

// Each command refuses a file without the sections it needs, and read-only commands never
// create state.
TEST(Commands, AFileWithoutTheSectionsACommandNeedsIsRefusedAndNothingIsCreated) {
  TemporaryDirectory directory;
  const std::string backtest = std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml";
  const CommandResult run =
      run_command(SIGEX_BINARY, {"run", "--config", backtest}, directory.path(), "run");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("sigex run needs a [service] section in " + backtest), std::string::npos)
      << run.err;
  const CommandResult history =
      run_command(SIGEX_BINARY,
                  {"fetch-history", "--config", backtest, "--from", "2024-01-01", "--to",
                   "2024-01-02", "--out", (directory.path() / "h.jsonl").string()},
                  directory.path(), "history");
  EXPECT_EQ(history.exit_code, 2);
  EXPECT_NE(history.err.find("needs a [token_metrics] section"), std::string::npos) << history.err;
  const CommandResult record =
      run_command(SIGEX_BINARY,
                  {"record", "--config", backtest, "--out", (directory.path() / "r.txt").string()},
                  directory.path(), "record");
  EXPECT_EQ(record.exit_code, 2);
  EXPECT_NE(record.err.find("needs a [market_data.binance] section"), std::string::npos)
      << record.err;

  const std::filesystem::path empty = directory.path() / "no-state";
  const CommandResult state = run_command(
      SIGEX_BINARY, {"trading-state", "--config", backtest, "--state-dir", empty.string()},
      directory.path(), "state");
  EXPECT_EQ(state.exit_code, 1);
  EXPECT_NE(state.err.find("there is no journal in " + empty.string()), std::string::npos)
      << state.err;
  EXPECT_FALSE(std::filesystem::exists(empty / "journal.db"));
  const CommandResult replay = run_command(
      SIGEX_BINARY, {"replay-check", "--session", empty.string()}, directory.path(), "replay");
  EXPECT_EQ(replay.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(empty / "journal.db"));
}

// The command line: unknown commands and options are named, every usage error exits 2 (never
// CLI11's own codes), and check-config takes --config like every other command.
// `sigex import` turns the bundled CryptoDataDownload CSV into a file the backtester reads, and
// the backtest on it is the backtest on the bundled data; a malformed line is refused (exit 1)
// with its file, line and column, and nothing is written.
TEST(Commands, ImportedCsvBacktestsLikeTheBundledDataAndAMalformedLineIsRefused) {
  TemporaryDirectory directory;
  const std::string root = std::string(SIGEX_SOURCE_DIR) + "/config/";
  const std::string imported = (directory.path() / "btcusdt_1d.jsonl.gz").string();
  const CommandResult import =
      run_command(SIGEX_BINARY,
                  {"import", root + "data/binance-daily/Binance_BTCUSDT_d.csv", "--out", imported},
                  directory.path(), "import");
  ASSERT_EQ(import.exit_code, 0) << import.err;
  EXPECT_NE(import.out.find("-> 1623 records"), std::string::npos) << import.out;
  std::string config = read_file(root + "backtest-daily.toml");
  const auto replace = [&](const std::string& from, const std::string& to) {
    const auto at = config.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    config.replace(at, from.size(), to);
  };
  replace("\"data/binance-daily/btcusdt_kline_1d.jsonl.gz\"", "\"" + imported + "\"");
  replace("\"data/samples/", "\"" + root + "data/samples/");
  const std::string imported_config = (directory.path() / "imported.toml").string();
  std::ofstream(imported_config) << config;
  const auto backtest = [&](const std::string& file, const std::string& out) {
    const CommandResult result =
        run_command(SIGEX_BINARY, {"backtest", "--config", file, "--out", out, "--quiet"},
                    directory.path(), "backtest-" + std::filesystem::path(out).filename().string());
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  const std::string bundled_out = (directory.path() / "bundled").string();
  const std::string imported_out = (directory.path() / "imported").string();
  backtest(root + "backtest-daily.toml", bundled_out);
  backtest(imported_config, imported_out);
  for (const char* name : {"orders.csv", "fills.csv", "trades.csv", "equity.csv"}) {
    EXPECT_EQ(read_file(imported_out + "/" + name), read_file(bundled_out + "/" + name)) << name;
  }
  std::ofstream(directory.path() / "Binance_ETHUSDT_d.csv")
      << "https://www.CryptoDataDownload.com\n"
         "unix,date,symbol,open,high,low,close,Volume ETH,Volume USDT,tradecount\n"
         "1704153600000,2024-01-02,ETH/USDT,2352.04,2431.17,2341.00,2355.34,x,1,1\n";
  const std::string bad_out = (directory.path() / "bad.jsonl").string();
  const CommandResult bad = run_command(
      SIGEX_BINARY,
      {"import", (directory.path() / "Binance_ETHUSDT_d.csv").string(), "--out", bad_out},
      directory.path(), "import-bad");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("Binance_ETHUSDT_d.csv:3:8: volume 'x' is not a decimal number"),
            std::string::npos)
      << bad.err;
  EXPECT_FALSE(std::filesystem::exists(bad_out)) << "nothing is written";
  const CommandResult usage =
      run_command(SIGEX_BINARY, {"import", "x.csv", "--out", bad_out, "--layout", "excel"},
                  directory.path(), "import-usage");
  EXPECT_EQ(usage.exit_code, 2);
}

TEST(Commands, UsageErrorsNameWhatIsWrongAndExitTwo) {
  TemporaryDirectory directory;
  const CommandResult typo = run_command(SIGEX_BINARY, {"backtst"}, directory.path(), "typo");
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("unknown command 'backtst'; did you mean 'backtest'?"), std::string::npos)
      << typo.err;
  const CommandResult option =
      run_command(SIGEX_BINARY, {"backtest", "--confg", "x"}, directory.path(), "option");
  EXPECT_EQ(option.exit_code, 2);
  EXPECT_NE(option.err.find("unknown option --confg"), std::string::npos) << option.err;
  EXPECT_NE(option.err.find("--config is required"), std::string::npos) << option.err;
  const std::string daily = std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml";
  const CommandResult check =
      run_command(SIGEX_BINARY, {"check-config", "--config", daily}, directory.path(), "check");
  EXPECT_EQ(check.exit_code, 0) << check.err;
  EXPECT_NE(check.out.find("OK (1 instruments, 2 backtest inputs; cash 10000.00 USDT)"),
            std::string::npos)
      << check.out;
  // With instruments on several venues, each account's cash.
  const CommandResult venues = run_command(
      SIGEX_BINARY,
      {"check-config", std::string(SIGEX_SOURCE_DIR) + "/config/run-live-multi-venue.toml"},
      directory.path(), "venues");
  EXPECT_EQ(venues.exit_code, 0) << venues.err;
  EXPECT_NE(venues.out.find("cash binance 6000.00, coinbase 4000.00 USDT)"), std::string::npos)
      << venues.out;
  EXPECT_EQ(
      run_command(SIGEX_BINARY, {"check-config", daily}, directory.path(), "positional").exit_code,
      0);
  EXPECT_EQ(run_command(SIGEX_BINARY, {"check-config"}, directory.path(), "none").exit_code, 2);
  EXPECT_EQ(run_command(SIGEX_BINARY, {"--help"}, directory.path(), "help").exit_code, 0);
  // A bad --set names the argument, not the file; a grid that cannot be read says why.
  const CommandResult set = run_command(
      SIGEX_BINARY,
      {"backtest", "--config", daily, "--set", "risk.max_order_notional=abc", "--quiet"},
      directory.path(), "set");
  EXPECT_EQ(set.exit_code, 2);
  EXPECT_NE(set.err.find("config error: --set risk.max_order_notional=abc: [risk] "
                         "max_order_notional: invalid decimal"),
            std::string::npos)
      << set.err;
  const CommandResult grid =
      run_command(SIGEX_BINARY, {"sweep", "--config", daily, "--grid", "/nonexistent/grid.toml"},
                  directory.path(), "grid");
  EXPECT_EQ(grid.exit_code, 2);
  EXPECT_NE(
      grid.err.find("/nonexistent/grid.toml: cannot read the file: No such file or directory"),
      std::string::npos)
      << grid.err;
  const CommandResult no_grid = run_command(SIGEX_BINARY, {"sweep"}, directory.path(), "no-grid");
  EXPECT_EQ(no_grid.exit_code, 2);
  EXPECT_NE(no_grid.err.find("--config and --grid are required"), std::string::npos) << no_grid.err;
  const CommandResult executor =
      run_command(SIGEX_BINARY, {"sweep", "--config", daily, "--grid", "g", "--executor", "pbs"},
                  directory.path(), "executor");
  EXPECT_EQ(executor.exit_code, 2);
  EXPECT_NE(executor.err.find("--executor: pbs not in {local,slurm}"), std::string::npos)
      << executor.err;
}

// The README's paper demo, run as written (the two simulators with the README's arguments, the
// README's configuration with only its state directory and metrics port moved into the
// test's directory): an order is placed and filled within a minute.
TEST(Daemon, TheReadmesPaperDemoTradesWithinAMinute) {
  TemporaryDirectory directory;
  const std::filesystem::path tools = std::filesystem::path(SIGEX_BINARY).parent_path();
  const std::string source = SIGEX_SOURCE_DIR;
  DaemonProcess feed((tools / "sigex-feed-sim").string(),
                     {"--port", "18080", "--input",
                      source + "/config/data/binance-spot-capture/btcusdt_20240808.gz:BTCUSDT"},
                     {}, directory.path(), "feed-sim");
  DaemonProcess tm(
      (tools / "sigex-tm-sim").string(),
      {"--port", "18089", "--key", "tm-demo", "--as-of", "2021-10-06", "--fixture",
       "trading-signals=" + source + "/config/data/samples/daily_trading_signals_btc.jsonl.gz"},
      {}, directory.path(), "tm-sim");
  std::string config = read_file(source + "/config/run-paper-simulator.toml");
  const auto replace = [&config](const std::string& from, const std::string& to) {
    const auto at = config.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    config.replace(at, from.size(), to);
  };
  replace("state_dir = \"../state-paper-sim\"",
          "state_dir = \"" + (directory.path() / "state").string() + "\"");
  replace("metrics_listen = \"127.0.0.1:9464\"", "metrics_listen = \"127.0.0.1:0\"");
  const std::filesystem::path config_path = directory.path() / "run-paper-simulator.toml";
  std::ofstream(config_path) << config;
  NotifyListener notify(fmt::format("/tmp/sigex-notify-demo-{}.sock", ::getpid()));
  DaemonProcess daemon(SIGEX_BINARY, {"run", "--config", config_path.string()},
                       {"SIGEX_TM_API_KEY=tm-demo", "NOTIFY_SOCKET=" + notify.path().string()},
                       directory.path(), "demo");
  ASSERT_TRUE(notify.wait_for("READY=1", 60s))
      << daemon.stderr_text() << feed.stderr_text() << tm.stderr_text();
  // Within a minute of the start: the bought position, and the log lines the README shows.
  ASSERT_TRUE(notify.wait_for("positions 1, instruments with open orders 0", 60s))
      << daemon.stderr_text();
  const std::string log = daemon.stderr_text();
  for (const char* line : {"info signal symbol=BTCUSDT token=3375 timeframe=daily signal=1 trend=1",
                           "info order sent id=sfpaper-", "info order accepted id=sfpaper-",
                           "info order filled id=sfpaper-"}) {
    EXPECT_NE(log.find(line), std::string::npos) << line << "\n" << log;
  }
  daemon.signal(SIGTERM);
  EXPECT_EQ(daemon.wait_exit(20s), 0) << daemon.stderr_text();
  feed.signal(SIGTERM);
  tm.signal(SIGTERM);
}

CommandResult replay_check(DaemonWorld& world, const std::string& name) {
  return run_command(SIGEX_BINARY,
                     {"replay-check", "--session", (world.directory.path() / "state").string()},
                     world.directory.path(), name);
}

// Paper trading on a perpetual: a bearish signal shorts ETHUSDT, the daemon restarts with the
// short open (restored from the journal on both the engine and the simulated venue), a bullish
// signal buys it back with a reduce-only order, and the session replays to zero differences.
TEST(Daemon, APaperSessionOnAPerpetualRestartsMidShortAndReplaysIdentically) {
  DaemonSettings settings;
  settings.token_metrics = true;
  settings.eth_perpetual = true;
  DaemonWorld world(settings);
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(3306, "ETH", format_utc_date(today - 2 * kNsPerDay), -1);  // bearish ETH
  const std::string state = (world.directory.path() / "state").string();
  const auto position = [&] {
    std::string error;
    auto journal = Journal::open(state, Durability::kFull, error);
    EXPECT_TRUE(journal) << error;
    Quantity held{0};
    for (const FillRow& fill : journal->load_fills()) {
      held.raw += fill.side == Side::kBuy ? fill.quantity.raw : -fill.quantity.raw;
    }
    return held;
  };
  {
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 1, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    // The operator sees the margin and the short's estimated liquidation price.
    const std::string status = world.ctl({"status"}).out;
    EXPECT_NE(status.find("margin          balance "), std::string::npos) << status;
    EXPECT_NE(status.find(", liquidation "), std::string::npos) << status;
    const std::string json = world.ctl({"status", "--json"}).out;
    EXPECT_NE(json.find("\"liquidation_price\": "), std::string::npos) << json;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  const Quantity short_position = position();
  EXPECT_LT(short_position.raw, 0) << "a short, not a sale of something held";
  // Restarted mid-position: the short is still there, and a bullish signal closes it.
  world.add_signal(3306, "ETH", format_utc_date(today - kNsPerDay), 1);
  {
    world.notify->messages.clear();
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 0, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  EXPECT_EQ(position().raw, 0);
  {
    std::string error;
    auto journal = Journal::open(state, Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    const std::vector<Order> orders = journal->load_orders();
    ASSERT_GE(orders.size(), 2u);
    EXPECT_EQ(orders.front().side, Side::kSell);
    EXPECT_FALSE(orders.front().reduce_only);
    EXPECT_EQ(orders.back().side, Side::kBuy);
    EXPECT_TRUE(orders.back().reduce_only);
  }
  const CommandResult check = replay_check(world, "replay");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("(paper session, 2 run(s))"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("0 differences: every decision replays identically"), std::string::npos)
      << check.out;
}

// Live on Binance USD-M (the loopback exchange serving the futures API): start-up sets the
// perpetual's margin type and leverage, a bearish signal opens a short, the daemon is
// restarted mid-position (the short is read back from positionRisk and equals the journal's),
// a bullish signal closes it reduce-only, and each order exists once on the exchange.
TEST(Daemon, ALiveSessionOnBinanceUsdmShortsRestartsMidPositionAndClosesOnce) {
  ExchangeSimulatorOptions exchange_options;
  exchange_options.market = SimMarket::kUsdm;
  exchange_options.fee_bps = 5;
  exchange_options.exchange_info_path =
      std::string(SIGEX_SOURCE_DIR) +
      "/tests/data/nautilus-usdm/http_futures_market_exchange_info.json";
  ExchangeSimulator exchange(exchange_options);
  std::string error;
  ASSERT_TRUE(exchange.start(error)) << error;
  exchange.set_price("ETHUSDT", price("2683"));

  DaemonSettings settings;
  settings.mode = "live";
  settings.token_metrics = true;
  settings.eth_perpetual = true;
  DaemonWorld world(settings);
  world.write_config(
      fmt::format("[execution]\nvenue = \"binance_usdm\"\nrest_url = \"{}\"\n"
                  "user_stream_url = \"ws://{}/private/ws\"\napi_key_credential = \"\"\n"
                  "api_key_env = \"SIGEX_BINANCE_API_KEY\"\napi_secret_credential = \"\"\n"
                  "api_secret_env = \"SIGEX_BINANCE_API_SECRET\"\n",
                  exchange.base_url(), exchange.base_url().substr(7)));
  const std::vector<std::string> keys{"SIGEX_BINANCE_API_KEY=sim-api-key",
                                      "SIGEX_BINANCE_API_SECRET=sim-secret"};
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(3306, "ETH", format_utc_date(today - 2 * kNsPerDay), -1);  // bearish ETH
  const std::string state = (world.directory.path() / "state").string();
  const auto journal_position = [&] {
    std::string failure;
    auto journal = Journal::open(state, Durability::kFull, failure);
    EXPECT_TRUE(journal) << failure;
    std::int64_t held = 0;
    for (const FillRow& fill : journal->load_fills())
      held += fill.side == Side::kBuy ? fill.quantity.raw : -fill.quantity.raw;
    return held;  // ETHUSDT's quantity scale is Binance's: 8 decimals
  };
  {
    auto daemon = world.start(keys, "live-usdm");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 60s)) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 1, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    EXPECT_EQ(exchange.margin_type("ETHUSDT"), "CROSSED");
    EXPECT_EQ(exchange.leverage("ETHUSDT"), 5);
    const std::string status = world.ctl({"status"}).out;
    EXPECT_NE(status.find("mode            live"), std::string::npos) << status;
    EXPECT_NE(status.find(", liquidation "), std::string::npos) << status;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  EXPECT_LT(exchange.position("ETHUSDT"), 0) << "a short on the exchange";
  EXPECT_EQ(journal_position(), exchange.position("ETHUSDT"));
  world.add_signal(3306, "ETH", format_utc_date(today - kNsPerDay), 1);  // bullish: close it
  {
    world.notify->messages.clear();
    auto daemon = world.start(keys, "live-usdm");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 60s)) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 0, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  EXPECT_EQ(exchange.position("ETHUSDT"), 0);
  EXPECT_EQ(journal_position(), 0);
  EXPECT_EQ(exchange.max_orders_per_id(), 1) << "an order was placed twice";
  EXPECT_EQ(exchange.orders_placed(), 2u);
  EXPECT_EQ(exchange.signature_failures(), 0u);
}

TEST(Daemon, APaperSessionReplaysThroughTheBacktesterToTheSameDecisions) {
  DaemonSettings settings;
  settings.token_metrics = true;
  settings.btc = true;
  DaemonWorld world(settings);
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(3306, "ETH", format_utc_date(today - 2 * kNsPerDay), 1);  // bullish ETH
  world.add_signal(3375, "BTC", format_utc_date(today - 2 * kNsPerDay), 1);  // bullish BTC

  // Run 1: both signals buy; the operator flattens (market sells), then resumes.
  {
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 2, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    // While the daemon runs, its session is not replayed (it is still being written).
    const CommandResult busy = replay_check(world, "replay-busy");
    EXPECT_EQ(busy.exit_code, 2);
    EXPECT_NE(busy.err.find("is locked by PID"), std::string::npos) << busy.err;
    EXPECT_EQ(world.ctl({"flatten", "--reason", "replay test"}).exit_code, 0);
    ASSERT_TRUE(world.notify->wait_for("positions 0, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    EXPECT_EQ(world.ctl({"resume", "--reason", "replay test over"}).exit_code, 0);
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  // Run 2 (a restart): a newer bullish ETH signal buys again.
  world.add_signal(3306, "ETH", format_utc_date(today - kNsPerDay), 1);
  {
    world.notify->messages.clear();
    auto daemon = world.start();
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 1, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }

  const CommandResult check = replay_check(world, "replay");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("(paper session, 2 run(s))"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("0 differences: every decision replays identically"), std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("stopped cleanly"), std::string::npos) << check.out;
  // The session traded: 2 buys, 2 flatten sells, 1 buy (at least; IOC orders may split).
  std::string error;
  std::size_t orders = 0;
  {
    auto journal =
        Journal::open((world.directory.path() / "state").string(), Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    orders = journal->load_orders().size();
  }
  EXPECT_GE(orders, 5u);
  EXPECT_NE(check.out.find(fmt::format("orders: session {}, replay {}", orders, orders)),
            std::string::npos)
      << check.out;

  // Closed runs are compressed, and each run kept the journal as it found it.
  const std::filesystem::path inputs = world.directory.path() / "state" / "inputs";
  const std::vector<std::filesystem::path> logs = list_input_logs(inputs);
  std::vector<TimeNs> run_starts;
  for (const auto& log : logs) {
    EXPECT_EQ(log.extension(), ".gz") << log;
    const TimeNs start = parse_input_log_name(log.filename().string())->run_start_ns;
    if (run_starts.empty() || run_starts.back() != start) run_starts.push_back(start);
    EXPECT_TRUE(std::filesystem::exists(run_start_snapshot(inputs, start)));
  }
  ASSERT_EQ(run_starts.size(), 2u);
  // The retention removes the first run (as inputs_max_bytes or inputs_max_age_days would): the
  // second still replays, from the journal as it found it, to the same decisions.
  const TimeNs second_run = run_starts[1];
  const RetentionOutcome pruned =
      apply_retention(inputs, second_run, InputRetention{0, 1, 0}, LiveClock().now_ns());
  EXPECT_GE(pruned.removed.size(), 2u);  // the first run's segments and its journal snapshot
  EXPECT_FALSE(std::filesystem::exists(logs[0]));
  EXPECT_TRUE(pruned.current_run_over_limit);  // 1 byte allowed: the run being kept is over it
  const CommandResult after = replay_check(world, "replay-after-retention");
  EXPECT_EQ(after.exit_code, 0) << after.out << after.err;
  EXPECT_NE(after.out.find("were removed by the input retention"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("(paper session, 1 run(s))"), std::string::npos) << after.out;
  EXPECT_NE(after.out.find("0 differences: every decision replays identically"), std::string::npos)
      << after.out;

  // A decision that differs is found and named: the session's second order, made bigger.
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((world.directory.path() / "state" / "journal.db").c_str(), &db),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, "UPDATE orders SET quantity = quantity + 1 WHERE rowid = 2", nullptr,
                           nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  const CommandResult tampered = replay_check(world, "replay-tampered");
  EXPECT_EQ(tampered.exit_code, 1) << tampered.out << tampered.err;
  EXPECT_NE(tampered.out.find("order 2: quantity differ"), std::string::npos) << tampered.out;
  EXPECT_NE(tampered.out.find("1 difference(s)"), std::string::npos) << tampered.out;
}

}  // namespace
}  // namespace sigex
