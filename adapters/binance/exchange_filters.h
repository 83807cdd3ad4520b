#pragma once

// Binance exchangeInfo: each symbol's trading rules (PRICE_FILTER, LOT_SIZE, MARKET_LOT_SIZE,
// MIN_NOTIONAL, NOTIONAL, MAX_NUM_ORDERS) and the account's rate limits, parsed into fixed
// point (8 decimals, as Binance sends them). apply_filters() makes an order valid before it is
// sent: the price is rounded to the tick in the safe direction (a buy never pays more, a sell
// never sells for less than asked), the quantity down to the step (never more than intended);
// then the limits are checked. A value of 0 disables its rule, as on Binance.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/decimals.h"
#include "engine/core/money.h"
#include "engine/core/result.h"
#include "engine/events/events.h"

namespace sigex {

struct SymbolFilters {
  std::string symbol;
  std::string status;  // "TRADING", "HALT", "BREAK", ...
  std::string base_asset;
  std::string quote_asset;
  std::string contract_type;  // USD-M: PERPETUAL, CURRENT_QUARTER, ...; spot: empty
  Price min_price{0}, max_price{0}, tick_size{0};
  Quantity min_quantity{0}, max_quantity{0}, step_size{0};
  Quantity market_min_quantity{0}, market_max_quantity{0}, market_step_size{0};
  Money min_notional{0};
  bool min_notional_applies_to_market = true;
  Money max_notional{0};
  bool max_notional_applies_to_market = false;
  int max_num_orders = 0;
  bool market_orders_allowed = false;
};

struct RateLimit {
  std::string type;      // REQUEST_WEIGHT, ORDERS, RAW_REQUESTS
  std::string interval;  // SECOND, MINUTE, HOUR, DAY
  int interval_num = 0;
  std::int64_t limit = 0;
};

struct ExchangeInfo {
  TimeNs server_time_ns = 0;
  std::vector<RateLimit> rate_limits;
  std::vector<SymbolFilters> symbols;
  const SymbolFilters* find(std::string_view symbol) const;
};

enum class FilterFailure : std::uint8_t {
  kNone,
  kNotTrading,
  kMarketNotAllowed,
  kPriceOutOfRange,
  kQuantityBelowMinimum,
  kQuantityAboveMaximum,
  kNotionalBelowMinimum,
  kNotionalAboveMaximum,
};
std::string_view to_string(FilterFailure failure);

struct FilteredOrder {
  FilterFailure failure = FilterFailure::kNone;
  Price price{0};        // rounded to the tick (limit orders)
  Quantity quantity{0};  // rounded down to the step
};

// `reference_price` stands in for the price of market orders in the notional checks.
FilteredOrder apply_filters(const SymbolFilters& filters, Side side, OrderType type, Price price,
                            Quantity quantity, Price reference_price);

}  // namespace sigex
