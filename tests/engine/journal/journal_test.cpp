#include "engine/journal/journal.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "engine/core/simulated_clock.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

Order sample_order(std::string_view id) {
  Order order;
  order.client_order_id = ClientOrderId::from(id);
  order.instrument = 0;
  order.price = price("100.5");
  order.quantity = quantity("2");
  order.intent = IntentKey{~0ULL};  // the full 64 bits survive the signed SQLite column
  order.sequence = 3;
  order.created_time_ns = 77;
  return order;
}

TEST(Journal, IntentsAndEventsSurviveReopen) {
  TemporaryDirectory directory;
  std::string error;
  {
    auto journal = Journal::open(directory.path(), Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    Order order = sample_order("sf-1-0");
    ASSERT_TRUE(journal->record_intent(order, "BTCUSDT"));
    order.state = OrderState::kAccepted;
    order.venue_order_id = 99;
    ASSERT_TRUE(journal->record_order_event(order, OrderEvent::kAccept, nullptr, 80));
  }
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  const auto orders = journal->load_orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].client_order_id.view(), "sf-1-0");
  EXPECT_EQ(orders[0].state, OrderState::kAccepted);
  EXPECT_EQ(orders[0].venue_order_id, 99u);
  EXPECT_EQ(orders[0].price, price("100.5"));
  EXPECT_EQ(orders[0].intent.value, ~0ULL);
  EXPECT_EQ(orders[0].sequence, 3u);
  EXPECT_EQ(journal->count_rows("order_events"), 2);  // send (with the intent), accept
}

TEST(Journal, FillsAreDeduplicatedByInstrumentAndTradeId) {
  TemporaryDirectory directory;
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  const Order order = sample_order("sf-2-0");
  ASSERT_TRUE(journal->record_intent(order, "BTCUSDT"));
  ExecutionEvent fill{};
  fill.kind = ExecutionKind::kFill;
  fill.instrument = 0;
  fill.trade_id = 5;
  fill.quantity = quantity("1");
  const PositionRow position{
      0, Symbol::from("BTCUSDT"), quantity("1"), money("100"), money("0"), money("0"), 1};
  ASSERT_TRUE(journal->record_fill(order, fill, position));
  ASSERT_TRUE(journal->record_fill(order, fill, position));
  EXPECT_EQ(journal->count_rows("fills"), 1);
  EXPECT_EQ(journal->duplicate_fills(), 1u);
  EXPECT_EQ(journal->count_rows("positions"), 1);
}

TEST(Journal, AFailedWriteIsReportedAndEverythingAfterItIsDropped) {
  TemporaryDirectory directory;
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal);
  ASSERT_TRUE(journal->record_intent(sample_order("sf-3-0"), "BTCUSDT"));
  ASSERT_TRUE(journal->flush());
  // The writer thread finds the duplicate; the core hears of it at the next call.
  journal->record_intent(sample_order("sf-3-0"), "BTCUSDT");
  EXPECT_FALSE(journal->flush());
  EXPECT_TRUE(journal->failed());
  EXPECT_NE(journal->last_error().find("UNIQUE"), std::string::npos) << journal->last_error();
  EXPECT_FALSE(journal->record_intent(sample_order("sf-3-1"), "BTCUSDT"));
  EXPECT_FALSE(journal->begin_batch());
  EXPECT_FALSE(journal->end_batch());
  using Wait = DurabilityWatermark::Wait;
  EXPECT_EQ(journal->watermark().wait_for(1, 0), Wait::kDurable);
  EXPECT_EQ(journal->watermark().wait_for(2, 0), Wait::kFailed);  // never sent
  EXPECT_EQ(journal->count_rows("orders"), 1);
}

TEST(Journal, GoodBatchesCommittedWithAFailingOneStayDurable) {
  TemporaryDirectory directory;
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  ASSERT_TRUE(journal);
  // Many batches queued at once: the writer groups them into one transaction. The bad one in
  // the middle fails; the ones before it are still written, the ones after are not.
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(journal->begin_batch());
    journal->record_intent(sample_order(i == 30 ? "sf-4-0" : "sf-4-" + std::to_string(i)),
                           "BTCUSDT");
    journal->end_batch();
  }
  EXPECT_FALSE(journal->flush());
  EXPECT_EQ(journal->count_rows("orders"), 30);
}

TEST(Journal, CorruptFileRefusesToOpenWithItsName) {
  TemporaryDirectory directory;
  {
    std::ofstream garbage(directory.path() / "journal.db", std::ios::binary);
    garbage << std::string(4096, '\x5a');
  }
  std::string error;
  EXPECT_FALSE(Journal::open(directory.path(), Durability::kFull, error));
  EXPECT_NE(error.find("journal.db"), std::string::npos) << error;
}

TEST(Journal, BatchesCommitOnceAndPublishTheDurableIntents) {
  TemporaryDirectory directory;
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  using Wait = DurabilityWatermark::Wait;
  ASSERT_TRUE(journal->begin_batch());
  ASSERT_TRUE(journal->end_batch());  // nothing written: nothing to commit
  ASSERT_TRUE(journal->begin_batch());
  Order order;
  order.client_order_id = ClientOrderId::from("t-1");
  ASSERT_TRUE(journal->record_intent(order, "BTCUSDT"));
  EXPECT_EQ(journal->last_intent_sequence(), 1u);
  EXPECT_EQ(journal->watermark().wait_for(1, 0), Wait::kTimedOut);  // written, not committed
  ASSERT_TRUE(journal->end_batch());
  ASSERT_TRUE(journal->flush());
  EXPECT_EQ(journal->watermark().wait_for(1, 0), Wait::kDurable);
  EXPECT_EQ(journal->commits(), 1u);
  order.client_order_id = ClientOrderId::from("t-2");
  ASSERT_TRUE(journal->record_intent(order, "BTCUSDT"));  // outside a batch: its own commit
  ASSERT_TRUE(journal->flush());
  EXPECT_EQ(journal->watermark().wait_for(2, 0), Wait::kDurable);
  EXPECT_EQ(journal->commits(), 2u);
}

TEST(Journal, ARecordVectorReadiedBetweenEventsHoldsTheNextBatchAndNothingElse) {
  TemporaryDirectory directory;
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  journal->ready_next_batch();
  journal->ready_next_batch();  // already readied: keeps it
  ASSERT_TRUE(journal->flush());
  EXPECT_EQ(journal->commits(), 0u);             // a readied vector is not a batch
  for (int event = 1; event <= 3000; ++event) {  // past the pool of ready vectors
    ASSERT_TRUE(journal->begin_batch());
    journal->ready_next_batch();  // inside a batch: nothing to do
    ASSERT_TRUE(journal->record_intent(sample_order("r-" + std::to_string(event)), "BTCUSDT"));
    ASSERT_TRUE(journal->end_batch());
    journal->ready_next_batch();
  }
  ASSERT_TRUE(journal->flush());
  EXPECT_EQ(journal->count_rows("orders"), 3000);
  EXPECT_EQ(journal->watermark().wait_for(3000, 0), DurabilityWatermark::Wait::kDurable);
}

TEST(Journal, ClosedOnAnotherThreadThanTheOneThatWroteItKeepsEveryRecord) {
  // The core thread writes; the daemon closes the journal on its main thread afterwards. The
  // stop marker must reach the writer after every batch, whichever thread queued what.
  TemporaryDirectory directory;
  std::string error;
  for (int round = 0; round < 20; ++round) {
    auto journal = Journal::open(directory.path(), Durability::kNormal, error);
    ASSERT_TRUE(journal) << error;
    std::thread core([&] {
      for (int event = 0; event < 200; ++event) {
        journal->begin_batch();
        journal->record_intent(
            sample_order("c-" + std::to_string(round) + "-" + std::to_string(event)), "BTCUSDT");
        journal->end_batch();
      }
    });
    core.join();
    journal.reset();  // here, on this thread
  }
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  EXPECT_EQ(journal->load_orders().size(), 20u * 200u);
}

// [service] io_poll_us: after its first batch the writer polls for the next instead of
// sleeping, so the core's hand-overs need no wake-up call; every record is still written. The
// clock never moves, so the window never closes: the test does not depend on timing.
TEST(Journal, AWriterThatPollsTakesEveryBatchAfterTheFirstWithoutBeingWoken) {
  TemporaryDirectory directory;
  std::string error;
  SimulatedClock frozen(1'700'000'000 * kNsPerSecond);
  // `count` events of one intent each, each committed before the next (orders now and then).
  const auto one_by_one = [](Journal& journal, const std::string& prefix, int count) {
    for (int event = 0; event < count; ++event) {
      journal.begin_batch();
      journal.record_intent(sample_order(prefix + std::to_string(event)), "BTCUSDT");
      journal.end_batch();
      ASSERT_TRUE(journal.flush());
    }
  };
  {
    auto journal = Journal::open(directory.path(), Durability::kNormal, error);
    ASSERT_TRUE(journal) << error;
    journal->poll_for_batches(&frozen, kNsPerMs);
    one_by_one(*journal, "p-", 50);
    EXPECT_EQ(journal->hand_overs().woken(), 1u);
    EXPECT_EQ(journal->hand_overs().polled(), 49u);
  }
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  ASSERT_TRUE(journal) << error;
  EXPECT_EQ(journal->load_orders().size(), 50u);
  // Without a window (the default) every batch is waited for.
  one_by_one(*journal, "w-", 5);
  EXPECT_EQ(journal->hand_overs().polled(), 0u);
  EXPECT_EQ(journal->hand_overs().woken(), 5u);
}

// Runs SQL on a closed journal file, as damage from outside (a bad disk, a hand edit) would.
void tamper(const std::filesystem::path& directory, const std::string& sql) {
  const std::string command =
      "sqlite3 '" + (directory / "journal.db").string() + "' \"" + sql + "\"";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

// A journal with one filled order and its fill.
void write_filled_order(const std::filesystem::path& directory) {
  std::string error;
  auto journal = Journal::open(directory, Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  Order order = sample_order("sf-1-0");
  ASSERT_TRUE(journal->record_intent(order, "BTCUSDT"));
  ExecutionEvent fill{};
  fill.kind = ExecutionKind::kFill;
  fill.instrument = 0;
  fill.trade_id = 5;
  fill.price = price("100.5");
  fill.quantity = quantity("2");
  fill.fee_asset = FeeAsset::kBase;
  fill.fee_quantity = quantity("0.002");
  order.state = OrderState::kFilled;
  order.filled_quantity = quantity("2");
  ASSERT_TRUE(journal->record_order_event(order, OrderEvent::kFill, &fill, 80));
  ASSERT_TRUE(journal->record_fill(order, fill, PositionRow{}));
}

TEST(Journal, HasAnIdentityOfItsOwnKeptAcrossReopen) {
  TemporaryDirectory directory;
  const auto first = directory.path() / "first";
  const auto second = directory.path() / "second";
  std::string error;
  std::string identity;
  {
    auto journal = Journal::open(first, Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    EXPECT_TRUE(journal->created());
    identity = journal->identity();
    EXPECT_TRUE(Journal::is_valid_identity(identity)) << identity;
  }
  auto reopened = Journal::open(first, Durability::kFull, error);
  ASSERT_TRUE(reopened) << error;
  EXPECT_FALSE(reopened->created());
  EXPECT_EQ(reopened->identity(), identity);
  auto other = Journal::open(second, Durability::kFull, error);
  ASSERT_TRUE(other) << error;
  EXPECT_NE(other->identity(), identity) << "a new journal gets a new identity";
  EXPECT_EQ(Journal::derive_identity("run a"), Journal::derive_identity("run a"));
  EXPECT_NE(Journal::derive_identity("run a"), Journal::derive_identity("run b"));
}

TEST(Journal, AnEmptyFileIsANewJournal) {
  TemporaryDirectory directory;
  std::ofstream(directory.path() / "journal.db").flush();  // zero bytes
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  EXPECT_TRUE(journal->created());
}

TEST(Journal, FeesInTheCoinBoughtSurviveReopen) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  const auto fills = journal->load_fills();
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fee.asset, FeeAsset::kBase);
  EXPECT_EQ(fills[0].fee.quantity, quantity("0.002"));
}

TEST(Journal, AnOrderInAStateThatDoesNotExistIsRefusedNotAborted) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  tamper(directory.path(), "UPDATE orders SET state = 'HALF_FILLED';");
  std::string error;
  EXPECT_FALSE(Journal::open(directory.path(), Durability::kFull, error));
  EXPECT_NE(error.find("is damaged: order sf-1-0: state 'HALF_FILLED' does not exist"),
            std::string::npos)
      << error;
}

TEST(Journal, AMissingTableIsRefusedEvenThoughItCouldBeCreatedEmpty) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  tamper(directory.path(), "DROP TABLE fills;");
  std::string error;
  EXPECT_FALSE(Journal::open(directory.path(), Durability::kFull, error));
  EXPECT_NE(error.find("table fills is missing"), std::string::npos) << error;
  // Nothing was created in its place: the next attempt says the same.
  EXPECT_FALSE(Journal::open(directory.path(), Durability::kFull, error));
  EXPECT_NE(error.find("table fills is missing"), std::string::npos) << error;
}

TEST(Journal, AMissingColumnOrKeyIndexIsRefused) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  tamper(directory.path(), "ALTER TABLE orders DROP COLUMN venue_order_id;");
  std::string error;
  EXPECT_FALSE(Journal::open(directory.path(), Durability::kFull, error));
  EXPECT_NE(error.find("table orders has no column venue_order_id"), std::string::npos) << error;

  const auto rebuilt = directory.path() / "rebuilt";
  write_filled_order(rebuilt);
  // The same columns without the primary key (deduplication of fills relies on it).
  tamper(
      rebuilt,
      "CREATE TABLE f2 AS SELECT * FROM fills; DROP TABLE fills; ALTER TABLE f2 RENAME TO fills;");
  EXPECT_FALSE(Journal::open(rebuilt, Durability::kFull, error));
  EXPECT_NE(error.find("table fills has lost its primary key index"), std::string::npos) << error;
}

TEST(Journal, OrdersAndFillsThatDisagreeAreRefused) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  tamper(directory.path(), "DELETE FROM fills;");
  std::string error;
  EXPECT_FALSE(Journal::open(directory.path(), Durability::kFull, error));
  EXPECT_NE(
      error.find("order sf-1-0 shows a filled quantity of 200000000 but its fills add up to 0"),
      std::string::npos)
      << error;

  const auto orphan = directory.path() / "orphan";
  write_filled_order(orphan);
  tamper(orphan, "UPDATE fills SET client_order_id = 'sf-9-0';");
  EXPECT_FALSE(Journal::open(orphan, Durability::kFull, error));
  EXPECT_NE(error.find("fill of order sf-9-0 has no such order"), std::string::npos) << error;
}

TEST(Journal, AJournalOfAnEarlierSigexIsUpgradedInPlace) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  // What a journal written before identities and fee assets looks like.
  tamper(directory.path(),
         "DROP TABLE journal_meta; ALTER TABLE fills DROP COLUMN fee_kind; ALTER TABLE fills DROP "
         "COLUMN fee_asset; "
         "ALTER TABLE fills DROP COLUMN fee_quantity;");
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  EXPECT_FALSE(journal->created());
  EXPECT_TRUE(Journal::is_valid_identity(journal->identity()));
  const auto fills = journal->load_fills();
  ASSERT_EQ(fills.size(), 1u);
  EXPECT_EQ(fills[0].fee.asset, FeeAsset::kQuote);  // what earlier journals meant
  EXPECT_EQ(journal->load_orders().size(), 1u);
  // The journal as it was is kept beside it.
  EXPECT_TRUE(std::filesystem::exists(directory.path() / "journal.db.before-schema-3"));
}

TEST(Journal, ASchemaTwoJournalGainsReduceOnlyAndAccountEvents) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  tamper(directory.path(),
         "DROP TABLE account_events; ALTER TABLE orders DROP COLUMN reduce_only; UPDATE "
         "journal_meta SET value = '2' WHERE name = 'schema_version';");
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  const auto orders = journal->load_orders();
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_FALSE(orders[0].reduce_only);
  EXPECT_TRUE(journal->load_account_events().empty());
  EXPECT_TRUE(std::filesystem::exists(directory.path() / "journal.db.before-schema-3"));
}

TEST(Journal, AccountEventsAreKeptOnceEach) {
  TemporaryDirectory directory;
  std::string error;
  {
    auto journal = Journal::open(directory.path(), Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    AccountEventRow funding{AccountEventKind::kFunding,
                            1,
                            1'600'000'000'000'000'000,
                            ClientOrderId{},
                            Side::kBuy,
                            Price{0},
                            Quantity{0},
                            Money{-250'000'000},
                            Money{0},
                            1'600'000'000'000'000'000};
    EXPECT_TRUE(journal->record_account_event(funding));
    EXPECT_TRUE(journal->record_account_event(funding));  // a repeat is ignored
    AccountEventRow liquidation{AccountEventKind::kVenueFill,
                                1,
                                77,
                                ClientOrderId::from("autoclose-77"),
                                Side::kSell,
                                Price{4'000'000'000'000},
                                Quantity{10'000'000},
                                Money{0},
                                Money{500'000'000},
                                1'600'000'000'000'000'001};
    EXPECT_TRUE(journal->record_account_event(liquidation));
  }
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  const auto events = journal->load_account_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, AccountEventKind::kFunding);
  EXPECT_EQ(events[0].amount, Money{-250'000'000});
  EXPECT_EQ(events[1].kind, AccountEventKind::kVenueFill);
  EXPECT_EQ(events[1].client_order_id.view(), "autoclose-77");
  EXPECT_EQ(events[1].side, Side::kSell);
  EXPECT_EQ(events[1].quantity, Quantity{10'000'000});
  EXPECT_EQ(events[1].fee, Money{500'000'000});
}

TEST(Journal, AJournalOfANewerSigexIsRefused) {
  TemporaryDirectory directory;
  write_filled_order(directory.path());
  tamper(directory.path(), "UPDATE journal_meta SET value = '4' WHERE name = 'schema_version';");
  std::string error;
  EXPECT_FALSE(Journal::open(directory.path(), Durability::kFull, error));
  EXPECT_NE(error.find("written by a newer sigex (journal schema 4; this sigex knows up to 3)"),
            std::string::npos)
      << error;
}

TEST(Journal, AcknowledgedOrdersAreRemembered) {
  TemporaryDirectory directory;
  std::string error;
  {
    auto journal = Journal::open(directory.path(), Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
    ASSERT_TRUE(journal->acknowledge_order("sf-AAAAAA-0123456789ab-0", "ignored", 5));
  }
  auto journal = Journal::open(directory.path(), Durability::kFull, error);
  ASSERT_TRUE(journal) << error;
  EXPECT_EQ(journal->acknowledged_orders(),
            (std::set<std::string, std::less<>>{"sf-AAAAAA-0123456789ab-0"}));
}

TEST(DurabilityWatermark, AFailedJournalReleasesWaitersWithoutDurability) {
  DurabilityWatermark watermark;
  using Wait = DurabilityWatermark::Wait;
  watermark.publish(3);
  EXPECT_EQ(watermark.wait_for(3, 0), Wait::kDurable);
  EXPECT_EQ(watermark.wait_for(4, 0), Wait::kTimedOut);
  watermark.fail();
  EXPECT_EQ(watermark.wait_for(4, 0), Wait::kFailed);
  EXPECT_EQ(watermark.wait_for(2, 0), Wait::kDurable);
}

}  // namespace
}  // namespace sigex
