#pragma once

// The core: one thread owns the quote book, strategies, risk, OMS and portfolio, and processes
// inbound events one at a time in the order they are handed over. Every mode runs this class;
// only the clock, the venue and the event sources plugged in by the composition root differ.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "engine/book/order_book.h"
#include "engine/book/quote_book.h"
#include "engine/core/clock.h"
#include "engine/journal/journal.h"
#include "engine/metrics/latency_histogram.h"
#include "engine/oms/order_manager.h"
#include "engine/portfolio/balance_check.h"
#include "engine/portfolio/portfolio.h"
#include "engine/ports/engine_observer.h"
#include "engine/ports/execution_venue.h"
#include "engine/ports/market_data_control.h"
#include "engine/ports/strategy.h"
#include "engine/queue/event_queue.h"
#include "engine/risk/retry_backoff.h"
#include "engine/risk/risk_engine.h"
#include "engine/risk/trading_state.h"
#include "engine/signals/signal_gate.h"

namespace sigex {

struct EngineCounters {
  std::uint64_t events = 0;
  std::uint64_t quotes = 0;
  std::uint64_t trades = 0;
  std::uint64_t depth_levels = 0;
  std::uint64_t bars = 0;
  std::uint64_t signals = 0;
  std::uint64_t grades = 0;
  std::uint64_t execution_events = 0;
  std::uint64_t fills = 0;
  std::uint64_t orders_submitted = 0;
  std::uint64_t resync_requests = 0;
  std::uint64_t feed_resets = 0;
  std::uint64_t venue_rejections = 0;       // orders the venue refused
  std::uint64_t alerts = 0;                 // conditions an operator must see (logged as ALERT)
  std::uint64_t denials_not_journaled = 0;  // repeats of a denial within a minute (counted only)
  std::uint64_t mark_prices = 0;
  std::uint64_t funding_rates = 0;        // published settlements seen in the market data
  std::uint64_t funding_settlements = 0;  // funding booked on the account
  std::uint64_t venue_fills = 0;          // fills of the venue's own orders (liquidations)
};

class Engine {
 public:
  Engine(const InstrumentRegistry& instruments, const Clock& clock, Journal& journal,
         ExecutionVenue& venue, const RiskConfig& risk, Money starting_cash);
  // Cash per venue account (Portfolio): an order spends and posts margin from its own.
  Engine(const InstrumentRegistry& instruments, const Clock& clock, Journal& journal,
         ExecutionVenue& venue, const RiskConfig& risk, std::vector<CashAccount> accounts);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void add_strategy(std::unique_ptr<Strategy> strategy);
  void add_market_observer(MarketObserver* observer) { market_observers_.push_back(observer); }
  void add_observer(EngineObserver* observer) { observers_.push_back(observer); }
  // Where resync requests for broken books go; none in a replay (they are counted only).
  void set_market_data_control(MarketDataControl* control) { market_data_control_ = control; }
  // Signals and grades pass the gate (exactly once, journaled, not stale) before any strategy
  // sees them. Without a gate every record is delivered (unit tests).
  void set_signal_gate(SignalGate* gate) { signal_gate_ = gate; }

  // Market data for an instrument is unusable (e.g. the feed dropped records): its book must
  // be rebuilt from a new snapshot. Core thread.
  void invalidate_book(InstrumentId instrument);

  // Restores orders, fills, signal identities and trading states from the journal and
  // starts the strategies.
  void start();

  // Handles whatever is due at the clock's current time (venue answers, timers), then the
  // event itself.
  void process(const InboundEvent& event);
  // Handles venue answers and timers due at the clock's current time, then prepare_room().
  void run_due();
  // Writes ahead a few pages of the memory the next orders take (OrderManager::prepare_room)
  // and readies the journal's next record vector (Journal::ready_next_batch). Between events
  // only: every mode's core loop calls it through run_due or when idle.
  void prepare_room() {
    orders_.prepare_room();
    journal_.ready_next_batch();
  }
  // Goes through the order path for the OMS's newest order without deciding or changing
  // anything: the venue's rules, the risk view and checks, the OMS's look-ups (the id it would
  // mint, the id index). Before the first order, the first strategy buying the first
  // instrument's minimum at its ask. Nothing is journaled, sent, counted against a throttle or
  // logged. While no order is made, the path's code and data leave the core CPU's caches (the
  // kernel, other threads and the hypervisor use them); a daemon that rehearses every
  // [service] warm_order_path_us makes its next real order a warm one. Core thread.
  void rehearse_order_path();
  struct Rehearsals {
    std::uint64_t total = 0;
    std::uint64_t would_pass = 0;  // the rehearsed order would have been sent
  };
  const Rehearsals& rehearsals() const { return rehearsals_; }
  // Earliest time at which run_due() has work: pending venue answers or timers.
  TimeNs next_due_time_ns() const;

  const QuoteBook& quotes() const { return quotes_; }
  const BookSync& book(InstrumentId instrument) const { return books_[instrument]; }
  // Fresh quotes and, where depth data is used, a synced book.
  bool is_tradeable(InstrumentId instrument) const;
  const Portfolio& portfolio() const { return portfolio_; }
  const OrderManager& orders() const { return orders_; }
  const RiskEngine& risk() const { return risk_; }
  const EngineCounters& counters() const { return counters_; }
  const InstrumentRegistry& instruments() const { return instruments_; }
  // The strategies' tags, by strategy index (the journal's `strategy` column).
  std::vector<std::string> strategy_tags() const;
  bool halted() const { return orders_.halted(); }
  // How unknown outcomes are resolved (the venue's recvWindow and lag); before start().
  void set_resolution_policy(const ResolutionPolicy& policy) {
    orders_.set_resolution_policy(policy);
  }
  void set_instrument_resolution(std::vector<InstrumentResolution> by_instrument) {
    orders_.set_instrument_resolution(std::move(by_instrument));
  }
  void set_foreign_order_policy(ForeignOrderPolicy policy) {
    orders_.set_foreign_order_policy(policy);
  }
  const std::string& halt_reason() const { return orders_.halt_reason(); }

  // Trading states (global, per instrument, per strategy), restored from the journal at
  // start(). set_trading_state() journals the change; moving to HALTED cancels the scope's
  // resting orders. Core thread.
  const TradingStates& trading_states() const { return states_; }
  void set_trading_state(const std::string& scope, TradingState state, std::string reason);

  // The daemon is stopping: every new order is denied (shutting_down), nothing is journaled
  // as a state, so the next start trades again. Core thread.
  void stop_new_orders() { accepting_orders_ = false; }
  // New risk limits from a configuration reload. Core thread.
  void reconfigure_risk(RiskConfig config) {
    backoff_.reconfigure(config.retry_backoff_initial_ns, config.retry_backoff_max_ns);
    risk_.reconfigure(std::move(config));
  }
  const RetryBackoff& retry_backoff() const { return backoff_; }
  // One info line per order event (sent, accepted, filled, canceled, expired, rejected,
  // denied) and per signal delivered, as `key=value` pairs for journalctl and log shippers.
  // The daemon turns it on; backtests write orders.csv and fills.csv instead.
  void set_order_log(bool on) { order_log_ = on; }
  // Perpetuals: margin a new order may use in `account` (a Portfolio account; see
  // StrategyContext::available_margin).
  Money available_margin(std::size_t account) const;
  Money available_margin(std::size_t account, const AccountMargin& margin) const;
  // What a venue account holds of the cash asset, as its venue reported it (start-up; while
  // running, kAccountCash events do the same): what sigex spends there is limited to it
  // (VenueCashWatch). `announced`: a shortfall in it was logged already. Core thread.
  void report_account_cash(std::size_t account, Money held, bool announced = false);
  // What sigex may spend in `account`: its cash, or what the venue last reported it holds
  // when that is less.
  Money spendable_cash(std::size_t account) const;
  // How much less the account holds than sigex may spend there, once announced (the metric).
  Money announced_cash_shortfall(std::size_t account) const;
  // What the account's venue last reported it holds of the cash asset (nullopt: nothing yet).
  std::optional<Money> reported_account_cash(std::size_t account) const {
    return venue_cash_.held(account);
  }
  // Cancels every resting order (of every strategy); returns how many cancels were sent.
  std::size_t cancel_all_orders();

  // Where decision latencies go (the metrics endpoint): from the market event, or the signal
  // or grade, that the decision reacted to, to the order handed to the OMS. Before start().
  // `measured_by` is the clock they are measured on (default: the engine's).
  void set_decision_latency(LatencyHistogram* from_market, LatencyHistogram* from_signal,
                            const Clock* measured_by = nullptr) {
    market_decision_latency_ = from_market;
    signal_decision_latency_ = from_signal;
    latency_clock_ = measured_by;
  }

 private:
  class Context;
  struct Timer {
    TimeNs at_ns;
    std::uint64_t sequence;
    std::size_t strategy;
    std::uint64_t tag;
    friend bool operator>(const Timer& left, const Timer& right) {
      return left.at_ns != right.at_ns ? left.at_ns > right.at_ns : left.sequence > right.sequence;
    }
  };

  std::optional<ClientOrderId> submit(std::size_t strategy, const OrderIntent& intent);
  std::optional<ClientOrderId> deny(std::size_t strategy, const OrderIntent& intent,
                                    RiskDenial denial, TimeNs now_ns);
  // What the risk checks see of an order of `strategy` now.
  RiskView risk_view(std::size_t strategy, const OrderIntent& order, const Instrument& instrument,
                     TimeNs now_ns) const;
  // The venue whose instruments a Portfolio account trades, as OrderManager's reservations
  // filter them ("" with one account: every instrument).
  std::string_view account_venue(std::size_t account) const;
  void handle_execution(const ExecutionEvent& event);
  // Funding settlements and the venue's own fills: booked once, journaled, never an order.
  void handle_account_event(const ExecutionEvent& event);
  void handle_position_report(const ExecutionEvent& event);
  void handle_account_cash(const ExecutionEvent& event);
  void book_account_event(const AccountEventRow& row);
  // The venue refused `order`: back off, or stop the instrument when retrying cannot help.
  void on_venue_rejection(const Order& order, TimeNs now_ns);
  void run_due_in_batch();
  void commit_batch();
  void dispatch(const InboundEvent& event);
  void restore_trading_states();
  void refresh_effective_states();
  // Daily loss and drawdown limits against the current equity; halts trading when crossed.
  void check_loss_limits(TimeNs now_ns);

  const InstrumentRegistry& instruments_;
  const Clock& clock_;
  Journal& journal_;
  ExecutionVenue& venue_;
  QuoteBook quotes_;
  std::vector<BookSync> books_;
  MarketDataControl* market_data_control_ = nullptr;
  SignalGate* signal_gate_ = nullptr;
  Portfolio portfolio_;
  VenueCashWatch venue_cash_;
  RiskEngine risk_;
  RetryBackoff backoff_;
  OrderManager orders_;
  Rehearsals rehearsals_;
  std::vector<std::unique_ptr<Strategy>> strategies_;
  std::vector<std::unique_ptr<Context>> contexts_;
  std::vector<MarketObserver*> market_observers_;
  std::vector<EngineObserver*> observers_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  std::uint64_t timer_sequence_ = 0;
  std::vector<ExecutionEvent> execution_buffer_;
  EngineCounters counters_;
  TradingStates states_;
  std::vector<TradingState> instrument_states_;  // effective (global and instrument), by id
  std::vector<bool> strategy_disabled_;          // by strategy index
  std::int64_t equity_day_ = -1;                 // UTC day of day_start_equity_
  Money day_start_equity_{0};
  Money peak_equity_{0};
  bool accepting_orders_ = true;
  bool order_log_ = false;
  void log_order_event(const Order& order, OrderEvent event, const ExecutionEvent& cause) const;
  LatencyHistogram* market_decision_latency_ = nullptr;
  LatencyHistogram* signal_decision_latency_ = nullptr;
  const Clock* latency_clock_ = nullptr;
  TimeNs origin_receive_ns_ = 0;  // receive time of the event being dispatched; 0 outside one
  // (strategy, instrument, reason) -> when a denial was last journaled: one row a minute.
  std::map<std::tuple<std::size_t, InstrumentId, RiskDenial>, TimeNs> denial_journaled_ns_;
  bool origin_is_signal_ = false;
  // Funding settlements already booked: (instrument, funding time).
  std::set<std::pair<InstrumentId, TimeNs>> settled_funding_;
};

}  // namespace sigex
