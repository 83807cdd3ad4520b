// The live Binance venue and the OMS together against the loopback exchange simulator, one
// test per injected fault. Each asserts the three invariants that matter: exactly one exchange
// order per intent, every exchange fill counted exactly once, and the OMS's filled quantity
// equal to the exchange's. The OMS runs on a simulated clock so that deadlines (recvWindow +
// settle) pass without waiting; the venue signs with the real clock, as the simulator checks.

#include "adapters/binance/execution_venue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/core/live_clock.h"
#include "engine/core/simulated_clock.h"
#include "engine/oms/order_manager.h"
#include "support/test_support.h"
#include "tools/exchange_simulator/exchange_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr DurationNs kSecond = kNsPerSecond;

class BinanceVenueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.exchange_info_path = binance_exchange_info_path();
    options_.retry_after_s = 1;
    simulator_ = std::make_unique<ExchangeSimulator>(options_);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
    simulator_->set_price("BTCUSDT", price("60000"));
    instruments_.add(btcusdt());
    config_.rest.rest_url = simulator_->base_url();
    config_.rest.timeouts.request_ns = 300 * kNsPerMs;
    config_.poll_interval_ns = 50 * kNsPerMs;
    // REST only here, so that each test exercises lookups and polling deterministically; the
    // user data stream has its own tests below.
    config_.ws_api_url.clear();
    configure();
    open_session();
  }

  virtual void configure() {}

  void open_session() {
    std::string error;
    journal_ = Journal::open(directory_.path(), Durability::kFull, error);
    ASSERT_TRUE(journal_) << error;
    venue_ = std::make_unique<BinanceExecutionVenue>(
        instruments_, config_, Secret(std::string("sim-api-key")),
        make_hmac_signer(Secret(std::string("sim-secret"))), live_clock_, tls_,
        journal_->watermark());
    ASSERT_TRUE(venue_->start(error)) << error;
    orders_ = std::make_unique<OrderManager>(instruments_, *journal_, *venue_);
    orders_->set_resolution_policy({5 * kSecond, 1 * kSecond, kSecond / 2, 3});
  }

  void restart() {
    orders_.reset();
    venue_.reset();
    journal_.reset();
    open_session();
    orders_->restore_from_journal(clock_.now_ns());
  }

  OrderIntent intent(OrderType type = OrderType::kMarket, const char* limit = "0") {
    OrderIntent order;
    order.instrument = 0;
    order.side = Side::kBuy;
    order.type = type;
    order.time_in_force = TimeInForce::kGoodTillCancel;
    order.price = price(limit);
    order.quantity = quantity("0.01");
    order.intent = IntentKey{42};
    return order;
  }

  // Hands venue answers to the OMS until `done` or nothing more can happen; deadlines are
  // passed by moving the OMS clock, never by waiting. Fills are added up as the engine would.
  template <typename Done>
  bool pump(Done done, int rounds = 400) {
    for (int round = 0; round < rounds; ++round) {
      orders_->run_due(clock_.now_ns());
      if (done()) return true;
      if (!venue_->wait_for_answers(100 * kNsPerMs)) {
        // Nothing in flight: move to the next lookup the OMS has planned.
        const TimeNs next = orders_->next_due_ns();
        if (next == ExecutionVenue::kNever) continue;
        clock_.advance_to(next);
        continue;
      }
      std::vector<ExecutionEvent> events;
      venue_->poll(clock_.now_ns(), events);
      for (const auto& event : events) {
        if (event.kind == ExecutionKind::kAccountCash) cash_reports_.push_back(event.cash);
        const auto update = orders_->apply(event, clock_.now_ns());
        if (update && update->new_fill) {
          journal_->record_fill(*update->order, event, PositionRow{});  // as the engine does
          filled_ += event.quantity;
          ++fills_;
        }
      }
    }
    return done();
  }

  const Order& only_order() {
    EXPECT_EQ(orders_->orders().size(), 1u);
    return orders_->orders().front();
  }
  // A client of the same account that is not sigex (someone trading by hand), its clock
  // synchronised.
  std::unique_ptr<BinanceRestClient> by_hand() {
    auto manual = std::make_unique<BinanceRestClient>(
        config_.rest, Secret(std::string("sim-api-key")),
        make_hmac_signer(Secret(std::string("sim-secret"))), live_clock_, tls_);
    std::string error;
    EXPECT_TRUE(manual->sync_clock(error)) << error;
    return manual;
  }
  // A resting buy placed on the same account by someone else (not through sigex).
  void place_by_hand(const char* client_order_id) {
    const auto manual = by_hand();
    OrderCommand command{};
    command.side = Side::kBuy;
    command.type = OrderType::kLimit;
    command.time_in_force = TimeInForce::kGoodTillCancel;
    command.client_order_id = ClientOrderId::from(client_order_id);
    command.price = price("50000");
    command.quantity = quantity("0.001");
    ASSERT_EQ(manual->new_order(command, instruments_.get(0)).answer.outcome,
              OrderOutcome::kAccepted);
  }

  bool final_state() {
    return !orders_->orders().empty() && is_terminal(orders_->orders().front().state);
  }

  void expect_exactly_one_exchange_order_filled_once(const ClientOrderId& id) {
    EXPECT_EQ(simulator_->orders_with_id(std::string(id.view())), 1);
    EXPECT_EQ(simulator_->executed_total("BTCUSDT"), quantity("0.01"));
    EXPECT_EQ(filled_, simulator_->executed_total("BTCUSDT"));
    EXPECT_EQ(fills_, simulator_->trades());
    EXPECT_EQ(orders_->find(id.view())->state, OrderState::kFilled);
    EXPECT_EQ(journal_->count_rows("orders"), 1);
  }

  TemporaryDirectory directory_;
  ExchangeSimulatorOptions options_;
  std::unique_ptr<ExchangeSimulator> simulator_;
  InstrumentRegistry instruments_;
  BinanceExecutionConfig config_;
  LiveClock live_clock_;
  SimulatedClock clock_{1'000'000 * kSecond};
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<BinanceExecutionVenue> venue_;
  std::unique_ptr<OrderManager> orders_;
  Quantity filled_{0};
  std::uint64_t fills_ = 0;
  std::vector<Money> cash_reports_;  // kAccountCash, in order
  bool cash_reported(std::string_view held) const {
    return !cash_reports_.empty() && cash_reports_.back() == money(held);
  }
};

TEST_F(BinanceVenueTest, MarketOrderIsAcceptedAndFilledOnce) {
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->counters().lookups, 0u);
}

TEST_F(BinanceVenueTest, ANewOrderLeavesOnlyOnceItsIntentIsDurable) {
  const std::uint64_t before = simulator_->requests();
  journal_->begin_batch();  // as the engine does around each event: one commit at its end
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  // Signed and handed over, but held: the intent is not committed yet.
  EXPECT_FALSE(simulator_->wait_for_requests(before + 1, 300));
  ASSERT_TRUE(journal_->end_batch());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
}

TEST_F(BinanceVenueTest, RehearsingTheSigningWhileIdleSendsNothing) {
  venue_->rehearse_signing_every(kNsPerMs);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  // From the order on, the idle I/O thread builds and signs its request again every ms.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (venue_->signing_rehearsals() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_GE(venue_->signing_rehearsals(), 20u);
  EXPECT_EQ(simulator_->order_requests(), 1u);
  EXPECT_EQ(venue_->counters().orders_sent.load(), 1u);
  expect_exactly_one_exchange_order_filled_once(id);
}

// The order reaches the book, the answer does not: looked up, adopted, never resent.
class PlacedThenLost : public BinanceVenueTest,
                       public ::testing::WithParamInterface<ExchangeFault> {};

TEST_P(PlacedThenLost, IsLookedUpAndAdoptedNeverResent) {
  simulator_->inject(GetParam(), 1000);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->counters().resends, 0u);
  EXPECT_EQ(simulator_->order_requests(), 1u);
}

}  // namespace
// gtest prints a parameter with this (test lists say "ServerErrorAfterPlacing", not a byte).
void PrintTo(ExchangeFault fault, std::ostream* out) { *out << to_string(fault); }
namespace {

INSTANTIATE_TEST_SUITE_P(Faults, PlacedThenLost,
                         ::testing::Values(ExchangeFault::kServerErrorAfterPlacing,
                                           ExchangeFault::kBackendTimeoutAfterPlacing,
                                           ExchangeFault::kSlowAfterPlacing,
                                           ExchangeFault::kCutAfterPlacing,
                                           ExchangeFault::kResetAfterPlacing,
                                           ExchangeFault::kDuplicateAfterPlacing),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The order never reaches the book: proven absent after the deadline, resent with the same id.
class NeverPlaced : public BinanceVenueTest, public ::testing::WithParamInterface<ExchangeFault> {};

TEST_P(NeverPlaced, IsResentOnceWithTheSameIdAfterProofOfAbsence) {
  simulator_->inject(GetParam());
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->counters().resends, 1u);
  EXPECT_EQ(simulator_->order_requests(), 2u);
  EXPECT_GE(orders_->counters().not_found, 3u);
}

INSTANTIATE_TEST_SUITE_P(Faults, NeverPlaced,
                         ::testing::Values(ExchangeFault::kServerErrorBeforePlacing,
                                           ExchangeFault::kResetBeforePlacing,
                                           ExchangeFault::kRateLimited),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST_F(BinanceVenueTest, ALookupThatLagsBehindTheOrderDoesNotCauseAResend) {
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  simulator_->inject_lookup_lag(3);  // the next three reads of the order miss it
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->counters().resends, 0u);
  // The misses fall to the OMS's lookups and to the venue's own reads of its orders in doubt,
  // in whichever order they come: neither resends.
}

// A user data stream can say "NEW" for an order whose own answer was lost: the OMS then holds
// it as accepted and has no outcome left to look up. If the stream then drops the fill, only
// the venue's own reads of its orders find it, so they include the orders it sent whose answer
// it never had.
TEST_F(BinanceVenueTest, AnOrderInDoubtThatTheOmsHoldsAsAcceptedIsReadBackAndItsFillFound) {
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  std::vector<ExecutionEvent> answers;
  while (answers.empty()) {
    venue_->wait_for_answers(100 * kNsPerMs);
    venue_->poll(clock_.now_ns(), answers);
  }
  ASSERT_EQ(answers[0].kind, ExecutionKind::kUnknown);
  ExecutionEvent stream_new = answers[0];  // what the stream's NEW frame says instead
  stream_new.kind = ExecutionKind::kAccepted;
  orders_->apply(stream_new, clock_.now_ns());
  ASSERT_EQ(orders_->find(id.view())->state, OrderState::kAccepted);
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->counters().resends, 0u);
}

TEST_F(BinanceVenueTest, WhileTheOutcomeIsUnknownTheInstrumentIsBlocked) {
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  simulator_->inject_lookup_lag(100);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->counters().not_found >= 1; }));
  EXPECT_TRUE(orders_->has_unknown_outcome(0));
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kUnknown);
}

TEST_F(BinanceVenueTest, BanStopsEveryRequestAndRaisesAnAlert) {
  simulator_->inject(ExchangeFault::kBanned);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->counters().lookups >= 2; }));
  EXPECT_TRUE(venue_->banned());
  EXPECT_EQ(venue_->counters().alerts.load(), 1u);
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kUnknown);
  EXPECT_TRUE(orders_->has_unknown_outcome(0));
  EXPECT_EQ(simulator_->order_requests(), 1u);  // nothing more reached the exchange
}

TEST_F(BinanceVenueTest, AFalseDuplicateAnswerIsAnUnknownOutcomeResolvedWithoutARestart) {
  // -2010 "Duplicate order sent." although the exchange has no such order.
  simulator_->inject(ExchangeFault::kFalseDuplicate);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->unresolved_orders() == 1; }));
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kUnknown);  // counted, not left in SENT
  EXPECT_EQ(venue_->counters().unknown_outcomes.load(), 1u);
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->counters().resends, 1u);
  EXPECT_EQ(orders_->counters().proofs, 1u);
  EXPECT_EQ(orders_->unresolved_orders(), 0u);
}

TEST_F(BinanceVenueTest, ALookupThatLagsLongerThanTheResendWaitNeverTradesTwice) {
  // Placed and filled, the answer lost, and every order lookup and the order history say
  // "does not exist" for an hour: longer than any resend wait. The trades and the balance
  // show the fill, so the absence is never proven: no resend, the operator is alerted.
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  simulator_->inject_lookup_lag_ms(3'600'000);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->counters().unproven_absences >= 2; }));
  EXPECT_EQ(simulator_->orders_with_id(std::string(id.view())), 1);
  EXPECT_EQ(simulator_->order_requests(), 1u);
  EXPECT_EQ(orders_->counters().resends, 0u);
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kUnknown);
  EXPECT_TRUE(orders_->has_unknown_outcome(0));  // the instrument stays blocked
  EXPECT_GE(venue_->counters().alerts.load(), 1u);
  // The exchange shows the order at last: adopted, its fill counted once.
  simulator_->end_lookup_lag();
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
}

TEST_F(BinanceVenueTest, AnOrderNeverPlacedIsResentOnlyAfterTheHistoryTradesAndBalancesAgree) {
  simulator_->inject(ExchangeFault::kServerErrorBeforePlacing);
  simulator_->inject_lookup_lag(2);  // lookups lag too: they prove nothing on their own
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->counters().proofs, 1u);
  EXPECT_EQ(orders_->counters().unproven_absences, 0u);
}

class TwoInstrumentsTest : public BinanceVenueTest {
 protected:
  void configure() override {
    instruments_.add(ethusdt());
    simulator_->set_price("ETHUSDT", price("2500"));
  }
};

TEST_F(TwoInstrumentsTest, AnOrderRefusedForTheRequestBudgetWaitsAndIsSentOnceNotDropped) {
  // A 429 (Retry-After 1 s) blocks every request for a second; an order for the second
  // instrument made during that window is refused here, so it waits and goes out once.
  simulator_->inject(ExchangeFault::kRateLimited);
  const ClientOrderId btc = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->find(btc.view())->state == OrderState::kUnknown; }));
  OrderIntent eth = intent();
  eth.instrument = 1;
  eth.quantity = quantity("0.1");
  eth.intent = IntentKey{43};
  const ClientOrderId eth_id = *orders_->submit(0, "sf", eth, clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->find(eth_id.view())->state == OrderState::kFilled; }));
  EXPECT_EQ(simulator_->orders_with_id(std::string(eth_id.view())), 1);
  EXPECT_EQ(venue_->counters().orders_given_up.load(), 0u);
  EXPECT_GE(simulator_->order_requests(), 2u);
  ASSERT_TRUE(pump([&] { return orders_->find(btc.view())->state == OrderState::kFilled; }));
  EXPECT_EQ(simulator_->orders_with_id(std::string(btc.view())), 1);
}

TEST_F(BinanceVenueTest, RestingOrderFillsAreFoundByPollingAndCountedOnce) {
  const ClientOrderId id =
      *orders_->submit(0, "sf", intent(OrderType::kLimit, "59000"), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->find(id.view())->state == OrderState::kAccepted; }));
  simulator_->set_price("BTCUSDT", price("58900"));
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(orders_->find(id.view())->filled_notional, money("590"));
  EXPECT_GT(venue_->counters().polls.load(), 0u);
}

TEST_F(BinanceVenueTest, RestartReconcilesMissedFillsAndReportsForeignOrders) {
  const ClientOrderId id =
      *orders_->submit(0, "sf", intent(OrderType::kLimit, "59000"), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->find(id.view())->state == OrderState::kAccepted; }));
  // An order someone placed by hand on the same account.
  place_by_hand("by-hand-1");
  // Down while the resting order fills.
  orders_.reset();
  venue_.reset();
  simulator_->set_price("BTCUSDT", price("58950"));
  clock_.advance_to(clock_.now_ns() + 60 * kSecond);
  restart();
  EXPECT_TRUE(orders_->has_unknown_outcome(0));  // no new order before reconciliation
  ASSERT_TRUE(pump([&] { return final_state() && orders_->counters().foreign_orders == 1; }));
  EXPECT_FALSE(orders_->has_unknown_outcome(0));
  EXPECT_EQ(filled_, quantity("0.01"));
  EXPECT_EQ(simulator_->order("by-hand-1").status, "NEW");  // reported, not touched
  EXPECT_EQ(simulator_->orders_with_id(std::string(id.view())), 1);
}

TEST_F(BinanceVenueTest, ForeignOrdersAreCanceledWhenConfiguredSo) {
  place_by_hand("by-hand-2");
  orders_.reset();
  venue_.reset();
  journal_.reset();
  open_session();  // start-up reconciliation announces the foreign order
  orders_->set_foreign_order_policy(ForeignOrderPolicy::kCancel);
  orders_->restore_from_journal(clock_.now_ns());
  ASSERT_TRUE(pump([&] { return simulator_->order("by-hand-2").status == "CANCELED"; }));
  EXPECT_EQ(orders_->counters().foreign_orders, 1u);
}

// As on Binance, a resting order locks what it may spend (a buy its quote at its limit, a sell
// its base): the next order is checked against the free balance, and the account lists both.
TEST_F(BinanceVenueTest, TheSimulatedExchangeLocksWhatRestingOrdersMaySpend) {
  simulator_->set_balance("USDT", 60LL * 100'000'000);
  const auto manual = by_hand();
  OrderCommand command{};
  command.side = Side::kBuy;
  command.type = OrderType::kLimit;
  command.time_in_force = TimeInForce::kGoodTillCancel;
  command.price = price("50000");
  command.quantity = quantity("0.001");  // 50 USDT of the 60
  command.client_order_id = ClientOrderId::from("lock-1");
  ASSERT_EQ(manual->new_order(command, instruments_.get(0)).answer.outcome,
            OrderOutcome::kAccepted);
  command.client_order_id = ClientOrderId::from("lock-2");  // 50 more: 10 are free
  const OrderAnswer refused = manual->new_order(command, instruments_.get(0)).answer;
  EXPECT_EQ(refused.outcome, OrderOutcome::kRejected);
  EXPECT_EQ(refused.error.code, -2010);
  const HttpResponse account = manual->account();
  EXPECT_NE(account.body.find(R"("asset":"USDT","free":"10.00000000","locked":"50.00000000")"),
            std::string::npos)
      << account.body;
  EXPECT_EQ(simulator_->balance("USDT"), 60LL * 100'000'000) << "free and locked together";
}

TEST_F(BinanceVenueTest, TheAccountsHoldingsAreReportedForTheEngineToCompare) {
  const InstrumentRegistry& registry = instruments_;
  Portfolio portfolio(registry, money("100000"));
  // The cash asset, free and locked: enough for what sigex may spend; not for 150 000.
  ASSERT_EQ(venue_->start_cash().size(), 1u);
  EXPECT_EQ(venue_->start_cash()[0].venue.view(), "binance");
  EXPECT_EQ(venue_->start_cash()[0].held, money("100000"));
  EXPECT_TRUE(compare_cash_with_accounts(portfolio, venue_->start_cash(), "USDT").empty());
  const auto shortfalls = compare_cash_with_accounts(Portfolio(registry, money("150000")),
                                                     venue_->start_cash(), "USDT");
  ASSERT_EQ(shortfalls.size(), 1u);
  EXPECT_EQ(shortfalls[0].venue.view(), "binance");
  EXPECT_EQ(shortfalls[0].held, money("100000"));
  EXPECT_EQ(shortfalls[0].sigex, money("150000"));
  EXPECT_TRUE(compare_with_account(portfolio, registry, venue_->start_holdings())
                  .empty());  // no BTC on either side
  // sigex believes it holds BTC the account does not have: a difference.
  portfolio.apply_fill(0, Side::kBuy, price("60000"), quantity("0.02"), money("0"));
  const auto differences = compare_with_account(portfolio, registry, venue_->start_holdings());
  ASSERT_EQ(differences.size(), 1u);
  EXPECT_EQ(differences[0].instrument, 0u);
  EXPECT_EQ(differences[0].account, quantity("0"));
  EXPECT_EQ(differences[0].sigex, quantity("0.02"));
  // After trading, a restart reads balances that match the journal's position exactly.
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  restart();
  Portfolio restored(registry, money("100000"));
  restored.apply_fill(0, Side::kBuy, price("60000"), orders_->find(id.view())->filled_quantity,
                      money("0"));
  EXPECT_TRUE(compare_with_account(restored, registry, venue_->start_holdings()).empty());
}

TEST_F(BinanceVenueTest, OrdersAreMadeValidInTheSafeDirection) {
  Price limit = price("60000.019");
  Quantity size = quantity("0.0123456");
  std::string why;
  ASSERT_TRUE(venue_->normalize(Side::kBuy, OrderType::kLimit, limit, size, Price{0}, 0, why))
      << why;
  EXPECT_EQ(limit, price("60000.01"));   // a buy never pays more than asked
  EXPECT_EQ(size, quantity("0.01234"));  // never more than intended
  Price sell = price("60000.011");
  // Nothing held on the account: nothing to sell, whatever the engine believes.
  EXPECT_FALSE(venue_->normalize(Side::kSell, OrderType::kLimit, sell, size, Price{0}, 0, why));
  EXPECT_NE(why.find("holds no BTC"), std::string::npos) << why;
  orders_->submit(0, "sf", intent(), clock_.now_ns());  // buys 0.01
  ASSERT_TRUE(pump([&] { return final_state(); }));
  size = quantity("0.0123456");
  ASSERT_TRUE(venue_->normalize(Side::kSell, OrderType::kLimit, sell, size, Price{0}, 0, why))
      << why;
  EXPECT_EQ(sell, price("60000.02"));  // a sell never sells for less
  EXPECT_EQ(size, quantity("0.01"));   // never more than the account holds
  Quantity dust = quantity("0.00000001");
  EXPECT_FALSE(venue_->normalize(Side::kBuy, OrderType::kLimit, limit, dust, Price{0}, 0, why));
  EXPECT_FALSE(why.empty());
}

// Without a stream, the account's cash-asset balance is read every balance_interval and
// handed to the engine (kAccountCash), so a withdrawal while sigex runs limits its buys.
class BalancePollTest : public BinanceVenueTest {
 protected:
  void configure() override { config_.balance_interval_ns = 50 * kNsPerMs; }
};

TEST_F(BalancePollTest, TheCashBalanceIsReadPeriodicallyAndHandedToTheEngine) {
  ASSERT_TRUE(pump([&] { return cash_reported("100000"); }));
  simulator_->set_balance("USDT", 10LL * 100'000'000);  // withdrawn while running
  ASSERT_TRUE(pump([&] { return cash_reported("10"); }));
  EXPECT_EQ(venue_->counters().stream_reports.load(), 0u);  // read, not pushed
}

// ---- User data stream ----------------------------------------------------------------------

class UserStreamTest : public BinanceVenueTest {
 protected:
  void configure() override {
    const std::string url = simulator_->base_url();
    config_.ws_api_url = "ws://" + url.substr(url.find("://") + 3) + "/ws-api/v3";
    // Polling only as a slow safety net: whatever arrives quickly came over the stream.
    config_.stream_poll_interval_ns = 3600 * kSecond;
  }
  void SetUp() override {
    BinanceVenueTest::SetUp();
    ASSERT_TRUE(simulator_->wait_for_subscriptions(1, 5000));
    // Live, and the I/O thread has done what a stream coming up makes it do (read the open
    // orders back, poll once): from here on only the stream reports, whatever the load.
    ASSERT_TRUE(pump(
        [&] { return venue_->stream_live() && venue_->counters().reconciliations.load() >= 2; }));
  }
  ClientOrderId resting_order() {
    const ClientOrderId id =
        *orders_->submit(0, "sf", intent(OrderType::kLimit, "59000"), clock_.now_ns());
    EXPECT_TRUE(pump([&] { return orders_->find(id.view())->state == OrderState::kAccepted; }));
    return id;
  }
};

// An order whose reports the stream lost (a gap while it reconnects) and whose answer was lost
// too, but which the OMS holds as accepted (another stream frame said "NEW"): nothing is left
// for the OMS to look up, so the venue reads it back itself, at the fast pace while it is in
// doubt, not at the stream's safety-net interval (an hour here).
TEST_F(UserStreamTest, AnOrderInDoubtIsReadBackAtTheFastPaceWhileTheStreamIsLive) {
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  simulator_->lose_next_reports(4);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  std::vector<ExecutionEvent> answers;  // the account's cash may come first
  const auto unknown = [&] {
    return std::find_if(answers.begin(), answers.end(), [](const ExecutionEvent& event) {
      return event.kind == ExecutionKind::kUnknown;
    });
  };
  while (unknown() == answers.end()) {
    venue_->wait_for_answers(100 * kNsPerMs);
    venue_->poll(clock_.now_ns(), answers);
  }
  ExecutionEvent stream_new = *unknown();
  stream_new.kind = ExecutionKind::kAccepted;
  orders_->apply(stream_new, clock_.now_ns());
  ASSERT_TRUE(venue_->stream_live());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_GE(venue_->counters().polls.load(), 1u);
}

TEST_F(UserStreamTest, FillsOfARestingOrderArriveOverTheStream) {
  const ClientOrderId id = resting_order();
  const std::uint64_t polls = venue_->counters().polls.load();
  simulator_->set_price("BTCUSDT", price("58900"));
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(venue_->counters().polls.load(), polls);  // not found by polling
  EXPECT_GT(venue_->counters().stream_reports.load(), 0u);
}

// As Binance does, the stream pushes the account's balances after every change
// (outboundAccountPosition): a resting buy moves funds from free to locked (the cash held is
// the same), its fill spends them, a withdrawal takes the rest; each is handed on at once.
TEST_F(UserStreamTest, TheCashBalanceIsPushedAfterEveryChangeAndHandedToTheEngine) {
  const ClientOrderId id = resting_order();  // 0.01 at 59 000: 590 locked
  ASSERT_TRUE(pump([&] { return cash_reported("100000"); }));
  simulator_->set_price("BTCUSDT", price("58900"));
  ASSERT_TRUE(pump([&] { return final_state() && cash_reported("99409.41"); }))
      << "590 and its 0.1 % fee in USDT";
  expect_exactly_one_exchange_order_filled_once(id);
  simulator_->set_balance("USDT", 25LL * 100'000'000);  // withdrawn while running
  ASSERT_TRUE(pump([&] { return cash_reported("25"); }));
}

TEST_F(UserStreamTest, DuplicatedAndReorderedReportsCountEachFillOnce) {
  const ClientOrderId first = resting_order();
  OrderIntent second_intent = intent(OrderType::kLimit, "59100");
  second_intent.intent = IntentKey{43};
  const ClientOrderId second = *orders_->submit(0, "sf", second_intent, clock_.now_ns());
  ASSERT_TRUE(pump([&] { return orders_->find(second.view())->state == OrderState::kAccepted; }));
  // Both fill at once: their trade reports come swapped, and each one three times over.
  simulator_->reorder_next_reports();
  simulator_->duplicate_next_reports(2);
  simulator_->set_price("BTCUSDT", price("58900"));
  // Until both are filled and both duplicates have arrived (and been dropped).
  ASSERT_TRUE(pump([&] {
    return orders_->find(first.view())->state == OrderState::kFilled &&
           orders_->find(second.view())->state == OrderState::kFilled &&
           orders_->duplicate_fills() >= 2;
  }));
  EXPECT_EQ(simulator_->max_orders_per_id(), 1);
  EXPECT_EQ(filled_, quantity("0.02"));
  EXPECT_EQ(filled_, simulator_->executed_total("BTCUSDT"));
  EXPECT_EQ(fills_, simulator_->trades());
}

TEST_F(UserStreamTest, ACancelIsMatchedByTheOriginalIdNotTheCancelRequestsId) {
  const ClientOrderId id = resting_order();
  ASSERT_TRUE(orders_->cancel(id, clock_.now_ns()));
  ASSERT_TRUE(pump([&] { return final_state(); }));
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kCanceled);
  EXPECT_EQ(orders_->unknown_order_events(), 0u);  // "cancel-1" was never taken for an order
  EXPECT_EQ(simulator_->order(std::string(id.view())).status, "CANCELED");
}

TEST_F(UserStreamTest, WhileTheStreamIsDownOrdersArePolledThenItReconnects) {
  const ClientOrderId id = resting_order();
  simulator_->set_user_stream_available(false);
  ASSERT_TRUE(pump([&] { return !venue_->stream_live(); }));
  simulator_->set_price("BTCUSDT", price("58900"));  // filled while nobody listens
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_GT(venue_->counters().polls.load(), 0u);
  simulator_->set_user_stream_available(true);
  ASSERT_TRUE(simulator_->wait_for_subscriptions(2, 10'000));  // back, with backoff
  ASSERT_TRUE(pump([&] { return venue_->stream_live(); }));
}

// ---- Key rotation ----------------------------------------------------------------------------

// A new key pair while an order rests: the stream subscribes again with the new key, the fill
// arrives over it once, the old key is revoked once no request holds it, and nothing is sent
// with it afterwards.
TEST_F(UserStreamTest, KeysRotateWhileAnOrderRestsAndTheStreamSubscribesAgainWithTheNewKey) {
  const ClientOrderId id = resting_order();
  simulator_->add_api_key("sim-api-key-2", "sim-secret-2");
  const std::uint64_t reconciliations = venue_->counters().reconciliations.load();
  std::string error;
  ASSERT_TRUE(venue_->rotate_keys(
      {Secret(std::string("sim-api-key-2")), Secret(std::string("sim-secret-2"))}, error))
      << error;
  EXPECT_EQ(venue_->key_fingerprint(), fingerprint(Secret(std::string("sim-api-key-2"))));
  ASSERT_TRUE(simulator_->wait_for_subscriptions(2, 10'000));
  // Live again on a stream opened with the new key (none with the old one is left), and what
  // a stream coming back makes the I/O thread do (read the open orders back) is done.
  ASSERT_TRUE(pump([&] {
    return simulator_->streams_with_key("sim-api-key-2") == 1 &&
           simulator_->streams_with_key("sim-api-key") == 0 && venue_->stream_live() &&
           venue_->keys_retiring() == 0 &&
           venue_->counters().reconciliations.load() > reconciliations;
  }));
  simulator_->revoke_api_key("sim-api-key");

  const std::uint64_t reports = venue_->counters().stream_reports.load();
  simulator_->set_price("BTCUSDT", price("58900"));
  // The fill's report arrives over the new subscription (a poll may find the fill first).
  ASSERT_TRUE(
      pump([&] { return final_state() && venue_->counters().stream_reports.load() > reports; }));
  expect_exactly_one_exchange_order_filled_once(id);
  EXPECT_EQ(simulator_->requests_with_revoked_key(), 0u);
  EXPECT_GT(simulator_->requests_with_key("sim-api-key-2"), 0u);
  EXPECT_EQ(venue_->key_rotations(), 1u);
}

// Orders keep flowing while the keys change under them: each intent is one exchange order
// filled once, no answer is -2015, and the revoked key is never used after the rotation ends.
TEST_F(BinanceVenueTest, KeysRotateUnderLoadWithoutALostOrDuplicatedOrder) {
  simulator_->add_api_key("sim-api-key-2", "sim-secret-2");
  std::vector<ClientOrderId> ids;
  for (std::uint64_t i = 0; i < 20; ++i) {
    OrderIntent order = intent();
    order.intent = IntentKey{100 + i};
    order.quantity = quantity("0.001");
    ids.push_back(*orders_->submit(0, "sf", order, clock_.now_ns()));
    if (i == 9) {
      std::string error;
      ASSERT_TRUE(venue_->rotate_keys(
          {Secret(std::string("sim-api-key-2")), Secret(std::string("sim-secret-2"))}, error))
          << error;
    }
    if (i == 12) {
      ASSERT_TRUE(pump([&] { return venue_->keys_retiring() == 0; }));
      simulator_->revoke_api_key("sim-api-key");
    }
  }
  ASSERT_TRUE(pump([&] {
    for (const auto& id : ids)
      if (orders_->find(id.view())->state != OrderState::kFilled) return false;
    return true;
  }));
  for (const auto& id : ids) EXPECT_EQ(simulator_->orders_with_id(std::string(id.view())), 1);
  EXPECT_EQ(simulator_->executed_total("BTCUSDT"), quantity("0.02"));
  EXPECT_EQ(filled_, simulator_->executed_total("BTCUSDT"));
  EXPECT_EQ(fills_, simulator_->trades());
  EXPECT_EQ(simulator_->requests_with_revoked_key(), 0u);
  EXPECT_EQ(simulator_->signature_failures(), 0u);
}

class Ed25519KeyTypeTest : public BinanceVenueTest {
 protected:
  void configure() override { config_.key_type = "ed25519"; }
};

TEST_F(Ed25519KeyTypeTest, ANewSigningKeyThatCannotSignChangesNothing) {
  const std::string before = venue_->key_fingerprint();
  std::string error;
  EXPECT_FALSE(venue_->rotate_keys(
      {Secret(std::string("sim-api-key-2")), Secret(std::string("not a PEM key"))}, error));
  EXPECT_NE(error.find("PEM"), std::string::npos);
  EXPECT_EQ(error.find("not a PEM key"), std::string::npos);  // never the secret
  EXPECT_EQ(venue_->key_fingerprint(), before);
  const ClientOrderId id = *orders_->submit(0, "sf", intent(), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return final_state(); }));
  expect_exactly_one_exchange_order_filled_once(id);
}

}  // namespace
}  // namespace sigex
