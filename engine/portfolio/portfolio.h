#pragma once

// Positions, cash and PnL in fixed point. Spot only: a position is the base asset held, never
// negative. All instruments are quoted in one cash asset (checked at configuration time).
// Owned by the core thread.
//
// Fees are booked where the venue charged them, so that a position is what the account
// really holds: a fee in the quote asset comes out of cash; a fee in the base asset comes out
// of the position (a buy of 0.0008 BTC with a 0.1 % fee in BTC holds 0.0007992); a fee in a
// third asset (BNB) is a cost kept in that asset and valued in the cash asset, taken from
// equity. Every fee's cash value is also added to the position's `fees`.

#include <vector>

#include "engine/book/quote_book.h"
#include "engine/core/instrument.h"
#include "engine/journal/journal.h"

namespace sigex {

struct Position {
  Quantity quantity;   // base asset held, at the instrument's quantity_scale
  Money cost_basis;    // quote paid for what is held (average-cost method), excluding fees
  Money realised_pnl;  // closed profit and loss, excluding fees
  Money fees;          // fees paid on this instrument
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
  Money realised_pnl;  // realised by this fill (sells only), before fees
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

  const Position& position(InstrumentId instrument) const { return positions_[instrument]; }
  Money cash() const { return cash_; }
  Money starting_cash() const { return starting_cash_; }

  // Market value of a position at the quote book's reference price.
  Money market_value(InstrumentId instrument, const QuoteBook& quotes) const;
  Money unrealised_pnl(InstrumentId instrument, const QuoteBook& quotes) const;
  // cash + market value of every position - fees paid in third assets
  Money equity(const QuoteBook& quotes) const;
  const std::vector<OtherAssetFees>& other_asset_fees() const { return other_fees_; }
  Money other_asset_fees_value() const;
  Money gross_exposure(const QuoteBook& quotes) const;
  Money total_fees() const;
  Money total_realised_pnl() const;

  PositionRow row(InstrumentId instrument, TimeNs time_ns) const;

 private:
  const InstrumentRegistry& instruments_;
  std::vector<Position> positions_;
  Money starting_cash_;
  Money cash_;
  std::vector<OtherAssetFees> other_fees_;
};

}  // namespace sigex
