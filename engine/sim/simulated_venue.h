#pragma once

// The simulated venue used by backtests and, later, paper trading. It matches orders against
// the recorded market: best bid/offer and trades for tick data, bars for bar data. It runs on
// the core thread and sees each market event (as a MarketObserver) before strategies do.
//
// Fill model:
//  * An order reaches the venue `order_latency_ns` after it is sent; answers travel back with
//    the same latency.
//  * On arrival, filters are checked with Binance's error semantics (-1013 "Filter failure",
//    -2010 insufficient balance) and the order is accepted or rejected.
//  * A marketable order takes liquidity at the best opposite price, at most the displayed
//    quantity (what earlier orders took at the same quote is remembered): partial fills.
//    A market order's remainder keeps taking at later quotes; an IOC limit's remainder expires;
//    a GTC limit's remainder rests.
//  * A resting limit order fills as maker at its own price when the opposite best price
//    reaches it (up to the displayed quantity) or a trade prints at or through it (up to the
//    traded quantity).
//  * Bar data: an order is matched against the first closed bar that opened when or after it
//    was created, within `bar_open_tolerance_bps` of the bar's length (1 %: 14 minutes of a
//    daily bar, 36 s of an hourly one); a bar that began earlier is the order's past, and
//    filling it at that bar's open would be look-ahead. It fills at the bar's open when the open is
//    within its limit (taker), else at its limit if the bar's range reaches it (maker); at
//    most `bar_participation_bps` of the bar's volume.
//  * Fees: maker/taker basis points of the notional, rounded up, charged as configured:
//    in the quote asset; as Binance spot does by default (`base`: a buy's fee in the base asset
//    bought, rounded up to the quantity scale, a sell's in the quote asset received); or in a
//    third asset (BNB) at a fixed price. Positions are then net of fees, as on the exchange.

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/journal/journal.h"
#include "engine/order/order.h"
#include "engine/portfolio/portfolio.h"
#include "engine/ports/execution_venue.h"

namespace sigex {

enum class SimulatedFeeAsset : std::uint8_t { kQuote, kBase, kThird };

struct SimulatedVenueConfig {
  DurationNs order_latency_ns = 5 * kNsPerMs;
  std::int64_t maker_fee_bps = 10;  // 0.10 %
  std::int64_t taker_fee_bps = 10;
  SimulatedFeeAsset fee_asset = SimulatedFeeAsset::kQuote;
  AssetCode third_fee_asset = AssetCode::from("BNB");
  Money third_fee_asset_price{600LL * 100'000'000};  // cash per unit of the third asset
  std::int64_t bar_participation_bps = 1000;         // at most 10 % of a bar's volume
  std::int64_t bar_open_tolerance_bps =
      100;  // of a bar's length: how late an order may be for its open
};

class SimulatedVenue final : public ExecutionVenue, public MarketObserver {
 public:
  SimulatedVenue(const InstrumentRegistry& instruments, SimulatedVenueConfig config,
                 Money starting_cash);

  void send(const OrderCommand& command) override;
  void poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) override;
  TimeNs next_event_time_ns() const override;
  void on_market(const InboundEvent& event) override;

  // The venue's own account (what the exchange would say the balances are).
  const Portfolio& account() const { return account_; }

  // Paper trading restarts: the simulated exchange's state is what the journal proves it
  // was. Every journaled fill is applied to the account; every order the venue had accepted
  // and not finished rests again with its filled quantity; every journaled id counts as seen.
  // An order the journal only sent never reached this in-process venue: a lookup answers
  // "does not exist", exactly as a live exchange would. Trade ids continue after the
  // journal's highest. Call before the engine starts.
  void restore(const std::vector<Order>& orders, const std::vector<FillRow>& fills);

 private:
  struct LiveOrder {
    OrderCommand command;
    VenueOrderId venue_order_id;
    Quantity filled;
    bool resting;  // accepted and waiting on the book
  };
  struct InFlight {
    TimeNs arrival_ns;
    OrderCommand command;
  };
  struct Outgoing {
    TimeNs delivery_ns;
    ExecutionEvent event;
  };
  struct MarketState {
    BestBidOffer best{};
    bool has_quote = false;
    Quantity bid_taken;  // our own takes at the current best bid
    Quantity ask_taken;
  };

  void process_arrivals(TimeNs now_ns);
  void arrive(const OrderCommand& command, TimeNs now_ns);
  void arrive_cancel(const OrderCommand& command, TimeNs now_ns);
  void arrive_query(const OrderCommand& command, TimeNs now_ns);
  std::int32_t check_filters(const OrderCommand& command) const;
  bool has_balance_for(const OrderCommand& command) const;
  void match_against_quote(LiveOrder& order, TimeNs now_ns);
  void match_against_trade(LiveOrder& order, const TradeTick& trade, TimeNs now_ns);
  void match_against_bar(LiveOrder& order, const Bar& bar, TimeNs now_ns);
  void fill(LiveOrder& order, Price price, Quantity quantity, Liquidity liquidity, TimeNs now_ns);
  // The fee of a fill, charged in the configured asset.
  FillFee fee_for(const Instrument& instrument, Side side, Price price, Quantity quantity,
                  Money value, std::int64_t fee_bps) const;
  void finish_if_done(LiveOrder& order);
  void emit(ExecutionKind kind, const OrderCommand& command, VenueOrderId venue_order_id,
            TimeNs now_ns, std::int32_t error_code = 0);
  void remove_finished();

  const InstrumentRegistry& instruments_;
  SimulatedVenueConfig config_;
  Portfolio account_;
  std::vector<MarketState> markets_;
  std::deque<InFlight> in_flight_;
  std::deque<Outgoing> outgoing_;
  std::vector<LiveOrder> live_orders_;
  std::set<std::string, std::less<>> seen_client_ids_;
  VenueOrderId next_venue_order_id_ = 1;
  std::uint64_t next_trade_id_ = 1;
};

}  // namespace sigex
