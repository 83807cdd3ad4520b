#pragma once

// Positions in the order table of the orders not yet final, ascending: what every risk check
// scans. A sorted vector with room reserved ahead: a new order's position is the largest yet,
// so adding it appends (a std::set took a heap node per order and spread the open orders over
// as many cache lines), and an order becoming final shifts the few open orders after it.

#include <algorithm>
#include <cstddef>
#include <vector>

namespace sigex {

class OpenOrders {
 public:
  OpenOrders() { positions_.reserve(kReserved); }

  void insert(std::size_t position) {
    if (positions_.empty() || positions_.back() < position) {
      positions_.push_back(position);
      return;
    }
    const auto at = std::lower_bound(positions_.begin(), positions_.end(), position);
    if (*at != position) positions_.insert(at, position);
  }
  void erase(std::size_t position) {
    const auto at = std::lower_bound(positions_.begin(), positions_.end(), position);
    if (at != positions_.end() && *at == position) positions_.erase(at);
  }
  bool contains(std::size_t position) const {
    return std::binary_search(positions_.begin(), positions_.end(), position);
  }

  std::size_t size() const { return positions_.size(); }
  bool empty() const { return positions_.empty(); }
  auto begin() const { return positions_.begin(); }
  auto end() const { return positions_.end(); }

 private:
  // Open orders before the vector grows: far more than the risk limits let a strategy keep.
  static constexpr std::size_t kReserved = 1024;
  std::vector<std::size_t> positions_;
};

}  // namespace sigex
