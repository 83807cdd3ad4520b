#pragma once

// Anonymous memory for a latency-sensitive thread, written page by page before that thread
// uses it. On a VM whose host backs guest memory lazily (free page reporting), the first write
// to a page costs a trip to the host even after the guest kernel populated it (6-7 us
// measured, bench/RESULTS.md), so memory the hot path grows into is written ahead, in steps
// small enough to take between two events (write_ahead), or all at once at start-up.

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <new>
#include <utility>

namespace sigex {

class WrittenPages {
 public:
  // Pages one step between events writes, each taking its page fault there: the longest a
  // core loop turn is held up by it is two first touches (12 us each on the VM in
  // bench/RESULTS.md, about a microsecond on bare metal), while a turn comes far more often
  // than the order that needs the pages.
  static constexpr std::size_t kPagesPerStep = 2;

  WrittenPages() = default;
  // Maps `bytes` (rounded up to whole pages); touches none of them yet, so mapping is cheap
  // wherever it happens.
  explicit WrittenPages(std::size_t bytes) : bytes_(round_up_to_page(bytes)) {
    void* pages =
        ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<std::byte*>(pages);
  }
  ~WrittenPages() {
    if (data_ != nullptr) ::munmap(data_, bytes_);
  }
  WrittenPages(WrittenPages&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)),
        bytes_(std::exchange(other.bytes_, 0)),
        written_(std::exchange(other.written_, 0)) {}
  WrittenPages& operator=(WrittenPages&& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(bytes_, other.bytes_);
    std::swap(written_, other.written_);
    return *this;
  }
  WrittenPages(const WrittenPages&) = delete;
  WrittenPages& operator=(const WrittenPages&) = delete;

  // Writes up to `pages` more pages, in order; true once every page is written.
  bool write_ahead(std::size_t pages) {
    const std::size_t page = page_size();
    const std::size_t until = std::min(bytes_, written_ + pages * page);
    auto* bytes_of = reinterpret_cast<volatile unsigned char*>(data_);
    for (; written_ < until; written_ += page) bytes_of[written_] = 0;
    return written();
  }
  bool write_step() { return write_ahead(kPagesPerStep); }
  // At start-up: the rest made resident in one call where the kernel can (MADV_POPULATE_WRITE,
  // Linux 5.14; 600-770 us for 640 KB on that VM, so never between events), then written.
  bool write_all() {
#ifdef MADV_POPULATE_WRITE
    ::madvise(data_ + written_, bytes_ - written_, MADV_POPULATE_WRITE);  // best effort
#endif
    return write_ahead(bytes_ / page_size());
  }

  bool written() const { return written_ == bytes_; }
  std::size_t written_bytes() const { return written_; }
  bool mapped() const { return data_ != nullptr; }
  std::byte* data() const { return data_; }
  std::size_t size() const { return bytes_; }

  static std::size_t page_size() {
    static const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    return page;
  }

 private:
  static std::size_t round_up_to_page(std::size_t bytes) {
    const std::size_t page = page_size();
    return std::max(page, (bytes + page - 1) / page * page);
  }

  std::byte* data_ = nullptr;
  std::size_t bytes_ = 0;
  std::size_t written_ = 0;  // bytes from the start already written
};

}  // namespace sigex
