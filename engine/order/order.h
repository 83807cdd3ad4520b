#pragma once

#include <cstdint>
#include <string_view>

#include "engine/events/events.h"
#include "engine/order/client_order_id.h"
#include "engine/order/order_state.h"

namespace sigex {

using StrategyId = std::uint16_t;

// What a strategy asks for. Risk checks it; the OMS turns it into an order with an id.
struct OrderIntent {
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kImmediateOrCancel;
  Price price;  // limit price at the instrument's price_scale; ignored for market orders
  Quantity quantity;
  IntentKey intent;  // what caused it; same intent => same client order id after a restart
  bool reduce_only = false;
  // Why, in words, for logs and reports ("bullish_signal", "stop_loss", "rebalance"): text with
  // static storage (a literal), never owned.
  std::string_view reason;
};

// The OMS's view of one order. Owned by the core thread.
struct Order {
  ClientOrderId client_order_id;
  StrategyId strategy = 0;
  InstrumentId instrument = kNoInstrument;
  Side side = Side::kBuy;
  OrderType type = OrderType::kLimit;
  TimeInForce time_in_force = TimeInForce::kImmediateOrCancel;
  OrderState state = OrderState::kIntent;
  Price price;
  Quantity quantity;
  Quantity filled_quantity;
  Money filled_notional;  // sum of fill price * quantity, for the average price
  Money fees;
  IntentKey intent;
  std::uint32_t sequence = 0;
  VenueOrderId venue_order_id = 0;
  TimeNs created_time_ns = 0;
  TimeNs updated_time_ns = 0;
  TimeNs sent_time_ns = 0;  // when the request last left (not journaled: restart time after one)
  std::int32_t last_venue_error = 0;
  RejectionKind rejection = RejectionKind::kNone;  // when rejected: may a retry succeed?
  bool reduce_only = false;                        // perpetuals: may only shrink the position
  std::string_view
      reason;  // the intent's (static text; empty for orders restored from the journal)

  Quantity remaining() const { return quantity - filled_quantity; }
};

// What a venue needs to know about `order` for a command of `kind`, stamped `created_ns`.
inline OrderCommand command_for(const Order& order, OrderCommandKind kind, TimeNs created_ns) {
  OrderCommand command{};
  command.kind = kind;
  command.side = order.side;
  command.type = order.type;
  command.time_in_force = order.time_in_force;
  command.instrument = order.instrument;
  command.client_order_id = order.client_order_id;
  command.price = order.price;
  command.quantity = order.quantity;
  command.created_time_ns = created_ns;
  command.journal_sequence = 0;
  command.prove_absence = false;
  command.reduce_only = order.reduce_only;
  return command;
}

}  // namespace sigex
