#pragma once

// Start-up reconciliation of positions with the account: the venue reports what the account
// holds of each instrument's base asset (its own decimals already turned into the
// instrument's fixed point by the adapter's parser), and this compares it with the journal's
// positions. Less on the account than sigex holds is an error (sells would fail); more is
// information (coins sigex did not buy). Both are logged and returned.
//
// Perpetuals: the venue reports the signed position. Any difference is one the journal does
// not explain (the venue's own orders, another client on the account): it blocks trading on
// the instrument until an operator has resolved it.

#include <string_view>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/portfolio/portfolio.h"

namespace sigex {

// What the account holds of an instrument's base asset (free + locked), at the instrument's
// quantity scale, rounded down.
struct HeldQuantity {
  InstrumentId instrument = 0;
  Quantity held;  // perpetuals: the signed position (positionAmt)
};

struct BalanceDifference {
  InstrumentId instrument = 0;
  Quantity account;             // what the account holds
  Quantity sigex;               // the journal's position
  bool blocks_trading = false;  // perpetuals: an unexplained position
};

std::vector<BalanceDifference> compare_with_account(const Portfolio& portfolio,
                                                    const InstrumentRegistry& instruments,
                                                    const std::vector<HeldQuantity>& account);

// What a venue account held of the cash asset at start-up (free and locked; a futures account:
// its wallet balance), as its venue reported it. `venue` is the venue type's name.
struct HeldCash {
  VenueName venue;
  Money held;
};

// A venue account that holds less cash than sigex may spend there (Portfolio::cash(account)).
struct CashShortfall {
  VenueName venue;  // as its venue reported it
  Money held;       // what the venue reported
  Money sigex;      // what sigex may spend
};

// Start-up: each account's cash against what its venue reported. Less on the account than
// sigex may spend is a warning (buys past it will be refused by the venue and backed off, never
// sent elsewhere); more is information (funds sigex does not manage). Both are logged; the
// shortfalls are returned. An account its venue reported nothing for is left out.
std::vector<CashShortfall> compare_cash_with_accounts(const Portfolio& portfolio,
                                                      const std::vector<HeldCash>& held,
                                                      std::string_view cash_asset);

}  // namespace sigex
