#include "adapters/binance/exchange_filters.h"

#include <simdjson.h>

#include "engine/core/decimal.h"

namespace sigex {
namespace {

// A decimal string at Binance's scale; false when it is not one.
bool read_decimal(simdjson::dom::element element, const char* key, std::int64_t& out) {
  std::string_view text;
  if (element[key].get_string().get(text)) return false;
  const auto value = parse_decimal(text, kBinanceScale);
  if (!value) return false;
  out = *value;
  return true;
}

bool read_filter(simdjson::dom::element filter, SymbolFilters& symbol) {
  std::string_view type;
  if (filter["filterType"].get_string().get(type)) return false;
  if (type == "PRICE_FILTER") {
    return read_decimal(filter, "minPrice", symbol.min_price.raw) &&
           read_decimal(filter, "maxPrice", symbol.max_price.raw) &&
           read_decimal(filter, "tickSize", symbol.tick_size.raw);
  }
  if (type == "LOT_SIZE") {
    return read_decimal(filter, "minQty", symbol.min_quantity.raw) &&
           read_decimal(filter, "maxQty", symbol.max_quantity.raw) &&
           read_decimal(filter, "stepSize", symbol.step_size.raw);
  }
  if (type == "MARKET_LOT_SIZE") {
    return read_decimal(filter, "minQty", symbol.market_min_quantity.raw) &&
           read_decimal(filter, "maxQty", symbol.market_max_quantity.raw) &&
           read_decimal(filter, "stepSize", symbol.market_step_size.raw);
  }
  if (type == "MIN_NOTIONAL") {
    bool applies = true;
    if (!filter["applyToMarket"].get_bool().get(applies)) symbol.min_notional_applies_to_market = applies;
    return read_decimal(filter, "minNotional", symbol.min_notional.raw);
  }
  if (type == "NOTIONAL") {
    bool applies = true;
    if (!filter["applyMinToMarket"].get_bool().get(applies)) symbol.min_notional_applies_to_market = applies;
    if (!filter["applyMaxToMarket"].get_bool().get(applies)) symbol.max_notional_applies_to_market = applies;
    return read_decimal(filter, "minNotional", symbol.min_notional.raw) &&
           read_decimal(filter, "maxNotional", symbol.max_notional.raw);
  }
  if (type == "MAX_NUM_ORDERS") {
    std::int64_t count = 0;
    if (filter["maxNumOrders"].get_int64().get(count)) return false;
    symbol.max_num_orders = static_cast<int>(count);
  }
  return true;  // other filters (PERCENT_PRICE, ICEBERG_PARTS, ...) are the venue's to check
}

}  // namespace

const SymbolFilters* ExchangeInfo::find(std::string_view symbol) const {
  for (const auto& entry : symbols) {
    if (entry.symbol == symbol) return &entry;
  }
  return nullptr;
}

Result<ExchangeInfo> parse_exchange_info(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root)) return fail(Errc::kSyntax, "exchangeInfo is not JSON");
  ExchangeInfo info;
  std::int64_t server_time_ms = 0;
  if (!root["serverTime"].get_int64().get(server_time_ms)) info.server_time_ns = server_time_ms * kNsPerMs;
  simdjson::dom::array limits;
  if (!root["rateLimits"].get_array().get(limits)) {
    for (auto limit : limits) {
      RateLimit entry;
      std::string_view text;
      std::int64_t number = 0;
      if (limit["rateLimitType"].get_string().get(text)) return fail(Errc::kWrongType, "rateLimitType");
      entry.type = std::string(text);
      if (limit["interval"].get_string().get(text)) return fail(Errc::kWrongType, "rate limit interval");
      entry.interval = std::string(text);
      if (limit["intervalNum"].get_int64().get(number)) return fail(Errc::kWrongType, "intervalNum");
      entry.interval_num = static_cast<int>(number);
      if (limit["limit"].get_int64().get(entry.limit)) return fail(Errc::kWrongType, "rate limit");
      info.rate_limits.push_back(entry);
    }
  }
  simdjson::dom::array symbols;
  if (root["symbols"].get_array().get(symbols)) return fail(Errc::kMissingField, "exchangeInfo without symbols");
  for (auto element : symbols) {
    SymbolFilters symbol;
    std::string_view text;
    if (element["symbol"].get_string().get(text)) return fail(Errc::kMissingField, "symbol");
    symbol.symbol = std::string(text);
    if (!element["status"].get_string().get(text)) symbol.status = std::string(text);
    if (!element["baseAsset"].get_string().get(text)) symbol.base_asset = std::string(text);
    if (!element["quoteAsset"].get_string().get(text)) symbol.quote_asset = std::string(text);
    simdjson::dom::array order_types;
    if (!element["orderTypes"].get_array().get(order_types)) {
      for (auto order_type : order_types) {
        if (!order_type.get_string().get(text) && text == "MARKET") symbol.market_orders_allowed = true;
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

std::string_view to_string(FilterFailure failure) {
  switch (failure) {
    case FilterFailure::kNone: return "none";
    case FilterFailure::kNotTrading: return "symbol_not_trading";
    case FilterFailure::kMarketNotAllowed: return "market_orders_not_allowed";
    case FilterFailure::kPriceOutOfRange: return "PRICE_FILTER";
    case FilterFailure::kQuantityBelowMinimum: return "LOT_SIZE_min";
    case FilterFailure::kQuantityAboveMaximum: return "LOT_SIZE_max";
    case FilterFailure::kNotionalBelowMinimum: return "NOTIONAL_min";
    case FilterFailure::kNotionalAboveMaximum: return "NOTIONAL_max";
  }
  return "?";
}

FilteredOrder apply_filters(const SymbolFilters& filters, Side side, OrderType type, Price price,
                            Quantity quantity, Price reference_price) {
  FilteredOrder order;
  auto failed = [&order](FilterFailure failure) {
    order.failure = failure;
    return order;
  };
  if (filters.status != "TRADING") return failed(FilterFailure::kNotTrading);
  const bool market = type == OrderType::kMarket;
  if (market && !filters.market_orders_allowed) return failed(FilterFailure::kMarketNotAllowed);

  order.price = Price{0};
  if (!market) {
    // Buy: round down (never pay more than asked). Sell: round up (never sell for less).
    order.price = filters.tick_size.raw > 0
                      ? Price{round_to_multiple(price.raw, filters.tick_size.raw,
                                                side == Side::kBuy ? Rounding::kDown : Rounding::kUp)}
                      : price;
    if (order.price.raw <= 0 || (filters.min_price.raw > 0 && order.price.raw < filters.min_price.raw) ||
        (filters.max_price.raw > 0 && order.price.raw > filters.max_price.raw)) {
      return failed(FilterFailure::kPriceOutOfRange);
    }
  }
  // Never more than intended: the quantity always rounds down to the step.
  const bool market_lot = market && filters.market_step_size.raw > 0;
  const std::int64_t step = market_lot ? filters.market_step_size.raw : filters.step_size.raw;
  const std::int64_t min_quantity = market && filters.market_min_quantity.raw > 0 ? filters.market_min_quantity.raw
                                                                                   : filters.min_quantity.raw;
  const std::int64_t max_quantity = market && filters.market_max_quantity.raw > 0 ? filters.market_max_quantity.raw
                                                                                   : filters.max_quantity.raw;
  order.quantity = step > 0 ? Quantity{round_to_multiple(quantity.raw, step, Rounding::kDown)} : quantity;
  if (order.quantity.raw <= 0 || order.quantity.raw < min_quantity) return failed(FilterFailure::kQuantityBelowMinimum);
  if (max_quantity > 0 && order.quantity.raw > max_quantity) return failed(FilterFailure::kQuantityAboveMaximum);

  const Price notional_price = market ? reference_price : order.price;
  const auto value = notional(notional_price, kBinanceScale, order.quantity, kBinanceScale, Rounding::kDown);
  if (!value) return failed(FilterFailure::kNotionalAboveMaximum);
  if (filters.min_notional.raw > 0 && (!market || filters.min_notional_applies_to_market) &&
      value->raw < filters.min_notional.raw) {
    return failed(FilterFailure::kNotionalBelowMinimum);
  }
  if (filters.max_notional.raw > 0 && (!market || filters.max_notional_applies_to_market) &&
      value->raw > filters.max_notional.raw) {
    return failed(FilterFailure::kNotionalAboveMaximum);
  }
  return order;
}

}  // namespace sigex
