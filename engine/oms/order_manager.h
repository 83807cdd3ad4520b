#pragma once

// The order management system: mints client order ids, writes each intent to the journal
// before the order leaves the process, drives the order state machine from venue answers and
// deduplicates fills by (instrument, trade id). Owned by the core thread.
//
// Unknown outcomes (timeout, 5xx, -1007, a false -2010 duplicate, a crash between journaling
// and hearing back) are resolved by asking the venue for the order by its client id, never by
// guessing:
//  * the venue has it  -> its answers (accepted, fills, final state) bring the order up to date;
//  * it says "does not exist" -> the order is resent with the *same* client id only on proof
//    of absence from more than one source: `not_found_confirmations` such answers to lookups
//    sent after the deadline (the request's recvWindow, after which the venue refuses the
//    original request, plus a settle time), at least `min_resend_wait_ns` after the outcome
//    became unknown (well past the venue's worst lookup lag), and then a proof query that finds
//    no trace in the venue's order history, trades or balances. When the venue finds a trace
//    it cannot attribute, the order stays unknown, its instrument blocked, the operator is
//    alerted, and the lookups go on (slower) until the venue shows the order.
// While any lookup is pending on an instrument, no new order for it is sent. After a restart,
// every order the journal shows open is looked up the same way (reconciliation).

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "engine/core/prefaulted_arena.h"
#include "engine/oms/open_orders.h"
#include "engine/oms/order_id_index.h"
#include "engine/oms/order_table.h"

#include "engine/core/instrument.h"
#include "engine/journal/journal.h"
#include "engine/order/order.h"
#include "engine/ports/execution_venue.h"

namespace sigex {

struct ResolutionPolicy {
  DurationNs recv_window_ns = 5 * kNsPerSecond;
  DurationNs settle_ns = 5 * kNsPerSecond;
  DurationNs retry_ns = 1 * kNsPerSecond;  // between lookups
  int not_found_confirmations = 3;
  DurationNs min_resend_wait_ns = 60 * kNsPerSecond;  // from the moment the outcome was unknown
  DurationNs unproven_retry_ns = 30 * kNsPerSecond;   // between lookups once absence is unproven
};

// With several venues, one instrument's own account: how long its requests stay acceptable
// and the least wait before a resend. Overrides the ResolutionPolicy's two for that instrument,
// so that a Binance order is not held to a Coinbase JWT's 120 s.
struct InstrumentResolution {
  DurationNs recv_window_ns = 0;
  DurationNs min_resend_wait_ns = 0;
};

// What to do with open orders on the account that the journal does not know (placed by hand
// or by another program): report them once, or cancel them.
enum class ForeignOrderPolicy : std::uint8_t { kReport, kCancel };

struct OrderManagerCounters {
  std::uint64_t lookups = 0;    // queries sent to resolve or reconcile
  std::uint64_t not_found = 0;  // "does not exist" answers
  std::uint64_t resends = 0;    // orders resent with the same id after proof of absence
  std::uint64_t reconciliation_differences = 0;  // journal and venue disagreed (logged)
  std::uint64_t foreign_orders = 0;              // venue orders not created by this journal
  std::uint64_t proofs = 0;                      // proof-of-absence queries sent
  std::uint64_t unproven_absences = 0;  // proofs that found a trace: not resent, operator alerted
};

class OrderManager {
 public:
  OrderManager(const InstrumentRegistry& instruments, Journal& journal, ExecutionVenue& venue);

  // Loads the journal's orders (restart). Open orders whose outcome the journal cannot prove
  // become Unknown: they block new orders on their instrument until resolved with the venue.
  // Every open order is looked up with the venue, starting at `now_ns`.
  void restore_from_journal(TimeNs now_ns);
  void set_resolution_policy(const ResolutionPolicy& policy) { policy_ = policy; }
  // Indexed by instrument id; empty (or shorter): the policy's values.
  void set_instrument_resolution(std::vector<InstrumentResolution> by_instrument) {
    by_instrument_ = std::move(by_instrument);
  }
  void set_foreign_order_policy(ForeignOrderPolicy policy) { foreign_policy_ = policy; }

  // Sends the lookups that are due. Core thread.
  void run_due(TimeNs now_ns);
  // Between events (the core thread's run_due or idle turn, never inside an order's path):
  // writes ahead a few pages of the memory the next orders will take (order table, the id
  // index's and the trade set's nodes) and grows those tables before they are full, so that
  // no order pays for a first write to a page or a rehash.
  void prepare_room();
  // What the next orders can take without a fresh page or a rehash.
  struct PreparedRoom {
    std::size_t orders;      // order table slots on written pages
    std::size_t node_bytes;  // arena bytes on written pages (trade-set nodes)
    std::size_t ids;         // id index inserts before a rehash
  };
  PreparedRoom prepared_room() const;
  // Earliest time a lookup is due, or ExecutionVenue::kNever.
  TimeNs next_due_ns() const;
  std::size_t pending_lookups() const { return lookups_.size(); }
  // Orders whose outcome is not definite: unknown, or being looked up.
  std::size_t unresolved_orders() const;

  // Mints the id, journals the intent (durably), then sends. Returns the id, or nullopt when
  // the journal write failed (trading then halts: see halted()). While an order for the same
  // (strategy, instrument, intent) is still open or unknown, returns that order's id and sends
  // nothing; once it is final, the same intent mints the next sequence number (a retry).
  std::optional<ClientOrderId> submit(StrategyId strategy, std::string_view strategy_tag,
                                      const OrderIntent& intent, TimeNs now_ns);
  // The look-ups submit() makes for `intent` (the open-order scan, the id it would mint, the
  // id index), changing nothing: Engine::rehearse_order_path. True when submit would mint a
  // new id now: not halted, no open order for the intent, and the strategy has made an order
  // on the instrument before (its minter exists).
  bool rehearse(StrategyId strategy, std::string_view strategy_tag,
                const OrderIntent& intent) const;
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
  // A fill restored from the journal: never applied again.
  // False when the trade was seen before (a fill of the venue's own order, reported twice).
  bool first_sighting(InstrumentId instrument, std::uint64_t trade_id) {
    return seen_trades_.emplace(instrument, trade_id).second;
  }
  void mark_trade_seen(InstrumentId instrument, std::uint64_t trade_id) {
    seen_trades_.emplace(instrument, trade_id);
  }
  const OrderTable& orders() const { return orders_; }
  bool has_unknown_outcome(InstrumentId instrument) const;
  bool has_open_order(InstrumentId instrument) const;
  // Whether an open order of ours on the other side of `instrument` would trade with an order
  // of `side`, `type` and `price` (self-trade prevention).
  bool crosses_own_order(InstrumentId instrument, Side side, OrderType type, Price price) const;
  // Requests the cancellation of every resting order on `instrument` (every instrument with
  // kNoInstrument). Returns how many were requested.
  std::size_t cancel_all(InstrumentId instrument, TimeNs now_ns);
  // What open spot buys may spend, on the instruments of `venue` (every instrument with "": the
  // configuration's one venue account).
  Money reserved_buy_notional(const InstrumentRegistry& instruments,
                              std::string_view venue = {}) const;
  // Initial margin of open orders on perpetuals that may open a position (not reduce-only), on
  // the instruments of `venue` (every instrument with "").
  Money reserved_margin(const InstrumentRegistry& instruments, std::string_view venue = {}) const;
  Quantity reserved_sell_quantity(InstrumentId instrument) const;

  bool halted() const { return !halt_reason_.empty(); }
  // Stops all new orders (e.g. the journal cannot be written); the reason is logged once.
  void halt(std::string reason);
  const std::string& halt_reason() const { return halt_reason_; }

  std::uint64_t refused_transitions() const { return refused_transitions_; }
  std::uint64_t duplicate_fills() const { return duplicate_fills_; }
  std::uint64_t unknown_order_events() const { return unknown_order_events_; }
  std::uint64_t duplicate_intents() const { return duplicate_intents_; }
  std::uint64_t stale_events() const { return stale_events_; }
  std::uint64_t late_fills() const { return late_fills_; }
  const OrderManagerCounters& counters() const { return counters_; }

 private:
  struct Lookup {
    TimeNs deadline_ns = 0;      // "does not exist" counts only for lookups sent from here on
    TimeNs resend_after_ns = 0;  // no resend before (min_resend_wait_ns after it became unknown)
    TimeNs next_query_ns = 0;
    TimeNs query_sent_ns = -1;  // -1: no lookup in flight
    int not_found = 0;
    bool prove_next = false;  // the next query asks the venue to prove absence
    bool proving = false;     // the query in flight is a proof query
    bool alerted = false;     // an unproven absence was reported to the operator
  };

  bool transition(Order& order, OrderEvent event, const ExecutionEvent* cause, TimeNs now_ns);
  static bool is_stale_duplicate(OrderState state, OrderEvent event);
  InstrumentResolution resolution_for(InstrumentId instrument) const;
  std::optional<std::size_t> position_of(const ClientOrderId& id) const;
  const ClientOrderIdMinter& minter_for(std::string_view strategy_tag, InstrumentId instrument);
  // The intent's first id from `sequence` on that was never minted (its sequence number left
  // in `sequence`).
  ClientOrderId next_id(const ClientOrderIdMinter& minter, IntentKey intent,
                        std::uint32_t& sequence) const;
  // The open order for this strategy's intent on its instrument, if any.
  const Order* open_order_for(StrategyId strategy, const OrderIntent& intent) const;
  void send_new(Order& order, TimeNs now_ns, std::uint64_t journal_sequence);
  void start_lookup(std::size_t index, TimeNs now_ns);
  void on_not_found(std::size_t index, const ExecutionEvent& event, TimeNs now_ns);
  void on_unknown_order(const ExecutionEvent& event, TimeNs now_ns);

  const InstrumentRegistry& instruments_;
  Journal& journal_;
  ExecutionVenue& venue_;
  // The tables below only grow (an order is never forgotten). The order table and the arena
  // that holds the other tables' nodes are written for kExpectedOrders at construction and
  // ahead of need after that (prepare_room): a new order costs a few O(1) look-ups and no page
  // fault, however long the journal's history.
  static constexpr std::size_t kExpectedOrders = 1 << 14;
  OrderTable orders_{kExpectedOrders};
  // Per order: about one trade node (32 bytes) and its bucket, with room for more fills.
  PrefaultedArena arena_{kExpectedOrders * 96};
  OrderIdIndex index_{kExpectedOrders};                    // the order table's position of each id
  OpenOrders open_;                                        // positions of orders not yet final
  std::vector<std::vector<ClientOrderIdMinter>> minters_;  // by instrument, one per strategy
  struct TradeKeyHash {
    std::size_t operator()(const std::pair<InstrumentId, std::uint64_t>& key) const {
      return std::hash<std::uint64_t>{}(key.second * 0x9E3779B97F4A7C15ULL ^ key.first);
    }
  };
  std::pmr::unordered_set<std::pair<InstrumentId, std::uint64_t>, TradeKeyHash> seen_trades_{
      &arena_};
  std::map<std::size_t, Lookup> lookups_;  // by index into orders_
  std::set<std::string, std::less<>> foreign_ids_;
  ResolutionPolicy policy_;
  std::vector<InstrumentResolution> by_instrument_;
  ForeignOrderPolicy foreign_policy_ = ForeignOrderPolicy::kReport;
  OrderManagerCounters counters_;
  std::string halt_reason_;
  std::uint64_t refused_transitions_ = 0;
  std::uint64_t duplicate_fills_ = 0;
  std::uint64_t unknown_order_events_ = 0;
  std::uint64_t duplicate_intents_ = 0;
  std::uint64_t stale_events_ = 0;
  std::uint64_t late_fills_ = 0;
};

}  // namespace sigex
