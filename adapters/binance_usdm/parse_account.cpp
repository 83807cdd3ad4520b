#include "adapters/binance_usdm/parse_account.h"

#include <simdjson.h>

#include "adapters/binance/parse_fields.h"

namespace sigex {
namespace {

using simdjson::dom::element;

// Integers that recorders and some answers send as strings ("updateTime": "1722161166529").
bool read_integer(element object, const char* key, std::int64_t& out) {
  if (!object[key].get_int64().get(out)) return true;
  std::string_view text;
  if (object[key].get_string().get(text)) return false;
  const auto value = parse_decimal(text, 0);
  if (!value) return false;
  out = *value;
  return true;
}

Result<simdjson::dom::array> array_of(simdjson::dom::parser& parser, std::string_view body) {
  element root;
  if (parser.parse(body.data(), body.size()).get(root)) return fail(Errc::kSyntax, "not JSON");
  simdjson::dom::array rows;
  if (root.get_array().get(rows)) return fail(Errc::kWrongType, "not a JSON array");
  return rows;
}

}  // namespace

Result<std::vector<UsdmPositionRisk>> parse_position_risk(std::string_view body) {
  simdjson::dom::parser parser;
  auto rows = array_of(parser, body);
  if (!rows) return tl::unexpected(rows.error());
  std::vector<UsdmPositionRisk> positions;
  for (element row : *rows) {
    UsdmPositionRisk position;
    std::string_view text;
    if (row["symbol"].get_string().get(text)) return fail(Errc::kMissingField, "symbol");
    position.symbol = std::string(text);
    if (!row["positionSide"].get_string().get(text)) position.position_side = std::string(text);
    if (!read_binance_decimal(row, "positionAmt", position.amount) ||
        !read_binance_decimal(row, "entryPrice", position.entry_price, false) ||
        !read_binance_decimal(row, "markPrice", position.mark_price, false) ||
        !read_binance_decimal(row, "unRealizedProfit", position.unrealised_pnl, false) ||
        !read_binance_decimal(row, "liquidationPrice", position.liquidation_price, false) ||
        !read_binance_decimal(row, "maintMargin", position.maintenance_margin, false)) {
      return fail(Errc::kSyntax, "a position field is not a decimal");
    }
    positions.push_back(std::move(position));
  }
  return positions;
}

Result<std::vector<UsdmAssetBalance>> parse_futures_balance(std::string_view body) {
  simdjson::dom::parser parser;
  auto rows = array_of(parser, body);
  if (!rows) return tl::unexpected(rows.error());
  std::vector<UsdmAssetBalance> balances;
  for (element row : *rows) {
    UsdmAssetBalance balance;
    std::string_view text;
    if (row["asset"].get_string().get(text)) return fail(Errc::kMissingField, "asset");
    balance.asset = std::string(text);
    if (!read_binance_decimal(row, "balance", balance.wallet))
      return fail(Errc::kSyntax, "balance: not a decimal");
    balances.push_back(std::move(balance));
  }
  return balances;
}

Result<std::vector<UsdmFundingPayment>> parse_funding_income(std::string_view body) {
  simdjson::dom::parser parser;
  auto rows = array_of(parser, body);
  if (!rows) return tl::unexpected(rows.error());
  std::vector<UsdmFundingPayment> payments;
  for (element row : *rows) {
    std::string_view type;
    if (row["incomeType"].get_string().get(type)) return fail(Errc::kMissingField, "incomeType");
    if (type != "FUNDING_FEE") continue;
    UsdmFundingPayment payment;
    std::string_view text;
    if (row["symbol"].get_string().get(text)) return fail(Errc::kMissingField, "symbol");
    payment.symbol = std::string(text);
    if (!row["asset"].get_string().get(text)) payment.asset = std::string(text);
    std::int64_t time_ms = 0, transaction = 0;
    if (!read_binance_decimal(row, "income", payment.amount) ||
        !read_integer(row, "time", time_ms) || !read_integer(row, "tranId", transaction) ||
        transaction < 0 || !checked_ms_to_ns(time_ms, payment.time_ns)) {
      return fail(Errc::kSyntax, "income, time or tranId is missing or malformed");
    }
    payment.transaction_id = static_cast<std::uint64_t>(transaction);
    payments.push_back(std::move(payment));
  }
  return payments;
}

std::int64_t position_amount(const std::vector<UsdmPositionRisk>& rows, std::string_view symbol) {
  for (const UsdmPositionRisk& row : rows) {
    if (row.symbol == symbol) return row.amount;
  }
  return 0;
}

Result<bool> parse_dual_side_position(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "position mode answer is not JSON");
  bool dual = false;
  if (root["dualSidePosition"].get_bool().get(dual))
    return fail(Errc::kMissingField, "dualSidePosition");
  return dual;
}

Result<std::vector<HeldQuantity>> held_perpetuals(const std::vector<UsdmPositionRisk>& rows,
                                                  const InstrumentRegistry& instruments) {
  std::vector<HeldQuantity> held;
  for (const Instrument& instrument : instruments.all()) {
    if (!instrument.is_perpetual()) continue;
    HeldQuantity entry{instrument.id, Quantity{0}};
    for (const UsdmPositionRisk& row : rows) {
      if (row.symbol != instrument.symbol.view()) continue;
      if (!row.position_side.empty() && row.position_side != "BOTH") {
        return fail(Errc::kUnsupported,
                    "a hedge-mode position (LONG/SHORT): sigex trades one-way mode");
      }
      entry.held = Quantity{from_venue(row.amount, instrument.quantity_scale)};
    }
    held.push_back(entry);
  }
  return held;
}

}  // namespace sigex
