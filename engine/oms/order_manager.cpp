#include "engine/oms/order_manager.h"

#include "engine/core/check.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

std::uint64_t sequence_key(StrategyId strategy, InstrumentId instrument, IntentKey intent) {
  return intent.value ^ (static_cast<std::uint64_t>(strategy) << 48) ^
         (static_cast<std::uint64_t>(instrument) << 32) * 0x9E3779B97F4A7C15ULL;
}

}  // namespace

OrderManager::OrderManager(const InstrumentRegistry& instruments, Journal& journal,
                           ExecutionVenue& venue)
    : instruments_(instruments), journal_(journal), venue_(venue) {}

void OrderManager::restore_from_journal() {
  for (Order order : journal_.load_orders()) {
    const std::uint64_t key = sequence_key(order.strategy, order.instrument, order.intent);
    auto& next = next_sequence_[key];
    next = std::max(next, order.sequence + 1);
    if (order.state == OrderState::kIntent || order.state == OrderState::kSent) {
      // The process stopped between journaling and hearing back: the venue may have it.
      order.state = OrderState::kUnknown;
    }
    index_.emplace(std::string(order.client_order_id.view()), orders_.size());
    orders_.push_back(order);
  }
}

std::optional<ClientOrderId> OrderManager::submit(StrategyId strategy,
                                                  std::string_view strategy_tag,
                                                  const OrderIntent& intent, TimeNs now_ns) {
  if (halted()) return std::nullopt;
  const Instrument& instrument = instruments_.get(intent.instrument);
  const std::uint64_t key = sequence_key(strategy, intent.instrument, intent.intent);
  // Idempotent submit: while an order for this intent is open or its outcome unknown, asking
  // again returns that order instead of sending a second one.
  for (const Order& existing : orders_) {
    if (existing.strategy == strategy && existing.instrument == intent.instrument &&
        existing.intent == intent.intent && is_open(existing.state)) {
      ++duplicate_intents_;
      return existing.client_order_id;
    }
  }
  std::uint32_t& next = next_sequence_[key];
  Order order;
  order.client_order_id =
      mint_client_order_id(strategy_tag, instrument.symbol.view(), intent.intent, next);
  SIGEX_CHECK(find(order.client_order_id.view()) == nullptr, "client order id minted twice");
  ++next;
  order.strategy = strategy;
  order.instrument = intent.instrument;
  order.side = intent.side;
  order.type = intent.type;
  order.time_in_force = intent.time_in_force;
  order.price = intent.type == OrderType::kMarket ? Price{0} : intent.price;
  order.quantity = intent.quantity;
  order.intent = intent.intent;
  order.sequence = next - 1;
  order.state = OrderState::kIntent;
  order.created_time_ns = now_ns;
  order.updated_time_ns = now_ns;

  // Write-ahead: the intent is durable before a single byte goes to the venue.
  if (!journal_.record_intent(order, instrument.symbol.view())) {
    halt("journal write failed: " + journal_.last_error());
    return std::nullopt;
  }
  index_.emplace(std::string(order.client_order_id.view()), orders_.size());
  orders_.push_back(order);
  Order& stored = orders_.back();
  if (!transition(stored, OrderEvent::kSend, nullptr, now_ns)) return std::nullopt;

  OrderCommand command{};
  command.kind = OrderCommandKind::kNew;
  command.side = stored.side;
  command.type = stored.type;
  command.time_in_force = stored.time_in_force;
  command.instrument = stored.instrument;
  command.client_order_id = stored.client_order_id;
  command.price = stored.price;
  command.quantity = stored.quantity;
  command.created_time_ns = now_ns;
  venue_.send(command);
  return stored.client_order_id;
}

bool OrderManager::cancel(const ClientOrderId& id, TimeNs now_ns) {
  const auto found = index_.find(id.view());
  if (found == index_.end()) return false;
  Order& order = orders_[found->second];
  if (!transition(order, OrderEvent::kCancelRequest, nullptr, now_ns)) return false;
  OrderCommand command{};
  command.kind = OrderCommandKind::kCancel;
  command.side = order.side;
  command.instrument = order.instrument;
  command.client_order_id = order.client_order_id;
  command.created_time_ns = now_ns;
  venue_.send(command);
  return true;
}

std::optional<OrderManager::Update> OrderManager::apply(const ExecutionEvent& event,
                                                        TimeNs now_ns) {
  const auto found = index_.find(event.client_order_id.view());
  if (found == index_.end()) {
    ++unknown_order_events_;
    return std::nullopt;
  }
  Order& order = orders_[found->second];
  if (event.venue_order_id != 0) order.venue_order_id = event.venue_order_id;
  OrderEvent order_event = OrderEvent::kAccept;
  bool new_fill = false;
  switch (event.kind) {
    case ExecutionKind::kAccepted: order_event = OrderEvent::kAccept; break;
    case ExecutionKind::kRejected: order_event = OrderEvent::kReject; break;
    case ExecutionKind::kUnknown: order_event = OrderEvent::kOutcomeUnknown; break;
    case ExecutionKind::kCanceled: order_event = OrderEvent::kCanceled; break;
    case ExecutionKind::kExpired: order_event = OrderEvent::kExpired; break;
    case ExecutionKind::kCancelRejected: order_event = OrderEvent::kCancelRejected; break;
    case ExecutionKind::kFill: {
      if (!seen_trades_.emplace(event.instrument, event.trade_id).second) {
        ++duplicate_fills_;
        return std::nullopt;
      }
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
      order_event = order.filled_quantity == order.quantity ? OrderEvent::kFill
                                                            : OrderEvent::kPartialFill;
      new_fill = true;
      break;
    }
  }
  if (event.kind == ExecutionKind::kRejected) order.last_venue_error = event.venue_error_code;
  if (!transition(order, order_event, &event, now_ns)) return std::nullopt;
  return Update{&order, order_event, new_fill};
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
  const auto found = index_.find(client_order_id);
  return found == index_.end() ? nullptr : &orders_[found->second];
}

bool OrderManager::has_unknown_outcome(InstrumentId instrument) const {
  for (const auto& order : orders_) {
    if (order.instrument == instrument &&
        (order.state == OrderState::kUnknown || order.state == OrderState::kIntent)) {
      return true;
    }
  }
  return false;
}

bool OrderManager::has_open_order(InstrumentId instrument) const {
  for (const auto& order : orders_) {
    if (order.instrument == instrument && is_open(order.state)) return true;
  }
  return false;
}

Money OrderManager::reserved_buy_notional(const InstrumentRegistry& instruments) const {
  Money total{0};
  for (const auto& order : orders_) {
    if (order.side != Side::kBuy || !is_open(order.state) || order.type == OrderType::kMarket) {
      continue;
    }
    const Instrument& instrument = instruments.get(order.instrument);
    total += notional(order.price, instrument.price_scale, order.remaining(),
                      instrument.quantity_scale, Rounding::kUp)
                 .value_or(Money{0});
  }
  return total;
}

Quantity OrderManager::reserved_sell_quantity(InstrumentId instrument) const {
  Quantity total{0};
  for (const auto& order : orders_) {
    if (order.instrument == instrument && order.side == Side::kSell && is_open(order.state)) {
      total += order.remaining();
    }
  }
  return total;
}

}  // namespace sigex
