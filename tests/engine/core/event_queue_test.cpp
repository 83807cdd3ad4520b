#include "engine/queue/event_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "engine/events/events.h"

namespace sigex {
namespace {

TEST(EventQueue, KeepsOrderPerProducerAcrossThreads) {
  EventQueue<InboundEvent> queue(1024, 1);
  constexpr int kCount = 100'000;
  std::thread producer([&] {
    EventQueue<InboundEvent>::Producer handle(queue);
    for (int i = 0; i < kCount;) {
      InboundEvent event;
      event.kind = MarketEventKind::kTrade;
      event.trade = TradeTick{};
      event.trade.trade_id = static_cast<std::uint64_t>(i);
      if (handle.try_push(event)) ++i;  // full: try again (the consumer is draining)
    }
  });
  std::vector<InboundEvent> buffer(256);
  std::uint64_t expected = 0;
  while (expected < kCount) {
    const std::size_t count = queue.drain(buffer.data(), buffer.size());
    for (std::size_t i = 0; i < count; ++i) {
      ASSERT_EQ(buffer[i].trade.trade_id, expected);
      ++expected;
    }
  }
  producer.join();
  EXPECT_EQ(queue.drain(buffer.data(), buffer.size()), 0u);
}

TEST(EventQueue, FullQueueRefusesInsteadOfGrowing) {
  EventQueue<InboundEvent> queue(64, 1);
  EventQueue<InboundEvent>::Producer producer(queue);
  InboundEvent event;
  int accepted = 0;
  for (int i = 0; i < 10'000; ++i) accepted += producer.try_push(event) ? 1 : 0;
  EXPECT_LT(accepted, 10'000);
  EXPECT_GE(accepted, 64);
}

}  // namespace
}  // namespace sigex
