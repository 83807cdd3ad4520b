#pragma once

// Positions, cash and PnL in fixed point. All instruments are quoted in one cash asset
// (checked at configuration time), whose balance is `cash`. Owned by the core thread.
//
// Spot: a position is the base asset held, never negative; buying spends its notional.
// Perpetuals (one-way mode): a position is signed (negative: short); a fill moves cash only by
// the realised PnL of what it closes and its fee, so `cash` is the wallet balance; funding
// settlements are added to it. A position's value in equity is its unrealised PnL at the mark
// price: equity = cash + spot holdings at their prices + perpetual unrealised PnL − third-asset
// fees. Margin and the liquidation price follow Binance's formulas (margin.h).
//
// Fees are booked where the venue charged them, so that a position is what the account
// really holds: a fee in the quote asset comes out of cash; a fee in the base asset comes out
// of the position (a buy of 0.0008 BTC with a 0.1 % fee in BTC holds 0.0007992); a fee in a
// third asset (BNB) is a cost kept in that asset and valued in the cash asset, taken from
// equity. Every fee's cash value is also added to the position's `fees`.

#include <optional>
#include <vector>

#include "engine/book/quote_book.h"
#include "engine/core/instrument.h"
#include "engine/core/sorted_set.h"
#include "engine/journal/journal.h"

namespace sigex {

struct Position {
  Quantity quantity;   // base asset held (spot), signed contracts (perpetual), at quantity_scale
  Money cost_basis;    // entry notional of what is held (average-cost method), excluding fees
  Money realised_pnl;  // closed profit and loss, excluding fees and funding
  Money fees;          // fees paid on this instrument
  Money funding;       // funding received (negative: paid), perpetuals
  Price entry_price;   // average entry price of what is held; 0 when flat
  std::int64_t buys = 0;
  std::int64_t sells = 0;
};

// Fees paid in an asset that is neither traded nor cash (BNB), summed.
struct OtherAssetFees {
  AssetCode asset;
  std::int64_t amount = 0;  // 8 decimals
  Money value;              // in the cash asset, at the time of each fill
};

struct FillResult {
  Money realised_pnl;  // realised by this fill (what it closed), before fees
};

// A perpetual position's margin at the mark price.
struct MarginState {
  Money notional;                          // |quantity| × mark
  Money initial_margin;                    // notional / leverage
  Money maintenance_margin;                // bracket rate and amount
  std::optional<Price> liquidation_price;  // estimate (cross margin, one-way)
};

// The account's margin over every perpetual position (cross margin).
struct AccountMargin {
  Money margin_balance;      // cash + unrealised PnL of perpetuals
  Money initial_margin;      // of all perpetual positions
  Money maintenance_margin;  // of all perpetual positions
  // maintenance margin / margin balance in basis points; liquidation at 10'000
  std::int64_t margin_ratio_bps = 0;
};

class Portfolio {
 public:
  Portfolio(const InstrumentRegistry& instruments, Money starting_cash);

  // Applies a fill: cash moves by the notional; the fee comes out of cash, the position or
  // the third asset's ledger (see above). Quantity must not take the position below zero (a
  // broken invariant on spot).
  FillResult apply_fill(InstrumentId instrument, Side side, Price price, Quantity quantity,
                        const FillFee& fee);
  FillResult apply_fill(InstrumentId instrument, Side side, Price price, Quantity quantity,
                        Money fee_in_quote) {
    return apply_fill(instrument, side, price, quantity, FillFee::in_quote(fee_in_quote));
  }

  // A funding settlement on a perpetual: `amount` paid to the account (negative: paid by it).
  void apply_funding(InstrumentId instrument, Money amount);

  const Position& position(InstrumentId instrument) const { return positions_[instrument]; }
  Money cash() const { return cash_; }
  Money starting_cash() const { return starting_cash_; }

  // Market value of a position at its valuation price (mark, else reference): signed
  // notional for perpetuals (negative when short).
  Money market_value(InstrumentId instrument, const QuoteBook& quotes) const;
  Money unrealised_pnl(InstrumentId instrument, const QuoteBook& quotes) const;
  // cash + spot holdings at market + perpetual unrealised PnL - fees paid in third assets
  Money equity(const QuoteBook& quotes) const;
  // Notional of long positions (spot holdings and long perpetuals) and of short perpetuals.
  Money long_exposure(const QuoteBook& quotes) const;
  Money short_exposure(const QuoteBook& quotes) const;
  Money funding_received() const;  // sum of positive settlements
  Money funding_paid() const;      // sum of negative settlements, as a positive amount
  MarginState margin(InstrumentId instrument, const QuoteBook& quotes) const;
  AccountMargin account_margin(const QuoteBook& quotes) const;
  // The wallet behind a perpetual position in cross margin: cash less the other perpetual
  // positions' maintenance margin plus their unrealised PnL (the WB of Binance's formula).
  Money wallet_for(InstrumentId instrument, const QuoteBook& quotes) const;
  const std::vector<OtherAssetFees>& other_asset_fees() const { return other_fees_; }
  Money other_asset_fees_value() const;
  Money gross_exposure(const QuoteBook& quotes) const;
  Money total_fees() const;
  Money total_realised_pnl() const;

  PositionRow row(InstrumentId instrument, TimeNs time_ns) const;

 private:
  FillResult book_fill(InstrumentId instrument, Side side, Price price, Quantity quantity,
                       const FillFee& fee);
  FillResult apply_perpetual_fill(const Instrument& instrument, Position& position, Side side,
                                  Price price, Quantity quantity);
  void book_fee(Position& position, const FillFee& fee, Quantity& base_fee);
  Money unrealised_of_perpetual(InstrumentId instrument, const QuoteBook& quotes) const;
  MarginState margin_without_liquidation(InstrumentId instrument, const QuoteBook& quotes) const;

  const InstrumentRegistry& instruments_;
  std::vector<Position> positions_;
  // The instruments whose position is not flat, ascending: what equity, exposure and margin
  // add up, on every order, so that an order costs the same in a universe of 500 instruments
  // as in one of 2. A flat position holds no value, margin or cost basis.
  SortedSet<InstrumentId> held_;
  Money starting_cash_;
  Money cash_;
  std::vector<OtherAssetFees> other_fees_;
  Money funding_received_{0};
  Money funding_paid_{0};
};

}  // namespace sigex
