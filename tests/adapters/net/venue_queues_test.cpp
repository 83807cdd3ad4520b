#include "adapters/net/venue_queues.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/core/simulated_clock.h"

namespace sigex {
namespace {

// An I/O thread serving commands as a live venue's does: each command answered at once.
class IoThread {
 public:
  explicit IoThread(VenueQueues& queues)
      : server_(queues, [&queues](const OrderCommand& command) {
          ExecutionEvent answer{};
          answer.kind = ExecutionKind::kExpired;
          answer.instrument = command.instrument;
          answer.client_order_id = command.client_order_id;
          queues.answer(answer);
        }) {}

 private:
  CommandServer server_;
};

// Sends `count` new orders one after another, each after the answer to the one before (as a
// core thread trading now and then does). Every command is answered once.
void trade(VenueQueues& queues, int count) {
  std::vector<ExecutionEvent> answers;
  for (int i = 0; i < count; ++i) {
    OrderCommand command{};
    command.kind = OrderCommandKind::kNew;
    command.instrument = 0;
    command.client_order_id = ClientOrderId::from("q-" + std::to_string(i));
    queues.send(command);
    ASSERT_TRUE(queues.wait_for_answers(10 * kNsPerSecond)) << "command " << i;
    answers.clear();
    queues.poll(answers);
    ASSERT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers[0].client_order_id, command.client_order_id);
  }
}

// [service] io_poll_us: the I/O thread polls for the next command after serving one, so every
// command after the first reaches it without a wake-up call. The clock never moves, so the
// window never closes: the test does not depend on timing.
TEST(VenueQueues, AnIoThreadThatPollsTakesEveryCommandAfterTheFirstWithoutBeingWoken) {
  SimulatedClock frozen(1'700'000'000 * kNsPerSecond);
  VenueQueues queues;
  queues.poll_for_commands(&frozen, kNsPerMs);
  {
    IoThread io(queues);
    trade(queues, 40);
    EXPECT_EQ(queues.command_hand_overs().woken(), 1u);
    EXPECT_EQ(queues.command_hand_overs().polled(), 39u);
  }
}

TEST(VenueQueues, WithoutAWindowEveryCommandIsWaitedFor) {
  VenueQueues queues;
  IoThread io(queues);
  trade(queues, 10);
  EXPECT_EQ(queues.command_hand_overs().polled(), 0u);
  EXPECT_EQ(queues.command_hand_overs().woken(), 10u);
}

}  // namespace
}  // namespace sigex
