#pragma once

// Binance USD-M user data stream events (../shared/reference/binance-usdm-futures.md §9),
// parsed into fixed point at Binance's scale (8 decimals), with the differences from spot:
//  * ORDER_TRADE_UPDATE: `c` is the order's own id on every execution type (a cancel carries
//    no new id); `rp` is the fill's realised PnL; `R` reduce-only; ids the venue minted itself
//    (`autoclose-…` liquidations, `adl_autoclose` auto-deleveraging,
//    `settlement_autoclose-…`) are marked as the venue's own orders;
//  * TRADE_LITE: the same fill, earlier and with fewer fields (deduplicate by trade id);
//  * ACCOUNT_UPDATE: the reason (`m`, e.g. FUNDING_FEE), balances and the positions that
//    changed (signed `pa` in one-way mode); a funding event names its symbol only in newer
//    streams (`a.S`);
//  * MARGIN_CALL and listenKeyExpired.
// Accepts a raw event or one wrapped in a combined-stream envelope ({"stream":..,"data":..}).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/parse_order_report.h"
#include "engine/core/result.h"

namespace sigex {

struct UsdmOrderUpdate {
  std::string symbol;
  ClientOrderId client_order_id;
  bool venue_order = false;    // minted by the venue: a liquidation or auto-deleveraging
  std::string execution_type;  // NEW, TRADE, CANCELED, CALCULATED, EXPIRED, AMENDMENT, ...
  VenueOrderStatus status = VenueOrderStatus::kNew;
  Side side = Side::kBuy;
  VenueOrderId order_id = 0;
  VenueFill fill;  // TRADE / CALCULATED: l, L, n, N, t, m
  Quantity cumulative_quantity{0};
  Money realised_pnl{0};  // rp
  bool reduce_only = false;
  TimeNs transact_time_ns = 0;
};

struct UsdmBalance {
  std::string asset;
  std::int64_t wallet = 0;        // wb
  std::int64_t cross_wallet = 0;  // cw
  std::int64_t change = 0;        // bc: excluding PnL and commission
};

struct UsdmPosition {
  std::string symbol;
  std::int64_t amount = 0;  // signed (one-way), at 8 decimals
  std::int64_t entry_price = 0;
  std::int64_t unrealised_pnl = 0;
  std::string position_side;  // BOTH in one-way mode
};

enum class UsdmUserEventKind : std::uint8_t {
  kOrderUpdate,
  kTradeLite,
  kAccountUpdate,
  kMarginCall,
  kListenKeyExpired,
  kOther,  // ALGO_UPDATE, ACCOUNT_CONFIG_UPDATE and anything new: ignored
};

struct UsdmUserEvent {
  UsdmUserEventKind kind = UsdmUserEventKind::kOther;
  TimeNs event_time_ns = 0;
  UsdmOrderUpdate order;                // kOrderUpdate, kTradeLite
  std::string reason;                   // kAccountUpdate: m (FUNDING_FEE, ORDER, ...)
  std::string funding_symbol;           // kAccountUpdate with m = FUNDING_FEE, when given (a.S)
  std::vector<UsdmBalance> balances;    // kAccountUpdate
  std::vector<UsdmPosition> positions;  // kAccountUpdate (changed ones), kMarginCall
};

Result<UsdmUserEvent> parse_usdm_user_event(std::string_view text);

// Whether Binance minted this client order id itself (liquidation, ADL, settlement).
bool is_venue_minted_id(std::string_view client_order_id);

}  // namespace sigex
