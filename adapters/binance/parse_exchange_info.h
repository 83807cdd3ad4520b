#pragma once

// Binance exchangeInfo parsed into each symbol's trading rules and the account's rate limits,
// in fixed point (8 decimals, as Binance sends them).

#include <string_view>

#include "adapters/binance/exchange_filters.h"
#include "engine/core/result.h"

namespace sigex {

// Errors name nothing secret; an unreadable filter value fails the whole document.
Result<ExchangeInfo> parse_exchange_info(std::string_view body);

}  // namespace sigex
