// The poller end to end: simulator -> client -> parser -> queue -> core (signal gate, journal)
// -> strategy. Each signal reaches the strategy exactly once, across repeated polls, faults
// and restarts; nothing partial is emitted; auth and payment failures halt intake.

#include "adapters/token_metrics/signal_poller.h"

#include <gtest/gtest.h>

#include "engine/runtime/engine.h"
#include "support/recording_venue.h"
#include "support/test_support.h"
#include "support/tm_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class SignalRecorder final : public Strategy {
 public:
  std::string_view tag() const override { return "rec"; }
  void on_signal(StrategyContext&, const TradingSignal& signal) override {
    signals.push_back(signal);
  }
  void on_grade(StrategyContext&, const Grade& grade) override { grades.push_back(grade); }
  std::vector<TradingSignal> signals;
  std::vector<Grade> grades;
};

// One sigex process: journal, core with the gate, poller. Destroyed = a restart.
struct Session {
  Session(const std::filesystem::path& state, const TokenMetricsConfig& config,
          const InstrumentRegistry& instruments, const Clock& clock, CallBudget& budget,
          Waiter& waiter, boost::asio::ssl::context& tls) {
    std::string error;
    journal = Journal::open(state, Durability::kNormal, error);
    EXPECT_TRUE(journal) << error;
    engine =
        std::make_unique<Engine>(instruments, clock, *journal, venue, RiskConfig{}, money("10000"));
    gate = std::make_unique<SignalGate>(
        SignalGateConfig{1000 * kNsPerDay, 1000 * kNsPerDay, 1000 * kNsPerDay}, *journal,
        instruments);
    gate->restore();
    engine->set_signal_gate(gate.get());
    auto strategy = std::make_unique<SignalRecorder>();
    recorder = strategy.get();
    engine->add_strategy(std::move(strategy));
    engine->start();
    poller = std::make_unique<SignalPoller>(config, instruments, queue, clock,
                                            key_set_of(Secret(std::string("tm-simulator-key"))),
                                            &budget, waiter, tls);
  }
  // Polls what is due and lets the core take everything queued.
  void round(TimeNs now_ns) {
    poller->poll_due(now_ns);
    InboundEvent batch[256];
    for (std::size_t n = queue.drain(batch, 256); n > 0; n = queue.drain(batch, 256)) {
      for (std::size_t i = 0; i < n; ++i) engine->process(batch[i]);
    }
  }

  RecordingVenue venue;
  std::unique_ptr<Journal> journal;
  std::unique_ptr<Engine> engine;
  std::unique_ptr<SignalGate> gate;
  SignalRecorder* recorder = nullptr;
  EventQueue<InboundEvent> queue{4096, 1};
  std::unique_ptr<SignalPoller> poller;
};

class SignalPollerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(simulator_.start(error)) << error;
    add_daily_rows(simulator_, 10);  // 2025-01-01 .. 2025-01-10
    config_ = simulator_config(simulator_);
    config_.daily_signals.lookback_ns = 5 * kNsPerDay;
    budget_ = CallBudget::open(directory_.path(), "token_metrics", 1000, 80, error);
    ASSERT_TRUE(budget_) << error;
    instruments_ = two_instruments();
  }

  TimeNs at(const char* text) { return parse_utc_timestamp(text).value(); }

  TemporaryDirectory directory_;
  TmSimulator simulator_{TmSimulatorOptions{}};
  TokenMetricsConfig config_;
  SimulatedClock clock_{parse_utc_timestamp("2025-01-10T00:05:00").value()};
  RecordingWaiter waiter_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<CallBudget> budget_;
  InstrumentRegistry instruments_;
};

TEST_F(SignalPollerTest, EachSignalReachesTheStrategyOnceAcrossPollsAndRestarts) {
  {
    Session session(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                    tls_);
    session.round(clock_.now_ns());
    // Lookback 5 days from 2025-01-10: rows of 01-05 .. 01-10, oldest first.
    ASSERT_EQ(session.recorder->signals.size(), 6u);
    EXPECT_EQ(format_utc_date(session.recorder->signals.front().venue_time_ns), "2025-01-05");
    EXPECT_EQ(format_utc_date(session.recorder->signals.back().venue_time_ns), "2025-01-10");
    EXPECT_EQ(session.recorder->grades.size(), 6u);
    EXPECT_EQ(session.poller->next_due_ns(), at("2025-01-10T01:05:00"));
    // The next poll returns the same rows: nothing new reaches the strategy.
    clock_.advance_to(at("2025-01-10T01:05:00"));
    session.round(clock_.now_ns());
    EXPECT_EQ(session.recorder->signals.size(), 6u);
    EXPECT_EQ(session.poller->metrics().records_unchanged, 12u);
    EXPECT_EQ(simulator_.requests(), 2u);
  }
  // Restart: a new poller has no memory, the gate restores from the journal.
  std::string error;
  ASSERT_TRUE(
      simulator_.add_item("trading-signals", daily_row(3375, "2025-01-11", -1, "20.5"), error))
      << error;
  clock_.advance_to(at("2025-01-11T00:05:00"));
  Session restarted(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                    tls_);
  restarted.round(clock_.now_ns());
  ASSERT_EQ(restarted.recorder->signals.size(), 1u);
  EXPECT_EQ(restarted.recorder->signals[0].signal, -1);
  EXPECT_EQ(format_utc_date(restarted.recorder->signals[0].venue_time_ns), "2025-01-11");
  // Rows seen before the restart: the latest is a duplicate, the older ones are outdated.
  EXPECT_EQ(restarted.gate->counters().duplicates, 2u);
  EXPECT_EQ(restarted.gate->counters().outdated, 8u);  // 01-06 .. 01-09
  EXPECT_EQ(restarted.journal->count_rows("signals"), 14);
  EXPECT_EQ(budget_->used(clock_.now_ns()), 3);
}

TEST_F(SignalPollerTest, FaultsNeverEmitPartialOrDuplicateRecords) {
  config_.page_limit = 2;  // 6 rows: pages of 2; faults land in the middle of the query
  config_.timeouts.request_ns = 300 * kNsPerMs;
  Session session(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                  tls_);
  for (const TmFault fault :
       {TmFault::kTruncated, TmFault::kServerError, TmFault::kSuccessFalse, TmFault::kCutConnection,
        TmFault::kRateLimited, TmFault::kRateLimitedNoHeader, TmFault::kSlow}) {
    simulator_.inject({TmFault::kSlow, 1, 0});
    simulator_.inject({fault, 1, 2000});
  }
  // Three polls, enough attempts for every fault: the strategy still gets each row once.
  for (int hour = 0; hour < 3; ++hour) {
    session.round(clock_.now_ns());
    clock_.advance_to(session.poller->next_due_ns());
  }
  EXPECT_EQ(session.recorder->signals.size(), 6u);
  EXPECT_EQ(session.recorder->grades.size(), 6u);
  const auto metrics = session.poller->metrics();
  EXPECT_EQ(metrics.client.malformed, 1u);
  EXPECT_EQ(metrics.client.server_errors, 1u);
  EXPECT_EQ(metrics.client.success_false, 1u);
  EXPECT_EQ(metrics.client.transport_errors, 1u);
  EXPECT_EQ(metrics.client.rate_limited, 2u);
  EXPECT_EQ(metrics.client.timeouts, 1u);
  EXPECT_EQ(metrics.client.calls, simulator_.requests());
  EXPECT_EQ(static_cast<std::uint64_t>(budget_->used(clock_.now_ns())), simulator_.requests());
}

TEST_F(SignalPollerTest, RepeatingPagesDeliverEachRowOnce) {
  Session session(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                  tls_);
  config_.page_limit = 2;
  simulator_.set_repeat_pages(true);  // the API ignores `page`: page 2 is page 1 again
  session.round(clock_.now_ns());
  EXPECT_EQ(session.recorder->signals.size(), 2u);  // the newest two rows, once each
  EXPECT_EQ(session.poller->metrics().client.repeated_pages, 1u);
  EXPECT_EQ(simulator_.requests(), 2u);
}

TEST_F(SignalPollerTest, RemovedEndpointIsDisabledOthersGoOn) {
  config_.grades.enabled = true;
  config_.grade_endpoint = "trader-grades";
  Session session(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                  tls_);
  simulator_.inject({TmFault::kSlow, 1, 0});  // trading-signals: served
  simulator_.inject({TmFault::kNotFound});    // trader-grades: gone
  session.round(clock_.now_ns());
  const auto metrics = session.poller->metrics();
  ASSERT_EQ(metrics.endpoints.size(), 3u);
  EXPECT_TRUE(metrics.endpoints[0].enabled);
  EXPECT_FALSE(metrics.endpoints[2].enabled);
  EXPECT_FALSE(session.poller->halted());
  EXPECT_EQ(session.recorder->signals.size(), 6u);
  clock_.advance_to(session.poller->next_due_ns());
  session.round(clock_.now_ns());
  EXPECT_EQ(simulator_.requests(), 3u);  // only trading-signals again
}

TEST_F(SignalPollerTest, TokenIdsAreResolvedAndAmbiguityIsAnError) {
  simulator_.add_token({3375, "Bitcoin", "BTC"});
  simulator_.add_token({3306, "Ethereum", "ETH"});
  simulator_.add_token({9001, "Ethereum Classic Wrapped", "ETH"});
  TokenMetricsClient client(config_, key_set_of(Secret(std::string("tm-simulator-key"))),
                            budget_.get(), clock_, waiter_, tls_);
  std::vector<Instrument> list = {btcusdt(), ethusdt()};
  list[0].token_id = 0;  // resolve BTC; ETH is pinned
  std::string error;
  ASSERT_TRUE(resolve_token_ids(client, list, error)) << error;
  EXPECT_EQ(list[0].token_id, 3375);
  EXPECT_EQ(list[1].token_id, 3306);
  list[1].token_id = 0;
  EXPECT_FALSE(resolve_token_ids(client, list, error));
  EXPECT_NE(error.find("ETH is ambiguous: 3306 (Ethereum) 9001 (Ethereum Classic Wrapped)"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("set token_id"), std::string::npos);
}

TEST_F(SignalPollerTest, ResolvedTokenIdsAreCachedInTheStateDirectory) {
  simulator_.add_token({3375, "Bitcoin", "BTC"});
  TokenMetricsClient client(config_, key_set_of(Secret(std::string("tm-simulator-key"))),
                            budget_.get(), clock_, waiter_, tls_);
  const std::string cache = (directory_.path() / "token-ids.tsv").string();
  std::vector<Instrument> list = {btcusdt()};
  list[0].token_id = 0;
  std::string error;
  ASSERT_TRUE(resolve_token_ids(client, list, error, cache)) << error;
  EXPECT_EQ(list[0].token_id, 3375);
  const std::uint64_t calls = simulator_.requests();
  // Again (a restart): from the cache, without a call; and a backtest reads the cache alone.
  list[0].token_id = 0;
  ASSERT_TRUE(resolve_token_ids(client, list, error, cache)) << error;
  EXPECT_EQ(list[0].token_id, 3375);
  EXPECT_EQ(simulator_.requests(), calls);
  list[0].token_id = 0;
  resolve_token_ids_from_cache(list, cache);
  EXPECT_EQ(list[0].token_id, 3375);
}

TEST_F(SignalPollerTest, WrongTypesAreRejectedAndCountedNotEmitted) {
  Session session(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                  tls_);
  simulator_.inject({TmFault::kWrongTypes});
  session.round(clock_.now_ns());
  EXPECT_TRUE(session.recorder->signals.empty());
  const auto metrics = session.poller->metrics();
  std::uint64_t rejected = 0;
  for (const auto& [reason, count] : metrics.rejections) rejected += count;
  EXPECT_EQ(rejected, 3u);
}

TEST_F(SignalPollerTest, AuthFailureHaltsIntake) {
  Session session(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                  tls_);
  simulator_.inject({TmFault::kUnauthorized});
  session.round(clock_.now_ns());
  EXPECT_TRUE(session.poller->halted());
  EXPECT_NE(session.poller->metrics().halt_reason.find("HTTP 401"), std::string::npos);
  clock_.advance_to(at("2025-01-10T05:00:00"));
  session.round(clock_.now_ns());
  EXPECT_EQ(simulator_.requests(), 1u);  // no call after the halt
  EXPECT_TRUE(session.recorder->signals.empty());
}

TEST_F(SignalPollerTest, PaymentRequiredHaltsIntake) {
  Session session(directory_.path() / "state", config_, instruments_, clock_, *budget_, waiter_,
                  tls_);
  simulator_.inject({TmFault::kPaymentRequired});
  session.round(clock_.now_ns());
  EXPECT_TRUE(session.poller->halted());
  EXPECT_NE(session.poller->metrics().halt_reason.find("402"), std::string::npos);
}

TEST_F(SignalPollerTest, StaleSignalsAreJournaledButNotDelivered) {
  std::string error;
  auto journal = Journal::open(directory_.path() / "stale", Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  SignalGate gate(SignalGateConfig{}, *journal, instruments_);
  InboundEvent event;
  event.kind = MarketEventKind::kTradingSignal;
  event.trading_signal =
      TradingSignal{0, SignalTimeframe::kDaily, 1, 1, 3375, at("2025-01-01"), at("2025-01-03")};
  EXPECT_FALSE(gate.admit(event, at("2025-01-03")));  // 48 h > 36 h
  EXPECT_EQ(gate.counters().stale, 1u);
  EXPECT_FALSE(gate.admit(event, at("2025-01-03")));  // and never again
  EXPECT_EQ(gate.counters().duplicates, 1u);
  const auto rows = journal->load_signals();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].status, "stale");
}

TEST(PollSchedule, AlignsToIntervalBoundariesPlusOffset) {
  const TmPollConfig hourly{true, kNsPerHour, 2 * kNsPerMinute, kNsPerHour};
  const TimeNs base = parse_utc_timestamp("2025-01-10T13:00:00").value();
  EXPECT_EQ(next_poll_time(base, hourly), base + 2 * kNsPerMinute);
  EXPECT_EQ(next_poll_time(base + 2 * kNsPerMinute, hourly), base + 2 * kNsPerMinute);
  EXPECT_EQ(next_poll_time(base + 3 * kNsPerMinute, hourly), base + kNsPerHour + 2 * kNsPerMinute);
  const TmPollConfig daily{true, kNsPerDay, 30 * kNsPerMinute, kNsPerDay};
  EXPECT_EQ(format_utc_timestamp(next_poll_time(base, daily)), "2025-01-11T00:30:00.000Z");
}

}  // namespace
}  // namespace sigex
