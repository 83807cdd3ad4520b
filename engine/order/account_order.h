#pragma once

// An order of the exchange account as the venue's order history shows it: what a live venue
// reports at start-up, for the engine to compare with its journal (engine/oms/account_history).

#include <string>

#include "engine/core/instrument.h"
#include "engine/core/time.h"
#include "engine/events/events.h"

namespace sigex {

// An order of the exchange account, as its order history shows it.
struct AccountOrder {
  ClientOrderId client_order_id;
  InstrumentId instrument = kNoInstrument;
  VenueOrderId venue_order_id = 0;
  Side side = Side::kBuy;
  Price price;         // at the instrument's scale
  Quantity quantity;   // at the instrument's scale
  Quantity executed;   // at the instrument's scale
  std::string status;  // the venue's word: FILLED, CANCELED, ...
  TimeNs time_ns = 0;
};

}  // namespace sigex
