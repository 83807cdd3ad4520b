#pragma once

// Every order the OMS has made, in the order it made them, at addresses that never move. The
// orders live in chunks of kChunkOrders whose pages are written before an order is stored in
// them: the first chunks at construction, each later one a few pages at a time by prepare(),
// called between events once the last chunk is half used. Storing an order therefore never
// copies the table (a vector's doubling copied every order and wrote twice the room in one
// go: 16 ms at the 16 384th order on a VM that backs pages lazily) and never takes a fresh
// page, as long as prepare() keeps up; an order that outruns it is still stored, in a chunk
// made on the spot.

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <new>
#include <type_traits>
#include <vector>

#include "engine/core/check.h"
#include "engine/core/written_pages.h"
#include "engine/order/order.h"

namespace sigex {

class OrderTable {
 public:
  static constexpr std::size_t kChunkOrders = 4096;
  static_assert(std::is_trivially_destructible_v<Order>, "orders are dropped with their pages");

  template <typename Value>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::remove_const_t<Value>;
    using difference_type = std::ptrdiff_t;
    using pointer = Value*;
    using reference = Value&;
    Iterator() = default;
    Iterator(const OrderTable* table, std::size_t index) : table_(table), index_(index) {}
    reference operator*() const { return table_->slot(index_); }
    pointer operator->() const { return &**this; }
    Iterator& operator++() {
      ++index_;
      return *this;
    }
    Iterator operator++(int) {
      Iterator before = *this;
      ++index_;
      return before;
    }
    bool operator==(const Iterator& other) const { return index_ == other.index_; }

   private:
    const OrderTable* table_ = nullptr;
    std::size_t index_ = 0;
  };
  using iterator = Iterator<Order>;
  using const_iterator = Iterator<const Order>;

  // Room for `ready_orders` written now (whole chunks), before the hot path starts.
  explicit OrderTable(std::size_t ready_orders) {
    chunks_.reserve(1024);  // four million orders before the list of chunks itself grows
    const std::size_t chunks = (ready_orders + kChunkOrders - 1) / kChunkOrders;
    for (std::size_t i = 0; i < std::max<std::size_t>(chunks, 1); ++i) {
      WrittenPages chunk(kChunkBytes);
      chunk.write_all();
      chunks_.push_back(std::move(chunk));
    }
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::size_t chunks() const { return chunks_.size(); }
  // Orders that can be stored on written pages: the rest of the last chunk and the part of
  // the next one prepare() has written.
  std::size_t written_room() const {
    return chunks_.size() * kChunkOrders - size_ + spare_.written_bytes() / sizeof(Order);
  }

  Order& operator[](std::size_t index) { return slot(index); }
  const Order& operator[](std::size_t index) const { return slot(index); }
  const Order& at(std::size_t index) const {
    SIGEX_CHECK(index < size_, "order table index out of range");
    return slot(index);
  }
  const Order& front() const { return slot(0); }
  Order& back() { return slot(size_ - 1); }
  const Order& back() const { return slot(size_ - 1); }

  Order& push_back(const Order& order) {
    if (size_ == chunks_.size() * kChunkOrders) {
      // prepare() did not keep up (or never ran): the spare, however far it is written.
      chunks_.push_back(spare_.mapped() ? std::move(spare_) : WrittenPages(kChunkBytes));
      spare_ = WrittenPages();
    }
    Order* stored = new (address(size_)) Order(order);
    ++size_;
    return *stored;
  }

  // The position of `order`, which must be stored here. Searches from the newest chunk: the
  // orders still changing are nearly always the recent ones.
  std::size_t index_of(const Order& order) const {
    for (std::size_t chunk = chunks_.size(); chunk-- > 0;) {
      const auto* first = reinterpret_cast<const Order*>(chunks_[chunk].data());
      if (&order >= first && &order < first + kChunkOrders) {
        return chunk * kChunkOrders + static_cast<std::size_t>(&order - first);
      }
    }
    SIGEX_CHECK(false, "order is not in the order table");
    return size_;
  }

  // Off the hot path: once the last chunk is half used, maps the next one and writes one step
  // of its pages (WrittenPages::kPagesPerStep). Returns true while pages remain to write.
  bool prepare() {
    if (chunks_.size() * kChunkOrders - size_ > kChunkOrders / 2) return false;
    if (!spare_.mapped()) spare_ = WrittenPages(kChunkBytes);
    return !spare_.write_step();
  }

  // Between events: writes the next order's slot (zeros; no order lives there yet), so that
  // storing it finds its cache lines on this core rather than waiting for them.
  void ready_next() {
    if (size_ == chunks_.size() * kChunkOrders) return;
    auto* bytes = reinterpret_cast<volatile unsigned char*>(address(size_));
    constexpr std::size_t kLine = 64;
    for (std::size_t at = 0; at < sizeof(Order); at += kLine) bytes[at] = 0;
    bytes[sizeof(Order) - 1] = 0;  // the last line, where the slot straddles one more
  }

  iterator begin() { return {this, 0}; }
  iterator end() { return {this, size_}; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  static constexpr std::size_t kChunkBytes = kChunkOrders * sizeof(Order);

  Order* address(std::size_t index) const {
    return reinterpret_cast<Order*>(chunks_[index / kChunkOrders].data()) + index % kChunkOrders;
  }
  Order& slot(std::size_t index) const { return *std::launder(address(index)); }

  std::vector<WrittenPages> chunks_;
  WrittenPages spare_;
  std::size_t size_ = 0;
};

}  // namespace sigex
