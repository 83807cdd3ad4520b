#pragma once

#include <functional>
#include <vector>

#include "engine/ports/execution_venue.h"

namespace sigex::testing {

// A venue that records what it is sent and answers only what a test queues.
class RecordingVenue final : public ExecutionVenue {
 public:
  void send(const OrderCommand& command) override {
    if (on_send) on_send(command);
    sent.push_back(command);
  }
  void poll(TimeNs, std::vector<ExecutionEvent>& out) override {
    out.insert(out.end(), answers.begin(), answers.end());
    answers.clear();
  }
  TimeNs next_event_time_ns() const override { return answers.empty() ? kNever : 0; }

  std::vector<OrderCommand> sent;
  std::vector<ExecutionEvent> answers;
  std::function<void(const OrderCommand&)> on_send;
};

inline ExecutionEvent answer(ExecutionKind kind, const ClientOrderId& id,
                             InstrumentId instrument = 0) {
  ExecutionEvent event{};
  event.kind = kind;
  event.client_order_id = id;
  event.instrument = instrument;
  return event;
}

inline ExecutionEvent fill_of(const ClientOrderId& id, std::uint64_t trade_id, Price price,
                              Quantity quantity, Money fee, InstrumentId instrument = 0) {
  ExecutionEvent event = answer(ExecutionKind::kFill, id, instrument);
  event.trade_id = trade_id;
  event.price = price;
  event.quantity = quantity;
  event.fee = fee;
  return event;
}

}  // namespace sigex::testing
