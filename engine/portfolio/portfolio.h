#pragma once

// Positions, cash and PnL in fixed point. Spot only: a position is the base asset held, never
// negative. All instruments are quoted in one cash asset (checked at configuration time).
// Owned by the core thread.

#include <vector>

#include "engine/book/quote_book.h"
#include "engine/core/instrument.h"
#include "engine/journal/journal.h"

namespace sigex {

struct Position {
  Quantity quantity;     // base asset held, at the instrument's quantity_scale
  Money cost_basis;      // quote paid for what is held (average-cost method), excluding fees
  Money realised_pnl;    // closed profit and loss, excluding fees
  Money fees;            // fees paid on this instrument
  Price entry_price;     // average entry price of what is held; 0 when flat
  std::int64_t buys = 0;
  std::int64_t sells = 0;
};

struct FillResult {
  Money realised_pnl;  // realised by this fill (sells only), before fees
};

class Portfolio {
 public:
  Portfolio(const InstrumentRegistry& instruments, Money starting_cash);

  // Applies a fill: cash moves by the notional and the fee. Quantity must not take the position
  // below zero (a broken invariant on spot).
  FillResult apply_fill(InstrumentId instrument, Side side, Price price, Quantity quantity,
                        Money fee);

  const Position& position(InstrumentId instrument) const { return positions_[instrument]; }
  Money cash() const { return cash_; }
  Money starting_cash() const { return starting_cash_; }

  // Market value of a position at the quote book's reference price.
  Money market_value(InstrumentId instrument, const QuoteBook& quotes) const;
  Money unrealised_pnl(InstrumentId instrument, const QuoteBook& quotes) const;
  Money equity(const QuoteBook& quotes) const;       // cash + market value of every position
  Money gross_exposure(const QuoteBook& quotes) const;
  Money total_fees() const;
  Money total_realised_pnl() const;

  PositionRow row(InstrumentId instrument, TimeNs time_ns) const;

 private:
  const InstrumentRegistry& instruments_;
  std::vector<Position> positions_;
  Money starting_cash_;
  Money cash_;
};

}  // namespace sigex
