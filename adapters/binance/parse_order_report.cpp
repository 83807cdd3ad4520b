#include "adapters/binance/parse_order_report.h"

#include <simdjson.h>

#include "adapters/binance/parse_fields.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

Result<VenueOrderReport> read_order(simdjson::dom::element element) {
  VenueOrderReport report;
  std::string_view text;
  if (element["symbol"].get_string().get(text)) return fail(Errc::kMissingField, "symbol");
  report.symbol = std::string(text);
  std::int64_t number = 0;
  if (element["orderId"].get_int64().get(number)) return fail(Errc::kMissingField, "orderId");
  report.order_id = static_cast<VenueOrderId>(number);
  // On a cancel, clientOrderId is the cancel request's own id; the order's is origClientOrderId.
  if (element["origClientOrderId"].get_string().get(text) &&
      element["clientOrderId"].get_string().get(text)) {
    return fail(Errc::kMissingField, "clientOrderId");
  }
  if (!report.client_order_id.assign(text))
    return fail(Errc::kOutOfRange, "clientOrderId longer than 36");
  if (!element["transactTime"].get_int64().get(number) ||
      !element["updateTime"].get_int64().get(number)) {
    report.transact_time_ns = number * kNsPerMs;
  }
  if (!element["time"].get_int64().get(number))
    report.created_time_ns = number * kNsPerMs;  // queries, history
  if (!element["side"].get_string().get(text))
    report.side = text == "SELL" ? Side::kSell : Side::kBuy;
  if (element["status"].get_string().get(text)) return fail(Errc::kMissingField, "status");
  const auto status = venue_order_status(text);
  if (!status) return tl::unexpected(status.error());
  report.status = *status;
  // ACK responses stop here; RESULT/FULL/query responses carry quantities as decimal strings.
  if (!read_binance_decimal(element, "price", report.price.raw, false) ||
      !read_binance_decimal(element, "origQty", report.original_quantity.raw, false) ||
      !read_binance_decimal(element, "executedQty", report.executed_quantity.raw, false)) {
    return fail(Errc::kSyntax, "order quantity or price is not a decimal");
  }
  std::string_view quote;
  // Spot: cummulativeQuoteQty; USD-M: cumQuote (optional since 2026-07 on order answers).
  if (!element["cummulativeQuoteQty"].get_string().get(quote) ||
      !element["cumQuote"].get_string().get(quote)) {
    const auto value = parse_decimal(quote, kBinanceScale);
    if (!value) return fail(Errc::kSyntax, "cumulative quote quantity is not a decimal");
    report.cumulative_quote = Money{*value};
  }
  simdjson::dom::array fills;
  if (!element["fills"].get_array().get(fills)) {
    for (auto fill_element : fills) {
      VenueFill fill;
      if (!read_binance_decimal(fill_element, "price", fill.price.raw) ||
          !read_binance_decimal(fill_element, "qty", fill.quantity.raw) ||
          !read_binance_decimal(fill_element, "commission", fill.commission.raw)) {
        return fail(Errc::kSyntax, "fill price, qty or commission is not a decimal");
      }
      if (!fill_element["commissionAsset"].get_string().get(text))
        fill.commission_asset = std::string(text);
      if (fill_element["tradeId"].get_int64().get(number))
        return fail(Errc::kMissingField, "tradeId");
      fill.trade_id = static_cast<std::uint64_t>(number);
      report.fills.push_back(std::move(fill));
    }
  }
  return report;
}

}  // namespace

Result<VenueOrderStatus> venue_order_status(std::string_view text) {
  if (text == "NEW") return VenueOrderStatus::kNew;
  if (text == "PARTIALLY_FILLED") return VenueOrderStatus::kPartiallyFilled;
  if (text == "FILLED") return VenueOrderStatus::kFilled;
  if (text == "CANCELED") return VenueOrderStatus::kCanceled;
  if (text == "REJECTED") return VenueOrderStatus::kRejected;
  if (text == "EXPIRED" || text == "EXPIRED_IN_MATCH") return VenueOrderStatus::kExpired;
  if (text == "PENDING_NEW") return VenueOrderStatus::kPendingNew;
  if (text == "PENDING_CANCEL") return VenueOrderStatus::kPendingCancel;
  return fail(Errc::kUnsupported, "unknown order status");
}

bool is_final(VenueOrderStatus status) {
  return status == VenueOrderStatus::kFilled || status == VenueOrderStatus::kCanceled ||
         status == VenueOrderStatus::kRejected || status == VenueOrderStatus::kExpired;
}

std::string_view to_string(VenueOrderStatus status) {
  switch (status) {
    case VenueOrderStatus::kNew:
      return "NEW";
    case VenueOrderStatus::kPartiallyFilled:
      return "PARTIALLY_FILLED";
    case VenueOrderStatus::kFilled:
      return "FILLED";
    case VenueOrderStatus::kCanceled:
      return "CANCELED";
    case VenueOrderStatus::kRejected:
      return "REJECTED";
    case VenueOrderStatus::kExpired:
      return "EXPIRED";
    case VenueOrderStatus::kPendingNew:
      return "PENDING_NEW";
    case VenueOrderStatus::kPendingCancel:
      return "PENDING_CANCEL";
  }
  return "?";
}

Result<VenueOrderReport> parse_order_report(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "order answer is not JSON");
  if (!root.is_object()) return fail(Errc::kWrongType, "order answer is not an object");
  return read_order(root);
}

Result<std::vector<VenueOrderReport>> parse_order_reports(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "open orders answer is not JSON");
  simdjson::dom::array orders;
  if (root.get_array().get(orders))
    return fail(Errc::kWrongType, "open orders answer is not an array");
  std::vector<VenueOrderReport> reports;
  for (auto element : orders) {
    auto report = read_order(element);
    if (!report) return tl::unexpected(report.error());
    reports.push_back(std::move(*report));
  }
  return reports;
}

Result<std::vector<VenueFill>> parse_account_trades(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "trades answer is not JSON");
  simdjson::dom::array rows;
  if (root.get_array().get(rows)) return fail(Errc::kWrongType, "trades answer is not an array");
  std::vector<VenueFill> fills;
  for (auto row : rows) {
    VenueFill fill;
    std::int64_t number = 0;
    std::string_view text;
    if (!read_binance_decimal(row, "price", fill.price.raw) ||
        !read_binance_decimal(row, "qty", fill.quantity.raw) ||
        !read_binance_decimal(row, "commission", fill.commission.raw)) {
      return fail(Errc::kSyntax, "trade price, qty or commission is not a decimal");
    }
    if (!row["commissionAsset"].get_string().get(text)) fill.commission_asset = std::string(text);
    if (row["id"].get_int64().get(number)) return fail(Errc::kMissingField, "id");
    fill.trade_id = static_cast<std::uint64_t>(number);
    if (row["orderId"].get_int64().get(number)) return fail(Errc::kMissingField, "orderId");
    fill.order_id = static_cast<VenueOrderId>(number);
    if (!row["time"].get_int64().get(number)) fill.time_ns = number * kNsPerMs;
    // Spot: isMaker / isBuyer; USD-M userTrades: maker / buyer.
    bool maker = false;
    if (!row["isMaker"].get_bool().get(maker) || !row["maker"].get_bool().get(maker))
      fill.maker = maker;
    bool buyer = true;
    if (!row["isBuyer"].get_bool().get(buyer) || !row["buyer"].get_bool().get(buyer))
      fill.buyer = buyer;
    fills.push_back(std::move(fill));
  }
  return fills;
}

Result<std::vector<VenueBalance>> parse_balances(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "account answer is not JSON");
  simdjson::dom::array rows;
  if (root["balances"].get_array().get(rows)) return fail(Errc::kMissingField, "balances");
  std::vector<VenueBalance> balances;
  for (auto row : rows) {
    VenueBalance balance;
    std::string_view text;
    if (row["asset"].get_string().get(text)) return fail(Errc::kMissingField, "asset");
    balance.asset = std::string(text);
    if (!read_binance_decimal(row, "free", balance.free) ||
        !read_binance_decimal(row, "locked", balance.locked)) {
      return fail(Errc::kSyntax, "balance is not a decimal");
    }
    balances.push_back(std::move(balance));
  }
  return balances;
}

Result<Price> parse_ticker_price(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "ticker answer is not JSON");
  Price price{0};
  if (!read_binance_decimal(root, "price", price.raw))
    return fail(Errc::kSyntax, "ticker price is not a decimal");
  return price;
}

AccountOrder account_order(const VenueOrderReport& report, const Instrument& instrument) {
  AccountOrder order;
  order.client_order_id = report.client_order_id;
  order.instrument = instrument.id;
  order.venue_order_id = report.order_id;
  order.side = report.side;
  order.price = Price{from_venue(report.price.raw, instrument.price_scale)};
  order.quantity = Quantity{from_venue(report.original_quantity.raw, instrument.quantity_scale)};
  order.executed = Quantity{from_venue(report.executed_quantity.raw, instrument.quantity_scale)};
  order.status = std::string(to_string(report.status));
  order.time_ns = report.created_time_ns != 0 ? report.created_time_ns : report.transact_time_ns;
  return order;
}

}  // namespace sigex
