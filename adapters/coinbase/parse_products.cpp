#include "adapters/coinbase/parse_products.h"

#include <fmt/format.h>
#include <simdjson.h>

#include "engine/core/decimal.h"
#include "engine/core/money.h"

namespace sigex {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

tl::expected<CoinbaseProductRules, std::string> read_product(object product) {
  CoinbaseProductRules rules;
  std::string_view text;
  if (product["product_id"].get_string().get(text))
    return tl::unexpected(std::string("a product without product_id"));
  rules.product_id = std::string(text);
  auto field = [&](const char* key, std::string& out, bool required) -> bool {
    std::string_view value;
    if (product[key].get_string().get(value)) return !required;
    out = std::string(value);
    return true;
  };
  for (const auto& [key, out] :
       {std::pair<const char*, std::string*>{"base_increment", &rules.base_increment},
        {"quote_increment", &rules.quote_increment},
        {"base_min_size", &rules.base_min_size},
        {"quote_min_size", &rules.quote_min_size}}) {
    if (!field(key, *out, true))
      return tl::unexpected(fmt::format("product {}: missing {}", rules.product_id, key));
  }
  field("min_market_funds", rules.min_market_funds, false);
  // Assets: base_currency_id / quote_currency_id (display symbols may differ: "USDC").
  if (!field("base_currency_id", rules.base_asset, false) || rules.base_asset.empty())
    field("base_display_symbol", rules.base_asset, false);
  if (!field("quote_currency_id", rules.quote_asset, false) || rules.quote_asset.empty())
    field("quote_display_symbol", rules.quote_asset, false);
  if (rules.base_asset.empty() || rules.quote_asset.empty()) {
    const auto dash = rules.product_id.find('-');
    if (dash == std::string::npos)
      return tl::unexpected(
          fmt::format("product {}: no base and quote currency", rules.product_id));
    rules.base_asset = rules.product_id.substr(0, dash);
    rules.quote_asset = rules.product_id.substr(dash + 1);
  }
  std::string_view status = "online";
  if (product["status"].get_string().get(status)) status = "online";
  bool flag = false;
  bool disabled = false;
  for (const char* key : {"trading_disabled", "is_disabled", "cancel_only"}) {
    if (product[key].get_bool().get(flag) == simdjson::SUCCESS && flag) disabled = true;
  }
  rules.trading = status == "online" && !disabled;
  if (product["limit_only"].get_bool().get(flag) == simdjson::SUCCESS) rules.limit_only = flag;
  if (product["post_only"].get_bool().get(flag) == simdjson::SUCCESS) rules.post_only = flag;
  return rules;
}

// `text` at `scale`, positive; false with why.
bool positive_at_scale(std::string_view text, int scale, std::int64_t& out, std::string& why) {
  const auto value = parse_decimal(text, scale);
  if (!value) {
    why = value.error().code == Errc::kTooPrecise
              ? fmt::format("\"{}\" needs more than {} decimals", text, scale)
              : fmt::format("\"{}\" is not a decimal", text);
    return false;
  }
  if (*value <= 0) return (why = fmt::format("\"{}\" is not positive", text), false);
  out = *value;
  return true;
}

}  // namespace

tl::expected<std::vector<CoinbaseProductRules>, std::string> parse_products(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return tl::unexpected(std::string("the products answer is not JSON"));
  std::vector<CoinbaseProductRules> products;
  simdjson::dom::array list;
  object single;
  if (root["products"].get_array().get(list) == simdjson::SUCCESS) {
    for (element entry : list) {
      object product;
      if (entry.get_object().get(product))
        return tl::unexpected(std::string("a product that is not an object"));
      auto rules = read_product(product);
      if (!rules) return tl::unexpected(rules.error());
      products.push_back(std::move(*rules));
    }
  } else if (root.get_object().get(single) == simdjson::SUCCESS &&
             single["product_id"].error() == simdjson::SUCCESS) {
    auto rules = read_product(single);
    if (!rules) return tl::unexpected(rules.error());
    products.push_back(std::move(*rules));
  } else {
    return tl::unexpected(std::string("the products answer has no \"products\" list"));
  }
  return products;
}

bool apply_product_rules(std::vector<Instrument>& instruments,
                         const std::vector<CoinbaseProductRules>& products,
                         std::string_view cash_asset, bool require_trading, std::string& error) {
  for (Instrument& instrument : instruments) {
    if (!instrument.awaits_venue_rules()) continue;
    const std::string_view id = instrument.symbol.view();
    const CoinbaseProductRules* rules = nullptr;
    for (const auto& product : products) {
      if (product.product_id == id) rules = &product;
    }
    if (rules == nullptr) return (error = fmt::format("Coinbase lists no product {}", id), false);
    if (require_trading && !rules->trading)
      return (error = fmt::format("Coinbase product {} is not trading now", id), false);
    if (!cash_asset.empty() && rules->quote_asset != cash_asset) {
      error = fmt::format("Coinbase product {} is quoted in {}, not in the cash asset {}", id,
                          rules->quote_asset, cash_asset);
      return false;
    }
    std::string why;
    std::int64_t tick = 0, step = 0, min_size = 0, min_notional = 0;
    if (!positive_at_scale(rules->quote_increment, instrument.price_scale, tick, why) ||
        !positive_at_scale(rules->base_increment, instrument.quantity_scale, step, why)) {
      error = fmt::format(
          "Coinbase product {}: increment {} (raise price_scale or "
          "quantity_scale)",
          id, why);
      return false;
    }
    const auto min_size_value = parse_decimal(rules->base_min_size, instrument.quantity_scale);
    const auto notional = parse_decimal(rules->quote_min_size, kMoneyScale);
    if (!min_size_value || !notional) {
      error = fmt::format(
          "Coinbase product {}: base_min_size \"{}\" or quote_min_size \"{}\" "
          "unreadable at the instrument's scales",
          id, rules->base_min_size, rules->quote_min_size);
      return false;
    }
    min_size = *min_size_value;
    min_notional = *notional;
    if (!rules->min_market_funds.empty()) {
      const auto funds = parse_decimal(rules->min_market_funds, kMoneyScale);
      if (funds && *funds > min_notional) min_notional = *funds;
    }
    if (!instrument.base_asset.assign(rules->base_asset) ||
        !instrument.quote_asset.assign(rules->quote_asset)) {
      return (error = fmt::format("Coinbase product {}: asset code too long", id), false);
    }
    instrument.tick_size = Price{tick};
    instrument.step_size = Quantity{step};
    instrument.min_quantity = Quantity{min_size};
    instrument.min_notional = Money{min_notional};
  }
  return true;
}

}  // namespace sigex
