#include "engine/queue/hand_over_poll.h"

#include <gtest/gtest.h>

#include <vector>

namespace sigex {
namespace {

// A clock the test sets, forwards or back.
class SetClock final : public Clock {
 public:
  TimeNs now_ns() const override { return now_ns_; }
  TimeNs now_ns_ = 1'000'000'000;
};

// A queue the poll is tried against: `take` finds a hand-over once the clock reaches
// `arrives_at_ns`, and every try moves the clock on by `per_try_ns`; `wait` records what it was
// asked and answers `wait_answer`.
struct Serving {
  SetClock clock;
  TimeNs arrives_at_ns = INT64_MAX;
  DurationNs per_try_ns = 10 * kNsPerUs;
  int tries = 0;
  std::vector<DurationNs> waits;
  bool wait_answer = true;

  bool next(HandOverPoll& poll, DurationNs timeout_ns = HandOverPoll::kForever) {
    return poll.next(
        [&] {
          ++tries;
          const bool arrived = clock.now_ns_ >= arrives_at_ns;
          clock.now_ns_ += per_try_ns;
          return arrived;
        },
        [&](DurationNs left_ns) {
          waits.push_back(left_ns);
          return wait_answer;
        },
        timeout_ns);
  }
};

TEST(HandOverPoll, WithoutAWindowItWaitsAtOnce) {
  Serving serving;
  HandOverPoll poll;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(serving.next(poll, 5 * kNsPerMs));
  EXPECT_EQ(serving.tries, 0);
  EXPECT_EQ(serving.waits, (std::vector<DurationNs>{5 * kNsPerMs, 5 * kNsPerMs, 5 * kNsPerMs}));
  EXPECT_EQ(poll.polled(), 0u);
  EXPECT_EQ(poll.woken(), 3u);

  // A window set with no clock is no window.
  poll.set(nullptr, kNsPerMs);
  EXPECT_TRUE(serving.next(poll));
  EXPECT_EQ(serving.tries, 0);
}

// Nothing to poll for before the first hand-over: the thread sleeps until one comes. After
// one, it polls for the window, then sleeps again.
TEST(HandOverPoll, PollsForTheWindowAfterEachHandOverThenWaits) {
  Serving serving;
  HandOverPoll poll;
  poll.set(&serving.clock, 100 * kNsPerUs);
  EXPECT_TRUE(serving.next(poll));
  EXPECT_EQ(serving.tries, 0);
  EXPECT_EQ(poll.woken(), 1u);

  // The next hand-over comes 30 us after the first was served: taken while polling.
  serving.arrives_at_ns = serving.clock.now_ns_ + 30 * kNsPerUs;
  EXPECT_TRUE(serving.next(poll));
  EXPECT_EQ(serving.tries, 4);  // at +0, +10, +20 and +30 us
  EXPECT_EQ(poll.polled(), 1u);
  EXPECT_EQ(serving.waits.size(), 1u);

  // Served 40 us later; none comes: it tries for 100 us from there, then sleeps.
  serving.clock.now_ns_ += 40 * kNsPerUs;
  serving.arrives_at_ns = INT64_MAX;
  serving.tries = 0;
  serving.wait_answer = false;
  EXPECT_FALSE(serving.next(poll));
  EXPECT_EQ(serving.tries, 10);
  ASSERT_EQ(serving.waits.size(), 2u);
  EXPECT_EQ(serving.waits.back(), HandOverPoll::kForever);

  // Still nothing served since: the window stays closed, it waits at once.
  serving.tries = 0;
  EXPECT_FALSE(serving.next(poll));
  EXPECT_EQ(serving.tries, 0);
  EXPECT_EQ(poll.polled(), 1u);
  EXPECT_EQ(poll.woken(), 1u);
}

// A caller with a deadline (the venue's I/O thread has timers) polls no longer than it, and
// waits only for what is left of it.
TEST(HandOverPoll, PollingStopsAtTheCallersTimeout) {
  Serving serving;
  HandOverPoll poll;
  poll.set(&serving.clock, kNsPerMs);
  EXPECT_TRUE(serving.next(poll, 50 * kNsPerUs));  // the first: waited for
  serving.wait_answer = false;
  EXPECT_FALSE(serving.next(poll, 50 * kNsPerUs));
  EXPECT_EQ(serving.tries, 5);
  ASSERT_EQ(serving.waits.size(), 2u);
  EXPECT_EQ(serving.waits.back(), 0);

  // A window longer than what is left of a long timeout: the wait gets the rest.
  serving.wait_answer = true;
  serving.arrives_at_ns = serving.clock.now_ns_;
  EXPECT_TRUE(serving.next(poll, kNsPerSecond));  // taken at once, the window restarts
  serving.arrives_at_ns = INT64_MAX;
  serving.tries = 0;
  serving.wait_answer = false;
  EXPECT_FALSE(serving.next(poll, kNsPerSecond));
  EXPECT_EQ(serving.tries, 100);  // 1 ms of 10 us tries
  EXPECT_EQ(serving.waits.back(), kNsPerSecond - kNsPerMs);
}

// A wall clock stepped back (NTP, an operator) ends the window: the thread never polls for
// longer than the window because of it.
TEST(HandOverPoll, AClockSteppedBackEndsTheWindow) {
  Serving serving;
  HandOverPoll poll;
  poll.set(&serving.clock, kNsPerMs);
  EXPECT_TRUE(serving.next(poll));
  serving.wait_answer = false;
  serving.per_try_ns = -kNsPerSecond;  // the first try steps the clock a second back
  EXPECT_FALSE(serving.next(poll));
  EXPECT_EQ(serving.tries, 1);
  EXPECT_EQ(serving.waits.size(), 2u);

  // With a deadline: the wait gets what was left of it, not more for the step back.
  serving.tries = 0;
  serving.wait_answer = true;
  serving.per_try_ns = 0;
  serving.arrives_at_ns = serving.clock.now_ns_;
  EXPECT_TRUE(serving.next(poll, kNsPerSecond));  // waited for: the window was closed
  serving.arrives_at_ns = INT64_MAX;
  serving.wait_answer = false;
  serving.per_try_ns = -kNsPerSecond;
  EXPECT_FALSE(serving.next(poll, 50 * kNsPerUs));
  EXPECT_EQ(serving.tries, 1);
  EXPECT_EQ(serving.waits.back(), 50 * kNsPerUs);
}

// Setting the window to 0 while the thread runs: it waits at once from its next hand-over on.
TEST(HandOverPoll, AWindowSetToZeroStopsPolling) {
  Serving serving;
  HandOverPoll poll;
  poll.set(&serving.clock, kNsPerMs);
  EXPECT_TRUE(serving.next(poll));
  poll.set(&serving.clock, 0);
  EXPECT_TRUE(serving.next(poll));
  EXPECT_EQ(serving.tries, 0);
  EXPECT_EQ(poll.woken(), 2u);
}

}  // namespace
}  // namespace sigex
