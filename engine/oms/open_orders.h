#pragma once

// Positions in the order table of the orders not yet final, ascending: what every risk check
// scans. A new order's position is the largest yet, so adding it appends (a std::set took a
// heap node per order and spread the open orders over as many cache lines), and an order
// becoming final shifts the few open orders after it.

#include <cstddef>

#include "engine/core/sorted_set.h"

namespace sigex {

class OpenOrders : public SortedSet<std::size_t> {
 public:
  // Open orders before the vector grows: far more than the risk limits let a strategy keep.
  OpenOrders() : SortedSet(kReserved) {}

 private:
  static constexpr std::size_t kReserved = 1024;
};

}  // namespace sigex
