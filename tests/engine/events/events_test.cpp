#include "engine/events/events.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(InboundEvent, ReceiveTimeOfEveryKind) {
  InboundEvent event;
  event.kind = MarketEventKind::kTrade;
  event.trade = TradeTick{};
  event.trade.receive_time_ns = 42;
  EXPECT_EQ(event.receive_time_ns(), 42);
  event.kind = MarketEventKind::kGrade;
  event.grade = Grade{};
  event.grade.receive_time_ns = 7;
  EXPECT_EQ(event.receive_time_ns(), 7);
}

}  // namespace
}  // namespace sigex
