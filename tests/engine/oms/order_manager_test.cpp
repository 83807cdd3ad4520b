#include "engine/oms/order_manager.h"

#include <gtest/gtest.h>

#include "support/recording_venue.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class OrderManagerTest : public ::testing::Test {
 protected:
  OrderManagerTest() : instruments_(two_instruments()) {
    std::string error;
    journal_ = Journal::open(directory_.path(), Durability::kFull, error);
    EXPECT_TRUE(journal_) << error;
  }

  OrderIntent buy(std::uint64_t intent = 1) {
    OrderIntent order;
    order.instrument = 0;
    order.side = Side::kBuy;
    order.price = price("50000.00");
    order.quantity = quantity("0.01");
    order.intent = IntentKey{intent};
    return order;
  }

  TemporaryDirectory directory_;
  InstrumentRegistry instruments_;
  std::unique_ptr<Journal> journal_;
  RecordingVenue venue_;
};

TEST_F(OrderManagerTest, IntentIsJournaledBeforeTheOrderLeaves) {
  OrderManager orders(instruments_, *journal_, venue_);
  std::int64_t rows_at_send = -1;
  venue_.on_send = [&](const OrderCommand&) { rows_at_send = journal_->count_rows("orders"); };
  const auto id = orders.submit(0, "sf", buy(), 1000);
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(rows_at_send, 1);
  ASSERT_EQ(venue_.sent.size(), 1u);
  EXPECT_EQ(venue_.sent[0].client_order_id, *id);
  EXPECT_EQ(orders.find(id->view())->state, OrderState::kSent);
}

TEST_F(OrderManagerTest, AcceptPartialFillFill) {
  OrderManager orders(instruments_, *journal_, venue_);
  const ClientOrderId id = *orders.submit(0, "sf", buy(), 1000);
  EXPECT_EQ(orders.apply(answer(ExecutionKind::kAccepted, id), 1001)->event, OrderEvent::kAccept);
  auto update = orders.apply(fill_of(id, 7, price("50000"), quantity("0.004"), money("0.2")), 1002);
  ASSERT_TRUE(update);
  EXPECT_TRUE(update->new_fill);
  EXPECT_EQ(update->order->state, OrderState::kPartiallyFilled);
  update = orders.apply(fill_of(id, 8, price("49999"), quantity("0.006"), money("0.3")), 1003);
  ASSERT_TRUE(update);
  EXPECT_EQ(update->order->state, OrderState::kFilled);
  EXPECT_EQ(update->order->filled_quantity, quantity("0.01"));
  EXPECT_EQ(update->order->fees, money("0.5"));
  EXPECT_FALSE(orders.has_open_order(0));
}

TEST_F(OrderManagerTest, DuplicateFillsAreCountedOnce) {
  OrderManager orders(instruments_, *journal_, venue_);
  const ClientOrderId id = *orders.submit(0, "sf", buy(), 1000);
  orders.apply(answer(ExecutionKind::kAccepted, id), 1001);
  EXPECT_TRUE(orders.apply(fill_of(id, 7, price("50000"), quantity("0.004"), money("0")), 1002));
  EXPECT_FALSE(orders.apply(fill_of(id, 7, price("50000"), quantity("0.004"), money("0")), 1003));
  EXPECT_EQ(orders.duplicate_fills(), 1u);
  EXPECT_EQ(orders.find(id.view())->filled_quantity, quantity("0.004"));
}

TEST_F(OrderManagerTest, OverfillAndInvalidTransitionsAreRefusedAndCounted) {
  OrderManager orders(instruments_, *journal_, venue_);
  const ClientOrderId id = *orders.submit(0, "sf", buy(), 1000);
  orders.apply(answer(ExecutionKind::kAccepted, id), 1001);
  EXPECT_FALSE(orders.apply(fill_of(id, 9, price("50000"), quantity("0.02"), money("0")), 1002));
  orders.apply(answer(ExecutionKind::kCanceled, id), 1003);
  // A late acknowledgement is stale (delivered twice or overtaken), not an error.
  EXPECT_FALSE(orders.apply(answer(ExecutionKind::kAccepted, id), 1004));
  EXPECT_EQ(orders.stale_events(), 1u);
  EXPECT_FALSE(orders.apply(answer(ExecutionKind::kCancelRejected, id), 1004));
  EXPECT_EQ(orders.refused_transitions(), 2u);
  EXPECT_EQ(orders.find(id.view())->state, OrderState::kCanceled);
  EXPECT_FALSE(orders.apply(answer(ExecutionKind::kAccepted, ClientOrderId::from("nope")), 1005));
  EXPECT_EQ(orders.unknown_order_events(), 1u);
}

TEST_F(OrderManagerTest, RejectionIsFinalAndRemembersTheVenueCode) {
  OrderManager orders(instruments_, *journal_, venue_);
  const ClientOrderId id = *orders.submit(0, "sf", buy(), 1000);
  ExecutionEvent rejected = answer(ExecutionKind::kRejected, id);
  rejected.venue_error_code = -1013;
  orders.apply(rejected, 1001);
  EXPECT_EQ(orders.find(id.view())->state, OrderState::kRejected);
  EXPECT_EQ(orders.find(id.view())->last_venue_error, -1013);
}

TEST_F(OrderManagerTest, SameIntentWhileOpenSendsNothingNew) {
  OrderManager orders(instruments_, *journal_, venue_);
  const ClientOrderId first = *orders.submit(0, "sf", buy(5), 1000);
  const ClientOrderId again = *orders.submit(0, "sf", buy(5), 1001);
  EXPECT_EQ(first, again);
  EXPECT_EQ(venue_.sent.size(), 1u);
  EXPECT_EQ(orders.duplicate_intents(), 1u);
  // Once final, the same intent is a retry and gets the next sequence number.
  orders.apply(answer(ExecutionKind::kAccepted, first), 1002);
  orders.apply(answer(ExecutionKind::kExpired, first), 1003);
  const ClientOrderId retry = *orders.submit(0, "sf", buy(5), 1004);
  EXPECT_NE(retry, first);
  EXPECT_EQ(retry.view().back(), '1');
  EXPECT_EQ(venue_.sent.size(), 2u);
}

TEST_F(OrderManagerTest, RestartRestoresOrdersAndMarksInFlightOnesUnknown) {
  ClientOrderId sent_id, filled_id;
  {
    OrderManager orders(instruments_, *journal_, venue_);
    filled_id = *orders.submit(0, "sf", buy(1), 1000);
    orders.apply(answer(ExecutionKind::kAccepted, filled_id), 1001);
    const ExecutionEvent fill = fill_of(filled_id, 1, price("50000"), quantity("0.01"), money("0"));
    orders.apply(fill, 1002);
    // The engine journals the fill with the order's new state (the journal checks they agree).
    journal_->record_fill(*orders.find(filled_id.view()), fill, PositionRow{});
    sent_id = *orders.submit(1, "sf", buy(2), 1003);  // crash before any answer
  }
  journal_.reset();
  std::string error;
  journal_ = Journal::open(directory_.path(), Durability::kFull, error);
  ASSERT_TRUE(journal_) << error;
  OrderManager restarted(instruments_, *journal_, venue_);
  restarted.restore_from_journal(2000);
  ASSERT_EQ(restarted.orders().size(), 2u);
  EXPECT_EQ(restarted.find(filled_id.view())->state, OrderState::kFilled);
  EXPECT_EQ(restarted.find(sent_id.view())->state, OrderState::kUnknown);
  EXPECT_TRUE(restarted.has_unknown_outcome(0));
  EXPECT_EQ(restarted.pending_lookups(), 1u);  // the filled one needs no lookup
  // The same intent after the restart does not mint a fresh id while the outcome is unknown.
  EXPECT_EQ(*restarted.submit(1, "sf", buy(2), 2000), sent_id);
  EXPECT_EQ(venue_.sent.size(), 2u);
  // A resolved intent continues its sequence instead of reusing an id the venue has seen.
  const ClientOrderId next = *restarted.submit(0, "sf", buy(1), 2001);
  EXPECT_EQ(next.view().back(), '1');
}

TEST_F(OrderManagerTest, MoreOrdersThanThePreparedTableKeepEveryOrderFindable) {
  // The order table is prepared for 16 384 orders; past that, with no prepare_room() between
  // orders, each new chunk and the id index's rehash are made on the spot: every order before
  // and after stays findable with its own state.
  std::string error;
  TemporaryDirectory directory;
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  OrderManager orders(instruments_, *journal, venue_);
  constexpr std::uint64_t kOrders = (1 << 14) + 300;
  std::vector<ClientOrderId> ids;
  ids.reserve(kOrders);
  for (std::uint64_t intent = 1; intent <= kOrders; ++intent) {
    const auto id = orders.submit(0, "sf", buy(intent), static_cast<TimeNs>(intent));
    ASSERT_TRUE(id.has_value()) << intent;
    ids.push_back(*id);
    // All but every thousandth order are answered at once: the table holds open and final
    // ones, and the open ones stay few (as in real trading).
    if (intent % 1000 != 0) {
      ASSERT_TRUE(orders.apply(answer(ExecutionKind::kCanceled, *id), static_cast<TimeNs>(intent)));
    }
  }
  ASSERT_EQ(orders.orders().size(), kOrders);
  for (std::uint64_t intent = 1; intent <= kOrders; ++intent) {
    const Order* order = orders.find(ids[intent - 1].view());
    ASSERT_NE(order, nullptr) << intent;
    EXPECT_EQ(order->intent, IntentKey{intent});
    EXPECT_EQ(order->state, intent % 1000 != 0 ? OrderState::kCanceled : OrderState::kSent)
        << intent;
  }
  EXPECT_EQ(venue_.sent.size(), kOrders);
}

TEST_F(OrderManagerTest, PreparingRoomBetweenOrdersKeepsWrittenMemoryAheadOfEveryOrder) {
  // As the engine runs it: prepare_room() between orders. Past the prepared 16 384 orders and
  // two chunks beyond, every order still finds a written table slot, written node memory and
  // an id index that does not have to rehash on its insert.
  std::string error;
  TemporaryDirectory directory;
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  OrderManager orders(instruments_, *journal, venue_);
  constexpr std::uint64_t kOrders = (1 << 14) + 2 * OrderTable::kChunkOrders + 100;
  constexpr std::size_t kNodeBytes = 512;  // trade nodes with their share of a new bucket array
  for (std::uint64_t intent = 1; intent <= kOrders; ++intent) {
    const OrderManager::PreparedRoom room = orders.prepared_room();
    ASSERT_GT(room.orders, 0u) << intent;
    ASSERT_GT(room.node_bytes, kNodeBytes) << intent;
    ASSERT_GT(room.ids, 0u) << intent;
    const auto id = orders.submit(0, "sf", buy(intent), static_cast<TimeNs>(intent));
    ASSERT_TRUE(id.has_value()) << intent;
    ASSERT_TRUE(orders.apply(answer(ExecutionKind::kCanceled, *id), static_cast<TimeNs>(intent)));
    orders.prepare_room();
  }
  EXPECT_EQ(orders.orders().size(), kOrders);
  EXPECT_GE(orders.orders().chunks(), 6u);
}

TEST_F(OrderManagerTest, AFillOvertakenByTheCancelStillCounts) {
  OrderManager orders(instruments_, *journal_, venue_);
  const ClientOrderId id = *orders.submit(0, "sf", buy(), 1000);
  orders.apply(answer(ExecutionKind::kAccepted, id), 1001);
  orders.apply(answer(ExecutionKind::kCanceled, id), 1002);
  const auto update =
      orders.apply(fill_of(id, 5, price("50000"), quantity("0.004"), money("0")), 1003);
  ASSERT_TRUE(update);
  EXPECT_TRUE(update->new_fill);
  EXPECT_EQ(update->order->state, OrderState::kCanceled);
  EXPECT_EQ(update->order->filled_quantity, quantity("0.004"));
  EXPECT_EQ(orders.late_fills(), 1u);
  EXPECT_FALSE(orders.apply(fill_of(id, 5, price("50000"), quantity("0.004"), money("0")), 1004));
}

// ---- Unknown outcomes ----------------------------------------------------------------------

class UnknownOutcomeTest : public OrderManagerTest {
 protected:
  static constexpr TimeNs kSecond = kNsPerSecond;
  UnknownOutcomeTest() : orders_(instruments_, *journal_, venue_) {
    orders_.set_resolution_policy(
        {2 * kSecond, 1 * kSecond, kSecond / 2, 3, 10 * kSecond, 30 * kSecond});
  }

  std::size_t commands(OrderCommandKind kind) const {
    std::size_t count = 0;
    for (const auto& command : venue_.sent) count += command.kind == kind ? 1 : 0;
    return count;
  }
  // Runs the OMS at `now` and answers the lookup it sends (if any) with `kind`.
  bool answer_lookup_at(TimeNs now, ExecutionKind kind, const ClientOrderId& id) {
    const std::size_t before = commands(OrderCommandKind::kQuery);
    orders_.run_due(now);
    if (commands(OrderCommandKind::kQuery) == before) return false;
    orders_.apply(answer(kind, id), now);
    return true;
  }
  // Runs the OMS at `now`; when it sends a proof-of-absence query, answers it with `evidence`
  // (kProven: "does not exist" anywhere; kUnproven: a trace the venue cannot attribute).
  bool answer_proof_at(TimeNs now, AbsenceEvidence evidence, const ClientOrderId& id) {
    const std::size_t before = venue_.sent.size();
    orders_.run_due(now);
    if (venue_.sent.size() == before || !venue_.sent.back().prove_absence) return false;
    ExecutionEvent event = answer(
        evidence == AbsenceEvidence::kProven ? ExecutionKind::kNotFound : ExecutionKind::kUnknown,
        id);
    event.absence = evidence;
    orders_.apply(event, now);
    return true;
  }

  OrderManager orders_;
};

TEST_F(UnknownOutcomeTest, ProvenAbsentAfterTheWaitIsResentWithTheSameId) {
  const TimeNs t0 = 1000 * kSecond;
  const ClientOrderId id = *orders_.submit(0, "sf", buy(), t0);
  orders_.apply(answer(ExecutionKind::kUnknown, id), t0 + 10);
  EXPECT_TRUE(orders_.has_unknown_outcome(0));
  EXPECT_EQ(orders_.unresolved_orders(), 1u);
  // Looked up at once; "does not exist" this early proves nothing (the request may be queued).
  EXPECT_TRUE(answer_lookup_at(t0 + 10, ExecutionKind::kNotFound, id));
  EXPECT_EQ(orders_.next_due_ns(), t0 + 3 * kSecond);  // sent + recvWindow + settle
  EXPECT_FALSE(answer_lookup_at(t0 + 2 * kSecond, ExecutionKind::kNotFound, id));
  // Three answers after the deadline, half a second apart: still no resend, since the
  // lookups may lag for longer than that (the minimum wait runs from the unknown outcome).
  EXPECT_TRUE(answer_lookup_at(t0 + 3 * kSecond, ExecutionKind::kNotFound, id));
  EXPECT_TRUE(answer_lookup_at(t0 + 3 * kSecond + kSecond / 2, ExecutionKind::kNotFound, id));
  EXPECT_TRUE(answer_lookup_at(t0 + 4 * kSecond, ExecutionKind::kNotFound, id));
  EXPECT_EQ(commands(OrderCommandKind::kNew), 1u);
  EXPECT_EQ(orders_.next_due_ns(), t0 + 10 + 10 * kSecond);
  EXPECT_TRUE(answer_lookup_at(t0 + 10 + 10 * kSecond, ExecutionKind::kNotFound, id));
  EXPECT_EQ(commands(OrderCommandKind::kNew), 1u);  // one more source must agree first
  // The venue proves the absence from its order history, trades and balances: resent.
  EXPECT_TRUE(answer_proof_at(t0 + 10 + 10 * kSecond, AbsenceEvidence::kProven, id));
  ASSERT_EQ(commands(OrderCommandKind::kNew), 2u);
  EXPECT_EQ(venue_.sent.back().client_order_id, id);  // the same idempotency key
  EXPECT_EQ(orders_.find(id.view())->state, OrderState::kSent);
  EXPECT_EQ(orders_.counters().resends, 1u);
  EXPECT_EQ(orders_.counters().proofs, 1u);
  EXPECT_FALSE(orders_.has_unknown_outcome(0));
}

TEST_F(UnknownOutcomeTest, EachInstrumentWaitsOutItsOwnVenuesWindowBeforeAResend) {
  // Two venues behind one OMS: instrument 0's requests stay acceptable for 2 s (a Binance
  // recvWindow), instrument 1's for 120 s (a Coinbase JWT). The Binance order is resolved on its
  // own clock, not held to the Coinbase window.
  orders_.set_instrument_resolution({{2 * kSecond, 10 * kSecond}, {120 * kSecond, 125 * kSecond}});
  const TimeNs t0 = 1000 * kSecond;
  OrderIntent on_second_venue = buy(2);
  on_second_venue.instrument = 1;
  on_second_venue.price = price("3000.00");
  const ClientOrderId on_binance = *orders_.submit(0, "sf", buy(1), t0);
  const ClientOrderId on_coinbase = *orders_.submit(0, "sf", on_second_venue, t0);
  orders_.apply(answer(ExecutionKind::kUnknown, on_binance), t0 + 10);
  orders_.apply(answer(ExecutionKind::kUnknown, on_coinbase), t0 + 10);
  orders_.run_due(t0 + 10);  // both looked up at once: "does not exist" proves nothing yet
  orders_.apply(answer(ExecutionKind::kNotFound, on_binance), t0 + 10);
  orders_.apply(answer(ExecutionKind::kNotFound, on_coinbase), t0 + 10);
  EXPECT_EQ(orders_.next_due_ns(), t0 + 3 * kSecond);  // Binance: sent + 2 s + settle
  // The Binance order: three answers after its deadline, its own 10 s wait, then the proof.
  EXPECT_TRUE(answer_lookup_at(t0 + 3 * kSecond, ExecutionKind::kNotFound, on_binance));
  EXPECT_TRUE(
      answer_lookup_at(t0 + 3 * kSecond + kSecond / 2, ExecutionKind::kNotFound, on_binance));
  EXPECT_TRUE(answer_lookup_at(t0 + 4 * kSecond, ExecutionKind::kNotFound, on_binance));
  EXPECT_TRUE(answer_lookup_at(t0 + 10 + 10 * kSecond, ExecutionKind::kNotFound, on_binance));
  EXPECT_TRUE(answer_proof_at(t0 + 10 + 10 * kSecond, AbsenceEvidence::kProven, on_binance));
  ASSERT_EQ(commands(OrderCommandKind::kNew), 3u);
  EXPECT_EQ(venue_.sent.back().client_order_id, on_binance);
  // The Coinbase order is not even looked up again before its own deadline (sent + 120 s +
  // settle): a create could still be accepted until then.
  EXPECT_TRUE(orders_.has_unknown_outcome(1));
  EXPECT_FALSE(orders_.has_unknown_outcome(0));
  EXPECT_EQ(orders_.next_due_ns(), t0 + 121 * kSecond);
}

TEST_F(UnknownOutcomeTest, AnAbsenceTheVenueCannotProveIsNeverResentAndAlerts) {
  const TimeNs t0 = 1000 * kSecond;
  const ClientOrderId id = *orders_.submit(0, "sf", buy(), t0);
  orders_.apply(answer(ExecutionKind::kUnknown, id), t0);
  TimeNs now = t0;
  // Every lookup says "does not exist" for far longer than the minimum wait...
  for (int round = 0; round < 40; ++round) {
    now = std::max(now, orders_.next_due_ns());
    if (!answer_proof_at(now, AbsenceEvidence::kUnproven, id)) {
      orders_.apply(answer(ExecutionKind::kNotFound, id), now);
    }
  }
  // ... but each proof finds a trade it cannot attribute: no resend, ever; blocked; alerted.
  EXPECT_EQ(commands(OrderCommandKind::kNew), 1u);
  EXPECT_GE(orders_.counters().unproven_absences, 2u);
  EXPECT_TRUE(orders_.has_unknown_outcome(0));
  EXPECT_EQ(orders_.find(id.view())->state, OrderState::kUnknown);
  // Lookups go on, slower: at most one a second on average here.
  EXPECT_LE(commands(OrderCommandKind::kQuery), static_cast<std::size_t>((now - t0) / kSecond) + 4);
  // When the venue finally shows the order, it is adopted.
  now = orders_.next_due_ns();
  orders_.run_due(now);
  orders_.apply(answer(ExecutionKind::kAccepted, id), now);
  orders_.apply(fill_of(id, 4, price("50000"), quantity("0.01"), money("0")), now);
  EXPECT_EQ(orders_.find(id.view())->state, OrderState::kFilled);
  EXPECT_FALSE(orders_.has_unknown_outcome(0));
}

TEST_F(UnknownOutcomeTest, AnOrderLeftSentByAFalseDuplicateAnswerIsResolvedAsUnknown) {
  // -2010 "Duplicate order sent." for an order the venue does not have: the venue reports
  // the outcome unknown; even a "does not exist" arriving first starts the resolution.
  const TimeNs t0 = 1000 * kSecond;
  const ClientOrderId id = *orders_.submit(0, "sf", buy(), t0);
  orders_.apply(answer(ExecutionKind::kNotFound, id), t0 + 1);
  EXPECT_EQ(orders_.find(id.view())->state, OrderState::kUnknown);
  EXPECT_EQ(orders_.pending_lookups(), 1u);
  EXPECT_EQ(orders_.unresolved_orders(), 1u);
}

TEST_F(UnknownOutcomeTest, AnOrderFoundByTheLookupIsAdoptedNotResent) {
  const TimeNs t0 = 1000 * kSecond;
  const ClientOrderId id = *orders_.submit(0, "sf", buy(), t0);
  orders_.apply(answer(ExecutionKind::kUnknown, id), t0 + 10);
  // The lookup lags behind the new order twice, then finds it filled.
  EXPECT_TRUE(answer_lookup_at(t0 + 10, ExecutionKind::kNotFound, id));
  EXPECT_TRUE(answer_lookup_at(t0 + 3 * kSecond, ExecutionKind::kNotFound, id));
  EXPECT_TRUE(answer_lookup_at(t0 + 3 * kSecond + kSecond / 2, ExecutionKind::kNotFound, id));
  orders_.run_due(t0 + 4 * kSecond);
  orders_.apply(answer(ExecutionKind::kAccepted, id), t0 + 4 * kSecond);
  orders_.apply(fill_of(id, 9, price("50000"), quantity("0.01"), money("0.5")), t0 + 4 * kSecond);
  EXPECT_EQ(orders_.find(id.view())->state, OrderState::kFilled);
  EXPECT_EQ(commands(OrderCommandKind::kNew), 1u);
  EXPECT_EQ(orders_.pending_lookups(), 0u);
  EXPECT_FALSE(orders_.has_unknown_outcome(0));
  // A late "does not exist" for a resolved order changes nothing.
  orders_.apply(answer(ExecutionKind::kNotFound, id), t0 + 5 * kSecond);
  EXPECT_EQ(commands(OrderCommandKind::kNew), 1u);
}

TEST_F(UnknownOutcomeTest, AFailedLookupIsRetriedAndKeepsTheInstrumentBlocked) {
  const TimeNs t0 = 1000 * kSecond;
  const ClientOrderId id = *orders_.submit(0, "sf", buy(), t0);
  orders_.apply(answer(ExecutionKind::kUnknown, id), t0);
  EXPECT_TRUE(answer_lookup_at(t0, ExecutionKind::kUnknown, id));  // the lookup timed out too
  EXPECT_EQ(orders_.next_due_ns(), t0 + kSecond / 2);
  EXPECT_TRUE(orders_.has_unknown_outcome(0));
  EXPECT_FALSE(orders_.has_unknown_outcome(1));
  EXPECT_TRUE(answer_lookup_at(t0 + kSecond / 2, ExecutionKind::kRejected, id));
  EXPECT_EQ(orders_.find(id.view())->state, OrderState::kRejected);
  EXPECT_FALSE(orders_.has_unknown_outcome(0));
}

TEST_F(UnknownOutcomeTest, RestartLooksUpEveryOpenOrderAndReportsForeignOnes) {
  const ClientOrderId resting = *orders_.submit(0, "sf", buy(1), 1000);
  orders_.apply(answer(ExecutionKind::kAccepted, resting), 1001);
  journal_.reset();
  std::string error;
  journal_ = Journal::open(directory_.path(), Durability::kFull, error);
  ASSERT_TRUE(journal_) << error;
  RecordingVenue venue;
  OrderManager restarted(instruments_, *journal_, venue);
  restarted.restore_from_journal(5000);
  EXPECT_TRUE(restarted.has_unknown_outcome(0));  // reconciling: no new order on it yet
  restarted.run_due(5000);
  ASSERT_EQ(venue.sent.size(), 1u);
  EXPECT_EQ(venue.sent[0].kind, OrderCommandKind::kQuery);
  // While down it was partly filled; the lookup's answer brings the journal in line.
  restarted.apply(fill_of(resting, 3, price("50000"), quantity("0.004"), money("0")), 5001);
  EXPECT_EQ(restarted.find(resting.view())->state, OrderState::kPartiallyFilled);
  EXPECT_FALSE(restarted.has_unknown_outcome(0));
  restarted.apply(answer(ExecutionKind::kAccepted, ClientOrderId::from("manual-order-1")), 5002);
  restarted.apply(answer(ExecutionKind::kAccepted, ClientOrderId::from("manual-order-1")), 5003);
  EXPECT_EQ(restarted.counters().foreign_orders, 1u);
}

TEST_F(UnknownOutcomeTest, ACrashBeforeSendingIsResolvedAfterRestart) {
  // Intent journaled, process killed before the request left: the journal shows INTENT.
  Order order;
  order.client_order_id = ClientOrderId::from("sf-00000000000000aa-0");
  order.instrument = 0;
  order.price = price("50000.00");
  order.quantity = quantity("0.01");
  order.created_time_ns = 1000;
  order.updated_time_ns = 1000;
  ASSERT_TRUE(journal_->record_intent(order, "BTCUSDT"));
  RecordingVenue venue;
  OrderManager restarted(instruments_, *journal_, venue);
  restarted.set_resolution_policy({2 * kSecond, 1 * kSecond, kSecond / 2, 1, 3 * kSecond});
  const TimeNs start = 100 * kSecond;
  restarted.restore_from_journal(start);
  EXPECT_EQ(restarted.find(order.client_order_id.view())->state, OrderState::kUnknown);
  restarted.run_due(start);
  restarted.apply(answer(ExecutionKind::kNotFound, order.client_order_id), start);
  restarted.run_due(start + 3 * kSecond);
  restarted.apply(answer(ExecutionKind::kNotFound, order.client_order_id), start + 3 * kSecond);
  restarted.run_due(start + 3 * kSecond);
  ASSERT_TRUE(venue.sent.back().prove_absence);
  ExecutionEvent proof = answer(ExecutionKind::kNotFound, order.client_order_id);
  proof.absence = AbsenceEvidence::kProven;
  restarted.apply(proof, start + 3 * kSecond);
  ASSERT_EQ(venue.sent.back().kind, OrderCommandKind::kNew);
  EXPECT_EQ(venue.sent.back().client_order_id, order.client_order_id);
}

}  // namespace
}  // namespace sigex
