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

TEST(EventQueue, ASleepingConsumerIsWokenByThePush) {
  // The consumer sleeps with a one-hour timeout: only the doorbell can end this test in time
  // (ctest stops it after 300 s otherwise). Repeated to catch a lost wake-up.
  EventQueue<InboundEvent> queue(64, 1);
  std::vector<InboundEvent> buffer(8);
  for (int round = 0; round < 200; ++round) {
    std::thread producer([&queue, round] {
      EventQueue<InboundEvent>::Producer handle(queue);
      InboundEvent event;
      event.kind = MarketEventKind::kTrade;
      event.trade.trade_id = static_cast<std::uint64_t>(round);
      while (!handle.try_push(event)) {
      }
    });
    std::size_t count = 0;
    while (count == 0)
      count =
          queue.wait_drain(buffer.data(), buffer.size(), 3'600'000'000LL, round % 2 == 0 ? 0 : 256);
    producer.join();
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(buffer[0].trade.trade_id, static_cast<std::uint64_t>(round));
  }
}

TEST(EventQueue, WaitDrainReturnsWhatIsThereWithoutWaiting) {
  EventQueue<InboundEvent> queue(64, 1);
  EventQueue<InboundEvent>::Producer producer(queue);
  InboundEvent event;
  ASSERT_TRUE(producer.try_push(event));
  ASSERT_TRUE(producer.try_push(event));
  std::vector<InboundEvent> buffer(8);
  EXPECT_EQ(queue.wait_drain(buffer.data(), buffer.size(), 3'600'000'000LL), 2u);
  EXPECT_EQ(queue.wait_drain(buffer.data(), buffer.size(), 0), 0u);  // no timeout: no wait
}

}  // namespace
}  // namespace sigex
