#pragma once

// Where each order is in the order table, by client order id. Open addressing with linear
// probing over 8-byte slots: a 32-bit fingerprint of the id's hash and the order's position.
// The ids themselves stay in the order table, so a look-up reads one line of slots (eight to
// a line, the table at most three quarters full) and, on a fingerprint match, the one order it
// names. A node-based map read a bucket, a chain of 88-byte nodes and, to insert into an empty
// bucket, a neighbour's bucket too: on a core whose caches the machine empties between spaced
// events (bench/RESULTS.md), each of those lines is a miss.
//
// Ids are never removed: an id is unique for the journal's life. The slots double between
// events (prepare), into pages written ahead a step at a time, and the doubling moves
// fingerprints only: a slot's home is the top bits of its fingerprint, so no order is read.
// An insert that outruns prepare still finds room: past three quarters full it doubles the
// slots on the spot.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <utility>

#include "engine/core/check.h"
#include "engine/core/written_pages.h"
#include "engine/events/events.h"

namespace sigex {

class OrderIdIndex {
 public:
  // Room for `expected` ids before the first doubling, its slots written now.
  explicit OrderIdIndex(std::size_t expected)
      : capacity_(capacity_for(expected)), slots_(bytes_for(capacity_)) {
    slots_.write_all();
  }

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  // Inserts left before one would have to double the slots itself.
  std::size_t room() const {
    const std::size_t limit = capacity_ / 4 * 3;
    return limit > size_ ? limit - size_ : 0;
  }

  // The position stored for `id`; `id_at(position)` answers the id of the order there.
  template <typename IdAt>
  std::optional<std::size_t> find(const ClientOrderId& id, IdAt&& id_at) const {
    const std::uint32_t print = fingerprint(id);
    const Slot* slots = slots_of(slots_);
    for (std::size_t at = home(print, capacity_);; at = next(at, capacity_)) {
      const Slot slot = slots[at];
      if (slot.position_plus_one == 0) return std::nullopt;
      if (slot.fingerprint == print && id_at(slot.position_plus_one - 1) == id) {
        return slot.position_plus_one - 1;
      }
    }
  }

  // Adds `id`, which must not be in the index yet, at `position`.
  void insert(const ClientOrderId& id, std::size_t position) {
    SIGEX_CHECK(position < UINT32_MAX, "order table position does not fit the id index");
    if (room() == 0) grow();
    place(slots_of(slots_), capacity_,
          Slot{fingerprint(id), static_cast<std::uint32_t>(position + 1)});
    ++size_;
  }

  // Off the hot path: once a quarter full, maps the doubled slots and writes one step of their
  // pages (WrittenPages::kPagesPerStep); once half full and those are written, moves every
  // fingerprint into them. Returns true while work remains.
  bool prepare() {
    if (size_ * 4 < capacity_) return false;
    if (!next_.mapped()) next_ = WrittenPages(bytes_for(capacity_ * 2));
    if (!next_.write_step()) return true;
    if (size_ * 2 < capacity_) return false;
    grow();
    return false;
  }

 private:
  struct Slot {
    std::uint32_t fingerprint;
    std::uint32_t position_plus_one;  // 0: empty
  };
  static_assert(sizeof(Slot) == 8);

  static std::size_t capacity_for(std::size_t expected) {
    std::size_t capacity = 64;
    while (capacity / 2 < expected) capacity *= 2;
    return capacity;
  }
  static std::size_t bytes_for(std::size_t capacity) { return capacity * sizeof(Slot); }
  static Slot* slots_of(const WrittenPages& pages) { return reinterpret_cast<Slot*>(pages.data()); }
  static std::uint32_t fingerprint(const ClientOrderId& id) {
    return static_cast<std::uint32_t>(std::hash<std::string_view>{}(id.view()) >> 32);
  }
  // The fingerprint's top bits: a slot's home in a doubled table is twice its home, or one
  // more, so doubling needs no id.
  static std::size_t home(std::uint32_t print, std::size_t capacity) {
    return static_cast<std::size_t>((std::uint64_t{print} * capacity) >> 32);
  }
  static std::size_t next(std::size_t at, std::size_t capacity) {
    return (at + 1) & (capacity - 1);
  }
  static void place(Slot* slots, std::size_t capacity, Slot slot) {
    std::size_t at = home(slot.fingerprint, capacity);
    while (slots[at].position_plus_one != 0) at = next(at, capacity);
    slots[at] = slot;
  }

  void grow() {
    const std::size_t capacity = capacity_ * 2;
    if (!next_.mapped()) next_ = WrittenPages(bytes_for(capacity));
    Slot* from = slots_of(slots_);
    Slot* to = slots_of(next_);
    for (std::size_t at = 0; at < capacity_; ++at) {
      if (from[at].position_plus_one != 0) place(to, capacity, from[at]);
    }
    slots_ = std::move(next_);
    next_ = WrittenPages();
    capacity_ = capacity;
  }

  std::size_t capacity_;  // a power of two
  std::size_t size_ = 0;
  WrittenPages slots_;  // capacity_ slots; a fresh mapping reads as zeros: every slot empty
  WrittenPages next_;   // the doubled slots, being written ahead
};

}  // namespace sigex
