// `sigex run` on Coinbase Advanced Trade instruments against the loopback Coinbase market data
// and trading simulators and the Token Metrics simulator: a paper session trades on Coinbase
// quotes and replays to zero differences; a live session buys once on a signal, restarts, and
// never places a client order id twice. Instruments are configured by product id alone: their
// rules come from the products endpoint.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include <fmt/format.h>

#include "adapters/coinbase/signer.h"
#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "support/coinbase_keys.h"
#include "support/daemon_support.h"
#include "support/test_support.h"
#include "support/tm_support.h"
#include "tools/coinbase_simulator/market_simulator.h"
#include "tools/coinbase_simulator/trading_simulator.h"
#include "tools/tm_simulator/tm_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;
using namespace std::chrono_literals;

constexpr const char* kTmKey = "tm-coinbase-test-key";
constexpr const char* kKeyName = kCdpKeyName;
constexpr const char* kEd25519Secret = kCdpEd25519Secret;

class CoinbaseWorld : public DaemonHome {
 public:
  explicit CoinbaseWorld(bool live) : DaemonHome("cb"), live_(live) {
    CoinbaseMarketSimulatorOptions market;
    market.update_interval_us = 2000;
    market.heartbeat_interval_us = 200'000;
    std::string key_error;
    auto signer = CoinbaseSigner::make(Secret(std::string(kKeyName)),
                                       Secret(std::string(kEd25519Secret)), key_error);
    // Live: the market data subscriptions must carry a JWT of the key too.
    if (live_) market.public_keys = {signer->public_key_pem()};
    market_ = std::make_unique<CoinbaseMarketSimulator>(market);
    std::string error;
    if (!market_->start(error)) throw std::runtime_error(error);
    CoinbaseTradingSimulatorOptions trading;
    trading.public_keys = {signer->public_key_pem()};
    trading.price = "30000.00";
    trading_ = std::make_unique<CoinbaseTradingSimulator>(trading);
    if (!trading_->start(error)) throw std::runtime_error(error);
    TmSimulatorOptions tm_options;
    tm_options.api_key = kTmKey;
    tm_ = std::make_unique<TmSimulator>(tm_options);
    if (!tm_->start(error)) throw std::runtime_error(error);
    write_config();
  }

  void write_config() const {
    const std::string execution =
        live_ ? fmt::format(R"(
[execution]
venue = "coinbase"
api_key_credential = ""
api_key_env = "SIGEX_COINBASE_API_KEY"
api_secret_credential = ""
api_secret_env = "SIGEX_COINBASE_API_SECRET"
rest_url = "{}"
user_ws_url = "{}"
poll_interval_ms = 50
history_lookback_s = 86400
)",
                            trading_->url(), "ws://127.0.0.1:" + std::to_string(trading_->port()))
              : "";
    std::ofstream(config_path()) << fmt::format(
        R"(
[engine]
cash_asset = "USD"
starting_cash = "10000"
state_dir = "{state}"

[service]
mode = "{mode}"
control_socket = "{socket}"
metrics_listen = "127.0.0.1:0"
stop_timeout_s = 10

[[instruments]]
symbol = "BTC-USD"
price_scale = 2
token_id = 3375
token_symbol = "BTC"

[market_data.coinbase]
ws_url = "{ws}"
rest_url = "http://127.0.0.1:{market_port}"
api_key_credential = ""
api_key_env = "{market_key_env}"
api_secret_credential = ""
api_secret_env = "{market_secret_env}"
{execution}
[venue.simulated]
order_latency_us = 5000

[risk]
max_order_notional = "2000"
max_quote_age_ms = 60000
price_collar_bps = 500

[strategy.signal_follow]
tag = "cbtest"
order_notional = "1000"
entry_grade = "50"
exit_grade = "0"
stop_loss_bps = 0
price_tolerance_bps = 50
max_signal_age_s = 259200
max_grade_age_s = 259200

[signals]
max_daily_signal_age_s = 259200
max_grade_age_s = 259200

[token_metrics]
base_url = "{tm}"
api_key_env = "SIGEX_TM_API_KEY"
api_key_credential = ""
resolve_tokens = false
request_timeout_ms = 5000
[token_metrics.daily_signals]
interval_s = 3600
[token_metrics.grades]
enabled = false
)",
        fmt::arg("state", (directory.path() / "state").string()),
        fmt::arg("mode", live_ ? "live" : "paper"), fmt::arg("socket", control_socket()),
        fmt::arg("ws", market_->url()), fmt::arg("market_port", market_->port()),
        fmt::arg("execution", execution), fmt::arg("tm", tm_->base_url()),
        fmt::arg("market_key_env", live_ ? "SIGEX_COINBASE_API_KEY" : ""),
        fmt::arg("market_secret_env", live_ ? "SIGEX_COINBASE_API_SECRET" : ""));
  }

  std::unique_ptr<DaemonProcess> start(const std::string& name) {
    std::vector<std::string> environment{std::string("SIGEX_TM_API_KEY=") + kTmKey};
    if (live_) {
      environment.push_back(std::string("SIGEX_COINBASE_API_KEY=") + kKeyName);
      environment.push_back(std::string("SIGEX_COINBASE_API_SECRET=") + kEd25519Secret);
    }
    return DaemonHome::start(name, environment);
  }

  void add_signal(const std::string& date, int signal) {
    add_daily_signal(*tm_, 3375, "BTC", date, signal);
  }

  std::unique_ptr<CoinbaseMarketSimulator> market_;
  std::unique_ptr<CoinbaseTradingSimulator> trading_;
  std::unique_ptr<TmSimulator> tm_;

 private:
  bool live_;
};

TEST(CoinbaseDaemon, APaperSessionOnCoinbaseQuotesTradesAndReplaysToZeroDifferences) {
  CoinbaseWorld world(/*live=*/false);
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(format_utc_date(today - 2 * kNsPerDay), 1);
  {
    auto daemon = world.start("paper1");
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 1, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find("BTC-USD"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("venues          market data coinbase, orders simulated"),
              std::string::npos)
        << status.out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
    const std::string log = daemon->stderr_text();
    EXPECT_NE(log.find("subscribed to 4 Coinbase channels"), std::string::npos) << log;
  }
  world.add_signal(format_utc_date(today - kNsPerDay), -1);  // bearish: sells
  {
    world.notify->messages.clear();
    auto daemon = world.start("paper2");
    ASSERT_TRUE(world.notify->wait_for("READY=1")) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 0, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  const CommandResult check = run_command(
      SIGEX_BINARY, {"replay-check", "--session", (world.directory.path() / "state").string()},
      world.directory.path(), "replay");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("0 differences: every decision replays identically"), std::string::npos)
      << check.out;
}

TEST(CoinbaseDaemon, ALiveSessionBuysOnceOnCoinbaseAndARestartPlacesNothingTwice) {
  CoinbaseWorld world(/*live=*/true);
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signal(format_utc_date(today - 2 * kNsPerDay), 1);
  {
    auto daemon = world.start("live1");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << daemon->stderr_text();
    ASSERT_TRUE(world.notify->wait_for("positions 1, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    const CommandResult status = world.ctl({"status", "--json"});
    EXPECT_NE(status.out.find(R"("venues": {"market_data": "coinbase", "orders": "coinbase"})"),
              std::string::npos)
        << status.out;
    // The keys came from the environment: read (the market data subscriptions were signed
    // with them) and then removed from it.
    EXPECT_EQ(world.market_->jwt_refusals(), 0u);
    EXPECT_GE(world.market_->signed_subscribes(), 4u);
    const std::string environ = read_file(fmt::format("/proc/{}/environ", daemon->pid()));
    EXPECT_FALSE(environ.empty());
    EXPECT_EQ(environ.find(kEd25519Secret), std::string::npos);
    EXPECT_EQ(environ.find(kKeyName), std::string::npos);
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
    const std::string log = daemon->stderr_text();
    EXPECT_EQ(log.find(kEd25519Secret), std::string::npos) << "the private key is never logged";
  }
  EXPECT_EQ(world.trading_->orders_made(), 1u);
  {
    world.notify->messages.clear();
    auto daemon = world.start("live2");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 30s)) << daemon->stderr_text();
    // Reconciled with the account: the journal's position is what Coinbase holds.
    ASSERT_TRUE(world.notify->wait_for("positions 1", 30s)) << daemon->stderr_text();
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  EXPECT_EQ(world.trading_->orders_made(), 1u) << "nothing traded twice across the restart";
  for (const auto& [id, orders] : world.trading_->orders_per_client_id())
    EXPECT_EQ(orders, 1) << id;
  EXPECT_EQ(world.trading_->unauthorized(), 0u) << "every request carried a valid JWT";
}

}  // namespace
}  // namespace sigex
