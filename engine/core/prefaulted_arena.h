#pragma once

// Memory for tables that only grow, on a latency-sensitive thread: a monotonic arena whose
// first block is allocated and written at construction, so the pages are resident before the
// first insert instead of faulting in one by one on the hot path. When the first block is used
// up the arena takes geometrically larger blocks from the heap (and those pages fault in as
// usual); memory is returned only when the arena is destroyed.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <new>

namespace sigex {

class PrefaultedArena final : public std::pmr::memory_resource {
 public:
  explicit PrefaultedArena(std::size_t first_block_bytes = std::size_t{1} << 21)
      : bytes_(first_block_bytes),
        first_(map(first_block_bytes)),
        arena_(first_, first_block_bytes) {}
  ~PrefaultedArena() override { ::munmap(first_, bytes_); }
  PrefaultedArena(const PrefaultedArena&) = delete;
  PrefaultedArena& operator=(const PrefaultedArena&) = delete;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    return arena_.allocate(bytes, alignment);
  }
  void do_deallocate(void* pointer, std::size_t bytes, std::size_t alignment) override {
    arena_.deallocate(pointer, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  // Anonymous pages made resident in one call (MADV_POPULATE_WRITE, Linux 5.14) rather than
  // one fault per page, then written from here: on a VM whose host backs guest memory lazily
  // (free page reporting), a page the guest kernel populated still costs the first write a
  // trip to the host (6-7 us measured), so every page is written before the hot path sees it.
  static std::byte* map(std::size_t bytes) {
    void* pages =
        ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) throw std::bad_alloc();
#ifdef MADV_POPULATE_WRITE
    ::madvise(pages, bytes, MADV_POPULATE_WRITE);  // best effort: the writes below decide
#endif
    touch_pages(pages, bytes);
    return static_cast<std::byte*>(pages);
  }

  static void touch_pages(void* pages, std::size_t bytes) {
    auto* bytes_of = static_cast<volatile unsigned char*>(pages);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    for (std::size_t offset = 0; offset < bytes; offset += page) bytes_of[offset] = 0;
  }

  std::size_t bytes_;
  std::byte* first_;
  std::pmr::monotonic_buffer_resource arena_;
};

}  // namespace sigex
