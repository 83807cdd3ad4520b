#include "engine/book/order_book.h"

#include <algorithm>

#include "engine/core/check.h"

namespace sigex {
namespace {

// Both sides keep their best level at the back. For bids "better" is higher, so the vector is
// ascending; for asks "better" is lower, so it is descending.
bool worse(Side side, Price left, Price right) {
  return side == Side::kBuy ? left < right : left > right;
}

}  // namespace

std::string_view to_string(BookStatus status) {
  switch (status) {
    case BookStatus::kNotUsed:
      return "not_used";
    case BookStatus::kAwaitingSnapshot:
      return "awaiting_snapshot";
    case BookStatus::kSynced:
      return "synced";
    case BookStatus::kInvalid:
      return "invalid";
  }
  return "?";
}

OrderBook::OrderBook(std::size_t max_levels_per_side) : capacity_(max_levels_per_side) {
  SIGEX_CHECK(capacity_ > 0, "order book capacity must be positive");
  bids_.reserve(capacity_);
  asks_.reserve(capacity_);
}

void OrderBook::clear() {
  bids_.clear();
  asks_.clear();
}

void OrderBook::set(Side side, Price price, Quantity quantity) {
  std::vector<BookLevel>& levels = side == Side::kBuy ? bids_ : asks_;
  auto position = std::lower_bound(
      levels.begin(), levels.end(), price,
      [side](const BookLevel& level, Price value) { return worse(side, level.price, value); });
  const bool exists = position != levels.end() && position->price == price;
  if (quantity.raw == 0) {
    if (exists) levels.erase(position);
    return;
  }
  if (exists) {
    position->quantity = quantity;
    return;
  }
  if (levels.size() == capacity_) {
    if (position == levels.begin()) return;  // worse than everything kept
    levels.erase(levels.begin());            // drop the worst level to make room
    --position;
  }
  levels.insert(position, BookLevel{price, quantity});
}

std::optional<BookLevel> OrderBook::best(Side side) const {
  const std::vector<BookLevel>& levels = side == Side::kBuy ? bids_ : asks_;
  if (levels.empty()) return std::nullopt;
  return levels.back();
}

const BookLevel& OrderBook::level(Side side, std::size_t index) const {
  const std::vector<BookLevel>& levels = side == Side::kBuy ? bids_ : asks_;
  SIGEX_CHECK(index < levels.size(), "book level index out of range");
  return levels[levels.size() - 1 - index];
}

bool OrderBook::crossed() const {
  return !bids_.empty() && !asks_.empty() && bids_.back().price >= asks_.back().price;
}

BookSync::BookSync(std::size_t max_levels_per_side, std::size_t max_buffered)
    : book_(max_levels_per_side), max_buffered_(max_buffered) {
  buffer_.reserve(max_buffered_);
}

bool BookSync::fail(std::uint64_t& counter) {
  ++counter;
  const bool first_failure = status_ != BookStatus::kInvalid;
  status_ = BookStatus::kInvalid;
  book_.clear();
  buffer_.clear();
  buffer_overflowed_ = false;
  action_ = Action::kDrop;
  if (first_failure) ++counters_.resyncs_requested;
  return first_failure;
}

bool BookSync::invalidate() {
  std::uint64_t unused = 0;
  return fail(unused);
}

bool BookSync::on_level(const DepthLevel& level) {
  if (level.flags & DepthLevel::kSnapshot) {
    on_snapshot_level(level);
    return (level.flags & DepthLevel::kLastInMessage) ? finish_snapshot() : false;
  }
  if (status_ != BookStatus::kSynced) {
    // Buffer diffs until a snapshot arrives (procedure steps 1-4).
    if (status_ == BookStatus::kNotUsed) status_ = BookStatus::kAwaitingSnapshot;
    if (buffer_.size() == max_buffered_) {
      if (!buffer_overflowed_) ++counters_.buffer_overflows;
      buffer_overflowed_ = true;  // the snapshot will have to be taken again
      buffer_.clear();
    }
    buffer_.push_back(level);
    return false;
  }
  if ((level.flags & DepthLevel::kFirstInMessage) && !begin_diff(level)) return true;
  apply(level);
  return false;
}

void BookSync::on_snapshot_level(const DepthLevel& level) {
  if (level.flags & DepthLevel::kFirstInMessage) {
    book_.clear();
    snapshot_id_ = level.last_update_id;
  }
  if (!(level.flags & DepthLevel::kEmpty)) book_.set(level.side, level.price, level.quantity);
}

bool BookSync::finish_snapshot() {
  ++counters_.snapshots;
  if (buffer_overflowed_) {
    std::uint64_t counted_at_overflow = 0;
    return fail(counted_at_overflow);  // diffs were lost while waiting: this snapshot cannot join
  }
  // Step 3: a snapshot older than the first buffered event cannot be joined to the stream.
  if (!buffer_.empty() && snapshot_id_ < buffer_.front().first_update_id &&
      snapshot_id_ + 1 < buffer_.front().first_update_id) {
    return fail(counters_.snapshots_too_old);
  }
  status_ = BookStatus::kSynced;
  last_update_id_ = snapshot_id_;
  first_after_snapshot_ = true;
  // Steps 4-6: replay what was buffered through the same rule as live events. The buffer is
  // walked by index and cleared after: apply() never touches it while synced.
  for (std::size_t i = 0; i < buffer_.size(); ++i) {
    const DepthLevel& buffered = buffer_[i];
    if ((buffered.flags & DepthLevel::kFirstInMessage) && !begin_diff(buffered)) {
      return true;  // fail() already cleared the buffer
    }
    apply(buffered);
  }
  buffer_.clear();
  return false;
}

bool BookSync::begin_diff(const DepthLevel& first) {
  if (first.previous_update_id != 0) return begin_usdm_diff(first);
  const std::uint64_t next = last_update_id_ + 1;
  if (first.last_update_id < next) {
    if (first_after_snapshot_) {
      ++counters_.messages_dropped_old;  // covered by the snapshot (step 4)
      action_ = Action::kDrop;
      return true;
    }
    fail(counters_.out_of_order);  // a duplicate or reordered update
    return false;
  }
  if (first.first_update_id > next) {
    fail(counters_.gaps);  // updates were missed
    return false;
  }
  // The first event after the snapshot straddles it (U <= id + 1 <= u); later ones follow on
  // exactly (U == previous u + 1), anything earlier was handled above.
  if (!first_after_snapshot_ && first.first_update_id != next) {
    fail(counters_.out_of_order);
    return false;
  }
  first_after_snapshot_ = false;
  action_ = Action::kApply;
  return true;
}

bool BookSync::begin_usdm_diff(const DepthLevel& first) {
  // Binance USD-M's procedure (../shared/reference/binance-usdm-futures.md §8.1): drop events
  // with u < the snapshot's lastUpdateId; the first one applied has U <= lastUpdateId <= u,
  // or (a snapshot taken exactly between two events) pu == lastUpdateId; after it, each
  // event's pu must be the previous event's u (ids are shared by all symbols).
  if (first_after_snapshot_) {
    if (first.last_update_id < last_update_id_) {
      ++counters_.messages_dropped_old;
      action_ = Action::kDrop;
      return true;
    }
    if (first.first_update_id > last_update_id_ && first.previous_update_id != last_update_id_) {
      fail(counters_.gaps);
      return false;
    }
  } else if (first.previous_update_id != last_update_id_) {
    fail(first.last_update_id <= last_update_id_ ? counters_.out_of_order : counters_.gaps);
    return false;
  }
  first_after_snapshot_ = false;
  action_ = Action::kApply;
  return true;
}

void BookSync::apply(const DepthLevel& level) {
  if (action_ != Action::kApply) return;
  if (!(level.flags & DepthLevel::kEmpty)) book_.set(level.side, level.price, level.quantity);
  if (level.flags & DepthLevel::kLastInMessage) {
    last_update_id_ = level.last_update_id;
    ++counters_.messages_applied;
    if (book_.crossed()) ++counters_.crossed;
  }
}

}  // namespace sigex
