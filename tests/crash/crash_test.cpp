// Crash tests: the trading process (tests/crash/crash_driver.cpp: the real engine, journal and
// live Binance venue) is killed with SIGKILL at each failpoint and at random moments while it
// trades against the loopback exchange simulator, then started again on the same state
// directory until it reaches its target. The exchange charges fees in the coin bought (as
// Binance spot does by default). Afterwards the invariants must hold:
//  * no client order id was ever placed twice and exactly one exchange order exists per step;
//  * the exchange executed exactly the target, no more (nothing traded twice);
//  * the journal holds every exchange fill exactly once, and its position (net of the fees
//    taken from the coins bought) equals what the account holds.
// The same runs on Binance USD-M (UsdmCrashTest): the driver sells lots of the BTCUSDT
// perpetual, so a short is open at every kill; the journal's signed position must equal the
// exchange's. And on Coinbase Advanced Trade (CoinbaseCrashTest). And on both at once
// (MixedCrashTest): one process, one journal, Binance spot and Coinbase accounts composed as
// `sigex run` composes several venues, the steps alternating between them.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "engine/journal/journal.h"
#include "support/coinbase_keys.h"
#include "support/test_support.h"
#include "tools/chaos_proxy/chaos_proxy.h"
#include "tools/coinbase_simulator/trading_simulator.h"
#include "tools/exchange_simulator/exchange_simulator.h"

extern char** environ;

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr std::int64_t kLot = 1'000'000;  // 0.01 BTC, as the driver buys

// A started Coinbase simulator trading `product` at 60 000 for an account with 100 000 000 of
// `quote` and no BTC, checking every request's ES256 signature; null (a test failure) if it
// cannot start.
std::unique_ptr<CoinbaseTradingSimulator> start_coinbase(const std::string& product,
                                                         const std::string& quote) {
  CoinbaseTradingSimulatorOptions options;
  options.public_keys = {kCdpEcPublicPem};
  options.product_id = product;
  options.price = "60000.00";
  options.balances = {{quote, "100000000"}, {"BTC", "0"}};
  auto simulator = std::make_unique<CoinbaseTradingSimulator>(options);
  std::string error;
  if (!simulator->start(error)) {
    ADD_FAILURE() << error;
    return nullptr;
  }
  return simulator;
}

class CrashTest : public ::testing::Test {
 protected:
  virtual bool usdm() const { return false; }
  // The driver's venue argument (nullptr: Binance spot), and the one after it (nullptr: none).
  virtual const char* venue_mode() const { return usdm() ? "usdm" : nullptr; }
  virtual std::string second_url() const { return {}; }
  // The exchange the driver trades on, as the test sees it.
  virtual std::string base_url() const { return simulator_->base_url(); }
  virtual std::uint64_t requests() const { return simulator_->requests(); }
  virtual bool wait_for_requests(std::uint64_t count, int timeout_ms) const {
    return simulator_->wait_for_requests(count, timeout_ms);
  }

  void SetUp() override {
    ExchangeSimulatorOptions options;
    if (usdm()) {
      options.market = SimMarket::kUsdm;
      options.fee_bps = 5;
      options.exchange_info_path =
          std::string(SIGEX_SOURCE_DIR) +
          "/tests/data/nautilus-usdm/http_futures_market_exchange_info.json";
    }
    options.fee_asset = SimFeeAsset::kReceived;
    options.balances["USDT"] = Money{100'000'000LL * 100'000'000};
    if (!usdm()) options.exchange_info_path = binance_exchange_info_path();
    simulator_ = std::make_unique<ExchangeSimulator>(options);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
    simulator_->set_price("BTCUSDT", price("60000"));
  }

  // Starts the driver; `failpoint` (name[:n]) arms SIGEX_FAILPOINT in its environment only.
  pid_t spawn(std::int64_t steps, const std::string& failpoint = "", bool adopt = false) {
    const std::string state = directory_.path().string();
    const std::string url = base_url();
    const std::string steps_text = std::to_string(steps);
    std::vector<std::string> environment;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (std::string_view(*entry).starts_with("SIGEX_FAILPOINT=")) continue;
      environment.emplace_back(*entry);
    }
    if (!failpoint.empty()) environment.push_back("SIGEX_FAILPOINT=" + failpoint);
    std::vector<char*> envp;
    for (auto& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
    const char* mode = adopt ? "adopt" : venue_mode();
    const std::string second = second_url();
    const char* argv[] = {SIGEX_CRASH_DRIVER,
                          state.c_str(),
                          url.c_str(),
                          steps_text.c_str(),
                          mode,
                          second.empty() ? nullptr : second.c_str(),
                          nullptr};
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, SIGEX_CRASH_DRIVER, nullptr, nullptr, const_cast<char**>(argv),
                          envp.data()),
              0);
    return pid;
  }

  static int wait_for(pid_t pid) {
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    return status;
  }

  static bool killed(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL; }

  // Runs the driver without faults until it reports the target reached.
  void finish(std::int64_t steps) {
    const int status = wait_for(spawn(steps));
    ASSERT_TRUE(WIFEXITED(status)) << "driver died: " << status;
    ASSERT_EQ(WEXITSTATUS(status), 0);
  }

  virtual void expect_invariants(std::int64_t steps) {
    EXPECT_EQ(simulator_->max_orders_per_id(), 1) << "a client order id was placed twice";
    EXPECT_EQ(simulator_->orders_placed(), static_cast<std::uint64_t>(steps))
        << "one exchange order per intent";
    EXPECT_EQ(simulator_->executed_total("BTCUSDT").raw, steps * kLot)
        << "traded more than intended";
    std::string error;
    auto journal = Journal::open(directory_.path(), Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    const auto fills = journal->load_fills();
    std::int64_t journaled = 0;
    for (const auto& fill : fills) journaled += fill.quantity.raw;
    EXPECT_EQ(fills.size(), simulator_->trades()) << "every exchange fill journaled exactly once";
    EXPECT_EQ(journaled, simulator_->executed_total("BTCUSDT").raw);
    if (usdm()) {
      // Every lot was a sell: the journal's short is the exchange's position.
      EXPECT_EQ(-journaled, simulator_->position("BTCUSDT"))
          << "the short in the journal is the exchange's";
      EXPECT_LT(simulator_->position("BTCUSDT"), 0);
      return;
    }
    std::int64_t net = 0;
    for (const auto& fill : fills)
      net += fill.quantity.raw - (fill.fee.asset == FeeAsset::kBase ? fill.fee.quantity.raw : 0);
    EXPECT_EQ(net, simulator_->balance("BTC")) << "the position is what the account holds";
    EXPECT_LT(net, journaled) << "fees were taken from the coins bought";
  }

  TemporaryDirectory directory_;
  std::unique_ptr<ExchangeSimulator> simulator_;

  // Killed at the failpoint's first hit, then (a new process) at its second hit, then left to
  // finish; the invariants hold.
  void kill_twice_at_then_finish(const char* failpoint) {
#ifndef SIGEX_FAILPOINTS
    GTEST_SKIP() << "built without failpoints (-DSIGEX_FAILPOINTS=OFF)";
#endif
    constexpr std::int64_t kSteps = 4;
    EXPECT_TRUE(killed(wait_for(spawn(kSteps, std::string(failpoint) + ":1"))));
    EXPECT_TRUE(killed(wait_for(spawn(kSteps, std::string(failpoint) + ":2"))));
    finish(kSteps);
    expect_invariants(kSteps);
  }

  // SIGKILLed at random moments (at start-up, during reconciliation, between an intent and
  // its answer, while journaling a fill...), then restarted until the target is reached; the
  // target's steps.
  std::int64_t random_kills();
};

class UsdmCrashTest : public CrashTest {
 protected:
  bool usdm() const override { return true; }
};

// The same on Coinbase Advanced Trade: the driver trades BTC-USD on the live Coinbase venue
// against the loopback Coinbase simulator, whose client_order_id is idempotent. Every request
// is signed (ES256) and verified there; fees are in the quote currency.
class CoinbaseCrashTest : public CrashTest {
 protected:
  void SetUp() override {
    coinbase_ = start_coinbase("BTC-USD", "USD");
    ASSERT_NE(coinbase_, nullptr);
  }
  const char* venue_mode() const override { return "coinbase"; }
  std::string base_url() const override { return coinbase_->url(); }
  std::uint64_t requests() const override { return coinbase_->requests(); }
  bool wait_for_requests(std::uint64_t count, int timeout_ms) const override {
    return coinbase_->wait_for_requests(count, timeout_ms);
  }
  void expect_invariants(std::int64_t steps) override {
    for (const auto& [id, orders] : coinbase_->orders_per_client_id())
      EXPECT_EQ(orders, 1) << "client order id " << id << " placed twice";
    EXPECT_EQ(coinbase_->orders_made(), static_cast<std::uint64_t>(steps))
        << "one exchange order per intent";
    EXPECT_EQ(coinbase_->executed_total(), format_decimal(steps * kLot, 8))
        << "traded more than intended";
    std::string error;
    auto journal = Journal::open(directory_.path(), Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    const auto fills = journal->load_fills();
    std::int64_t journaled = 0;
    for (const auto& fill : fills) journaled += fill.quantity.raw;
    EXPECT_EQ(fills.size(), coinbase_->fills()) << "every exchange fill journaled exactly once";
    EXPECT_EQ(format_decimal(journaled, 8), coinbase_->balance("BTC"))
        << "the position is what the account holds";
  }
  std::unique_ptr<CoinbaseTradingSimulator> coinbase_;
};

// Both venues in one process: BTCUSDT on the Binance spot simulator (fees in the coin bought)
// and BTC-USDT on the Coinbase simulator (fees in the quote currency), one AccountSet, one
// journal; step k goes to Binance when k is even, to Coinbase when odd. A kill lands wherever
// either account is: one mid-request on Binance while the other reconciles, and so on.
class MixedCrashTest : public CrashTest {
 protected:
  void SetUp() override {
    CrashTest::SetUp();
    coinbase_ = start_coinbase("BTC-USDT", "USDT");
    ASSERT_NE(coinbase_, nullptr);
  }
  const char* venue_mode() const override { return "mixed"; }
  std::string second_url() const override { return coinbase_->url(); }
  std::uint64_t requests() const override { return simulator_->requests() + coinbase_->requests(); }
  // Whether both exchanges together have seen `count` requests, waiting at most about
  // `timeout_ms` (each exchange's own wait in turn; the caller asks again).
  bool wait_for_requests(std::uint64_t count, int timeout_ms) const override {
    const std::uint64_t on_coinbase = coinbase_->requests();
    if (simulator_->wait_for_requests(count > on_coinbase ? count - on_coinbase : 0,
                                      timeout_ms / 2))
      return true;
    const std::uint64_t on_binance = simulator_->requests();
    return coinbase_->wait_for_requests(count > on_binance ? count - on_binance : 0,
                                        timeout_ms / 2);
  }
  void expect_invariants(std::int64_t steps) override {
    const std::int64_t on_binance = (steps + 1) / 2;  // steps 0, 2, 4, ...
    const std::int64_t on_coinbase = steps / 2;
    EXPECT_EQ(simulator_->max_orders_per_id(), 1) << "a client order id was placed twice";
    for (const auto& [id, orders] : coinbase_->orders_per_client_id())
      EXPECT_EQ(orders, 1) << "client order id " << id << " placed twice";
    EXPECT_EQ(simulator_->orders_placed(), static_cast<std::uint64_t>(on_binance))
        << "one Binance order per even step";
    EXPECT_EQ(coinbase_->orders_made(), static_cast<std::uint64_t>(on_coinbase))
        << "one Coinbase order per odd step";
    EXPECT_EQ(simulator_->executed_total("BTCUSDT").raw, on_binance * kLot)
        << "traded more than intended on Binance";
    EXPECT_EQ(coinbase_->executed_total(), format_decimal(on_coinbase * kLot, 8))
        << "traded more than intended on Coinbase";
    std::string error;
    auto journal = Journal::open(directory_.path(), Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    std::int64_t binance_fills = 0, binance_net = 0, coinbase_fills = 0, coinbase_bought = 0;
    for (const auto& fill : journal->load_fills()) {
      if (fill.instrument == 0) {
        ++binance_fills;
        binance_net +=
            fill.quantity.raw - (fill.fee.asset == FeeAsset::kBase ? fill.fee.quantity.raw : 0);
      } else {
        ++coinbase_fills;
        coinbase_bought += fill.quantity.raw;
      }
    }
    EXPECT_EQ(static_cast<std::uint64_t>(binance_fills), simulator_->trades())
        << "every Binance fill journaled exactly once";
    EXPECT_EQ(static_cast<std::uint64_t>(coinbase_fills), coinbase_->fills())
        << "every Coinbase fill journaled exactly once";
    EXPECT_EQ(binance_net, simulator_->balance("BTC")) << "Binance holds the journal's position";
    EXPECT_EQ(format_decimal(coinbase_bought, 8), coinbase_->balance("BTC"))
        << "Coinbase holds the journal's position";
  }
  std::unique_ptr<CoinbaseTradingSimulator> coinbase_;
};

// The driver trades through a bad network (tools/chaos_proxy): every chunk of every REST
// request, websocket API call and user-stream frame is delayed by 2 ms +- 2 ms, 3 % are held
// back 400 ms (past the client's 300 ms timeout: a lost segment sent again), and 3 % reset
// the connection after a random part of the chunk went through (before, inside or after a
// request's bytes; an answer lost after its order was placed).
template <typename Venue>
class NetworkChaos : public Venue {
 protected:
  void SetUp() override {
    Venue::SetUp();
    proxy_ = std::make_unique<ChaosProxy>(exchange_port(), seed_);
    std::string error;
    ASSERT_TRUE(proxy_->start(error)) << error;
    proxy_->set_chaos({.latency_us = 2'000,
                       .jitter_us = 2'000,
                       .stall_per_mille = 30,
                       .stall_us = 400'000,
                       .cut_per_mille = 30});
  }
  std::string base_url() const override { return proxy_->base_url(); }
  std::uint16_t exchange_port() const {
    const std::string url = Venue::base_url();
    return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }

  // Started again each time it could not start (a start-up read failed), as systemd restarts
  // the daemon; the number of runs it took. Every other end is a failure: a halt (a false
  // alarm: nothing happened outside sigex), a minute without progress (something waits for
  // what the network lost), a crash, or a journal that looks lost.
  int run_through_chaos(std::int64_t steps) {
    constexpr int kMostRuns = 30;
    int runs = 1;
    for (; runs <= kMostRuns; ++runs) {
      const int status = this->wait_for(this->spawn(steps));
      if (WIFEXITED(status) && WEXITSTATUS(status) == 0) break;
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2)
          << "run " << runs << " status " << status << " (exit 3: no progress, 5: halted)";
    }
    ::testing::Test::RecordProperty("runs", runs);
    ::testing::Test::RecordProperty("cuts", static_cast<int>(proxy_->cuts()));
    ::testing::Test::RecordProperty("stalls", static_cast<int>(proxy_->stalls()));
    EXPECT_LE(runs, kMostRuns) << "the target was not reached through the bad network";
    EXPECT_GT(proxy_->cuts(), 0u) << "no connection was reset: the test tested nothing";
    EXPECT_GT(proxy_->stalls(), 0u);
    return runs;
  }

  std::uint32_t seed_ = static_cast<std::uint32_t>(std::strtoul(
      std::getenv("SIGEX_CHAOS_SEED") != nullptr ? std::getenv("SIGEX_CHAOS_SEED") : "20261207",
      nullptr, 10));
  std::unique_ptr<ChaosProxy> proxy_;
};

using SpotNetworkChaos = NetworkChaos<CrashTest>;
using UsdmNetworkChaos = NetworkChaos<UsdmCrashTest>;

TEST_F(SpotNetworkChaos, ADelayingStallingResettingNetworkLosesAndDuplicatesNothing) {
  constexpr std::int64_t kSteps = 40;
  run_through_chaos(kSteps);
  expect_invariants(kSteps);
}

TEST_F(UsdmNetworkChaos, ADelayingStallingResettingNetworkLosesAndDuplicatesNothing) {
  constexpr std::int64_t kSteps = 40;
  run_through_chaos(kSteps);
  expect_invariants(kSteps);
}

class CoinbaseFailpointCrash : public CoinbaseCrashTest,
                               public ::testing::WithParamInterface<const char*> {};

class FailpointCrash : public CrashTest, public ::testing::WithParamInterface<const char*> {};
class UsdmFailpointCrash : public UsdmCrashTest,
                           public ::testing::WithParamInterface<const char*> {};

// "venue.intent_durable" -> venue_intent_durable (test names).
std::string failpoint_test_name(const ::testing::TestParamInfo<const char*>& info) {
  std::string name = info.param;
  for (char& c : name) c = c == '.' ? '_' : c;
  return name;
}

TEST_P(FailpointCrash, KilledThereTwiceThenRestartedLosesAndDuplicatesNothing) {
  kill_twice_at_then_finish(GetParam());
}

TEST_P(UsdmFailpointCrash, KilledThereTwiceWithAShortOpenLosesAndDuplicatesNothing) {
  kill_twice_at_then_finish(GetParam());
}

TEST_P(CoinbaseFailpointCrash, KilledThereTwiceThenRestartedMakesOneOrderPerIntent) {
  kill_twice_at_then_finish(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Failpoints, CoinbaseFailpointCrash,
                         ::testing::Values("venue.intent_durable", "venue.reply_received"),
                         failpoint_test_name);

INSTANTIATE_TEST_SUITE_P(Failpoints, UsdmFailpointCrash,
                         ::testing::Values("venue.intent_durable", "venue.reply_received"),
                         failpoint_test_name);

INSTANTIATE_TEST_SUITE_P(Failpoints, FailpointCrash,
                         ::testing::Values("venue.intent_durable", "venue.reply_received"),
                         failpoint_test_name);

int env_or(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::atoi(value) : fallback;
}

TEST_F(CrashTest, RandomKillsWhileTradingLoseAndDuplicateNothing) {
  expect_invariants(random_kills());
}

TEST_F(UsdmCrashTest, RandomKillsWithAShortOpenLoseAndDuplicateNothing) {
  expect_invariants(random_kills());
}

TEST_F(CoinbaseCrashTest, RandomKillsOnCoinbaseLoseAndDuplicateNothing) {
  expect_invariants(random_kills());
}

TEST_F(MixedCrashTest, RandomKillsWithBinanceAndCoinbaseInOneProcessLoseAndDuplicateNothing) {
  expect_invariants(random_kills());
}

std::int64_t CrashTest::random_kills() {
  const int iterations = env_or("SIGEX_CRASH_ITERATIONS", 50);
  const unsigned seed = static_cast<unsigned>(env_or("SIGEX_CRASH_SEED", 20261128));
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> requests_before_kill(1, 14);
  const std::int64_t steps = 4 * iterations + 10;  // more than the killed runs can finish
  int kills = 0;
  for (int i = 0; i < iterations; ++i) {
    const pid_t pid = spawn(steps);
    // Killed once the exchange has seen a random number of its requests: at start-up, during
    // reconciliation, between an intent and its answer, while journaling a fill...
    const std::uint64_t at = requests() + static_cast<std::uint64_t>(requests_before_kill(random));
    int status = 0;
    bool exited = false;
    while (!wait_for_requests(at, 50)) {
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
    }
    if (!exited) {
      ::kill(pid, SIGKILL);
      status = wait_for(pid);
    }
    if (killed(status)) {
      ++kills;
    } else {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "iteration " << i << " status " << status;
    }
  }
  finish(steps);
  ::testing::Test::RecordProperty("kills", kills);
  ::testing::Test::RecordProperty("seed", static_cast<int>(seed));
  EXPECT_GE(kills, iterations * 9 / 10) << "seed " << seed;
  return steps;
}

TEST_F(CrashTest, ALostJournalIsRefusedThenAdoptedAndNothingIsTradedTwice) {
  constexpr std::int64_t kSteps = 6;
  // Killed once half way (the first run's journal then holds a few orders), then the journal
  // is deleted between two runs.
  const pid_t first = spawn(kSteps);
  simulator_->wait_for_requests(simulator_->requests() + 12, 20'000);
  ::kill(first, SIGKILL);
  wait_for(first);
  const std::uint64_t placed = simulator_->orders_placed();
  ASSERT_GT(placed, 0u);
  for (const char* name : {"journal.db", "journal.db-wal", "journal.db-shm"})
    std::filesystem::remove(directory_.path() / name);
  // A new journal cannot mint the old ids, and the start-up check finds the account's orders.
  const int refused = wait_for(spawn(kSteps));
  ASSERT_TRUE(WIFEXITED(refused));
  EXPECT_EQ(WEXITSTATUS(refused), 4)
      << "a lost journal next to the account's orders must not start";
  EXPECT_EQ(simulator_->orders_placed(), placed) << "nothing traded by the refused start";
  // Adopted: the earlier orders' fills are the journal's; the rest of the steps are bought once.
  const int adopted = wait_for(spawn(kSteps, "", true));
  ASSERT_TRUE(WIFEXITED(adopted));
  ASSERT_EQ(WEXITSTATUS(adopted), 0);
  expect_invariants(kSteps);
}

}  // namespace
}  // namespace sigex
