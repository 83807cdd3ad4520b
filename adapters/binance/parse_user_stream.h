#pragma once

// Messages of Binance's user data stream (WebSocket API): subscription answers, errors,
// executionReport and outboundAccountPosition events, parsed into fixed point at Binance's
// scale (8 decimals).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/parse_order_report.h"
#include "engine/core/result.h"

namespace sigex {

// An executionReport. The order it is about is `C` when set (a cancel: `c` is then the cancel
// request's own id), else `c`.
struct UserExecutionReport {
  std::string symbol;
  ClientOrderId client_order_id;
  std::string execution_type;  // NEW, TRADE, CANCELED, EXPIRED, REJECTED, TRADE_PREVENTION, ...
  VenueOrderStatus status = VenueOrderStatus::kNew;
  Side side = Side::kBuy;  // "S"
  VenueOrderId order_id = 0;
  VenueFill fill;  // for TRADE: l, L, n, N, t, m (at 8 decimals)
  Quantity cumulative_quantity{0};
  TimeNs transact_time_ns = 0;
};

enum class UserStreamMessageKind : std::uint8_t {
  kSubscribed,  // {"id":..,"status":200,"result":{"subscriptionId":n}}
  kError,       // {"id":..,"status":4xx,"error":{"code":..,"msg":..}}
  kExecutionReport,
  kStreamTerminated,  // eventStreamTerminated: the subscription ended
  // outboundAccountPosition: sent whenever a balance changed (a fill, a deposit, a
  // withdrawal), with the assets the change may have moved (free and locked)
  kAccountPosition,
  kOther,  // balanceUpdate (a delta; the position that follows it has the total) and anything
           // new: ignored
};

struct UserStreamMessage {
  UserStreamMessageKind kind = UserStreamMessageKind::kOther;
  int status = 0;
  int error_code = 0;
  std::string error_message;
  UserExecutionReport report;
  std::vector<VenueBalance> balances;  // kAccountPosition
};

Result<UserStreamMessage> parse_user_stream_message(std::string_view text);

}  // namespace sigex
