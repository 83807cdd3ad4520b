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
  EXPECT_FALSE(orders.apply(answer(ExecutionKind::kAccepted, id), 1004));
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
    orders.apply(fill_of(filled_id, 1, price("50000"), quantity("0.01"), money("0")), 1002);
    sent_id = *orders.submit(1, "sf", buy(2), 1003);  // crash before any answer
  }
  journal_.reset();
  std::string error;
  journal_ = Journal::open(directory_.path(), Durability::kFull, error);
  ASSERT_TRUE(journal_) << error;
  OrderManager restarted(instruments_, *journal_, venue_);
  restarted.restore_from_journal();
  ASSERT_EQ(restarted.orders().size(), 2u);
  EXPECT_EQ(restarted.find(filled_id.view())->state, OrderState::kFilled);
  EXPECT_EQ(restarted.find(sent_id.view())->state, OrderState::kUnknown);
  EXPECT_TRUE(restarted.has_unknown_outcome(0));
  // The same intent after the restart does not mint a fresh id while the outcome is unknown.
  EXPECT_EQ(*restarted.submit(1, "sf", buy(2), 2000), sent_id);
  EXPECT_EQ(venue_.sent.size(), 2u);
  // A resolved intent continues its sequence instead of reusing an id the venue has seen.
  const ClientOrderId next = *restarted.submit(0, "sf", buy(1), 2001);
  EXPECT_EQ(next.view().back(), '1');
}

}  // namespace
}  // namespace sigex
