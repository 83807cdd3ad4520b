#include "engine/health/watchdog.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

constexpr TimeNs kStart = 1'000 * kNsPerSecond;

TEST(Watchdog, IsDueOncePerIntervalAtTheRateSystemdAskedFor) {
  Watchdog watchdog(200 * kNsPerMs, kNsPerSecond);  // WATCHDOG_USEC = 400 ms
  int pings = 0;
  // The pinger wakes every 50 ms for 2 s: pings at 0, 200, ..., 1800 ms.
  for (TimeNs now = kStart; now < kStart + 2 * kNsPerSecond; now += 50 * kNsPerMs)
    pings += watchdog.due(now) ? 1 : 0;
  EXPECT_EQ(pings, 10);
}

TEST(Watchdog, IsHealthyWhileTheLoopTurnsAndFeedsDeliver) {
  Watchdog watchdog(200 * kNsPerMs, kNsPerSecond);
  watchdog.loop_turned(kStart + 900 * kNsPerMs);
  const std::vector<WatchedFeed> feeds = {
      {"market data", 2 * kNsPerSecond, kStart + 500 * kNsPerMs}};
  EXPECT_TRUE(watchdog.verdict(kStart + kNsPerSecond, feeds, kStart).healthy);
}

TEST(Watchdog, AHungLoopIsUnhealthyOnceItIsSilentLongerThanAllowed) {
  Watchdog watchdog(200 * kNsPerMs, kNsPerSecond);
  watchdog.loop_turned(kStart);
  EXPECT_TRUE(watchdog.verdict(kStart + kNsPerSecond, {}, kStart).healthy);  // exactly at the limit
  const WatchdogVerdict hung = watchdog.verdict(kStart + kNsPerSecond + 1, {}, kStart);
  EXPECT_FALSE(hung.healthy);
  EXPECT_EQ(hung.reason, "core loop has not turned for 1.0 s");
}

TEST(Watchdog, ALoopThatNeverTurnedIsMeasuredFromTheWatchStart) {
  Watchdog watchdog(200 * kNsPerMs, kNsPerSecond);
  EXPECT_TRUE(watchdog.verdict(kStart + 500 * kNsPerMs, {}, kStart).healthy);
  EXPECT_FALSE(watchdog.verdict(kStart + 2 * kNsPerSecond, {}, kStart).healthy);
}

TEST(Watchdog, ASilentFeedIsUnhealthyAndNamed) {
  Watchdog watchdog(200 * kNsPerMs, 10 * kNsPerSecond);
  const TimeNs now = kStart + 5 * kNsPerSecond;
  watchdog.loop_turned(now);
  const std::vector<WatchedFeed> feeds = {{"market data", 3 * kNsPerSecond, kStart + kNsPerSecond},
                                          {"unwatched", 0, 0}};
  const WatchdogVerdict verdict = watchdog.verdict(now, feeds, kStart);
  EXPECT_FALSE(verdict.healthy);
  EXPECT_EQ(verdict.reason, "feed market data silent for 4.0 s (limit 3.0 s)");
  // A feed that never delivered counts from the watch start.
  const std::vector<WatchedFeed> never = {{"signals", 3 * kNsPerSecond, 0}};
  EXPECT_TRUE(watchdog.verdict(kStart + 2 * kNsPerSecond, never, kStart).healthy);
  EXPECT_FALSE(watchdog.verdict(now, never, kStart).healthy);
}

}  // namespace
}  // namespace sigex
