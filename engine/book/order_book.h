#pragma once

// A price-level (L2) book for one instrument, and BookSync, which maintains it from venue depth
// records with Binance's snapshot + diff procedure (exchange-apis.md §2.4, with the corrected
// gap rule of 2025-11-12). Owned by the core thread. Capacity is fixed at construction: after
// warm-up, no update allocates.

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/events/events.h"

namespace sigex {

struct BookLevel {
  Price price;
  Quantity quantity;
};

class OrderBook {
 public:
  explicit OrderBook(std::size_t max_levels_per_side = 10'000);

  // Sets the quantity at a price; zero removes the level. A side that is full keeps its best
  // levels: a new level worse than every kept one is dropped (deep levels are unknown anyway).
  void set(Side side, Price price, Quantity quantity);
  void clear();

  std::optional<BookLevel> best(Side side) const;
  std::size_t depth(Side side) const { return side == Side::kBuy ? bids_.size() : asks_.size(); }
  // Level i from the touch (0 = best).
  const BookLevel& level(Side side, std::size_t index) const;
  bool crossed() const;

 private:
  std::vector<BookLevel> bids_;  // best (highest) last: the touch changes most, at the end
  std::vector<BookLevel> asks_;  // best (lowest) last
  std::size_t capacity_;
};

enum class BookStatus : std::uint8_t {
  kNotUsed,           // no depth data seen: the instrument trades on quotes alone
  kAwaitingSnapshot,  // diffs buffered, waiting for a snapshot
  kSynced,
  kInvalid,  // gap, duplicate, reorder or overflow: a new snapshot is needed
};

std::string_view to_string(BookStatus status);

struct BookCounters {
  std::uint64_t messages_applied = 0;
  std::uint64_t messages_dropped_old = 0;  // before the snapshot, as the procedure says
  std::uint64_t gaps = 0;                  // U > local + 1
  std::uint64_t out_of_order = 0;          // duplicate or reordered after sync
  std::uint64_t snapshots = 0;
  std::uint64_t snapshots_too_old = 0;
  std::uint64_t buffer_overflows = 0;
  std::uint64_t crossed = 0;
  std::uint64_t resyncs_requested = 0;
};

class BookSync {
 public:
  explicit BookSync(std::size_t max_levels_per_side = 10'000, std::size_t max_buffered = 20'000);

  // Feeds one depth record. Returns true when the book needs a new snapshot (the caller asks
  // the feed for one); the book is then kInvalid until a snapshot completes.
  bool on_level(const DepthLevel& level);

  // Drops the book and waits for a snapshot (reconnect, dropped market data). Returns true the
  // first time, so a caller requests one resync per failure.
  bool invalidate();

  BookStatus status() const { return status_; }
  const OrderBook& book() const { return book_; }
  std::uint64_t last_update_id() const { return last_update_id_; }
  const BookCounters& counters() const { return counters_; }

 private:
  enum class Action : std::uint8_t { kApply, kDrop };
  void on_snapshot_level(const DepthLevel& level);
  bool finish_snapshot();
  // Decides what to do with a diff message from its ids; false means the book is broken.
  bool begin_diff(const DepthLevel& first);
  bool begin_usdm_diff(const DepthLevel& first);  // diffs that carry `pu`
  void apply(const DepthLevel& level);
  bool fail(std::uint64_t& counter);

  OrderBook book_;
  std::vector<DepthLevel> buffer_;
  std::size_t max_buffered_;
  BookStatus status_ = BookStatus::kNotUsed;
  std::uint64_t last_update_id_ = 0;
  std::uint64_t snapshot_id_ = 0;
  bool first_after_snapshot_ = false;
  bool buffer_overflowed_ = false;
  Action action_ = Action::kDrop;
  BookCounters counters_;
};

}  // namespace sigex
