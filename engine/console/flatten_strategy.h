#pragma once

// The operator's "flatten" (sigex ctl flatten): sells every position back to the cash asset
// with market orders, through the same risk checks and OMS as any strategy (its orders are
// journaled, idempotent and reconciled like all others). The daemon first moves the global
// trading state to REDUCING and cancels resting orders; this strategy then sells, per
// instrument, once nothing is open there, and again after a partial fill, until every
// position is flat or too small to sell (below the venue's minimum, logged once).
// It does nothing until asked: in a daemon without a flatten request it never trades.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/ports/strategy.h"

namespace sigex {

class FlattenStrategy final : public Strategy {
 public:
  std::string_view tag() const override { return "operator"; }
  void on_start(StrategyContext& context) override;
  void on_order_update(StrategyContext& context, const Order& order, OrderEvent event) override;
  void on_timer(StrategyContext& context, std::uint64_t tag) override;

  // Core thread: start selling. `request_id` keeps the intents of one request distinct from
  // the next one's (the request time in ns is a good id).
  void flatten(std::uint64_t request_id);

 private:
  void step(StrategyContext& context);

  StrategyContext* context_ = nullptr;
  bool flattening_ = false;
  std::uint64_t request_id_ = 0;
  std::uint64_t attempt_ = 0;
  std::vector<int> refusals_;  // by instrument: orders risk or the venue's rules refused
};

}  // namespace sigex
