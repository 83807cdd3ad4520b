#include "adapters/recorded/replay_source.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TEST(ReplaySource, MergesFilesByReceiveTimeAndReportsBadFrames) {
  TemporaryDirectory directory;
  const auto trades = (directory.path() / "trades.txt").string();
  const auto signals = (directory.path() / "signals.txt").string();
  std::ofstream(trades)
      << R"(10 {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"100.00","q":"1","T":1,"m":true,"M":true}})"
         "\n"
      << R"(30 {"stream":"btcusdt@trade","data":{"e":"trade","E":3,"s":"BTCUSDT","t":2,"p":"oops","q":"1","T":3,"m":true,"M":true}})"
         "\n"
      << R"(40 {"stream":"dogeusdt@trade","data":{"e":"trade","E":4,"s":"DOGEUSDT","t":3,"p":"1","q":"1","T":4,"m":true,"M":true}})"
         "\n"
      << "50 hello\n";
  std::ofstream(signals)
      << R"(20 {"success":true,"message":"","length":1,"data":[{"TOKEN_ID":3375,"DATE":"2024-01-01","TRADING_SIGNAL":1}]})"
         "\n"
      << R"(10 {"success":true,"message":"","length":0,"data":[]})"
         "\n";
  const InstrumentRegistry instruments = two_instruments();
  ReplaySource source(instruments, {{trades}, {signals}}, 0, INT64_MAX);
  std::string error;
  ASSERT_TRUE(source.open(error)) << error;
  std::vector<InboundEvent> batch;
  std::vector<MarketEventKind> kinds;
  std::vector<TimeNs> times;
  while (source.next(batch)) {
    for (const auto& event : batch) {
      kinds.push_back(event.kind);
      times.push_back(event.receive_time_ns());
    }
  }
  EXPECT_EQ(kinds, (std::vector<MarketEventKind>{MarketEventKind::kTrade,
                                                 MarketEventKind::kTradingSignal}));
  EXPECT_EQ(times, (std::vector<TimeNs>{10, 20}));
  EXPECT_EQ(source.stats().lines, 5u);
  EXPECT_EQ(source.stats().unknown_instrument, 1u);
  EXPECT_EQ(source.stats().frames_rejected, 2u);
  ASSERT_EQ(source.problems().count(), 3u);  // bad price, unrecognised frame, time going back
  EXPECT_NE(source.problems().details()[0].find(signals + ":2:"), std::string::npos);
  EXPECT_NE(source.problems().details()[1].find(trades + ":2: syntax"), std::string::npos);
  EXPECT_NE(source.problems().details()[2].find(trades + ":4: unsupported"), std::string::npos);
}

TEST(ReplaySource, MissingInputsAreAllNamed) {
  const InstrumentRegistry instruments = two_instruments();
  ReplaySource source(instruments, {{"/missing/a.gz"}, {"/missing/b.gz"}}, 0, INT64_MAX);
  std::string error;
  EXPECT_FALSE(source.open(error));
  EXPECT_NE(error.find("/missing/a.gz"), std::string::npos);
  EXPECT_NE(error.find("/missing/b.gz"), std::string::npos);
}

TEST(ReplaySource, TimeWindowIsHalfOpen) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "w.txt").string();
  std::ofstream out(path);
  for (int t = 1; t <= 5; ++t) {
    out << t * 10 << R"( {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":)"
        << t << R"(,"p":"1","q":"1","T":1,"m":true,"M":true}})"
        << "\n";
  }
  out.close();
  const InstrumentRegistry instruments = two_instruments();
  ReplaySource source(instruments, {{path}}, 20, 40);
  std::string error;
  ASSERT_TRUE(source.open(error));
  std::vector<InboundEvent> batch;
  std::vector<std::uint64_t> ids;
  while (source.next(batch)) ids.push_back(batch[0].trade.trade_id);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{2, 3}));
}

}  // namespace
}  // namespace sigex

#include "engine/book/order_book.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// Two minutes of a real Binance USD-M ETHUSDT capture (depth@0ms with `pu`, bookTicker with
// event times, trades, the /fapi/v1/depth snapshot), replayed as a futures input: every
// record goes to the perpetual (not the spot pair of the same name), and the book follows
// Binance's futures continuity rule (pu == previous u) without a gap.
TEST(ReplaySource, AUsdmCaptureBuildsThePerpetualsBookWithoutAGap) {
  InstrumentRegistry instruments;
  Instrument spot = ethusdt();
  instruments.add(spot);
  Instrument perpetual = ethusdt();
  perpetual.kind = InstrumentKind::kPerpetual;
  perpetual.step_size = quantity("0.001");
  perpetual.token_id = 0;
  perpetual.bracket_count = 1;
  perpetual.bracket_table[0] = MarginBracket{money("1000000"), Rate{500'000}, Money{0}, 100};
  instruments.add(perpetual);
  const std::string path = std::string(SIGEX_SOURCE_DIR) +
                           "/config/data/binance-usdm-capture/ethusdt_20240808_first120s.gz";
  ReplaySource source(instruments, {{path, 1, BinanceMarket::kUsdm}}, 0, INT64_MAX);
  std::string error;
  ASSERT_TRUE(source.open(error)) << error;
  BookSync book;
  std::vector<InboundEvent> out;
  std::uint64_t quotes = 0, trades = 0, resyncs = 0;
  bool quote_times = true;
  while (source.next(out)) {
    for (const InboundEvent& event : out) {
      switch (event.kind) {
        case MarketEventKind::kDepthLevel:
          ASSERT_EQ(event.depth.instrument, 1);
          resyncs += book.on_level(event.depth) ? 1 : 0;
          break;
        case MarketEventKind::kBestBidOffer:
          ASSERT_EQ(event.best_bid_offer.instrument, 1);
          quote_times &= event.best_bid_offer.venue_time_ns > 0;
          ++quotes;
          break;
        case MarketEventKind::kTrade:
          ASSERT_EQ(event.trade.instrument, 1);
          ++trades;
          break;
        default:
          break;
      }
    }
    out.clear();
  }
  EXPECT_EQ(source.stats().frames_rejected, 0u);
  EXPECT_EQ(resyncs, 0u);
  EXPECT_EQ(book.status(), BookStatus::kSynced);
  EXPECT_EQ(book.counters().gaps, 0u);
  EXPECT_EQ(book.counters().out_of_order, 0u);
  EXPECT_EQ(book.counters().snapshots, 1u);
  EXPECT_GT(book.counters().messages_applied, 2'000u);  // 2 303 diffs, 7 before the snapshot
  EXPECT_EQ(book.counters().crossed, 0u);
  EXPECT_EQ(quotes, 19'711u);
  EXPECT_EQ(trades, 4'027u);
  EXPECT_TRUE(quote_times) << "USD-M bookTicker carries its event time";
}

TEST(ReplaySource, AUsdmDiffThatSkipsItsPredecessorIsAGap) {
  BookSync book;
  DepthLevel snapshot{};
  snapshot.instrument = 0;
  snapshot.flags = DepthLevel::kSnapshot | DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
  snapshot.price = price("2500");
  snapshot.quantity = quantity("1");
  snapshot.first_update_id = snapshot.last_update_id = 100;
  EXPECT_FALSE(book.on_level(snapshot));
  DepthLevel diff{};
  diff.flags = DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
  diff.price = price("2501");
  diff.quantity = quantity("1");
  diff.side = Side::kSell;
  const auto send = [&](std::uint64_t first, std::uint64_t last, std::uint64_t previous) {
    diff.first_update_id = first;
    diff.last_update_id = last;
    diff.previous_update_id = previous;
    return book.on_level(diff);
  };
  EXPECT_FALSE(send(90, 99, 80));     // before the snapshot: dropped
  EXPECT_FALSE(send(95, 130, 89));    // straddles it: applied
  EXPECT_FALSE(send(131, 150, 130));  // pu == previous u (ids of other symbols in between)
  EXPECT_EQ(book.counters().messages_applied, 2u);
  EXPECT_TRUE(send(170, 180, 160));  // pu != previous u: a gap, the book needs a snapshot
  EXPECT_EQ(book.counters().gaps, 1u);
}

TEST(ReplaySource, AUsdmSnapshotTakenBetweenTwoDiffsIsFollowedByTheOneWhosePuIsIt) {
  const auto run = [](std::uint64_t first, std::uint64_t previous) {
    BookSync book;
    DepthLevel snapshot{};
    snapshot.flags =
        DepthLevel::kSnapshot | DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
    snapshot.price = price("2500");
    snapshot.quantity = quantity("1");
    snapshot.first_update_id = snapshot.last_update_id = 100;
    book.on_level(snapshot);
    DepthLevel diff{};
    diff.flags = DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
    diff.price = price("2501");
    diff.quantity = quantity("1");
    diff.side = Side::kSell;
    diff.first_update_id = first;
    diff.last_update_id = first + 5;
    diff.previous_update_id = previous;
    const bool resync = book.on_level(diff);
    return std::pair{resync, book.counters().messages_applied};
  };
  // The snapshot is the book at id 100 exactly; the next diff starts after it and says so.
  EXPECT_EQ(run(101, 100), (std::pair<bool, std::uint64_t>{false, 1u}));
  // Starts after it but follows another event: one was missed.
  EXPECT_EQ(run(105, 103), (std::pair<bool, std::uint64_t>{true, 0u}));
}

}  // namespace
}  // namespace sigex
