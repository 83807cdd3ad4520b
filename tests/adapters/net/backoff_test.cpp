#include "adapters/net/backoff.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(Backoff, GrowsWithJitterUpToTheCapAndResets) {
  Backoff backoff(100, 1'000, 7);
  DurationNs largest = 0;
  for (int attempt = 0; attempt < 50; ++attempt) {
    const DurationNs delay = backoff.next();
    EXPECT_GE(delay, 50);     // never below half the initial delay
    EXPECT_LE(delay, 1'000);  // never above the cap
    largest = std::max(largest, delay);
  }
  EXPECT_GT(largest, 500);  // it does grow
  backoff.reset();
  EXPECT_LE(backoff.next(), 100);
}

TEST(Backoff, SameSeedSameDelays) {
  Backoff first(100, 10'000, 42), second(100, 10'000, 42);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(first.next(), second.next());
}

}  // namespace
}  // namespace sigex
