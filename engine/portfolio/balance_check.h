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

#include <cstdint>
#include <optional>
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
  std::size_t account = 0;  // the Portfolio account
  VenueName venue;          // as its venue reported it
  Money held;               // what the venue reported
  Money sigex;              // what sigex may spend
};

// Whether an account holding `held` holds less than the `sigex` sigex may spend there, beyond
// rounding dust (0.01 % of `sigex`: the venue's own rounding, of a futures wallet's realised
// PnL say, leaves such differences).
bool holds_less(Money held, Money sigex);

// The Portfolio account a venue's report is about (nullopt: none of this portfolio's).
std::optional<std::size_t> account_reported_by(const Portfolio& portfolio, const HeldCash& cash);

// Start-up: each account's cash against what its venue reported. Less on the account than
// sigex may spend is a warning (its buys are then limited to what it holds: VenueCashWatch);
// more is information (funds sigex does not manage). Both are logged; the shortfalls are
// returned. An account its venue reported nothing for is left out.
std::vector<CashShortfall> compare_cash_with_accounts(const Portfolio& portfolio,
                                                      const std::vector<HeldCash>& held,
                                                      std::string_view cash_asset);

// What each venue account holds of the cash asset while sigex runs, as its venue last reported
// it (the start-up read, then each balance the venue pushes or is polled for), against what
// sigex may spend there (Portfolio::cash(account)). An account that holds less limits what sigex
// spends there to what it holds, from its first report on: risk checks and strategy sizing
// use spendable(). A shortfall is announced (a warning, the metric) once two reports in a row
// show it, since one report can race a fill the engine has not booked yet; it is over at the
// first report without one. Rounding dust is not a shortfall (holds_less).
class VenueCashWatch {
 public:
  enum class Change : std::uint8_t {
    kNone,
    kShort,   // a shortfall is announced now
    kEnough,  // an announced shortfall is over
  };

  explicit VenueCashWatch(std::size_t accounts) : accounts_(accounts) {}

  // `account` holds `held`, where sigex may spend `sigex`. `announced`: a shortfall in it was
  // announced already (the start-up comparison logged it).
  Change report(std::size_t account, Money held, Money sigex, bool announced = false);
  // What sigex may spend in `account`: `sigex`, or less when the account's last report held
  // less.
  Money spendable(std::size_t account, Money sigex) const;
  // How much less than `sigex` the account holds, once announced (0 otherwise).
  Money announced_shortfall(std::size_t account, Money sigex) const;
  // The account's last report, if any.
  std::optional<Money> held(std::size_t account) const { return accounts_[account].held; }

 private:
  struct Account {
    std::optional<Money> held;
    int short_reports = 0;  // in a row
    bool announced = false;
  };
  std::vector<Account> accounts_;
};

}  // namespace sigex
