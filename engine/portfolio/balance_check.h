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

}  // namespace sigex
