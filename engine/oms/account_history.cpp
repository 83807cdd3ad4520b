#include "engine/oms/account_history.h"

#include <algorithm>

#include "engine/logging/log.h"
#include "engine/order/client_order_id.h"
#include "engine/portfolio/portfolio.h"

namespace sigex {

std::vector<AccountOrder> orders_unknown_to_journal(
    const std::vector<AccountOrder>& account, const std::vector<std::string>& strategy_tags,
    const std::set<std::string, std::less<>>& known_ids) {
  std::vector<AccountOrder> unknown;
  for (const AccountOrder& order : account) {
    const auto parts = parse_minted_id(order.client_order_id.view());
    if (!parts) continue;  // placed by hand or by another program
    if (std::find(strategy_tags.begin(), strategy_tags.end(), parts->strategy_tag) ==
        strategy_tags.end())
      continue;
    if (known_ids.contains(order.client_order_id.view())) continue;
    unknown.push_back(order);
  }
  return unknown;
}

void adopt_account_orders(Journal& journal, const InstrumentRegistry& instruments,
                          const std::vector<std::string>& strategy_tags,
                          const std::vector<AccountOrder>& orders,
                          const AccountOrderFills& fills_of, TimeNs now_ns) {
  // The journal's fills so far, then the adopted ones: the positions it writes stay the sum.
  Portfolio positions(instruments, Money{0});  // cash is not journaled per fill
  for (const FillRow& fill : journal.load_fills()) {
    positions.apply_fill(fill.instrument, fill.side, fill.price, fill.quantity, fill.fee);
  }
  journal.begin_batch();
  for (const AccountOrder& account_order : orders) {
    const auto parts = parse_minted_id(account_order.client_order_id.view());
    Order order;
    order.client_order_id = account_order.client_order_id;
    order.strategy = static_cast<StrategyId>(
        std::find(strategy_tags.begin(), strategy_tags.end(), parts->strategy_tag) -
        strategy_tags.begin());
    order.instrument = account_order.instrument;
    order.side = account_order.side;
    order.type = account_order.price.raw > 0 ? OrderType::kLimit : OrderType::kMarket;
    order.time_in_force = TimeInForce::kGoodTillCancel;
    order.price = account_order.price;
    order.quantity = account_order.quantity;
    order.intent =
        IntentKey{stable_hash(account_order.client_order_id.view())};  // never one of ours
    order.venue_order_id = account_order.venue_order_id;
    order.created_time_ns = account_order.time_ns;
    order.updated_time_ns = now_ns;
    order.state = OrderState::kAccepted;
    journal.record_intent(order, instruments.get(order.instrument).symbol.view());
    std::vector<ExecutionEvent> fills = fills_of(account_order);
    for (const ExecutionEvent& fill : fills) {
      order.filled_quantity += fill.quantity;
      order.filled_notional +=
          notional(fill.price, instruments.get(order.instrument).price_scale, fill.quantity,
                   instruments.get(order.instrument).quantity_scale, Rounding::kDown)
              .value_or(Money{0});
      order.fees += fill.fee;
    }
    if (order.filled_quantity < account_order.executed) {
      log_warn(
          "adopting {}: only {} of its executed {} have trades within the history lookback; the "
          "rest is not "
          "journaled",
          order.client_order_id.view(), order.filled_quantity.raw, account_order.executed.raw);
    }
    // Final on the exchange: final here. Still open: looked up like any open order.
    if (account_order.status == "FILLED" && order.filled_quantity == order.quantity)
      order.state = OrderState::kFilled;
    else if (account_order.status == "CANCELED")
      order.state = OrderState::kCanceled;
    else if (account_order.status == "EXPIRED" || account_order.status == "FILLED")
      order.state = OrderState::kExpired;
    else if (account_order.status == "REJECTED")
      order.state = OrderState::kRejected;
    else if (order.filled_quantity.raw > 0)
      order.state = OrderState::kPartiallyFilled;
    journal.record_order_event(order, OrderEvent::kAccept, nullptr, now_ns);
    for (const ExecutionEvent& fill : fills) {
      positions.apply_fill(fill.instrument, order.side, fill.price, fill.quantity,
                           FillFee::of(fill));
      journal.record_fill(order, fill, positions.row(order.instrument, now_ns));
    }
  }
  journal.end_batch();
  journal.flush();
}

}  // namespace sigex
