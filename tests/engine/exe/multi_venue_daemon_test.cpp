// One `sigex run` trading Binance and Coinbase instruments together: ETHUSDT quoted by the
// Binance market data simulator and traded on the Binance exchange simulator, BTC-USDT quoted
// by the Coinbase market data simulator and traded on the Coinbase trading simulator (both in
// the one USDT cash pool). A signal for each token buys each once, on its own venue; a restart
// reconciles both accounts and places nothing twice; status and metrics show each venue; a
// paper session on both feeds replays to zero differences.

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include <fmt/format.h>

#include "adapters/coinbase/signer.h"
#include "adapters/net/digest.h"
#include "adapters/recorded/replay_source.h"
#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "engine/exe/backtest_command.h"
#include "engine/exe/record_command.h"
#include "engine/journal/journal.h"
#include "engine/order/order.h"
#include "support/coinbase_keys.h"
#include "support/daemon_config.h"
#include "support/daemon_support.h"
#include "support/http_get.h"
#include "support/test_support.h"
#include "support/tm_support.h"
#include "tools/coinbase_simulator/market_simulator.h"
#include "tools/coinbase_simulator/trading_simulator.h"
#include "tools/exchange_simulator/exchange_simulator.h"
#include "tools/feed_simulator/feed_simulator.h"
#include "tools/tm_simulator/tm_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;
using namespace std::chrono_literals;

const std::string kData = std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/";
constexpr const char* kTmKey = "tm-multi-venue-key";
constexpr const char* kBinanceKey = "bnc-multi-venue-key";
constexpr const char* kBinanceSecret = "bnc-multi-venue-secret";

class TwoVenueWorld : public DaemonHome {
 public:
  explicit TwoVenueWorld(bool live) : DaemonHome("mv"), live_(live) {
    std::string error;
    FeedSimulatorOptions feed_options;
    feed_options.inputs = {{kData + "ethusdt_20240808.gz", "ETHUSDT"}};
    feed_options.frame_interval_us = 1000;
    feed = std::make_unique<FeedSimulator>(feed_options);
    if (!feed->start(error)) throw std::runtime_error(error);

    ExchangeSimulatorOptions exchange_options;
    exchange_options.api_key = kBinanceKey;
    exchange_options.secret = kBinanceSecret;
    exchange_options.exchange_info_path = binance_exchange_info_path();
    exchange = std::make_unique<ExchangeSimulator>(exchange_options);
    if (!exchange->start(error)) throw std::runtime_error(error);
    exchange->set_price("ETHUSDT", price("2500"));

    auto signer = CoinbaseSigner::make(Secret(std::string(kCdpKeyName)),
                                       Secret(std::string(kCdpEd25519Secret)), error);
    if (!signer) throw std::runtime_error(error);
    CoinbaseMarketSimulatorOptions market_options;
    market_options.products = {CoinbaseProduct{"BTC-USDT", 3'000'000, 20}};
    market_options.update_interval_us = 2000;
    market_options.heartbeat_interval_us = 200'000;
    coinbase_market = std::make_unique<CoinbaseMarketSimulator>(market_options);
    if (!coinbase_market->start(error)) throw std::runtime_error(error);
    CoinbaseTradingSimulatorOptions trading_options;
    trading_options.public_keys = {signer->public_key_pem()};
    trading_options.product_id = "BTC-USDT";
    trading_options.balances = {{"USDT", "100000"}, {"BTC", "0"}};
    coinbase = std::make_unique<CoinbaseTradingSimulator>(trading_options);
    if (!coinbase->start(error)) throw std::runtime_error(error);

    TmSimulatorOptions tm_options;
    tm_options.api_key = kTmKey;
    tm = std::make_unique<TmSimulator>(tm_options);
    if (!tm->start(error)) throw std::runtime_error(error);
    write_key_file("binance-key", kBinanceKey);
    write_key_file("binance-secret", kBinanceSecret);
    write_config();
  }

  // An owner-only key file, replaced at once as an operator's mv does.
  void write_key_file(const std::string& name, const std::string& key) const {
    const auto path = directory.path() / name;
    const std::string temporary = path.string() + ".new";
    std::ofstream(temporary) << key << "\n";
    ::chmod(temporary.c_str(), 0600);
    std::filesystem::rename(temporary, path);
  }

  void write_config() const {
    DaemonConfig config;
    config.state_dir = (directory.path() / "state").string();
    config.control_socket = control_socket();
    config.feed_port = feed->port();
    config.mode = live_ ? "live" : "paper";
    config.token_metrics_url = tm->base_url();
    config.eth_extra = "venue = \"binance\"";
    // Each venue's account its own cash: Binance's too little for a whole 1 000 USDT order.
    config.engine_cash = "";
    const std::string ws = "ws://" + exchange->base_url().substr(7) + "/ws-api/v3";
    const std::string execution =
        live_ ? fmt::format(R"(
[execution]
venues = ["binance", "coinbase"]
[execution.binance]
rest_url = "{}"
ws_api_url = "{}"
api_key_credential = ""
api_key_env = ""
api_key_file = "{}"
api_secret_credential = ""
api_secret_env = ""
api_secret_file = "{}"
balance_interval_s = 1
[execution.coinbase]
rest_url = "{}"
user_ws_url = "ws://127.0.0.1:{}"
api_key_credential = ""
api_key_env = "SIGEX_COINBASE_API_KEY"
api_secret_credential = ""
api_secret_env = "SIGEX_COINBASE_API_SECRET"
poll_interval_ms = 50
history_lookback_s = 86400
)",
                            exchange->base_url(), ws, (directory.path() / "binance-key").string(),
                            (directory.path() / "binance-secret").string(), coinbase->url(),
                            coinbase->port())
              : "";
    config.extra = fmt::format(R"(
[engine.venue_cash]
binance = "300"
coinbase = "9700"

[[instruments]]
symbol = "BTC-USDT"
venue = "coinbase"
price_scale = 2
token_id = 3375
token_symbol = "BTC"

[market_data.coinbase]
ws_url = "{}"
rest_url = "http://127.0.0.1:{}"
api_key_credential = ""
api_key_env = ""
api_secret_credential = ""
api_secret_env = ""
{}
)",
                               coinbase_market->url(), coinbase_market->port(), execution);
    std::ofstream(config_path()) << daemon_config_text(config);
  }

  std::unique_ptr<DaemonProcess> start(const std::string& name) {
    std::vector<std::string> environment{std::string("SIGEX_TM_API_KEY=") + kTmKey};
    if (live_) {
      environment.push_back(std::string("SIGEX_COINBASE_API_KEY=") + kCdpKeyName);
      environment.push_back(std::string("SIGEX_COINBASE_API_SECRET=") + kCdpEd25519Secret);
    }
    return DaemonHome::start(name, environment);
  }

  // Daily signals dated `date` for both tokens.
  void add_signals(const std::string& date, int signal) {
    add_daily_signal(*tm, 3306, "ETH", date, signal);
    add_daily_signal(*tm, 3375, "BTC", date, signal);
  }

  std::unique_ptr<FeedSimulator> feed;
  std::unique_ptr<ExchangeSimulator> exchange;
  std::unique_ptr<CoinbaseMarketSimulator> coinbase_market;
  std::unique_ptr<CoinbaseTradingSimulator> coinbase;
  std::unique_ptr<TmSimulator> tm;

 private:
  bool live_;
};

TEST(MultiVenueDaemon, ALiveSessionBuysEachTokenOnceOnItsOwnVenueAndARestartPlacesNothingTwice) {
  TwoVenueWorld world(/*live=*/true);
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signals(format_utc_date(today - 2 * kNsPerDay), 1);
  {
    auto daemon = world.start("live1");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 60s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    ASSERT_TRUE(world.notify->wait_for("positions 2, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find("venues          market data binance, coinbase, orders binance, "
                              "coinbase"),
              std::string::npos)
        << status.out;
    EXPECT_NE(status.out.find("binance API key"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("coinbase API key"), std::string::npos) << status.out;
    // Each feed's families once, each venue's samples labelled with it.
    const std::string metrics = http_get(metrics_url(status.out));
    EXPECT_NE(metrics.find("sigex_feed_connected{venue=\"binance\"} 1"), std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("sigex_feed_connected{venue=\"coinbase\"} 1"), std::string::npos)
        << metrics;
    for (const char* role : {"market_data", "orders"}) {
      for (const char* venue : {"binance", "coinbase"}) {
        EXPECT_NE(metrics.find(
                      fmt::format("sigex_venue_info{{role=\"{}\",venue=\"{}\"}} 1", role, venue)),
                  std::string::npos)
            << role << " " << venue;
      }
    }
    std::size_t helps = 0;
    for (auto at = metrics.find("# HELP sigex_feed_connected "); at != std::string::npos;
         at = metrics.find("# HELP sigex_feed_connected ", at + 1))
      ++helps;
    EXPECT_EQ(helps, 1u) << metrics;
    // Coinbase's keys came from the environment: none is left in it.
    const std::string environ = read_file(fmt::format("/proc/{}/environ", daemon->pid()));
    EXPECT_FALSE(environ.empty());
    EXPECT_EQ(environ.find(kCdpEd25519Secret), std::string::npos);
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  EXPECT_EQ(world.exchange->orders_placed(), 1u) << "ETHUSDT bought on Binance";
  EXPECT_EQ(world.coinbase->orders_made(), 1u) << "BTC-USDT bought on Coinbase";
  {
    world.notify->messages.clear();
    world.exchange->set_balance("USDT", 10LL * 100'000'000);  // withdrawn between the runs
    auto daemon = world.start("live2");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 60s)) << daemon->stderr_text();
    // Reconciled with both accounts: the journal's positions are what they hold.
    ASSERT_TRUE(world.notify->wait_for("positions 2", 30s)) << daemon->stderr_text();
    // The Binance account's keys rotate at a reload; Coinbase's (from the environment) stay.
    const std::string new_key = "bnc-multi-venue-key-2", new_secret = "bnc-multi-venue-secret-2";
    world.exchange->add_api_key(new_key, new_secret);
    world.write_key_file("binance-key", new_key);
    world.write_key_file("binance-secret", new_secret);
    const CommandResult reload = world.ctl({"reload"});
    EXPECT_EQ(reload.exit_code, 0) << reload.out << reload.err;
    const std::string rotated = fingerprint(Secret(std::string(new_key)));
    EXPECT_NE(reload.out.find("the binance keys (rotated to " + rotated + ")"), std::string::npos)
        << reload.out;
    EXPECT_EQ(reload.out.find("coinbase keys"), std::string::npos) << reload.out;
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find(rotated), std::string::npos) << status.out;
    const std::string metrics = http_get(metrics_url(status.out));
    EXPECT_GT(metric_value(metrics, "sigex_account_cash_shortfall{venue=\"binance\"}"), 0.0)
        << metrics;
    EXPECT_EQ(metrics.find("sigex_account_cash_shortfall{venue=\"coinbase\"}"), std::string::npos);
    EXPECT_EQ(metric_value(metrics, "sigex_account_cash_reported{venue=\"binance\"}"), 10.0)
        << metrics;
    EXPECT_GT(metric_value(metrics, "sigex_account_cash_reported{venue=\"coinbase\"}"), 0.0)
        << metrics;
    // While running: funds added end the shortfall at the stream's next account position; a
    // withdrawal limits Binance's buys at once and is announced at the next periodic read.
    constexpr std::string_view kBinanceShortfall =
        "sigex_account_cash_shortfall{venue=\"binance\"}";
    world.exchange->set_balance("USDT", 100'000LL * 100'000'000);
    const std::string refunded = scrape_until(
        metrics_url(status.out),
        [&](const std::string& body) { return body.find(kBinanceShortfall) == std::string::npos; });
    EXPECT_EQ(refunded.find(kBinanceShortfall), std::string::npos) << refunded;
    world.exchange->set_balance("USDT", 20LL * 100'000'000);
    const std::string withdrawn =
        scrape_until(metrics_url(status.out), [&](const std::string& body) {
          return metric_value(body, std::string(kBinanceShortfall)) > 0;
        });
    EXPECT_GT(metric_value(withdrawn, std::string(kBinanceShortfall)), 0.0) << withdrawn;
    const CommandResult short_status = world.ctl({"status"});
    EXPECT_NE(short_status.out.find("cash short      the binance account holds"), std::string::npos)
        << short_status.out;
    const CommandResult short_json = world.ctl({"status", "--json"});
    EXPECT_NE(short_json.out.find(R"("cash_shortfalls": {"binance": ")"), std::string::npos)
        << short_json.out;
    EXPECT_NE(status.out.find(fingerprint(Secret(std::string(kCdpKeyName)))), std::string::npos)
        << status.out;
    world.exchange->revoke_api_key(kBinanceKey);
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
    // Each account's orders and holdings match the journal: nothing halts.
    const std::string log = daemon->stderr_text();
    // Each account's cash against what its venue holds: Coinbase's covers what sigex may spend
    // there; Binance's, withdrawn to 10 USDT, does not, and is named.
    EXPECT_NE(log.find("reconciliation: the binance account holds 10.00000000 USDT, less than the"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("reconciliation: the coinbase account holds"), std::string::npos) << log;
    EXPECT_NE(log.find("the binance account holds 100000.00000000 again"), std::string::npos)
        << log;
    EXPECT_NE(log.find("the binance account holds 20.00000000, less than the"), std::string::npos)
        << log;
    EXPECT_NE(log.find("sigex may spend"), std::string::npos) << log;
    EXPECT_NE(log.find("reconciled: 2 journaled order(s), 0 open, 0 difference(s)"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("ALERT"), std::string::npos) << log;
  }
  EXPECT_EQ(world.exchange->orders_placed(), 1u) << "nothing traded twice across the restart";
  EXPECT_EQ(world.exchange->max_orders_per_id(), 1);
  EXPECT_EQ(world.coinbase->orders_made(), 1u) << "nothing traded twice across the restart";
  for (const auto& [id, orders] : world.coinbase->orders_per_client_id())
    EXPECT_EQ(orders, 1) << id;
  EXPECT_EQ(world.coinbase->unauthorized(), 0u) << "every Coinbase request carried a valid JWT";
  EXPECT_EQ(world.exchange->requests_with_revoked_key(), 0u);
}

TEST(MultiVenueDaemon, APaperSessionOnTwoFeedsTradesBothAndReplaysToZeroDifferences) {
  TwoVenueWorld world(/*live=*/false);
  const TimeNs today = LiveClock().now_ns() / kNsPerDay * kNsPerDay;
  world.add_signals(format_utc_date(today - 2 * kNsPerDay), 1);
  std::string metrics;
  double binance = 0, coinbase = 0;
  {
    auto daemon = world.start("paper1");
    ASSERT_TRUE(world.notify->wait_for("READY=1", 60s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    ASSERT_TRUE(world.notify->wait_for("positions 2, instruments with open orders 0", 30s))
        << daemon->stderr_text() << world.ctl({"status"}).out;
    const CommandResult status = world.ctl({"status"});
    EXPECT_NE(status.out.find("venues          market data binance, coinbase, orders simulated"),
              std::string::npos)
        << status.out;
    metrics = http_get(metrics_url(status.out));
    binance = metric_value(metrics, "sigex_account_cash{venue=\"binance\"}");
    coinbase = metric_value(metrics, "sigex_account_cash{venue=\"coinbase\"}");
    EXPECT_GE(binance, 0.0) << metrics;
    EXPECT_NEAR(metric_value(metrics, "sigex_cash"), binance + coinbase, 1e-6) << metrics;
    EXPECT_NE(status.out.find("(binance "), std::string::npos) << status.out;
    daemon->signal(SIGTERM);
    EXPECT_EQ(daemon->wait_exit(20s), 0) << daemon->stderr_text();
  }
  // Each buy was sized to its own venue's account and paid from it alone: ETHUSDT's 1 000 USDT
  // order came down to what Binance's 300 could carry, and Coinbase's cash paid only BTC-USDT.
  // The paper venue fills an IOC order up to the size its book shows at arrival, so what was
  // bought depends on that moment's quote; the sizing and the payment do not.
  std::string error;
  auto journal =
      Journal::open((world.directory.path() / "state").string(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  const std::vector<Order> orders = journal->load_orders();
  ASSERT_EQ(orders.size(), 2u);
  for (const Order& order : orders) {
    const bool eth = order.instrument == 0;  // ETHUSDT: the first [[instruments]]
    const double budget = eth ? 300.0 : 9700.0;
    const Result<Money> size = notional(order.price, eth ? 8 : 2, order.quantity, 8, Rounding::kUp);
    ASSERT_TRUE(size);
    const double asked = to_double_for_report(size->raw, kMoneyScale),
                 paid = to_double_for_report(order.filled_notional.raw, kMoneyScale);
    EXPECT_EQ(order.side, Side::kBuy);
    EXPECT_GT(order.filled_quantity.raw, 0) << order.client_order_id.view();
    if (eth) {
      EXPECT_LE(asked, 300.0) << "sized to Binance's 300 USDT";
      EXPECT_GT(asked, 250.0);
    } else {
      EXPECT_GT(asked, 900.0) << "the whole 1 000 USDT signal order on Coinbase";
      EXPECT_LE(asked, 1000.0);
    }
    // Fees, if charged in the cash asset, are at most a few basis points of the notional.
    EXPECT_NEAR(eth ? binance : coinbase, budget - paid, paid * 0.002) << metrics;
  }
  journal.reset();
  const CommandResult check = run_command(
      SIGEX_BINARY, {"replay-check", "--session", (world.directory.path() / "state").string()},
      world.directory.path(), "replay");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("0 differences: every decision replays identically"), std::string::npos)
      << check.out;
}

// `sigex record` with both feeds: one recording per venue (a file's receive times only go
// forward), both replay without a problem and backtest together.
TEST(MultiVenueRecord, EachVenueIsRecordedToItsOwnFileAndBothBacktestTogether) {
  TwoVenueWorld world(/*live=*/false);
  ConfigErrors errors;
  AppConfig config = load_app_config(world.config_path().string(), errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  config.token_metrics.enabled = false;
  std::array<std::size_t, 2> quotes{};
  RecordOptions options;
  options.out_path = (world.directory.path() / "session.jsonl.gz").string();
  options.quiet = true;
  options.progress = ProgressMode::kNever;
  options.on_event = [&](const InboundEvent& event) {
    if (event.kind == MarketEventKind::kBestBidOffer) ++quotes.at(event.best_bid_offer.instrument);
  };
  options.stop_when = [&] { return quotes[0] >= 200 && quotes[1] >= 200; };
  ASSERT_EQ(run_record(config, options), 0);
  const std::string coinbase_path = (world.directory.path() / "session-coinbase.jsonl.gz").string();
  ASSERT_TRUE(std::filesystem::exists(options.out_path));
  ASSERT_TRUE(std::filesystem::exists(coinbase_path));

  const InstrumentRegistry instruments = build_registry(config);
  ReplaySource replay(instruments, {{options.out_path}, {coinbase_path}}, 0, INT64_MAX);
  std::string error;
  ASSERT_TRUE(replay.open(error)) << error;
  std::array<std::size_t, 2> replayed{};
  std::vector<InboundEvent> batch;
  while (replay.next(batch)) {
    for (const InboundEvent& event : batch) {
      if (event.kind == MarketEventKind::kBestBidOffer)
        ++replayed.at(event.best_bid_offer.instrument);
    }
  }
  EXPECT_GE(replayed[0], 200u) << "ETHUSDT's Binance quotes";
  EXPECT_GE(replayed[1], 200u) << "BTC-USDT's Coinbase quotes";
  EXPECT_EQ(replay.problems().count(), 0u);
  EXPECT_TRUE(replay.fatal_problems().empty());

  // A backtest is offline: BTC-USDT's rules as the products endpoint gave them.
  Instrument& btc = config.instruments.at(1);
  btc.base_asset = AssetCode::from("BTC");
  btc.quote_asset = AssetCode::from("USDT");
  btc.tick_size = Price{1};     // 0.01 at price_scale 2
  btc.step_size = Quantity{1};  // 0.00000001
  btc.min_quantity = Quantity{1000};
  btc.min_notional = money("1");
  config.backtest.inputs = {{options.out_path, ""}, {coinbase_path, ""}};
  BacktestOptions backtest;
  backtest.out_dir = (world.directory.path() / "backtest").string();
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run_backtest(config, backtest), 0);
  const std::string summary = ::testing::internal::GetCapturedStdout();
  // Each venue account's cash, from what [engine.venue_cash] gave it.
  EXPECT_NE(summary.find("  cash          binance "), std::string::npos) << summary;
  EXPECT_NE(summary.find(" (from 300.00), coinbase "), std::string::npos) << summary;
  EXPECT_NE(summary.find(" (from 9700.00) USDT"), std::string::npos) << summary;
}

}  // namespace
}  // namespace sigex
