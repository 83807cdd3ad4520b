#pragma once

// The port through which reports and recorders watch the engine (the backtest report,
// metrics). Called on the core thread; an observer must not block.

#include "engine/core/money.h"
#include "engine/events/events.h"
#include "engine/order/order.h"
#include "engine/risk/risk_engine.h"

namespace sigex {

// Hooks for reports and recorders (the backtest report, metrics). Called on the core thread.
class EngineObserver {
 public:
  virtual ~EngineObserver() = default;
  virtual void on_event_processed(TimeNs /*now_ns*/) {}
  virtual void on_fill(const Order& /*order*/, const ExecutionEvent& /*fill*/,
                       Money /*realised_pnl*/) {}
  // A funding settlement or a fill of the venue's own order (a liquidation), as booked.
  virtual void on_account_event(const ExecutionEvent& /*event*/, Money /*realised_pnl*/) {}
  virtual void on_risk_denial(const OrderIntent& /*intent*/, RiskDenial /*reason*/,
                              TimeNs /*now_ns*/) {}
};

}  // namespace sigex
