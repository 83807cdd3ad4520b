#pragma once

// Coinbase Advanced Trade products (GET /api/v3/brokerage/market/products and
// /products/{id}): each product's trading rules, as the venue states them, into what sigex
// applies before risk — the price increment (quote_increment), the size increment
// (base_increment), the smallest size (base_min_size), the smallest order value
// (quote_min_size, and min_market_funds for market orders) and whether it trades now (status
// "online", neither disabled nor cancel-only).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/core/result.h"

namespace sigex {

struct CoinbaseProductRules {
  std::string product_id;   // "BTC-USD"
  std::string base_asset;   // "BTC"
  std::string quote_asset;  // "USD"
  // Decimal texts as sent: converted at each instrument's scales by apply_product_rules.
  std::string base_increment;
  std::string quote_increment;
  std::string base_min_size;
  std::string quote_min_size;
  std::string min_market_funds;  // "" when the venue omits it
  bool trading = false;
  bool limit_only = false;
  bool post_only = false;
};

// The products of a list body ({"products":[...]}) or of one product body. Errors name the
// product and field.
tl::expected<std::vector<CoinbaseProductRules>, std::string> parse_products(std::string_view body);

// Completes the instruments that await their rules (configured by product id alone) from
// `products`: assets, tick, step, minimum size and notional at the instrument's scales. Errors
// name the product: not listed, not trading (when `require_trading`), a quote asset other than
// `cash_asset`, an increment the instrument's scale cannot express.
bool apply_product_rules(std::vector<Instrument>& instruments,
                         const std::vector<CoinbaseProductRules>& products,
                         std::string_view cash_asset, bool require_trading, std::string& error);

}  // namespace sigex
