#include "engine/book/order_book.h"

#include <gtest/gtest.h>

#include "adapters/recorded/replay_source.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TEST(OrderBook, KeepsLevelsSortedWithTheTouchFirst) {
  OrderBook book(8);
  book.set(Side::kBuy, price("100"), quantity("1"));
  book.set(Side::kBuy, price("101"), quantity("2"));
  book.set(Side::kBuy, price("99"), quantity("3"));
  book.set(Side::kSell, price("103"), quantity("1"));
  book.set(Side::kSell, price("102"), quantity("4"));
  EXPECT_EQ(book.best(Side::kBuy)->price, price("101"));
  EXPECT_EQ(book.best(Side::kSell)->price, price("102"));
  EXPECT_EQ(book.level(Side::kBuy, 2).price, price("99"));
  EXPECT_EQ(book.level(Side::kSell, 1).price, price("103"));
  book.set(Side::kBuy, price("101"), quantity("0"));  // remove
  book.set(Side::kBuy, price("100"), quantity("5"));  // replace
  EXPECT_EQ(book.best(Side::kBuy)->price, price("100"));
  EXPECT_EQ(book.best(Side::kBuy)->quantity, quantity("5"));
  EXPECT_EQ(book.depth(Side::kBuy), 2u);
  book.set(Side::kBuy, price("50"), quantity("0"));  // removing a missing level is harmless
  EXPECT_FALSE(book.crossed());
  book.set(Side::kBuy, price("102"), quantity("1"));
  EXPECT_TRUE(book.crossed());
}

TEST(OrderBook, FullSideKeepsItsBestLevels) {
  OrderBook book(3);
  for (const char* p : {"10", "11", "12"}) book.set(Side::kSell, price(p), quantity("1"));
  book.set(Side::kSell, price("13"), quantity("1"));  // worse than all kept: dropped
  EXPECT_EQ(book.depth(Side::kSell), 3u);
  EXPECT_EQ(book.level(Side::kSell, 2).price, price("12"));
  book.set(Side::kSell, price("9"), quantity("1"));  // better: the worst level goes
  EXPECT_EQ(book.best(Side::kSell)->price, price("9"));
  EXPECT_EQ(book.level(Side::kSell, 2).price, price("11"));
}

// Depth records as the Binance parser produces them.
class BookSyncTest : public ::testing::Test {
 protected:
  // Feeds one diff message [first, last] with one bid level; returns the resync request.
  bool diff(std::uint64_t first, std::uint64_t last, std::string_view bid = "100",
            std::string_view size = "1") {
    DepthLevel level{};
    level.side = Side::kBuy;
    level.flags = DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
    level.price = price(bid);
    level.quantity = quantity(size);
    level.first_update_id = first;
    level.last_update_id = last;
    return sync_.on_level(level);
  }
  bool snapshot(std::uint64_t id) {
    DepthLevel bid{};
    bid.side = Side::kBuy;
    bid.flags = DepthLevel::kSnapshot | DepthLevel::kFirstInMessage;
    bid.price = price("99");
    bid.quantity = quantity("7");
    bid.first_update_id = bid.last_update_id = id;
    DepthLevel ask = bid;
    ask.side = Side::kSell;
    ask.flags = DepthLevel::kSnapshot | DepthLevel::kLastInMessage;
    ask.price = price("101");
    sync_.on_level(bid);
    return sync_.on_level(ask);
  }

  BookSync sync_{100, 1000};
};

TEST_F(BookSyncTest, BuffersUntilTheSnapshotThenFollowsTheProcedure) {
  EXPECT_EQ(sync_.status(), BookStatus::kNotUsed);
  EXPECT_FALSE(diff(157, 160));
  EXPECT_FALSE(diff(161, 165, "98", "2"));
  EXPECT_EQ(sync_.status(), BookStatus::kAwaitingSnapshot);
  EXPECT_FALSE(snapshot(162));  // 161 <= 163 <= 165 straddles: applied; 157..160 dropped
  EXPECT_EQ(sync_.status(), BookStatus::kSynced);
  EXPECT_EQ(sync_.last_update_id(), 165u);
  EXPECT_EQ(sync_.counters().messages_dropped_old, 1u);
  EXPECT_EQ(sync_.book().level(Side::kBuy, 1).price, price("98"));
  EXPECT_FALSE(diff(166, 170, "100.5"));
  EXPECT_EQ(sync_.book().best(Side::kBuy)->price, price("100.5"));
  EXPECT_EQ(sync_.last_update_id(), 170u);
}

TEST_F(BookSyncTest, GapInvalidatesAndAsksForOneResync) {
  snapshot(10);
  EXPECT_FALSE(diff(11, 12));
  EXPECT_TRUE(diff(14, 15));  // 13 is missing
  EXPECT_EQ(sync_.status(), BookStatus::kInvalid);
  EXPECT_EQ(sync_.counters().gaps, 1u);
  EXPECT_EQ(sync_.book().depth(Side::kBuy), 0u);
  EXPECT_FALSE(diff(16, 17));  // buffered for the next snapshot, no second request
  EXPECT_EQ(sync_.counters().resyncs_requested, 1u);
  EXPECT_FALSE(snapshot(16));
  EXPECT_EQ(sync_.status(), BookStatus::kSynced);
  EXPECT_EQ(sync_.last_update_id(), 17u);
}

TEST_F(BookSyncTest, DuplicateOrReorderedUpdateAfterSyncInvalidates) {
  snapshot(10);
  diff(11, 12);
  EXPECT_TRUE(diff(11, 12));  // the same update again
  EXPECT_EQ(sync_.counters().out_of_order, 1u);
  snapshot(20);
  diff(21, 22);
  EXPECT_TRUE(diff(20, 23));  // overlaps what was applied
  EXPECT_EQ(sync_.counters().out_of_order, 2u);
}

TEST_F(BookSyncTest, SnapshotOlderThanTheBufferIsRefused) {
  diff(100, 105);
  EXPECT_TRUE(snapshot(50));
  EXPECT_EQ(sync_.status(), BookStatus::kInvalid);
  EXPECT_EQ(sync_.counters().snapshots_too_old, 1u);
}

TEST_F(BookSyncTest, EmptyMessagesAdvanceTheUpdateId) {
  snapshot(10);
  DepthLevel empty{};
  empty.flags = DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage | DepthLevel::kEmpty;
  empty.first_update_id = 11;
  empty.last_update_id = 11;
  EXPECT_FALSE(sync_.on_level(empty));
  EXPECT_FALSE(diff(12, 12));
  EXPECT_EQ(sync_.status(), BookStatus::kSynced);
}

TEST_F(BookSyncTest, BufferOverflowForcesANewSnapshot) {
  BookSync small(100, 2);
  DepthLevel level{};
  level.flags = DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
  level.price = price("1");
  level.quantity = quantity("1");
  for (std::uint64_t id = 1; id <= 3; ++id) {
    level.first_update_id = level.last_update_id = id;
    small.on_level(level);
  }
  DepthLevel snap = level;
  snap.flags = DepthLevel::kSnapshot | DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
  snap.first_update_id = snap.last_update_id = 2;
  EXPECT_TRUE(small.on_level(snap));
  EXPECT_EQ(small.counters().buffer_overflows, 1u);
}

TEST(BookSyncCapture, TheRealBinanceCaptureSyncsAndStaysGapFree) {
  const InstrumentRegistry instruments = two_instruments();
  const std::string data = std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/";
  ReplaySource source(instruments,
                      {{data + "btcusdt_20240808.gz", 0}, {data + "btcusdt_20240809.gz", 0}}, 0,
                      INT64_MAX);
  std::string error;
  ASSERT_TRUE(source.open(error)) << error;
  BookSync sync;
  std::vector<InboundEvent> batch;
  std::uint64_t requests = 0;
  std::optional<BestBidOffer> last_quote;
  std::uint64_t agreeing = 0, compared = 0;
  while (source.next(batch)) {
    for (const auto& event : batch) {
      if (event.kind == MarketEventKind::kDepthLevel) {
        requests += sync.on_level(event.depth) ? 1 : 0;
        // At each depth message end, the book's touch should usually equal the latest
        // bookTicker with the same or a newer update id.
        if ((event.depth.flags & DepthLevel::kLastInMessage) &&
            sync.status() == BookStatus::kSynced && last_quote &&
            last_quote->update_id == sync.last_update_id()) {
          ++compared;
          agreeing += sync.book().best(Side::kBuy)->price == last_quote->bid_price &&
                      sync.book().best(Side::kSell)->price == last_quote->ask_price;
        }
      } else if (event.kind == MarketEventKind::kBestBidOffer) {
        last_quote = event.best_bid_offer;
      }
    }
  }
  EXPECT_EQ(requests, 0u);
  EXPECT_EQ(sync.status(), BookStatus::kSynced);
  EXPECT_EQ(sync.counters().gaps, 0u);
  EXPECT_EQ(sync.counters().crossed, 0u);
  EXPECT_EQ(sync.counters().snapshots, 1u);
  EXPECT_GT(sync.counters().messages_applied, 6000u);
  EXPECT_EQ(agreeing, compared);  // same update id => same touch, exactly
}

}  // namespace
}  // namespace sigex
