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
