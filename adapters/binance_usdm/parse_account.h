#pragma once

// Binance USD-M REST bodies about the account (../shared/reference/binance-usdm-futures.md
// §3.4), parsed into fixed point:
//  * GET /fapi/v3/positionRisk: the signed position per symbol (one-way: positionSide BOTH),
//    for reconciliation at start-up and after recovery;
//  * GET /fapi/v1/income?incomeType=FUNDING_FEE: each funding payment with its symbol, time
//    and transaction id (the user stream's ACCOUNT_UPDATE does not always name the symbol);
//  * GET /fapi/v3/balance: each asset's wallet balance, compared with sigex's cash at start-up.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/core/result.h"
#include "engine/portfolio/balance_check.h"

namespace sigex {

struct UsdmPositionRisk {
  std::string symbol;
  std::string position_side;     // BOTH in one-way mode
  std::int64_t amount = 0;       // positionAmt, signed, at 8 decimals
  std::int64_t entry_price = 0;  // at 8 decimals
  std::int64_t mark_price = 0;
  std::int64_t unrealised_pnl = 0;
  std::int64_t liquidation_price = 0;  // 0: none
  std::int64_t maintenance_margin = 0;
};

struct UsdmFundingPayment {
  std::string symbol;
  std::int64_t amount = 0;  // paid to the account (negative: paid by it), at 8 decimals
  std::string asset;
  TimeNs time_ns = 0;
  std::uint64_t transaction_id = 0;
};

Result<std::vector<UsdmPositionRisk>> parse_position_risk(std::string_view body);
// The signed amount of `symbol`'s position in the rows; 0 when it is not listed (flat).
std::int64_t position_amount(const std::vector<UsdmPositionRisk>& rows, std::string_view symbol);
// GET /fapi/v1/positionSide/dual: {"dualSidePosition":false} (false: one-way mode).
Result<bool> parse_dual_side_position(std::string_view body);
Result<std::vector<UsdmFundingPayment>> parse_funding_income(std::string_view body);

struct UsdmAssetBalance {
  std::string asset;
  std::int64_t wallet = 0;  // `balance`: the wallet balance, at 8 decimals
};
Result<std::vector<UsdmAssetBalance>> parse_futures_balance(std::string_view body);

// The configured perpetuals' positions as the reconciliation compares them (every configured
// perpetual appears: one the venue does not list is flat). Quantities at each instrument's
// scale, toward zero. Hedge-mode rows (LONG/SHORT) are refused: sigex trades one-way mode.
Result<std::vector<HeldQuantity>> held_perpetuals(const std::vector<UsdmPositionRisk>& rows,
                                                  const InstrumentRegistry& instruments);

}  // namespace sigex
