#pragma once

// Pre-trade checks run on every order intent, in every mode, before the OMS mints an id.
// A denial carries a reason code; nothing denied reaches a venue. Owned by the core thread.
//
// The checks, in the order they run (the first failing one is the reason):
//   trading state   HALTED (global, instrument) denies everything; REDUCING allows only
//                   orders that shrink the position; a strategy disabled by the
//                   repeated-execution throttle sends nothing
//   order shape     positive quantity, positive limit price; a reduce-only order must shrink
//                   the position
//   unknown outcome an earlier order on the instrument has not been resolved
//   market data     fresh quote, synced book, a reference price (fail closed without one)
//   price collar    a limit price within ±collar of the reference
//   self-trade      the order would cross one of our own resting orders
//   order size      maximum notional, maximum quantity (per instrument)
//   exposure        maximum position notional per instrument (long or short), total gross
//                   exposure
//   balance         spot: cash for buys (net of open buys), position for sells (net of open
//                   sells); perpetuals: initial margin for what the order opens, within the
//                   margin available after positions and open orders
//   leverage        perpetuals: the position's notional over the margin balance at most the
//                   instrument's max_leverage, and within the venue's bracket for the
//                   configured leverage
//   liquidation     perpetuals: the estimated liquidation price after the order at least
//                   min_liquidation_distance_bps away from the reference price
//   order rate      at most N orders per window, per instrument and overall
//
// A reduce-only order that shrinks the position is never denied for size, exposure, balance,
// leverage or liquidation distance: closing risk is always allowed (the order rate and the
// market-data checks still apply).

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/book/quote_book.h"
#include "engine/order/order.h"
#include "engine/portfolio/portfolio.h"
#include "engine/risk/rate_window.h"
#include "engine/risk/trading_state.h"

namespace sigex {

enum class RiskDenial : std::uint8_t {
  kNone,
  kTradingHalted,
  kReducingOnly,
  kStrategyDisabled,
  kMarketDataStale,
  kBookInvalid,
  kNoReferencePrice,
  kPriceCollar,
  kSelfTrade,
  kMaxOrderNotional,
  kMaxOrderQuantity,
  kMaxPositionNotional,
  kMaxGrossExposure,
  kInsufficientBalance,
  kInsufficientPosition,
  kOrderRateInstrument,
  kOrderRateTotal,
  kOutcomeUnknown,
  kInvalidOrder,
  kVenueFilter,   // the venue's trading rules (tick, step, notional) cannot be met
  kShuttingDown,  // the daemon is stopping: no new orders
  kRetryBackoff,  // the venue refused this strategy's last order here: waiting before the next
  kReduceOnlyWouldIncrease,  // a reduce-only order that would open or grow a position
  kInsufficientMargin,
  kMaxLeverage,
  kLiquidationDistance,
  kCount,
};

std::string_view to_string(RiskDenial denial);

struct RiskConfig {
  Money max_order_notional{100'000 * 100'000'000LL};     // per order, quote asset
  Money max_position_notional{250'000 * 100'000'000LL};  // per instrument after the order
  Money max_gross_exposure{1'000'000 * 100'000'000LL};   // all instruments after the order
  // Per instrument (index = InstrumentId), in the instrument's quantity scale; 0: no limit.
  std::vector<Quantity> max_order_quantity;
  // Perpetuals, per instrument (index = InstrumentId): position notional / margin balance at
  // most this (0: no limit).
  std::vector<int> max_leverage;
  // Perpetuals: an order may not bring the estimated liquidation price closer to the reference
  // price than this (0: no check).
  std::int64_t min_liquidation_distance_bps = 1000;
  std::int64_t price_collar_bps = 500;          // limit price within ±5 % of the reference
  DurationNs max_quote_age_ns = 2 * kNsPerDay;  // older market data: instrument untradeable
  // Order-rate throttle: at most this many orders per window (0: no limit).
  std::int64_t max_orders_per_instrument = 10;
  std::int64_t max_orders_total = 30;
  DurationNs order_rate_window_ns = 60 * kNsPerSecond;
  // Repeated-execution throttle: more than `max_fills` fills of one strategy within the window
  // disables the strategy until an operator enables it again (0: no limit).
  std::int64_t max_fills = 20;
  DurationNs fill_window_ns = 60 * kNsPerSecond;
  // Loss limits that halt all trading (and cancel open orders) until an operator resumes it.
  Money daily_loss_limit{0};          // loss since the UTC day's start equity; 0: no limit
  std::int64_t max_drawdown_bps = 0;  // from the equity peak; 0: no limit
  // After a venue refuses an order, the next one of the same strategy on the same instrument
  // waits this long, doubling with each refusal in a row up to the cap.
  DurationNs retry_backoff_initial_ns = 1 * kNsPerSecond;
  DurationNs retry_backoff_max_ns = 5 * kNsPerMinute;
};

// Everything a check needs to know about the world at the moment of the order.
struct RiskView {
  const Instrument& instrument;
  const Quote& quote;
  const Position& position;
  TimeNs now_ns;
  Money available_cash;                        // cash minus what open buy orders may spend
  Quantity available_to_sell;                  // position minus what open sell orders may sell
  bool outcome_unknown_pending;                // an order on this instrument has an unknown outcome
  bool trading_halted;                         // the OMS stopped (journal failure)
  bool book_invalid = false;                   // depth book awaiting a snapshot or broken
  TradingState state = TradingState::kActive;  // the strictest of global and instrument
  bool strategy_disabled = false;
  bool crosses_own_order = false;  // a resting order of ours on the other side would match
  Money gross_exposure{0};         // all positions at their reference prices, before the order
  // Perpetuals (cross margin, before the order).
  Money margin_balance{0};       // wallet + unrealised PnL of perpetuals
  Money available_margin{0};     // margin balance − initial margin of positions and open orders
  Money wallet_for_position{0};  // wallet − other positions' maintenance margin + their uPnL
};

class RiskEngine {
 public:
  explicit RiskEngine(RiskConfig config);

  // Counts the decision; an approved order counts against the order-rate throttle.
  RiskDenial check(const OrderIntent& intent, const RiskView& view);
  // The same decision, counted nowhere and recorded in no throttle: the order path's
  // rehearsal (Engine::rehearse_order_path).
  RiskDenial rehearse(const OrderIntent& intent, const RiskView& view) const;

  // A fill of `strategy` at `now_ns`. True when it makes the strategy exceed the
  // repeated-execution throttle (the caller disables the strategy).
  bool record_fill(std::size_t strategy, TimeNs now_ns);

  std::uint64_t denials(RiskDenial reason) const {
    return denials_[static_cast<std::size_t>(reason)];
  }
  std::uint64_t approvals() const { return denials_[0]; }
  const RiskConfig& config() const { return config_; }
  // New limits (a configuration reload). Rate windows whose size changes start empty; the
  // others keep their history. Denial counts are kept.
  void reconfigure(RiskConfig config);

 private:
  RiskDenial evaluate(const OrderIntent& intent, const RiskView& view) const;
  // evaluate(), then the order-rate throttles (`instrument`: its window, if it has one).
  RiskDenial verdict(const OrderIntent& intent, const RiskView& view,
                     const RateWindow* instrument) const;
  RiskDenial evaluate_perpetual(const OrderIntent& intent, const RiskView& view,
                                Price reference) const;
  RateWindow& instrument_window(InstrumentId instrument);

  RiskConfig config_;
  std::array<std::uint64_t, static_cast<std::size_t>(RiskDenial::kCount)> denials_{};
  std::vector<RateWindow> orders_by_instrument_;  // approved orders
  RateWindow orders_total_;
  std::vector<RateWindow> fills_by_strategy_;
};

}  // namespace sigex
