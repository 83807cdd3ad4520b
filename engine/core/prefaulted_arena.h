#pragma once

// Memory for tables that only grow, on a latency-sensitive thread: a monotonic arena whose
// first block is allocated and written at construction, so the pages are resident before the
// first insert instead of faulting in one by one on the hot path. When the first block is used
// up the arena takes geometrically larger blocks from the heap (and those pages fault in as
// usual); memory is returned only when the arena is destroyed.

#include <cstddef>
#include <cstring>
#include <memory>
#include <memory_resource>

namespace sigex {

class PrefaultedArena final : public std::pmr::memory_resource {
 public:
  explicit PrefaultedArena(std::size_t first_block_bytes = std::size_t{1} << 21)
      : first_(new std::byte[first_block_bytes]), arena_(first_.get(), first_block_bytes) {
    std::memset(first_.get(), 0, first_block_bytes);
  }
  PrefaultedArena(const PrefaultedArena&) = delete;
  PrefaultedArena& operator=(const PrefaultedArena&) = delete;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    return arena_.allocate(bytes, alignment);
  }
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment) override {
    arena_.deallocate(pointer, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

  std::unique_ptr<std::byte[]> first_;
  std::pmr::monotonic_buffer_resource arena_;
};

}  // namespace sigex
