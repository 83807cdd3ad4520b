#include "engine/oms/order_manager.h"

#include <algorithm>

#include "engine/portfolio/margin.h"

#include "engine/core/check.h"
#include "engine/logging/log.h"

namespace sigex {

namespace {

bool of_venue(const Instrument& instrument, std::string_view venue) {
  return venue.empty() || instrument.venue.view() == venue;
}

}  // namespace

OrderManager::OrderManager(const InstrumentRegistry& instruments, Journal& journal,
                           ExecutionVenue& venue)
    : instruments_(instruments), journal_(journal), venue_(venue) {
  // Room for a busy day before the first rehash (prepare_room grows the tables ahead after it).
  seen_trades_.reserve(kExpectedOrders);
}

void OrderManager::restore_from_journal(TimeNs now_ns) {
  for (Order order : journal_.load_orders()) {
    // Any request sent before the restart was stamped before now: its recvWindow runs from here.
    order.sent_time_ns = now_ns;
    if (is_open(order.state)) open_.insert(orders_.size());
    index_.insert(order.client_order_id, orders_.size());
    orders_.push_back(order);
  }
  for (std::size_t index = 0; index < orders_.size(); ++index) {
    Order& order = orders_[index];
    if (!is_open(order.state)) continue;
    if (order.state == OrderState::kIntent || order.state == OrderState::kSent) {
      // The process stopped between journaling and hearing back: the venue may have it.
      transition(order, OrderEvent::kOutcomeUnknown, nullptr, now_ns);
    }
    start_lookup(index, now_ns);
  }
  if (!lookups_.empty()) {
    log_info("reconciling {} open order(s) from the journal with the venue", lookups_.size());
  }
}

void OrderManager::start_lookup(std::size_t index, TimeNs now_ns) {
  const Order& order = orders_[index];
  Lookup& lookup = lookups_[index];
  const InstrumentResolution own = resolution_for(order.instrument);
  lookup.deadline_ns = order.sent_time_ns + own.recv_window_ns + policy_.settle_ns;
  lookup.resend_after_ns = std::max(lookup.deadline_ns, now_ns + own.min_resend_wait_ns);
  lookup.next_query_ns =
      std::min(lookup.next_query_ns == 0 ? now_ns : lookup.next_query_ns, now_ns);
  lookup.query_sent_ns = -1;
}

void OrderManager::run_due(TimeNs now_ns) {
  for (auto& [index, lookup] : lookups_) {
    if (lookup.query_sent_ns >= 0 || lookup.next_query_ns > now_ns) continue;
    lookup.query_sent_ns = now_ns;
    ++counters_.lookups;
    OrderCommand query = command_for(orders_[index], OrderCommandKind::kQuery, now_ns);
    query.created_time_ns = orders_[index].created_time_ns;  // the proof searches from here
    query.prove_absence = lookup.prove_next;
    lookup.proving = lookup.prove_next;
    lookup.prove_next = false;
    if (query.prove_absence) ++counters_.proofs;
    venue_.send(query);
  }
}

TimeNs OrderManager::next_due_ns() const {
  TimeNs next = ExecutionVenue::kNever;
  for (const auto& [index, lookup] : lookups_) {
    if (lookup.query_sent_ns < 0) next = std::min(next, lookup.next_query_ns);
  }
  return next;
}

std::optional<ClientOrderId> OrderManager::submit(StrategyId strategy,
                                                  std::string_view strategy_tag,
                                                  const OrderIntent& intent, TimeNs now_ns) {
  if (halted()) return std::nullopt;
  const Instrument& instrument = instruments_.get(intent.instrument);
  // Idempotent submit: while an order for this intent is open or its outcome unknown, asking
  // again returns that order instead of sending a second one.
  if (const Order* existing = open_order_for(strategy, intent)) {
    ++duplicate_intents_;
    return existing->client_order_id;
  }
  // The intent's next sequence number is the first whose id was never minted: 0 for a new
  // intent, one more per earlier (final) order for it. One look-up of the id index, which
  // must be checked anyway, in place of a table of sequences per intent.
  Order order;
  std::uint32_t sequence = 0;
  order.client_order_id =
      next_id(minter_for(strategy_tag, intent.instrument), intent.intent, sequence);
  order.strategy = strategy;
  order.instrument = intent.instrument;
  order.side = intent.side;
  order.type = intent.type;
  order.time_in_force = intent.time_in_force;
  order.price = intent.type == OrderType::kMarket ? Price{0} : intent.price;
  order.quantity = intent.quantity;
  order.intent = intent.intent;
  order.reason = intent.reason;
  order.reduce_only = intent.reduce_only;
  order.sequence = sequence;
  // Journaled as SENT ("may be on its way") with its send event, in one commit: the intent is
  // durable before a single byte goes to the venue. A restart treats it as outcome unknown.
  order.state = *next_state(OrderState::kIntent, OrderEvent::kSend);
  order.created_time_ns = now_ns;
  order.updated_time_ns = now_ns;
  if (!journal_.record_intent(order, instrument.symbol.view())) {
    halt("journal write failed: " + journal_.last_error());
    return std::nullopt;
  }
  open_.insert(orders_.size());
  index_.insert(order.client_order_id, orders_.size());
  Order& stored = orders_.push_back(order);
  send_new(stored, now_ns, journal_.last_intent_sequence());
  return stored.client_order_id;
}

OrderManager::PreparedRoom OrderManager::prepared_room() const {
  return {orders_.written_room(), arena_.written_room(), index_.room()};
}

InstrumentResolution OrderManager::resolution_for(InstrumentId instrument) const {
  if (instrument < by_instrument_.size()) return by_instrument_[instrument];
  return {policy_.recv_window_ns, policy_.min_resend_wait_ns};
}

const Order* OrderManager::open_order_for(StrategyId strategy, const OrderIntent& intent) const {
  for (const std::size_t index : open_) {
    const Order& existing = orders_[index];
    if (existing.strategy == strategy && existing.instrument == intent.instrument &&
        existing.intent == intent.intent && is_open(existing.state)) {
      return &existing;
    }
  }
  return nullptr;
}

bool OrderManager::rehearse(StrategyId strategy, std::string_view strategy_tag,
                            const OrderIntent& intent) const {
  if (halted() || open_order_for(strategy, intent) != nullptr) return false;
  if (minters_.size() <= intent.instrument) return false;
  for (const ClientOrderIdMinter& minter : minters_[intent.instrument]) {
    if (minter.strategy_tag() != strategy_tag) continue;
    std::uint32_t sequence = 0;
    next_id(minter, intent.intent, sequence);
    return true;
  }
  return false;
}

ClientOrderId OrderManager::next_id(const ClientOrderIdMinter& minter, IntentKey intent,
                                    std::uint32_t& sequence) const {
  ClientOrderId id = minter.mint(intent, sequence);
  while (position_of(id)) id = minter.mint(intent, ++sequence);
  return id;
}

const ClientOrderIdMinter& OrderManager::minter_for(std::string_view strategy_tag,
                                                    InstrumentId instrument) {
  if (minters_.size() <= instrument) minters_.resize(instrument + 1);
  std::vector<ClientOrderIdMinter>& minters = minters_[instrument];
  for (const ClientOrderIdMinter& minter : minters) {
    if (minter.strategy_tag() == strategy_tag) return minter;
  }
  return minters.emplace_back(strategy_tag, journal_.identity(),
                              instruments_.get(instrument).symbol.view());
}

std::optional<std::size_t> OrderManager::position_of(const ClientOrderId& id) const {
  return index_.find(id, [this](std::size_t position) -> const ClientOrderId& {
    return orders_[position].client_order_id;
  });
}

void OrderManager::prepare_room() {
  orders_.ready_next();
  // One structure's step a turn, so that a turn is held up by one step's first touches.
  if (orders_.prepare() || index_.prepare() || arena_.prepare()) return;
  // A trade set three quarters full doubles its buckets now, not on the insert that would
  // pass its load factor; the new buckets come from the arena, written ahead above.
  if (seen_trades_.size() * 4 > seen_trades_.bucket_count() * 3) {
    seen_trades_.reserve(seen_trades_.bucket_count() * 2);
  }
}

void OrderManager::send_new(Order& order, TimeNs now_ns, std::uint64_t journal_sequence) {
  OrderCommand command = command_for(order, OrderCommandKind::kNew, now_ns);
  command.journal_sequence = journal_sequence;
  order.sent_time_ns = now_ns;
  venue_.send(command);
}

bool OrderManager::cancel(const ClientOrderId& id, TimeNs now_ns) {
  const auto found = position_of(id);
  if (!found) return false;
  Order& order = orders_[*found];
  if (!transition(order, OrderEvent::kCancelRequest, nullptr, now_ns)) return false;
  venue_.send(command_for(order, OrderCommandKind::kCancel, now_ns));
  return true;
}

std::optional<OrderManager::Update> OrderManager::apply(const ExecutionEvent& event,
                                                        TimeNs now_ns) {
  if (event.kind == ExecutionKind::kAccountCash) return std::nullopt;  // the engine's, no order
  const auto found = position_of(event.client_order_id);
  if (!found) {
    on_unknown_order(event, now_ns);
    return std::nullopt;
  }
  const std::size_t index = *found;
  Order& order = orders_[index];
  const auto lookup = lookups_.find(index);
  if (event.kind == ExecutionKind::kNotFound) {
    on_not_found(index, event, now_ns);
    return std::nullopt;
  }
  if (event.kind == ExecutionKind::kUnknown && lookup != lookups_.end()) {
    // The lookup itself failed (or the order's outcome is unknown again): ask again later.
    Lookup& pending = lookup->second;
    pending.query_sent_ns = -1;
    pending.proving = false;
    if (event.absence == AbsenceEvidence::kUnproven) {
      // The venue shows a trace of the order it cannot attribute: it may have traded. Never
      // resend; keep looking (slower) until the venue shows it, and tell the operator once.
      ++counters_.unproven_absences;
      if (!pending.alerted) {
        pending.alerted = true;
        log_error(
            "ALERT: order {} ({}) is unknown to the venue's lookups, but its trades or balances "
            "show a "
            "trace that cannot be attributed; it is NOT resent and its instrument stays blocked "
            "until the "
            "venue shows the order (looking again every {} s); check the account",
            order.client_order_id.view(), instruments_.get(order.instrument).symbol.view(),
            policy_.unproven_retry_ns / kNsPerSecond);
      }
      pending.not_found = 0;
      pending.next_query_ns = now_ns + policy_.unproven_retry_ns;
      return std::nullopt;
    }
    pending.next_query_ns = now_ns + policy_.retry_ns;
    return std::nullopt;
  }
  if (event.venue_order_id != 0) order.venue_order_id = event.venue_order_id;
  OrderEvent order_event = OrderEvent::kAccept;
  bool new_fill = false;
  switch (event.kind) {
    case ExecutionKind::kAccepted:
      order_event = OrderEvent::kAccept;
      break;
    case ExecutionKind::kRejected:
      order_event = OrderEvent::kReject;
      break;
    case ExecutionKind::kUnknown:
      order_event = OrderEvent::kOutcomeUnknown;
      break;
    case ExecutionKind::kCanceled:
      order_event = OrderEvent::kCanceled;
      break;
    case ExecutionKind::kExpired:
      order_event = OrderEvent::kExpired;
      break;
    case ExecutionKind::kCancelRejected:
      order_event = OrderEvent::kCancelRejected;
      break;
    case ExecutionKind::kNotFound:
      return std::nullopt;  // handled above
    case ExecutionKind::kFunding:
    case ExecutionKind::kVenueFill:
    case ExecutionKind::kPositionReport:
    case ExecutionKind::kAccountCash:
      return std::nullopt;  // not order events: the engine books them
    case ExecutionKind::kFill: {
      if (seen_trades_.contains({event.instrument, event.trade_id})) {
        ++duplicate_fills_;
        return std::nullopt;
      }
      seen_trades_.emplace(event.instrument, event.trade_id);
      if (order.filled_quantity + event.quantity > order.quantity) {
        ++refused_transitions_;
        log_warn("fill for {} exceeds the order quantity; ignored", order.client_order_id.view());
        return std::nullopt;
      }
      const Instrument& instrument = instruments_.get(order.instrument);
      const auto value = notional(event.price, instrument.price_scale, event.quantity,
                                  instrument.quantity_scale, Rounding::kDown);
      SIGEX_CHECK(value.has_value(), "fill notional overflow");
      order.filled_quantity += event.quantity;
      order.filled_notional += *value;
      order.fees += event.fee;
      order_event =
          order.filled_quantity == order.quantity ? OrderEvent::kFill : OrderEvent::kPartialFill;
      new_fill = true;
      if (order.state == OrderState::kCanceled || order.state == OrderState::kExpired) {
        // Reports can overtake each other (stream and REST): the venue executed this trade
        // before the order ended. The fill counts; the final state stays.
        ++late_fills_;
        order.updated_time_ns = now_ns;
        if (!journal_.record_order_event(order, OrderEvent::kPartialFill, &event, now_ns)) {
          halt("journal write failed: " + journal_.last_error());
        }
        return Update{&order, OrderEvent::kPartialFill, true};
      }
      break;
    }
  }
  if (is_stale_duplicate(order.state, order_event)) {
    ++stale_events_;
    return std::nullopt;
  }
  if (event.kind == ExecutionKind::kRejected) {
    order.last_venue_error = event.venue_error_code;
    order.rejection =
        event.rejection == RejectionKind::kNone ? RejectionKind::kRetryable : event.rejection;
  }
  if (!transition(order, order_event, &event, now_ns)) return std::nullopt;
  if (order.state == OrderState::kUnknown) {
    if (!lookups_.contains(index)) start_lookup(index, now_ns);
  } else if (lookup != lookups_.end() && event.kind != ExecutionKind::kUnknown) {
    lookups_.erase(lookup);  // the venue answered: the order's state is known again
  }
  return Update{&order, order_event, new_fill};
}

void OrderManager::on_not_found(std::size_t index, const ExecutionEvent& event, TimeNs now_ns) {
  ++counters_.not_found;
  Order& order = orders_[index];
  auto found = lookups_.find(index);
  if (found == lookups_.end()) {
    // A late answer to a lookup already resolved, or news about an order still waiting for
    // its answer: an order whose outcome is not definite is resolved like any unknown one.
    if (order.state != OrderState::kSent && order.state != OrderState::kUnknown) return;
    if (order.state == OrderState::kSent)
      transition(order, OrderEvent::kOutcomeUnknown, &event, now_ns);
    start_lookup(index, now_ns);
    return;
  }
  Lookup& lookup = found->second;
  if (lookup.query_sent_ns >= lookup.deadline_ns) ++lookup.not_found;
  lookup.query_sent_ns = -1;
  const bool proven = lookup.proving && event.absence == AbsenceEvidence::kProven;
  lookup.proving = false;
  // One "does not exist" proves nothing, for an order in doubt or one the journal shows the
  // venue accepted alike: lookups lag behind the matching engine.
  if (lookup.not_found < policy_.not_found_confirmations || now_ns < lookup.resend_after_ns) {
    lookup.next_query_ns =
        std::max(now_ns + policy_.retry_ns, lookup.not_found < policy_.not_found_confirmations
                                                ? lookup.deadline_ns
                                                : lookup.resend_after_ns);
    return;
  }
  if (!proven) {
    // Enough "does not exist" answers, long enough: now the venue must prove it from its
    // order history, trades and balances too.
    lookup.prove_next = true;
    lookup.next_query_ns = now_ns;
    return;
  }
  if (order.state != OrderState::kUnknown) {
    // The journal says the venue accepted it; every source of the venue says it has no such
    // order. It is never resent (it was accepted once): it is closed, and the difference told.
    lookups_.erase(found);
    ++counters_.reconciliation_differences;
    log_error(
        "reconciliation: the venue has no trace of order {} that the journal shows {}; marked "
        "expired",
        order.client_order_id.view(), to_string(order.state));
    transition(order, OrderEvent::kExpired, &event, now_ns);
    return;
  }
  // Proven absent: the original request can no longer be accepted. Same id, sent again.
  lookups_.erase(found);
  ++counters_.resends;
  log_warn("order {} never reached the venue; resending it with the same client order id",
           order.client_order_id.view());
  if (transition(order, OrderEvent::kResend, &event, now_ns)) send_new(order, now_ns, 0);
}

void OrderManager::on_unknown_order(const ExecutionEvent& event, TimeNs now_ns) {
  ++unknown_order_events_;
  if (event.kind != ExecutionKind::kAccepted && event.kind != ExecutionKind::kFill) return;
  if (!foreign_ids_.emplace(event.client_order_id.view()).second) return;
  ++counters_.foreign_orders;
  if (foreign_policy_ == ForeignOrderPolicy::kCancel && event.kind == ExecutionKind::kAccepted) {
    log_warn(
        "order {} on the account was not created by this sigex journal; canceling it "
        "(foreign_orders = \"cancel\")",
        event.client_order_id.view());
    OrderCommand command{};
    command.kind = OrderCommandKind::kCancel;
    command.instrument = event.instrument;
    command.client_order_id = event.client_order_id;
    command.created_time_ns = now_ns;
    venue_.send(command);
    return;
  }
  log_warn("order {} on the account was not created by this sigex journal; left untouched",
           event.client_order_id.view());
}

bool OrderManager::is_stale_duplicate(OrderState state, OrderEvent event) {
  // An acknowledgement or end the order has already gone past: delivered twice (stream and
  // REST), or overtaken by later news. Nothing to do, nothing to warn about.
  switch (event) {
    case OrderEvent::kAccept:
      return state != OrderState::kSent && state != OrderState::kUnknown &&
             state != OrderState::kIntent;
    case OrderEvent::kCanceled:
      return state == OrderState::kCanceled || state == OrderState::kFilled;
    case OrderEvent::kExpired:
      return state == OrderState::kExpired || state == OrderState::kFilled;
    case OrderEvent::kReject:
      return state == OrderState::kRejected;
    default:
      return false;
  }
}

bool OrderManager::transition(Order& order, OrderEvent event, const ExecutionEvent* cause,
                              TimeNs now_ns) {
  const auto next = next_state(order.state, event);
  if (!next) {
    ++refused_transitions_;
    log_warn("order {}: {} refused in state {}", order.client_order_id.view(), to_string(event),
             to_string(order.state));
    return false;
  }
  order.state = *next;
  order.updated_time_ns = now_ns;
  if (is_terminal(order.state)) open_.erase(orders_.index_of(order));
  if (!journal_.record_order_event(order, event, cause, now_ns)) {
    halt("journal write failed: " + journal_.last_error());
  }
  return true;
}

void OrderManager::halt(std::string reason) {
  if (halt_reason_.empty()) {
    log_error("trading halted: {}", reason);
    halt_reason_ = std::move(reason);
  }
}

const Order* OrderManager::find(std::string_view client_order_id) const {
  ClientOrderId id;
  if (!id.assign(client_order_id)) return nullptr;  // longer than any id: never minted
  const auto found = position_of(id);
  return found ? &orders_[*found] : nullptr;
}

std::size_t OrderManager::unresolved_orders() const {
  std::size_t count = lookups_.size();
  for (const std::size_t index : open_) {
    const OrderState state = orders_[index].state;
    if ((state == OrderState::kUnknown || state == OrderState::kIntent) &&
        !lookups_.contains(index))
      ++count;
  }
  return count;
}

bool OrderManager::has_unknown_outcome(InstrumentId instrument) const {
  for (const auto& [index, lookup] : lookups_) {
    if (orders_[index].instrument == instrument) return true;
  }
  for (const std::size_t index : open_) {
    const Order& order = orders_[index];
    if (order.instrument == instrument &&
        (order.state == OrderState::kUnknown || order.state == OrderState::kIntent)) {
      return true;
    }
  }
  return false;
}

bool OrderManager::crosses_own_order(InstrumentId instrument, Side side, OrderType type,
                                     Price price) const {
  for (const std::size_t index : open_) {
    const Order& resting = orders_[index];
    if (resting.instrument != instrument || resting.side == side || !is_open(resting.state))
      continue;
    if (type == OrderType::kMarket || resting.type == OrderType::kMarket) return true;
    if (side == Side::kBuy ? price >= resting.price : price <= resting.price) return true;
  }
  return false;
}

std::size_t OrderManager::cancel_all(InstrumentId instrument, TimeNs now_ns) {
  std::vector<ClientOrderId> ids;
  for (const std::size_t index : open_) {
    const Order& order = orders_[index];
    if (instrument != kNoInstrument && order.instrument != instrument) continue;
    if (order.state == OrderState::kAccepted || order.state == OrderState::kPartiallyFilled) {
      ids.push_back(order.client_order_id);
    }
  }
  std::size_t canceled = 0;
  for (const auto& id : ids) canceled += cancel(id, now_ns) ? 1 : 0;
  return canceled;
}

bool OrderManager::has_open_order(InstrumentId instrument) const {
  for (const std::size_t index : open_) {
    const Order& order = orders_[index];
    if (order.instrument == instrument && is_open(order.state)) return true;
  }
  return false;
}

Money OrderManager::reserved_buy_notional(const InstrumentRegistry& instruments,
                                          std::string_view venue) const {
  Money total{0};
  for (const std::size_t index : open_) {
    const Order& order = orders_[index];
    if (order.side != Side::kBuy || !is_open(order.state) || order.type == OrderType::kMarket) {
      continue;
    }
    const Instrument& instrument = instruments.get(order.instrument);
    // Perpetuals hold margin, not cash (reserved_margin).
    if (instrument.is_perpetual() || !of_venue(instrument, venue)) continue;
    total += notional(order.price, instrument.price_scale, order.remaining(),
                      instrument.quantity_scale, Rounding::kUp)
                 .value_or(Money{0});
  }
  return total;
}

Money OrderManager::reserved_margin(const InstrumentRegistry& instruments,
                                    std::string_view venue) const {
  Money total{0};
  for (const std::size_t index : open_) {
    const Order& order = orders_[index];
    const Instrument& instrument = instruments.get(order.instrument);
    if (!instrument.is_perpetual() || order.reduce_only || !is_open(order.state) ||
        order.type == OrderType::kMarket || !of_venue(instrument, venue)) {
      continue;
    }
    total +=
        initial_margin(instrument, position_notional(instrument, order.remaining(), order.price));
  }
  return total;
}

Quantity OrderManager::reserved_sell_quantity(InstrumentId instrument) const {
  Quantity total{0};
  for (const std::size_t index : open_) {
    const Order& order = orders_[index];
    if (order.instrument == instrument && order.side == Side::kSell && is_open(order.state)) {
      total += order.remaining();
    }
  }
  return total;
}

}  // namespace sigex
