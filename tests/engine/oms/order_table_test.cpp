#include "engine/oms/order_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace sigex {
namespace {

constexpr std::size_t kChunk = OrderTable::kChunkOrders;

Order order_number(std::size_t number) {
  Order order;
  order.client_order_id = ClientOrderId::from("o-" + std::to_string(number));
  order.sequence = static_cast<std::uint32_t>(number);
  return order;
}

TEST(OrderTable, StartsWithWholeChunksWrittenForTheOrdersAskedFor) {
  const OrderTable table(kChunk + 1);
  EXPECT_EQ(table.chunks(), 2u);
  EXPECT_EQ(table.written_room(), 2 * kChunk);
  EXPECT_TRUE(table.empty());
}

TEST(OrderTable, ReadyingTheNextSlotLeavesEveryOrderAsItWas) {
  OrderTable table(kChunk);
  table.ready_next();  // empty
  for (std::size_t i = 0; i < kChunk; ++i) {
    table.push_back(order_number(i));
    table.ready_next();  // at the end of the last chunk: nothing to ready
  }
  table.push_back(order_number(kChunk));
  table.ready_next();
  ASSERT_EQ(table.size(), kChunk + 1);
  for (std::size_t i = 0; i <= kChunk; ++i) {
    ASSERT_EQ(table[i].client_order_id, order_number(i).client_order_id) << i;
    ASSERT_EQ(table[i].sequence, i) << i;
  }
}

TEST(OrderTable, PrepareWritesTheNextChunkOnceTheLastIsHalfUsed) {
  OrderTable table(kChunk);
  for (std::size_t i = 0; i < kChunk / 2 - 1; ++i) table.push_back(order_number(i));
  EXPECT_FALSE(table.prepare());  // more than half a chunk left
  EXPECT_EQ(table.written_room(), kChunk / 2 + 1);
  table.push_back(order_number(kChunk / 2 - 1));
  int steps = 1;
  while (table.prepare()) ++steps;
  EXPECT_GT(steps, 1);  // in steps, not all at once
  EXPECT_EQ(table.written_room(), kChunk / 2 + kChunk);
  // Through the chunk boundary onto the written chunk.
  for (std::size_t i = kChunk / 2; i <= kChunk; ++i) table.push_back(order_number(i));
  EXPECT_EQ(table.chunks(), 2u);
  EXPECT_EQ(table.written_room(), kChunk - 1);
}

TEST(OrderTable, OrdersKeepTheirAddressAndPositionAsTheTableGrows) {
  OrderTable table(kChunk);
  std::vector<const Order*> addresses;
  constexpr std::size_t kOrders = 5 * kChunk + 17;
  for (std::size_t i = 0; i < kOrders; ++i) {
    addresses.push_back(&table.push_back(order_number(i)));
    if (i % 3 == 0) table.prepare();  // sometimes: outrunning it must not matter
  }
  ASSERT_EQ(table.size(), kOrders);
  EXPECT_EQ(table.chunks(), 6u);
  for (std::size_t i = 0; i < kOrders; ++i) {
    EXPECT_EQ(&table[i], addresses[i]) << i;
    EXPECT_EQ(table.index_of(*addresses[i]), i);
    EXPECT_EQ(table[i].sequence, i);
  }
  EXPECT_EQ(table.front().sequence, 0u);
  EXPECT_EQ(table.back().sequence, kOrders - 1);
  EXPECT_EQ(table.at(kChunk).client_order_id.view(), "o-" + std::to_string(kChunk));
}

TEST(OrderTable, IteratesEveryOrderInTheOrderStored) {
  OrderTable table(kChunk);
  for (std::size_t i = 0; i < 2 * kChunk + 5; ++i) table.push_back(order_number(i));
  std::size_t expected = 0;
  for (const Order& order : table) EXPECT_EQ(order.sequence, expected++);
  EXPECT_EQ(expected, table.size());
  const auto odd = std::count_if(table.begin(), table.end(),
                                 [](const Order& order) { return order.sequence % 2 == 1; });
  EXPECT_EQ(static_cast<std::size_t>(odd), table.size() / 2);
}

}  // namespace
}  // namespace sigex
