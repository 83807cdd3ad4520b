#include "adapters/recorded/publication_schedule.h"

#include <gtest/gtest.h>

#include <fstream>

#include "adapters/recorded/replay_source.h"
#include "engine/core/calendar.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TimeNs at(const char* text) { return *parse_utc_timestamp(text); }

std::string trade_line(TimeNs time_ns, int id) {
  return std::to_string(time_ns) +
         R"( {"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":)" +
         std::to_string(id) + R"(,"p":"100.00","q":"1","T":1,"m":true,"M":true}})";
}

std::string signal_line(TimeNs time_ns, const char* date, const char* message = "") {
  return std::to_string(time_ns) + R"( {"success":true,"message":")" + message +
         R"(","length":1,"data":[{"TOKEN_ID":3375,"DATE":")" + date +
         R"(","TRADING_SIGNAL":1,"TM_TRADER_GRADE":70.5}]})";
}

struct Seen {
  MarketEventKind kind;
  TimeNs time_ns;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> replay(ReplaySource& source) {
  std::string error;
  EXPECT_TRUE(source.open(error)) << error;
  std::vector<Seen> seen;
  std::vector<InboundEvent> batch;
  while (source.next(batch)) {
    for (const auto& event : batch) seen.push_back({event.kind, event.receive_time_ns()});
  }
  return seen;
}

TEST(PublicationRule, ADailyRowIsPublishedAtTheFirstPollAfterItsDayEnds) {
  const PublicationRule daily{kNsPerDay, kNsPerHour, 5 * kNsPerMinute};
  EXPECT_EQ(format_utc_timestamp(daily.published_ns(at("2024-01-01T00:00:00Z"))),
            "2024-01-02T00:05:00.000Z");
  const PublicationRule hourly{kNsPerHour, kNsPerHour, 2 * kNsPerMinute};
  EXPECT_EQ(format_utc_timestamp(hourly.published_ns(at("2024-01-01T13:00:00Z"))),
            "2024-01-01T14:02:00.000Z");
  const PublicationRule at_date{0, kNsPerHour,
                                5 * kNsPerMinute};  // the look-ahead stamping, by choice
  EXPECT_EQ(format_utc_timestamp(at_date.published_ns(at("2024-01-01T00:00:00Z"))),
            "2024-01-01T00:05:00.000Z");
}

// The look-ahead the issue measured: a daily row dated D recorded at D 00:05 (as fetch-history
// once stamped it). The backtest must not see it before D+1 00:05: it is held, comes out at
// its publication after every market event before then, and is counted.
TEST(PublicationSchedule, NoRowComesOutBeforeItsAssumedPublication) {
  TemporaryDirectory directory;
  const auto trades = (directory.path() / "trades.txt").string();
  const auto signals = (directory.path() / "signals.txt").string();
  std::ofstream(trades) << trade_line(at("2024-01-01T12:00:00Z"), 1) << "\n"
                        << trade_line(at("2024-01-02T00:04:00Z"), 2) << "\n"
                        << trade_line(at("2024-01-02T00:06:00Z"), 3) << "\n";
  std::ofstream(signals) << signal_line(at("2024-01-01T00:05:00Z"), "2024-01-01")
                         << "\n"  // early: held
                         << signal_line(at("2024-01-03T00:05:00Z"), "2024-01-02")
                         << "\n";  // on time
  const InstrumentRegistry instruments = two_instruments();
  ReplaySource source(instruments, {{trades}, {signals}}, 0, INT64_MAX);
  source.hold_until_published(PublicationDelays{});
  const auto seen = replay(source);
  const TimeNs published = at("2024-01-02T00:05:00Z");
  EXPECT_EQ(seen,
            (std::vector<Seen>{{MarketEventKind::kTrade, at("2024-01-01T12:00:00Z")},
                               {MarketEventKind::kTrade, at("2024-01-02T00:04:00Z")},
                               {MarketEventKind::kGrade, published},
                               {MarketEventKind::kTradingSignal, published},
                               {MarketEventKind::kTrade, at("2024-01-02T00:06:00Z")},
                               {MarketEventKind::kGrade, at("2024-01-03T00:05:00Z")},
                               {MarketEventKind::kTradingSignal, at("2024-01-03T00:05:00Z")}}));
  EXPECT_EQ(source.rows_held_until_published(), 2u);  // the signal and the grade of the early row
}

TEST(PublicationSchedule, RowsHeldToTheEndStillComeOut) {
  TemporaryDirectory directory;
  const auto signals = (directory.path() / "signals.txt").string();
  std::ofstream(signals) << signal_line(at("2024-01-01T00:05:00Z"), "2024-01-01") << "\n";
  const InstrumentRegistry instruments = two_instruments();
  ReplaySource source(instruments, {{signals}}, 0, INT64_MAX);
  source.hold_until_published(PublicationDelays{});
  const auto seen = replay(source);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].time_ns, at("2024-01-02T00:05:00Z"));
  // A replay that ends before the row's publication never sees it.
  ReplaySource ending(instruments, {{signals}}, 0, at("2024-01-02T00:00:00Z"));
  ending.hold_until_published(PublicationDelays{});
  EXPECT_TRUE(replay(ending).empty());
}

TEST(PublicationObservations, FirstAppearancesOfRecordedRowsAreTheEvidence) {
  TemporaryDirectory directory;
  const auto signals = (directory.path() / "signals.txt").string();
  std::ofstream(signals) << signal_line(at("2024-01-02T00:05:00Z"), "2024-01-01")
                         << "\n"  // first seen 1 day 5 min after
                         << signal_line(at("2024-01-02T01:05:00Z"), "2024-01-01")
                         << "\n"  // polled again: not news
                         << signal_line(at("2024-01-03T02:05:00Z"), "2024-01-02")
                         << "\n"  // 1 day 2 h 5 min
                         << signal_line(at("2024-01-04T00:05:00Z"), "2024-01-03",
                                        "sigex fetch-history trading-signals")
                         << "\n";
  const InstrumentRegistry instruments = two_instruments();
  ReplaySource source(instruments, {{signals}}, 0, INT64_MAX);
  replay(source);
  const ObservedDelays daily = source.publication_observations().of(PublishedRow::kDailySignal);
  EXPECT_EQ(daily.rows, 2u);  // the fetch-history row is the assumption, not evidence
  EXPECT_EQ(daily.min_ns, kNsPerDay + 5 * kNsPerMinute);
  EXPECT_EQ(daily.max_ns, kNsPerDay + 2 * kNsPerHour + 5 * kNsPerMinute);
  EXPECT_EQ(source.publication_observations().of(PublishedRow::kGrade).rows, 2u);
  EXPECT_EQ(source.publication_observations().of(PublishedRow::kHourlySignal).rows, 0u);
}

}  // namespace
}  // namespace sigex
