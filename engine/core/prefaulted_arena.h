#pragma once

// Memory for tables that only grow, on a latency-sensitive thread: a monotonic arena whose
// blocks are written before the thread allocates from them. The first block is written at
// construction; while it (or any later block) still has a quarter left, prepare(), called
// between events, maps the next block and writes it a step of pages per call. An insert therefore
// never takes a fresh page, however long the process runs, as long as prepare() keeps up (an
// allocation that outruns it still succeeds, on pages that fault in as usual). Memory is
// returned only when the arena is destroyed.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <utility>
#include <vector>

#include "engine/core/written_pages.h"

namespace sigex {

class PrefaultedArena final : public std::pmr::memory_resource {
 public:
  explicit PrefaultedArena(std::size_t block_bytes = std::size_t{1} << 21)
      : block_bytes_(block_bytes) {
    blocks_.reserve(64);  // a new block on the hot path does not move the list
    WrittenPages first(block_bytes_);
    first.write_all();
    use(std::move(first));
  }
  PrefaultedArena(const PrefaultedArena&) = delete;
  PrefaultedArena& operator=(const PrefaultedArena&) = delete;

  // Off the hot path: once less than a quarter of the current block is left, maps the next
  // block and writes one step of its pages (WrittenPages::kPagesPerStep). Returns true while
  // pages remain to write.
  bool prepare() {
    if (static_cast<std::size_t>(end_ - next_) * 4 > blocks_.back().size()) return false;
    if (!spare_.mapped()) spare_ = WrittenPages(block_bytes_);
    return !spare_.write_step();
  }

  std::size_t blocks() const { return blocks_.size(); }
  // Bytes that can be allocated on written pages: the rest of the current block and the part
  // of the next block prepare() has written.
  std::size_t written_room() const {
    const WrittenPages& current = blocks_.back();
    const std::byte* written_end = current.data() + current.written_bytes();
    const auto rest = written_end > next_ ? static_cast<std::size_t>(written_end - next_) : 0;
    return rest + spare_.written_bytes();
  }

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    std::byte* start = aligned(next_, alignment);
    if (start == nullptr || start + bytes > end_) {
      // The spare block, written or partly written; or, if prepare() never ran (or the
      // allocation is larger than a block), a fresh one.
      if (spare_.mapped() && spare_.size() >= bytes + alignment) {
        use(std::exchange(spare_, WrittenPages()));
      } else {
        use(WrittenPages(std::max(block_bytes_, bytes + alignment)));
      }
      start = aligned(next_, alignment);
    }
    next_ = start + bytes;
    return start;
  }
  void do_deallocate(void*, std::size_t, std::size_t) override {}  // monotonic
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  void use(WrittenPages block) {
    next_ = block.data();
    end_ = block.data() + block.size();
    blocks_.push_back(std::move(block));
  }
  static std::byte* aligned(std::byte* pointer, std::size_t alignment) {
    if (pointer == nullptr) return nullptr;
    const auto address = reinterpret_cast<std::uintptr_t>(pointer);
    return pointer + ((alignment - address % alignment) % alignment);
  }

  std::size_t block_bytes_;
  std::vector<WrittenPages> blocks_;
  std::byte* next_ = nullptr;
  std::byte* end_ = nullptr;
  WrittenPages spare_;
};

}  // namespace sigex
