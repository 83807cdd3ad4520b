#include "adapters/binance/parse_exchange_info.h"

#include <simdjson.h>

#include "adapters/binance/parse_fields.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

bool read_filter(simdjson::dom::element filter, SymbolFilters& symbol) {
  std::string_view type;
  if (filter["filterType"].get_string().get(type)) return false;
  if (type == "PRICE_FILTER") {
    return read_binance_decimal(filter, "minPrice", symbol.min_price.raw) &&
           read_binance_decimal(filter, "maxPrice", symbol.max_price.raw) &&
           read_binance_decimal(filter, "tickSize", symbol.tick_size.raw);
  }
  if (type == "LOT_SIZE") {
    return read_binance_decimal(filter, "minQty", symbol.min_quantity.raw) &&
           read_binance_decimal(filter, "maxQty", symbol.max_quantity.raw) &&
           read_binance_decimal(filter, "stepSize", symbol.step_size.raw);
  }
  if (type == "MARKET_LOT_SIZE") {
    return read_binance_decimal(filter, "minQty", symbol.market_min_quantity.raw) &&
           read_binance_decimal(filter, "maxQty", symbol.market_max_quantity.raw) &&
           read_binance_decimal(filter, "stepSize", symbol.market_step_size.raw);
  }
  if (type == "MIN_NOTIONAL") {
    bool applies = true;
    if (!filter["applyToMarket"].get_bool().get(applies))
      symbol.min_notional_applies_to_market = applies;
    // USD-M names the minimum `notional` (spot: minNotional).
    if (filter["notional"].error() == simdjson::SUCCESS)
      return read_binance_decimal(filter, "notional", symbol.min_notional.raw);
    return read_binance_decimal(filter, "minNotional", symbol.min_notional.raw);
  }
  if (type == "NOTIONAL") {
    bool applies = true;
    if (!filter["applyMinToMarket"].get_bool().get(applies))
      symbol.min_notional_applies_to_market = applies;
    if (!filter["applyMaxToMarket"].get_bool().get(applies))
      symbol.max_notional_applies_to_market = applies;
    return read_binance_decimal(filter, "minNotional", symbol.min_notional.raw) &&
           read_binance_decimal(filter, "maxNotional", symbol.max_notional.raw);
  }
  if (type == "MAX_NUM_ORDERS") {
    std::int64_t count = 0;
    // Spot: maxNumOrders; USD-M: limit.
    if (filter["maxNumOrders"].get_int64().get(count) && filter["limit"].get_int64().get(count))
      return false;
    symbol.max_num_orders = static_cast<int>(count);
  }
  return true;  // other filters (PERCENT_PRICE, ICEBERG_PARTS, ...) are the venue's to check
}

}  // namespace

Result<ExchangeInfo> parse_exchange_info(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return fail(Errc::kSyntax, "exchangeInfo is not JSON");
  ExchangeInfo info;
  std::int64_t server_time_ms = 0;
  if (!root["serverTime"].get_int64().get(server_time_ms))
    info.server_time_ns = server_time_ms * kNsPerMs;
  simdjson::dom::array limits;
  if (!root["rateLimits"].get_array().get(limits)) {
    for (auto limit : limits) {
      RateLimit entry;
      std::string_view text;
      std::int64_t number = 0;
      if (limit["rateLimitType"].get_string().get(text))
        return fail(Errc::kWrongType, "rateLimitType");
      entry.type = std::string(text);
      if (limit["interval"].get_string().get(text))
        return fail(Errc::kWrongType, "rate limit interval");
      entry.interval = std::string(text);
      if (limit["intervalNum"].get_int64().get(number))
        return fail(Errc::kWrongType, "intervalNum");
      entry.interval_num = static_cast<int>(number);
      if (limit["limit"].get_int64().get(entry.limit)) return fail(Errc::kWrongType, "rate limit");
      info.rate_limits.push_back(entry);
    }
  }
  simdjson::dom::array symbols;
  if (root["symbols"].get_array().get(symbols))
    return fail(Errc::kMissingField, "exchangeInfo without symbols");
  for (auto element : symbols) {
    SymbolFilters symbol;
    std::string_view text;
    if (element["symbol"].get_string().get(text)) return fail(Errc::kMissingField, "symbol");
    symbol.symbol = std::string(text);
    if (!element["status"].get_string().get(text)) symbol.status = std::string(text);
    if (!element["baseAsset"].get_string().get(text)) symbol.base_asset = std::string(text);
    if (!element["quoteAsset"].get_string().get(text)) symbol.quote_asset = std::string(text);
    if (!element["contractType"].get_string().get(text)) symbol.contract_type = std::string(text);
    simdjson::dom::array order_types;
    if (!element["orderTypes"].get_array().get(order_types)) {
      for (auto order_type : order_types) {
        if (!order_type.get_string().get(text) && text == "MARKET")
          symbol.market_orders_allowed = true;
      }
    }
    simdjson::dom::array filters;
    if (element["filters"].get_array().get(filters)) return fail(Errc::kMissingField, "filters");
    for (auto filter : filters) {
      if (!read_filter(filter, symbol)) return fail(Errc::kWrongType, "unreadable filter value");
    }
    info.symbols.push_back(std::move(symbol));
  }
  return info;
}

}  // namespace sigex
