#include "adapters/binance/parse_user_stream.h"

#include <simdjson.h>

#include "adapters/binance/parse_fields.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

Result<UserExecutionReport> read_execution_report(simdjson::dom::element event) {
  UserExecutionReport report;
  std::string_view text;
  if (event["s"].get_string().get(text)) return fail(Errc::kMissingField, "s");
  report.symbol = std::string(text);
  // On a cancel `c` is the cancel request's id and `C` the order's own.
  std::string_view original;
  if (!event["C"].get_string().get(original) && !original.empty()) {
    text = original;
  } else if (event["c"].get_string().get(text)) {
    return fail(Errc::kMissingField, "c");
  }
  if (!report.client_order_id.assign(text))
    return fail(Errc::kOutOfRange, "client order id longer than 36");
  if (!event["S"].get_string().get(text)) report.side = text == "SELL" ? Side::kSell : Side::kBuy;
  if (event["x"].get_string().get(text)) return fail(Errc::kMissingField, "x");
  report.execution_type = std::string(text);
  if (event["X"].get_string().get(text)) return fail(Errc::kMissingField, "X");
  const auto status = venue_order_status(text);
  if (!status) return tl::unexpected(status.error());
  report.status = *status;
  std::int64_t number = 0;
  if (event["i"].get_int64().get(number)) return fail(Errc::kMissingField, "i");
  report.order_id = static_cast<VenueOrderId>(number);
  if (!read_binance_decimal(event, "l", report.fill.quantity.raw) ||
      !read_binance_decimal(event, "L", report.fill.price.raw) ||
      !read_binance_decimal(event, "z", report.cumulative_quantity.raw)) {
    return fail(Errc::kSyntax, "l, L or z is not a decimal");
  }
  read_binance_decimal(event, "n",
                       report.fill.commission.raw);  // "0" or absent when nothing was charged
  if (!event["N"].get_string().get(text)) report.fill.commission_asset = std::string(text);
  if (!event["t"].get_int64().get(number) && number >= 0)
    report.fill.trade_id = static_cast<std::uint64_t>(number);
  bool maker = false;
  if (!event["m"].get_bool().get(maker)) report.fill.maker = maker;
  if (!event["T"].get_int64().get(number)) report.transact_time_ns = number * kNsPerMs;
  report.fill.time_ns = report.transact_time_ns;
  report.fill.order_id = report.order_id;
  if (report.execution_type == "TRADE" &&
      (report.fill.trade_id == 0 || report.fill.quantity.raw <= 0)) {
    return fail(Errc::kSyntax, "TRADE report without a trade id or quantity");
  }
  return report;
}

Result<std::vector<VenueBalance>> read_account_position(simdjson::dom::element event) {
  simdjson::dom::array rows;
  if (event["B"].get_array().get(rows)) return fail(Errc::kMissingField, "B");
  std::vector<VenueBalance> balances;
  for (simdjson::dom::element row : rows) {
    VenueBalance balance;
    std::string_view asset;
    if (row["a"].get_string().get(asset)) return fail(Errc::kMissingField, "B[].a");
    balance.asset = std::string(asset);
    if (!read_binance_decimal(row, "f", balance.free) ||
        !read_binance_decimal(row, "l", balance.locked)) {
      return fail(Errc::kSyntax, "B[].f or B[].l is not a decimal");
    }
    balances.push_back(std::move(balance));
  }
  return balances;
}

}  // namespace

Result<UserStreamMessage> parse_user_stream_message(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text.data(), text.size()).get(root) || !root.is_object()) {
    return fail(Errc::kSyntax, "user stream message is not a JSON object");
  }
  UserStreamMessage message;
  simdjson::dom::element event;
  if (!root["event"].get(event)) {
    std::string_view type;
    if (event["e"].get_string().get(type)) return fail(Errc::kMissingField, "e");
    if (type == "executionReport") {
      auto report = read_execution_report(event);
      if (!report) return tl::unexpected(report.error());
      message.kind = UserStreamMessageKind::kExecutionReport;
      message.report = std::move(*report);
    } else if (type == "outboundAccountPosition") {
      auto balances = read_account_position(event);
      if (!balances) return tl::unexpected(balances.error());
      message.kind = UserStreamMessageKind::kAccountPosition;
      message.balances = std::move(*balances);
    } else if (type == "eventStreamTerminated") {
      message.kind = UserStreamMessageKind::kStreamTerminated;
    }
    return message;
  }
  std::int64_t status = 0;
  if (root["status"].get_int64().get(status)) return message;  // kOther
  message.status = static_cast<int>(status);
  if (status == 200) {
    message.kind = UserStreamMessageKind::kSubscribed;
    return message;
  }
  message.kind = UserStreamMessageKind::kError;
  std::int64_t code = 0;
  if (!root["error"]["code"].get_int64().get(code)) message.error_code = static_cast<int>(code);
  std::string_view why;
  if (!root["error"]["msg"].get_string().get(why)) message.error_message = std::string(why);
  return message;
}

}  // namespace sigex
