#pragma once

// The strategy interface. Strategies see the market, signals and their own orders through
// callbacks on the core thread, read state and act only through a StrategyContext, and never
// reach sockets, the system clock or OMS internals. The same strategy object runs unchanged in
// backtest, paper and live modes.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/book/order_book.h"
#include "engine/book/quote_book.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/order/order.h"
#include "engine/portfolio/portfolio.h"

namespace sigex {

class StrategyContext {
 public:
  virtual ~StrategyContext() = default;

  virtual TimeNs now_ns() const = 0;  // the injected clock
  virtual const InstrumentRegistry& instruments() const = 0;
  virtual const Quote& quote(InstrumentId instrument) const = 0;
  // False while market data for the instrument is missing or stale, or its depth book is
  // awaiting a snapshot or broken.
  virtual bool is_tradeable(InstrumentId instrument) const = 0;
  // The depth book (empty when the instrument has no depth data).
  virtual const OrderBook& book(InstrumentId instrument) const = 0;
  virtual const Position& position(InstrumentId instrument) const = 0;
  // Every venue account's cash together.
  virtual Money cash() const = 0;
  // The cash of the venue account that trades `instrument`: what a buy of it may spend.
  virtual Money account_cash(InstrumentId instrument) const = 0;
  // Cash + spot holdings at market + unrealised PnL of perpetuals − fees paid in third assets.
  virtual Money equity() const = 0;
  // Perpetuals: what a new order's initial margin may use in the account that trades
  // `instrument` (its margin balance less the initial margin of its positions and open orders,
  // and less the cash its open spot buys hold).
  virtual Money available_margin(InstrumentId instrument) const = 0;
  virtual bool has_open_order(InstrumentId instrument) const = 0;

  // Risk-checks the intent and, if approved, hands it to the OMS. Returns the minted client
  // order id, or nullopt when risk denied it or trading is halted.
  virtual std::optional<ClientOrderId> submit(const OrderIntent& intent) = 0;
  virtual bool cancel(const ClientOrderId& id) = 0;
  // Calls Strategy::on_timer(tag) once the clock reaches `at_ns`.
  virtual void set_timer(TimeNs at_ns, std::uint64_t tag) = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;

  // 1..8 characters of [a-zA-Z0-9]; prefixes every client order id this strategy mints.
  virtual std::string_view tag() const = 0;

  virtual void on_start(StrategyContext&) {}
  virtual void on_quote(StrategyContext&, const BestBidOffer&) {}
  virtual void on_trade(StrategyContext&, const TradeTick&) {}
  virtual void on_bar(StrategyContext&, const Bar&) {}
  virtual void on_signal(StrategyContext&, const TradingSignal&) {}
  virtual void on_grade(StrategyContext&, const Grade&) {}
  virtual void on_order_update(StrategyContext&, const Order&, OrderEvent) {}
  virtual void on_fill(StrategyContext&, const Order&, const ExecutionEvent&) {}
  virtual void on_timer(StrategyContext&, std::uint64_t /*tag*/) {}

  // What it did, as one line for `sigex backtest`'s summary ("" when it has nothing to say).
  virtual std::string summary() const { return {}; }
};

}  // namespace sigex
