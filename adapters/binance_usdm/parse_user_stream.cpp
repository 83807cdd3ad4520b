#include "adapters/binance_usdm/parse_user_stream.h"

#include <simdjson.h>

#include "adapters/binance/parse_fields.h"

namespace sigex {
namespace {

using simdjson::dom::element;

// E and T are numbers, but listenKeyExpired's example sends E as a string: both are read.
// Absent: 0. Present but not a time in milliseconds up to 2262: false.
bool time_field(element object, const char* key, TimeNs& out) {
  out = 0;
  element field;
  if (object[key].get(field)) return true;  // absent
  std::int64_t number = 0;
  if (field.get_int64().get(number)) {
    std::string_view text;
    if (field.get_string().get(text)) return false;
    const auto value = parse_decimal(text, 0);
    if (!value) return false;
    number = *value;
  }
  return checked_ms_to_ns(number, out);
}

Result<UsdmOrderUpdate> read_order(element order, bool lite) {
  UsdmOrderUpdate update;
  std::string_view text;
  if (order["s"].get_string().get(text)) return fail(Errc::kMissingField, "s");
  update.symbol = std::string(text);
  if (order["c"].get_string().get(text)) return fail(Errc::kMissingField, "c");
  if (!update.client_order_id.assign(text)) {
    return fail(Errc::kOutOfRange, "client order id longer than 36");
  }
  update.venue_order = is_venue_minted_id(text);
  if (order["S"].get_string().get(text)) return fail(Errc::kMissingField, "S");
  if (text != "BUY" && text != "SELL") return fail(Errc::kOutOfRange, "S is neither BUY nor SELL");
  update.side = text == "SELL" ? Side::kSell : Side::kBuy;
  std::uint64_t id = 0;
  if (order["i"].get_uint64().get(id)) return fail(Errc::kMissingField, "i");
  update.order_id = static_cast<VenueOrderId>(id);
  if (!read_binance_decimal(order, "l", update.fill.quantity.raw) ||
      !read_binance_decimal(order, "L", update.fill.price.raw)) {
    return fail(Errc::kSyntax, "l or L is not a decimal");
  }
  std::int64_t trade = 0;
  if (!order["t"].get_int64().get(trade) && trade > 0) {
    update.fill.trade_id = static_cast<std::uint64_t>(trade);
  }
  bool maker = false;
  if (!order["m"].get_bool().get(maker)) update.fill.maker = maker;
  if (!time_field(order, "T", update.transact_time_ns)) {
    return fail(Errc::kOutOfRange, "T is not a time");
  }
  update.fill.time_ns = update.transact_time_ns;
  update.fill.order_id = update.order_id;
  if (lite) {
    update.execution_type = "TRADE";
    update.status = VenueOrderStatus::kPartiallyFilled;  // TRADE_LITE does not say
  } else {
    if (order["x"].get_string().get(text)) return fail(Errc::kMissingField, "x");
    update.execution_type = std::string(text);
    if (order["X"].get_string().get(text)) return fail(Errc::kMissingField, "X");
    const auto status = venue_order_status(text);
    if (!status) return tl::unexpected(status.error());
    update.status = *status;
    if (!read_binance_decimal(order, "z", update.cumulative_quantity.raw) ||
        !read_binance_decimal(order, "n", update.fill.commission.raw, false) ||
        !read_binance_decimal(order, "rp", update.realised_pnl.raw, false)) {
      return fail(Errc::kSyntax, "z, n or rp is not a decimal");
    }
    if (!order["N"].get_string().get(text)) update.fill.commission_asset = std::string(text);
    bool reduce_only = false;
    if (!order["R"].get_bool().get(reduce_only)) update.reduce_only = reduce_only;
  }
  const bool trade_event =
      update.execution_type == "TRADE" || update.execution_type == "CALCULATED";
  if (trade_event && (update.fill.trade_id == 0 || update.fill.quantity.raw <= 0)) {
    return fail(Errc::kSyntax, "a fill without a trade id or quantity");
  }
  return update;
}

Result<std::vector<UsdmPosition>> read_positions(element list, const char* amount_key) {
  std::vector<UsdmPosition> positions;
  simdjson::dom::array array;
  if (list.get_array().get(array)) return positions;  // absent: none changed
  for (element item : array) {
    UsdmPosition position;
    std::string_view text;
    if (item["s"].get_string().get(text)) return fail(Errc::kMissingField, "position s");
    position.symbol = std::string(text);
    if (!read_binance_decimal(item, amount_key, position.amount) ||
        !read_binance_decimal(item, "ep", position.entry_price, false) ||
        !read_binance_decimal(item, "up", position.unrealised_pnl, false)) {
      return fail(Errc::kSyntax, "position amount, entry or unrealised PnL is not a decimal");
    }
    if (!item["ps"].get_string().get(text)) position.position_side = std::string(text);
    positions.push_back(std::move(position));
  }
  return positions;
}

}  // namespace

bool is_venue_minted_id(std::string_view id) {
  return id.starts_with("autoclose-") || id.starts_with("adl_autoclose") ||
         id.starts_with("settlement_autoclose-");
}

Result<UsdmUserEvent> parse_usdm_user_event(std::string_view text) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(text.data(), text.size()).get(root) || !root.is_object()) {
    return fail(Errc::kSyntax, "user data event is not a JSON object");
  }
  element event = root;
  element data;
  if (!root["data"].get(data) && data.is_object()) event = data;  // combined-stream envelope
  std::string_view type;
  if (event["e"].get_string().get(type)) return fail(Errc::kMissingField, "e");
  UsdmUserEvent result;
  if (!time_field(event, "E", result.event_time_ns))
    return fail(Errc::kOutOfRange, "E is not a time");
  if (type == "ORDER_TRADE_UPDATE") {
    element order;
    if (event["o"].get(order)) return fail(Errc::kMissingField, "o");
    auto update = read_order(order, false);
    if (!update) return tl::unexpected(update.error());
    result.kind = UsdmUserEventKind::kOrderUpdate;
    result.order = std::move(*update);
  } else if (type == "TRADE_LITE") {
    auto update = read_order(event, true);
    if (!update) return tl::unexpected(update.error());
    result.kind = UsdmUserEventKind::kTradeLite;
    result.order = std::move(*update);
  } else if (type == "ACCOUNT_UPDATE") {
    element account;
    if (event["a"].get(account)) return fail(Errc::kMissingField, "a");
    std::string_view reason;
    if (account["m"].get_string().get(reason)) return fail(Errc::kMissingField, "a.m");
    result.kind = UsdmUserEventKind::kAccountUpdate;
    result.reason = std::string(reason);
    std::string_view symbol;
    if (!account["S"].get_string().get(symbol)) result.funding_symbol = std::string(symbol);
    simdjson::dom::array balances;
    if (!account["B"].get_array().get(balances)) {
      for (element item : balances) {
        UsdmBalance balance;
        std::string_view asset;
        if (item["a"].get_string().get(asset)) return fail(Errc::kMissingField, "balance a");
        balance.asset = std::string(asset);
        if (!read_binance_decimal(item, "wb", balance.wallet) ||
            !read_binance_decimal(item, "cw", balance.cross_wallet, false) ||
            !read_binance_decimal(item, "bc", balance.change, false)) {
          return fail(Errc::kSyntax, "balance wb, cw or bc is not a decimal");
        }
        result.balances.push_back(std::move(balance));
      }
    }
    element positions;
    if (!account["P"].get(positions)) {
      auto read = read_positions(positions, "pa");
      if (!read) return tl::unexpected(read.error());
      result.positions = std::move(*read);
    }
  } else if (type == "MARGIN_CALL") {
    result.kind = UsdmUserEventKind::kMarginCall;
    element positions;
    if (!event["p"].get(positions)) {
      auto read = read_positions(positions, "pa");
      if (!read) return tl::unexpected(read.error());
      result.positions = std::move(*read);
    }
  } else if (type == "listenKeyExpired") {
    result.kind = UsdmUserEventKind::kListenKeyExpired;
  }
  return result;
}

}  // namespace sigex
