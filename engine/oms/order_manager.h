#pragma once

// The order management system: mints client order ids, writes each intent to the journal
// before the order leaves the process, drives the order state machine from venue answers and
// deduplicates fills by (instrument, trade id). Owned by the core thread.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/journal/journal.h"
#include "engine/oms/order.h"
#include "engine/venue/execution_venue.h"

namespace sigex {

class OrderManager {
 public:
  OrderManager(const InstrumentRegistry& instruments, Journal& journal, ExecutionVenue& venue);

  // Loads the journal's orders (restart). Open orders whose outcome the journal cannot prove
  // become Unknown: they block new orders on their instrument until resolved with the venue.
  void restore_from_journal();

  // Mints the id, journals the intent (durably), then sends. Returns the id, or nullopt when
  // the journal write failed (trading then halts: see halted()). While an order for the same
  // (strategy, instrument, intent) is still open or unknown, returns that order's id and sends
  // nothing; once it is final, the same intent mints the next sequence number (a retry).
  std::optional<ClientOrderId> submit(StrategyId strategy, std::string_view strategy_tag,
                                      const OrderIntent& intent, TimeNs now_ns);
  bool cancel(const ClientOrderId& id, TimeNs now_ns);

  struct Update {
    const Order* order;
    OrderEvent event;
    bool new_fill;  // a fill not seen before: apply it to the portfolio
  };
  // Applies one venue answer. nullopt when the order is unknown, the transition is refused or
  // the fill is a duplicate (each counted).
  std::optional<Update> apply(const ExecutionEvent& event, TimeNs now_ns);

  const Order* find(std::string_view client_order_id) const;
  const std::vector<Order>& orders() const { return orders_; }
  bool has_unknown_outcome(InstrumentId instrument) const;
  bool has_open_order(InstrumentId instrument) const;
  Money reserved_buy_notional(const InstrumentRegistry& instruments) const;
  Quantity reserved_sell_quantity(InstrumentId instrument) const;

  bool halted() const { return !halt_reason_.empty(); }
  const std::string& halt_reason() const { return halt_reason_; }

  std::uint64_t refused_transitions() const { return refused_transitions_; }
  std::uint64_t duplicate_fills() const { return duplicate_fills_; }
  std::uint64_t unknown_order_events() const { return unknown_order_events_; }
  std::uint64_t duplicate_intents() const { return duplicate_intents_; }

 private:
  bool transition(Order& order, OrderEvent event, const ExecutionEvent* cause, TimeNs now_ns);
  void halt(std::string reason);

  const InstrumentRegistry& instruments_;
  Journal& journal_;
  ExecutionVenue& venue_;
  std::vector<Order> orders_;
  std::map<std::string, std::size_t, std::less<>> index_;
  std::map<std::uint64_t, std::uint32_t> next_sequence_;  // by intent identity
  std::set<std::pair<InstrumentId, std::uint64_t>> seen_trades_;
  std::string halt_reason_;
  std::uint64_t refused_transitions_ = 0;
  std::uint64_t duplicate_fills_ = 0;
  std::uint64_t unknown_order_events_ = 0;
  std::uint64_t duplicate_intents_ = 0;
};

}  // namespace sigex
