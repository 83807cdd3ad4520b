#include "engine/portfolio/balance_check.h"

#include <algorithm>
#include <utility>

#include "engine/core/decimal.h"
#include "engine/logging/log.h"

namespace sigex {

std::vector<BalanceDifference> compare_with_account(const Portfolio& portfolio,
                                                    const InstrumentRegistry& instruments,
                                                    const std::vector<HeldQuantity>& account) {
  std::vector<BalanceDifference> differences;
  for (const HeldQuantity& held : account) {
    const Instrument& instrument = instruments.get(held.instrument);
    const Quantity position = portfolio.position(held.instrument).quantity;
    if (held.held == position) continue;
    const std::string account_text = format_decimal(held.held.raw, instrument.quantity_scale);
    const std::string sigex_text = format_decimal(position.raw, instrument.quantity_scale);
    if (instrument.is_perpetual()) {
      log_error(
          "reconciliation: the venue's {} position is {} but the journal's is {}; the journal "
          "does not explain it, so trading on {} is blocked until an operator resolves it (sigex "
          "ctl resume --scope instrument:{} once the account is checked)",
          instrument.symbol.view(), account_text, sigex_text, instrument.symbol.view(),
          instrument.symbol.view());
      differences.push_back({held.instrument, held.held, position, true});
      continue;
    }
    if (held.held < position) {
      log_error(
          "reconciliation: the account holds {} {} but the journal's position is {}; sells may "
          "fail",
          account_text, instrument.base_asset.view(), sigex_text);
    } else {
      log_info(
          "reconciliation: the account holds {} {}, sigex's position is {} (the rest is not "
          "sigex's)",
          account_text, instrument.base_asset.view(), sigex_text);
    }
    differences.push_back({held.instrument, held.held, position});
  }
  return differences;
}

bool holds_less(Money held, Money sigex) { return held < sigex - Money{sigex.raw / 10'000}; }

std::optional<std::size_t> account_reported_by(const Portfolio& portfolio, const HeldCash& cash) {
  // One account trades every instrument: it is whatever its one venue reported.
  const auto& accounts = portfolio.accounts();
  if (accounts.size() == 1) return 0;
  for (std::size_t account = 0; account < accounts.size(); ++account) {
    if (accounts[account].venue == cash.venue) return account;
  }
  return std::nullopt;
}

std::vector<CashShortfall> compare_cash_with_accounts(const Portfolio& portfolio,
                                                      const std::vector<HeldCash>& held,
                                                      std::string_view cash_asset) {
  std::vector<CashShortfall> shortfalls;
  for (const HeldCash& reported : held) {
    const auto account = account_reported_by(portfolio, reported);
    if (!account) continue;
    const Money sigex = portfolio.cash(*account);
    const std::string venue(reported.venue.view());
    if (holds_less(reported.held, sigex)) {
      log_warn(
          "reconciliation: the {} account holds {} {}, less than the {} sigex may spend there; "
          "its buys are limited to what it holds (add funds, or lower the budget in [engine])",
          venue, money_text(reported.held), cash_asset, money_text(sigex));
      shortfalls.push_back({*account, reported.venue, reported.held, sigex});
    } else {
      log_info("reconciliation: the {} account holds {} {}; sigex may spend {} of it", venue,
               money_text(reported.held), cash_asset, money_text(sigex));
    }
  }
  return shortfalls;
}

VenueCashWatch::Change VenueCashWatch::report(std::size_t account, Money held, Money sigex,
                                              bool announced) {
  Account& watched = accounts_[account];
  watched.held = held;
  if (!holds_less(held, sigex)) {
    watched.short_reports = 0;
    return std::exchange(watched.announced, false) ? Change::kEnough : Change::kNone;
  }
  ++watched.short_reports;
  if (announced) watched.announced = true;
  if (watched.announced || watched.short_reports < 2) return Change::kNone;
  watched.announced = true;
  return Change::kShort;
}

Money VenueCashWatch::spendable(std::size_t account, Money sigex) const {
  const std::optional<Money>& held = accounts_[account].held;
  return held && *held < sigex ? *held : sigex;
}

Money VenueCashWatch::announced_shortfall(std::size_t account, Money sigex) const {
  if (!accounts_[account].announced) return Money{0};
  return sigex - spendable(account, sigex);
}

}  // namespace sigex
