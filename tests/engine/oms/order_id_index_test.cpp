#include "engine/oms/order_id_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/oms/open_orders.h"

namespace sigex {
namespace {

// The order table's ids, as the OMS keeps them: the index stores positions into it.
class OrderIdIndexTest : public ::testing::Test {
 protected:
  std::optional<std::size_t> find(const OrderIdIndex& index, std::string_view id) const {
    return index.find(
        ClientOrderId::from(id),
        [this](std::size_t position) -> const ClientOrderId& { return ids_.at(position); });
  }
  void add(OrderIdIndex& index, std::string_view id) {
    index.insert(ClientOrderId::from(id), ids_.size());
    ids_.push_back(ClientOrderId::from(id));
  }
  static std::string id_number(std::size_t number) {
    return "sf-Jrn001-" + std::to_string(number * 7919) + "-" + std::to_string(number % 10);
  }

  std::vector<ClientOrderId> ids_;
};

TEST_F(OrderIdIndexTest, FindsEveryIdItHoldsAndNoOther) {
  OrderIdIndex index(100);
  for (std::size_t i = 0; i < 100; ++i) add(index, id_number(i));
  for (std::size_t i = 0; i < 100; ++i) EXPECT_EQ(find(index, id_number(i)), i) << i;
  EXPECT_FALSE(find(index, id_number(100)));
  EXPECT_FALSE(find(index, ""));
  EXPECT_EQ(index.size(), 100u);
}

TEST_F(OrderIdIndexTest, PrepareDoublesTheSlotsBetweenInsertsAndKeepsEveryId) {
  OrderIdIndex index(64);
  const std::size_t first_capacity = index.capacity();
  std::size_t doublings = 0;
  for (std::size_t i = 0; i < 5'000; ++i) {
    ASSERT_GT(index.room(), 0u) << "an insert would double the slots itself, at " << i;
    const std::size_t capacity = index.capacity();
    add(index, id_number(i));
    ASSERT_EQ(index.capacity(), capacity) << "the insert itself doubled the slots, at " << i;
    while (index.prepare()) {
    }
    doublings += index.capacity() != capacity ? 1 : 0;
  }
  EXPECT_GE(doublings, 5u);
  EXPECT_GT(index.capacity(), first_capacity);
  EXPECT_LE(index.size() * 2, index.capacity());  // prepare keeps it at most half full
  for (std::size_t i = 0; i < 5'000; ++i) ASSERT_EQ(find(index, id_number(i)), i) << i;
}

TEST_F(OrderIdIndexTest, WritesTheDoubledSlotsThenMovesIntoThemAStepAtATime) {
  OrderIdIndex index(2'048);  // 4 096 slots: 32 KB now, the doubled 64 KB in 2-page steps
  const std::size_t capacity = index.capacity();
  for (std::size_t i = 0; i < capacity / 4; ++i) add(index, id_number(i));
  std::size_t steps = 0;
  while (index.prepare()) ++steps;  // a quarter full: writes the next slots, does not move yet
  constexpr std::size_t kDoubledBytes = 65'536;  // 8 192 slots of 8 bytes
  EXPECT_EQ(steps, kDoubledBytes / WrittenPages::page_size() / WrittenPages::kPagesPerStep - 1);
  EXPECT_EQ(index.capacity(), capacity);
  EXPECT_FALSE(index.moving());
  std::size_t added = capacity / 2;
  for (std::size_t i = capacity / 4; i < added; ++i) add(index, id_number(i));
  // Half full: each step copies kMoveStep old slots. Between steps every id is found, and new
  // ids go into the doubled slots.
  std::size_t move_steps = 0;
  while (index.prepare()) {
    ++move_steps;
    ASSERT_TRUE(index.moving());
    add(index, id_number(added++));
    for (std::size_t i = 0; i < added; ++i) ASSERT_EQ(find(index, id_number(i)), i) << i;
    ASSERT_FALSE(find(index, id_number(added)));
  }
  EXPECT_EQ(move_steps + 1, capacity / OrderIdIndex::kMoveStep);
  EXPECT_FALSE(index.moving());
  EXPECT_EQ(index.capacity(), 2 * capacity);
  EXPECT_EQ(index.size(), added);
  for (std::size_t i = 0; i < added; ++i) ASSERT_EQ(find(index, id_number(i)), i) << i;
}

TEST_F(OrderIdIndexTest, InsertsDuringAMoveThatOutrunsPrepareFinishIt) {
  OrderIdIndex index(2'048);
  const std::size_t capacity = index.capacity();
  for (std::size_t i = 0; i < capacity / 2; ++i) add(index, id_number(i));
  while (index.prepare() && !index.moving()) {
  }
  ASSERT_TRUE(index.moving());
  std::size_t added = capacity / 2;
  while (index.moving()) add(index, id_number(added++));  // no prepare: the inserts finish it
  EXPECT_GE(index.capacity(), 2 * capacity);
  for (std::size_t i = 0; i < added; ++i) ASSERT_EQ(find(index, id_number(i)), i) << i;
}

TEST_F(OrderIdIndexTest, InsertsThatOutrunPrepareStillFindRoom) {
  OrderIdIndex index(64);
  for (std::size_t i = 0; i < 20'000; ++i) add(index, id_number(i));  // never prepared
  EXPECT_EQ(index.size(), 20'000u);
  for (std::size_t i = 0; i < 20'000; ++i) ASSERT_EQ(find(index, id_number(i)), i) << i;
}

TEST_F(OrderIdIndexTest, IdsWhoseFingerprintsCollideAreToldApartByTheTable) {
  // Many ids in a small table: fingerprints share their top bits, and every match is checked
  // against the id in the table.
  OrderIdIndex index(64);
  for (std::size_t i = 0; i < 90; ++i) add(index, id_number(i));
  std::size_t absent = 0;
  for (std::size_t i = 90; i < 50'000; ++i) absent += find(index, id_number(i)) ? 0 : 1;
  EXPECT_EQ(absent, 50'000u - 90u);
}

TEST(OpenOrders, KeepsPositionsAscendingWhateverTheOrderOfInsertsAndErases) {
  OpenOrders open;
  for (const std::size_t position : {5u, 9u, 12u}) open.insert(position);
  open.insert(7);  // a restored order, not the newest
  open.insert(9);  // already there
  open.erase(5);
  open.erase(100);  // not there
  EXPECT_EQ(std::vector<std::size_t>(open.begin(), open.end()),
            (std::vector<std::size_t>{7, 9, 12}));
  EXPECT_TRUE(open.contains(9));
  EXPECT_FALSE(open.contains(5));
  open.erase(7);
  open.erase(9);
  open.erase(12);
  EXPECT_TRUE(open.empty());
}

}  // namespace
}  // namespace sigex
