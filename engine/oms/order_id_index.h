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
// events (prepare): the doubled slots are written ahead a step of pages at a time, then the
// fingerprints are copied into them kMoveStep slots at a time, so no turn of the core loop
// moves the whole table (a whole move grows with the table; with it, the longest turn of a
// 20 000-order run was 0.21-0.26 ms on the VM of bench/RESULTS.md, 0.07-0.12 ms now). Meanwhile
// the old slots keep every id they had and new ids go to the doubled slots; a look-up asks
// both. The move needs no order: a slot's home is the top bits of its fingerprint. An insert
// that outruns prepare still finds room: past three quarters full it finishes the move, or
// doubles the slots, on the spot.

#include <algorithm>
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
  // Old slots copied per prepare() step while moving: 4 KB read, at most 512 ids placed.
  static constexpr std::size_t kMoveStep = 512;

  // Inserts left before one would have to move or double the slots itself.
  std::size_t room() const {
    const std::size_t limit = (moving_ ? 2 * capacity_ : capacity_) / 4 * 3;
    return limit > size_ ? limit - size_ : 0;
  }
  bool moving() const { return moving_; }

  // The position stored for `id`; `id_at(position)` answers the id of the order there.
  template <typename IdAt>
  std::optional<std::size_t> find(const ClientOrderId& id, IdAt&& id_at) const {
    const std::uint32_t print = fingerprint(id);
    const auto found = find_in(slots_of(slots_), capacity_, print, id, id_at);
    if (found || !moving_) return found;
    return find_in(slots_of(next_), 2 * capacity_, print, id, id_at);
  }

  // Adds `id`, which must not be in the index yet, at `position`.
  void insert(const ClientOrderId& id, std::size_t position) {
    SIGEX_CHECK(position < UINT32_MAX, "order table position does not fit the id index");
    while (room() == 0) {
      if (!moving_) start_move();
      while (move_step()) {
      }
    }
    const Slot slot{fingerprint(id), static_cast<std::uint32_t>(position + 1)};
    if (moving_) {
      place(slots_of(next_), 2 * capacity_, slot);
    } else {
      place(slots_of(slots_), capacity_, slot);
    }
    ++size_;
  }

  // Off the hot path, one step a call: once a quarter full, maps the doubled slots and writes
  // a step of their pages (WrittenPages::kPagesPerStep); once half full and those are written,
  // copies kMoveStep old slots into them. Returns true while work remains.
  bool prepare() {
    if (moving_) return move_step();
    if (size_ * 4 < capacity_) return false;
    if (!next_.mapped()) next_ = WrittenPages(bytes_for(capacity_ * 2));
    if (!next_.write_step()) return true;
    if (size_ * 2 < capacity_) return false;
    start_move();
    return move_step();
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

  template <typename IdAt>
  static std::optional<std::size_t> find_in(const Slot* slots, std::size_t capacity,
                                            std::uint32_t print, const ClientOrderId& id,
                                            IdAt& id_at) {
    for (std::size_t at = home(print, capacity);; at = next(at, capacity)) {
      const Slot slot = slots[at];
      if (slot.position_plus_one == 0) return std::nullopt;
      if (slot.fingerprint == print && id_at(slot.position_plus_one - 1) == id) {
        return slot.position_plus_one - 1;
      }
    }
  }

  void start_move() {
    if (!next_.mapped()) next_ = WrittenPages(bytes_for(capacity_ * 2));
    moving_ = true;
    copied_ = 0;
  }
  // Copies the next kMoveStep old slots; after the last, the doubled slots replace the old.
  // Returns true while slots remain to copy.
  bool move_step() {
    const Slot* from = slots_of(slots_);
    Slot* to = slots_of(next_);
    const std::size_t until = std::min(capacity_, copied_ + kMoveStep);
    for (; copied_ < until; ++copied_) {
      if (from[copied_].position_plus_one != 0) place(to, 2 * capacity_, from[copied_]);
    }
    if (copied_ < capacity_) return true;
    slots_ = std::move(next_);
    next_ = WrittenPages();
    capacity_ *= 2;
    moving_ = false;
    copied_ = 0;
    return false;
  }

  std::size_t capacity_;    // of slots_, a power of two
  std::size_t size_ = 0;    // ids in slots_ and next_ together
  bool moving_ = false;     // old slots are being copied into next_
  std::size_t copied_ = 0;  // old slots copied so far
  WrittenPages slots_;      // capacity_ slots; a fresh mapping reads as zeros: every slot empty
  WrittenPages next_;       // the doubled slots, being written ahead
};

}  // namespace sigex
