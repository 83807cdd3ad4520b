#pragma once

// Binance order JSON (new order RESULT/FULL, cancel, query, open orders) -> a plain report in
// fixed point. The only place venue order strings become engine values for execution.

#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/exchange_filters.h"
#include "engine/core/result.h"
#include "engine/events/events.h"
#include "engine/order/account_order.h"

namespace sigex {

enum class VenueOrderStatus : std::uint8_t {
  kNew,
  kPartiallyFilled,
  kFilled,
  kCanceled,
  kRejected,
  kExpired,  // EXPIRED and EXPIRED_IN_MATCH
  kPendingNew,
  kPendingCancel,
};
Result<VenueOrderStatus> venue_order_status(std::string_view text);
std::string_view to_string(VenueOrderStatus status);  // Binance's word
bool is_final(VenueOrderStatus status);

struct VenueFill {
  Price price{0};
  Quantity quantity{0};
  Money commission{0};
  std::string commission_asset;
  std::uint64_t trade_id = 0;
  VenueOrderId order_id = 0;  // myTrades rows only
  bool maker = false;         // myTrades rows only ("isMaker")
  bool buyer = true;          // myTrades rows only ("isBuyer")
  TimeNs time_ns = 0;         // myTrades rows only
};

struct VenueBalance {
  std::string asset;
  std::int64_t free = 0;  // at 8 decimals
  std::int64_t locked = 0;
};

struct VenueOrderReport {
  std::string symbol;
  VenueOrderId order_id = 0;
  ClientOrderId client_order_id;  // the order's own id ("clientOrderId", or
                                  // "origClientOrderId" on cancels)
  VenueOrderStatus status = VenueOrderStatus::kNew;
  Side side = Side::kBuy;  // "side" (absent from ACK answers)
  Price price{0};
  Quantity original_quantity{0};
  Quantity executed_quantity{0};
  Money cumulative_quote{0};  // negative: not available (some historical orders)
  TimeNs transact_time_ns = 0;
  TimeNs created_time_ns = 0;    // "time" (queries and the order history); 0 when absent
  std::vector<VenueFill> fills;  // FULL responses only
};

Result<VenueOrderReport> parse_order_report(std::string_view body);
// GET /api/v3/openOrders: an array of order objects.
Result<std::vector<VenueOrderReport>> parse_order_reports(std::string_view body);
// An order of the account's history as the engine sees it: at `instrument`'s scales.
AccountOrder account_order(const VenueOrderReport& report, const Instrument& instrument);
// GET /api/v3/myTrades: the account's trades (one order's, with orderId).
Result<std::vector<VenueFill>> parse_account_trades(std::string_view body);
// GET /api/v3/account: the balances.
Result<std::vector<VenueBalance>> parse_balances(std::string_view body);
// GET /api/v3/ticker/price: {"symbol":"BNBUSDT","price":"600.10000000"} at 8 decimals.
Result<Price> parse_ticker_price(std::string_view body);

}  // namespace sigex
