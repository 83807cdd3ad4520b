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
