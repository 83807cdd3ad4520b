#include "engine/core/simulated_clock.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(SimulatedClock, MovesOnlyForward) {
  SimulatedClock clock(100);
  EXPECT_EQ(clock.now_ns(), 100);
  EXPECT_EQ(clock.advance_to(200), 200);
  EXPECT_EQ(clock.advance_to(150), 200);
  EXPECT_EQ(clock.now_ns(), 200);
}

}  // namespace
}  // namespace sigex
