#pragma once

// A small set kept as a sorted vector: iteration in ascending order over contiguous memory,
// and an insert of a value larger than any held (the common case for positions in a table
// that only grows) appends. For the few values a hot path scans on every event: the open
// orders, the instruments with a position.

#include <algorithm>
#include <cstddef>
#include <vector>

namespace sigex {

template <typename Value>
class SortedSet {
 public:
  SortedSet() = default;
  explicit SortedSet(std::size_t reserved) { values_.reserve(reserved); }

  void insert(Value value) {
    if (values_.empty() || values_.back() < value) {
      values_.push_back(value);
      return;
    }
    const auto at = std::lower_bound(values_.begin(), values_.end(), value);
    if (*at != value) values_.insert(at, value);
  }
  void erase(Value value) {
    const auto at = std::lower_bound(values_.begin(), values_.end(), value);
    if (at != values_.end() && *at == value) values_.erase(at);
  }
  bool contains(Value value) const {
    return std::binary_search(values_.begin(), values_.end(), value);
  }

  std::size_t size() const { return values_.size(); }
  bool empty() const { return values_.empty(); }
  auto begin() const { return values_.begin(); }
  auto end() const { return values_.end(); }

 private:
  std::vector<Value> values_;
};

}  // namespace sigex
