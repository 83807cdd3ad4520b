#include "engine/core/prefaulted_arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <unordered_map>

namespace sigex {
namespace {

constexpr std::size_t kBlock = std::size_t{64} * 1024;

TEST(WrittenPages, WritesAheadInStepsUntilEveryPageIsWritten) {
  const std::size_t page = WrittenPages::page_size();
  WrittenPages pages(10 * page + 1);  // rounded up to whole pages
  ASSERT_EQ(pages.size(), 11 * page);
  EXPECT_EQ(pages.written_bytes(), 0u);
  EXPECT_FALSE(pages.write_ahead(4));
  EXPECT_EQ(pages.written_bytes(), 4 * page);
  EXPECT_FALSE(pages.write_ahead(4));
  EXPECT_TRUE(pages.write_ahead(4));  // the last three
  EXPECT_TRUE(pages.written());
  WrittenPages moved = std::move(pages);
  EXPECT_TRUE(moved.written());
  EXPECT_FALSE(pages.mapped());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(PrefaultedArena, TheFirstBlockIsWrittenAtConstruction) {
  PrefaultedArena arena(kBlock);
  EXPECT_EQ(arena.blocks(), 1u);
  EXPECT_EQ(arena.written_room(), kBlock);
  EXPECT_FALSE(arena.prepare());  // more than a quarter left: nothing to do
}

TEST(PrefaultedArena, PrepareWritesTheNextBlockBeforeTheCurrentOneRunsOut) {
  PrefaultedArena arena(kBlock);
  std::pmr::polymorphic_allocator<std::byte> allocator(&arena);
  // Three quarters and a bit used: the next block is due.
  void* used = allocator.allocate(kBlock * 3 / 4 + 64);
  ASSERT_NE(used, nullptr);
  const std::size_t rest = arena.written_room();
  int steps = 0;
  while (arena.prepare()) ++steps;
  const std::size_t pages = kBlock / WrittenPages::page_size();
  EXPECT_EQ(steps, static_cast<int>((pages + WrittenPages::kPagesPerStep - 1) /
                                    WrittenPages::kPagesPerStep) -
                       1);
  EXPECT_EQ(arena.written_room(), rest + kBlock);
  // An allocation that does not fit the current block lands in the written block.
  auto* next = static_cast<std::byte*>(allocator.allocate(rest + 1));
  EXPECT_EQ(arena.blocks(), 2u);
  EXPECT_EQ(arena.written_room(), kBlock - rest - 1);
  next[rest] = std::byte{1};  // the whole allocation is usable
}

TEST(PrefaultedArena, AnAllocationThatOutrunsPrepareStillSucceeds) {
  PrefaultedArena arena(kBlock);
  std::pmr::polymorphic_allocator<std::byte> allocator(&arena);
  // Larger than a block, with no spare written: a block of its own size, made on the spot.
  auto* large = static_cast<std::byte*>(allocator.allocate(3 * kBlock));
  EXPECT_EQ(arena.blocks(), 2u);
  large[3 * kBlock - 1] = std::byte{1};
}

TEST(PrefaultedArena, ATableThatOutgrowsManyBlocksKeepsEveryEntry) {
  PrefaultedArena arena(kBlock);
  std::pmr::unordered_map<std::uint64_t, std::uint64_t> table(&arena);
  constexpr std::uint64_t kEntries = 50'000;
  for (std::uint64_t key = 0; key < kEntries; ++key) {
    table.emplace(key, key * 3);
    if (key % 7 == 0) arena.prepare();  // between events, as the OMS calls it
  }
  EXPECT_GT(arena.blocks(), 10u);
  for (std::uint64_t key = 0; key < kEntries; ++key) {
    const auto found = table.find(key);
    ASSERT_NE(found, table.end()) << key;
    EXPECT_EQ(found->second, key * 3);
  }
}

}  // namespace
}  // namespace sigex
