#include "engine/portfolio/balance_check.h"

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

}  // namespace sigex
