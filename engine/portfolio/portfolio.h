#pragma once

// Positions, cash and PnL in fixed point. All instruments are quoted in one cash asset
// (checked at configuration time). Cash is held per venue account: each instrument's fills,
// fees and funding move the cash of the account that trades it (its venue), and what an order
// may spend or post as margin is its own account's, as on the venues, where one account's
// funds never pay for another's orders. One venue: one account. Owned by the core thread.
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
  std::size_t account = 0;  // the venue account that paid them
  std::int64_t amount = 0;  // 8 decimals
  Money value;              // in the cash asset, at the time of each fill
};

// One venue account's cash: its venue ("" when the configuration has one venue, whose account
// then trades every instrument) and what it starts with.
struct CashAccount {
  VenueName venue;
  Money starting_cash;
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
  // One account trading every instrument.
  Portfolio(const InstrumentRegistry& instruments, Money starting_cash);
  // Several: each instrument's account is the one of its venue (every instrument's venue must
  // have one; checked).
  Portfolio(const InstrumentRegistry& instruments, std::vector<CashAccount> accounts);

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
  // Every account's cash, and what they started with, together.
  Money cash() const;
  Money starting_cash() const;
  const std::vector<CashAccount>& accounts() const { return accounts_; }
  // The account that trades `instrument` (an index into accounts()).
  std::size_t account_of(InstrumentId instrument) const { return account_of_[instrument]; }
  Money cash(std::size_t account) const { return cash_[account]; }

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
  // One account's margin over its perpetual positions (cross margin is per account).
  AccountMargin account_margin(std::size_t account, const QuoteBook& quotes) const;
  // The accounts that trade perpetuals, added up (what status and reports show; with one
  // account, its margin).
  AccountMargin account_margin(const QuoteBook& quotes) const;
  // The wallet behind a perpetual position in cross margin: its account's cash less the
  // account's other perpetual positions' maintenance margin plus their unrealised PnL (the WB
  // of Binance's formula).
  Money wallet_for(InstrumentId instrument, const QuoteBook& quotes) const;
  const std::vector<OtherAssetFees>& other_asset_fees() const { return other_fees_; }
  Money other_asset_fees_value() const;
  Money other_asset_fees_value(std::size_t account) const;
  Money gross_exposure(const QuoteBook& quotes) const;
  Money total_fees() const;
  Money total_realised_pnl() const;

  PositionRow row(InstrumentId instrument, TimeNs time_ns) const;

 private:
  FillResult book_fill(InstrumentId instrument, Side side, Price price, Quantity quantity,
                       const FillFee& fee);
  FillResult apply_perpetual_fill(const Instrument& instrument, Position& position, Money& cash,
                                  Side side, Price price, Quantity quantity);
  void book_fee(std::size_t account, Position& position, const FillFee& fee, Quantity& base_fee);
  Money unrealised_of_perpetual(InstrumentId instrument, const QuoteBook& quotes) const;
  MarginState margin_without_liquidation(InstrumentId instrument, const QuoteBook& quotes) const;

  const InstrumentRegistry& instruments_;
  std::vector<Position> positions_;
  // The instruments whose position is not flat, ascending: what equity, exposure and margin
  // add up, on every order, so that an order costs the same in a universe of 500 instruments
  // as in one of 2. A flat position holds no value, margin or cost basis.
  SortedSet<InstrumentId> held_;
  std::vector<CashAccount> accounts_;
  std::vector<std::size_t> account_of_;  // by instrument
  std::vector<Money> cash_;              // by account
  std::vector<bool> trades_perpetuals_;  // by account
  std::vector<OtherAssetFees> other_fees_;
  Money funding_received_{0};
  Money funding_paid_{0};
};

}  // namespace sigex
