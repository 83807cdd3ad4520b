#pragma once

// Coinbase Advanced Trade order, fill and account bodies (exchange-apis.md §3.1) -> plain
// values. Decimal texts stay texts here; the venue converts them at each instrument's scales.
// Order and trade ids are strings on Coinbase (UUIDs): `id_hash` maps them onto the engine's
// 64-bit ids, the venue keeps the strings.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"

namespace sigex {

// FNV-1a 64 of an id string (never 0: 0 means "none" in the engine's records).
std::uint64_t id_hash(std::string_view id);

// POST /orders. `success` false with HTTP 200 is a rejection too.
struct CoinbaseCreateAnswer {
  bool success = false;
  std::string order_id;
  std::string client_order_id;
  std::string error;    // error_response.error, or failure_reason
  std::string message;  // error_response.message / new_order_failure_reason / preview reason
};

struct CoinbaseOrder {
  std::string order_id;
  std::string client_order_id;
  std::string product_id;
  std::string side;    // "BUY" / "SELL"
  std::string status;  // PENDING, OPEN, FILLED, CANCEL_QUEUED, CANCELLED, EXPIRED, FAILED, ...
  std::string filled_size = "0";
  std::string average_filled_price = "0";
  std::string base_size;    // from order_configuration
  std::string limit_price;  // "" for market orders
  std::string created_time;
  bool final() const {
    return status == "FILLED" || status == "CANCELLED" || status == "EXPIRED" || status == "FAILED";
  }
};

struct CoinbaseFill {
  std::string trade_id;
  std::string order_id;
  std::string product_id;
  std::string side;
  std::string price;
  std::string size;
  std::string commission;
  std::string trade_time;
  bool maker = false;
};

struct CoinbaseBalance {
  std::string currency;
  std::string available;
  std::string hold;
};

struct CoinbaseCancelResult {
  std::string order_id;
  bool success = false;
  std::string failure_reason;
};

// One order of a `user` channel message (Coinbase's WebSocket order updates).
struct CoinbaseUserOrder {
  std::string order_id;
  std::string client_order_id;
  std::string status;
  std::string cumulative_quantity;
};

// A `user` channel message: its orders (a snapshot of the open ones first, then updates).
tl::expected<std::vector<CoinbaseUserOrder>, std::string> parse_user_orders(std::string_view frame);

tl::expected<CoinbaseCreateAnswer, std::string> parse_create_answer(std::string_view body);
// GET /orders/historical/{id} ({"order":{...}}) or one entry of a list.
tl::expected<CoinbaseOrder, std::string> parse_order(std::string_view body);
// GET /orders/historical/batch: the orders and the cursor of the next page ("" at the end).
tl::expected<std::vector<CoinbaseOrder>, std::string> parse_order_list(std::string_view body,
                                                                       std::string& cursor);
tl::expected<std::vector<CoinbaseFill>, std::string> parse_fills(std::string_view body,
                                                                 std::string& cursor);
tl::expected<std::vector<CoinbaseBalance>, std::string> parse_accounts(std::string_view body,
                                                                       std::string& cursor);
tl::expected<std::vector<CoinbaseCancelResult>, std::string> parse_cancel_results(
    std::string_view body);

}  // namespace sigex
