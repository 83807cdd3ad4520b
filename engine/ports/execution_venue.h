#pragma once

// Ports between the core and the places orders go. A live venue adapter implements
// ExecutionVenue over signed REST/WS with I/O threads behind queues; the simulated venue
// implements it in the core thread. The core never asks which one it has.

#include <string>
#include <vector>

#include "engine/core/time.h"
#include "engine/events/events.h"

namespace sigex {

class ExecutionVenue {
 public:
  virtual ~ExecutionVenue() = default;
  // Core thread. Hands a command to the venue; the answer arrives through poll().
  virtual void send(const OrderCommand& command) = 0;
  // Core thread. Appends the execution events that are due at `now_ns` to `out`.
  virtual void poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) = 0;
  // Earliest time at which poll() may return something, or kNever.
  virtual TimeNs next_event_time_ns() const = 0;

  // Core thread, before risk and the journal: makes a new order valid for the venue's trading
  // rules (price to the tick and quantity to the step, each in the safe direction). False with
  // the reason when no valid order is close enough. `reference` prices market orders.
  virtual bool normalize(Side /*side*/, OrderType /*type*/, Price& /*price*/,
                         Quantity& /*quantity*/, Price /*reference*/, InstrumentId /*instrument*/,
                         std::string& /*why*/) const {
    return true;
  }

  static constexpr TimeNs kNever = INT64_MAX;
};

// Sees every market event before strategies do (the simulated venue matches against them).
class MarketObserver {
 public:
  virtual ~MarketObserver() = default;
  virtual void on_market(const InboundEvent& event) = 0;
};

}  // namespace sigex
