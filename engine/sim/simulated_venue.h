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
//
// Perpetuals (USD-M, one-way mode), as Binance documents them
// (../shared/reference/binance-usdm-futures.md §10):
//  * Fees: the futures schedule (`perpetual_maker_fee_bps`, `perpetual_taker_fee_bps`), in the
//    quote asset.
//  * A new order needs margin: available = wallet + unrealised PnL − initial margin of the
//    positions and of the open orders, at least the order's initial margin plus its taker fee,
//    else it is rejected with -2019 (margin is insufficient). A reduce-only order that would
//    not reduce the position is rejected with -2022; one larger than the position fills only
//    what closes it. Reduce-only orders are exempt from the minimum notional.
//  * Mark price: the venue's mark-price records when the data has them, else the reference
//    price of the latest quote, trade or bar.
//  * Funding: at each funding time, from a published settlement (a funding-rate record, with
//    its mark price or else the venue's latest one) or from the mark-price stream (the rate it
//    announced for the funding time it announced, settled by the first mark price at or after
//    that time). Each position pays or receives |quantity| × mark × rate (positive: longs pay),
//    reported as a funding event once per instrument and funding time.
//  * Liquidation: when the account's maintenance margin reaches its margin balance (margin
//    ratio 100 %), open orders on perpetuals are canceled and every perpetual position is
//    closed at the mark price by the venue's own order ("autoclose-<trade id>"), charged
//    `liquidation_fee_bps` of the notional (Binance's clearance fee, 1.25 % on BTCUSDT) instead
//    of the taker fee. Binance fills liquidations at the bankruptcy price through its
//    insurance fund; the mark price with the fee is sigex's documented approximation.

#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "engine/book/quote_book.h"
#include "engine/core/instrument.h"
#include "engine/journal/journal.h"
#include "engine/order/order.h"
#include "engine/portfolio/portfolio.h"
#include "engine/ports/execution_venue.h"

namespace sigex {

enum class SimulatedFeeAsset : std::uint8_t { kQuote, kBase, kThird };

// The spot fees of one venue: what it charges and in which asset.
struct SimulatedSpotFees {
  std::int64_t maker_fee_bps = 10;  // 0.10 %
  std::int64_t taker_fee_bps = 10;
  SimulatedFeeAsset fee_asset = SimulatedFeeAsset::kQuote;
};

// [venue.simulated.<venue>]: the fees of the spot instruments of one venue (Instrument::venue)
// when one configuration mixes venues.
struct SimulatedVenueFees {
  VenueName venue;
  SimulatedSpotFees fees;
};

struct SimulatedVenueConfig {
  DurationNs order_latency_ns = 5 * kNsPerMs;
  std::int64_t maker_fee_bps = 10;  // 0.10 %
  std::int64_t taker_fee_bps = 10;
  SimulatedFeeAsset fee_asset = SimulatedFeeAsset::kQuote;
  std::vector<SimulatedVenueFees> venue_fees;  // overrides the three above per venue
  AssetCode third_fee_asset = AssetCode::from("BNB");
  Money third_fee_asset_price{600LL * 100'000'000};  // cash per unit of the third asset
  std::int64_t bar_participation_bps = 1000;         // at most 10 % of a bar's volume
  std::int64_t bar_open_tolerance_bps =
      100;  // of a bar's length: how late an order may be for its open
  // Perpetuals: Binance's regular (VIP 0) USD-M fees, and its clearance fee on liquidation.
  std::int64_t perpetual_maker_fee_bps = 2;  // 0.02 %
  std::int64_t perpetual_taker_fee_bps = 5;  // 0.05 %
  std::int64_t liquidation_fee_bps = 125;    // 1.25 %
};

class SimulatedVenue final : public ExecutionVenue, public MarketObserver {
 public:
  SimulatedVenue(const InstrumentRegistry& instruments, SimulatedVenueConfig config,
                 Money starting_cash);
  // One account per venue, as the engine's portfolio has them: an order is paid for, and its
  // margin posted, from its own venue's account.
  SimulatedVenue(const InstrumentRegistry& instruments, SimulatedVenueConfig config,
                 std::vector<CashAccount> accounts);

  void send(const OrderCommand& command) override;
  void poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) override;
  TimeNs next_event_time_ns() const override;
  void on_market(const InboundEvent& event) override;

  // The spot fees `instrument` pays: its venue's, else the defaults.
  SimulatedSpotFees spot_fees(const Instrument& instrument) const;

  // The venue's own account (what the exchange would say the balances are).
  const Portfolio& account() const { return account_; }

  // Paper trading restarts: the simulated exchange's state is what the journal proves it
  // was. Every journaled fill is applied to the account; every order the venue had accepted
  // and not finished rests again with its filled quantity; every journaled id counts as seen.
  // An order the journal only sent never reached this in-process venue: a lookup answers
  // "does not exist", exactly as a live exchange would. Trade ids continue after the
  // journal's highest. Call before the engine starts.
  void restore(const std::vector<Order>& orders, const std::vector<FillRow>& fills,
               const std::vector<AccountEventRow>& account_events = {});
  // Prices the venue values positions at (mark prices, or the latest reference prices).
  const QuoteBook& prices() const { return prices_; }

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
    // Perpetuals: the funding announced by the mark-price stream, and the last settlement.
    Rate announced_rate;
    TimeNs announced_funding_ns = 0;
    TimeNs settled_funding_ns = 0;
  };

  void process_arrivals(TimeNs now_ns);
  void arrive(const OrderCommand& command, TimeNs now_ns);
  void arrive_cancel(const OrderCommand& command, TimeNs now_ns);
  void arrive_query(const OrderCommand& command, TimeNs now_ns);
  std::int32_t check_filters(const OrderCommand& command) const;
  bool has_balance_for(const OrderCommand& command) const;
  // Perpetuals: 0 when the account can take the order, else Binance's error code.
  std::int32_t check_margin(const OrderCommand& command) const;
  void settle_funding(InstrumentId instrument, TimeNs funding_time_ns, Rate rate, Price mark,
                      TimeNs now_ns);
  void liquidate_if_needed(TimeNs now_ns);
  void liquidate_account_if_needed(std::size_t account, TimeNs now_ns);
  // What a resting spot buy locks of its account's cash, and an account's cash less what all
  // its resting buys lock.
  Money resting_hold(const LiveOrder& order) const;
  Money free_cash(std::size_t account) const;
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
  QuoteBook prices_;
  std::vector<MarketState> markets_;
  bool has_perpetuals_ = false;
  std::deque<InFlight> in_flight_;
  std::deque<Outgoing> outgoing_;
  std::vector<LiveOrder> live_orders_;
  std::set<std::string, std::less<>> seen_client_ids_;
  VenueOrderId next_venue_order_id_ = 1;
  std::uint64_t next_trade_id_ = 1;
};

}  // namespace sigex
