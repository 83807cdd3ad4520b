#include "adapters/binance/instrument_rules.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/io_context.hpp>

#include "adapters/binance/parse_exchange_info.h"
#include "adapters/net/http_client.h"
#include "adapters/net/http_session.h"
#include "adapters/net/url.h"
#include "engine/core/decimal.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

// A rule at 8 decimals (Binance's) at `scale`; false when it has digits the scale drops.
bool at_scale(std::int64_t value, int scale, std::int64_t& out) {
  if (scale >= 8) {
    out = value * pow10(scale - 8);
    return true;
  }
  const std::int64_t divisor = pow10(8 - scale);
  if (value % divisor != 0) return false;
  out = value / divisor;
  return true;
}

}  // namespace

bool fetch_exchange_info(BinanceMarket market, const std::string& rest_url,
                         const std::string& tls_ca_file, const std::vector<std::string>& symbols,
                         std::string& body, std::string& error) {
  std::string target(binance_endpoints(market).exchange_info.path);
  if (market == BinanceMarket::kSpot && !symbols.empty()) {
    target += "?symbols=%5B";
    for (std::size_t i = 0; i < symbols.size(); ++i)
      target += fmt::format("{}%22{}%22", i == 0 ? "" : "%2C", symbols[i]);
    target += "%5D";
  }
  return fetch_public(rest_url, target, tls_ca_file, "exchange information", 60, body, error);
}

bool apply_instrument_rules(std::vector<Instrument>& instruments, InstrumentKind kind,
                            const ExchangeInfo& info, std::string_view cash_asset,
                            bool require_trading, std::string& error) {
  for (Instrument& instrument : instruments) {
    if (instrument.kind != kind || !instrument.awaits_venue_rules()) continue;
    const std::string_view symbol = instrument.symbol.view();
    const SymbolFilters* rules = info.find(symbol);
    if (rules == nullptr || (kind == InstrumentKind::kPerpetual && !rules->contract_type.empty() &&
                             rules->contract_type != "PERPETUAL")) {
      error =
          fmt::format("[[instruments]] {}: the venue's exchange information lists no {} {}", symbol,
                      kind == InstrumentKind::kPerpetual ? "perpetual" : "spot pair", symbol);
      return false;
    }
    if (require_trading && rules->status != "TRADING") {
      error = fmt::format("[[instruments]] {}: the venue reports it as {}, not TRADING", symbol,
                          rules->status);
      return false;
    }
    if (rules->quote_asset != cash_asset) {
      error =
          fmt::format("[[instruments]] {}: its quote asset is {}, not engine.cash_asset (\"{}\")",
                      symbol, rules->quote_asset, cash_asset);
      return false;
    }
    Instrument completed = instrument;
    if (!completed.base_asset.assign(rules->base_asset) ||
        !completed.quote_asset.assign(rules->quote_asset) ||
        !at_scale(rules->tick_size.raw, completed.price_scale, completed.tick_size.raw) ||
        !at_scale(rules->step_size.raw, completed.quantity_scale, completed.step_size.raw) ||
        !at_scale(rules->min_quantity.raw, completed.quantity_scale, completed.min_quantity.raw) ||
        completed.tick_size.raw <= 0 || completed.step_size.raw <= 0) {
      error = fmt::format(
          "[[instruments]] {}: the venue's tick size {} or step size {} does not fit "
          "price_scale {} / quantity_scale {}",
          symbol, format_decimal(rules->tick_size.raw, 8), format_decimal(rules->step_size.raw, 8),
          completed.price_scale, completed.quantity_scale);
      return false;
    }
    completed.min_notional = rules->min_notional;
    if (completed.token_id == 0 && completed.token_symbol.view().empty())
      completed.token_symbol = completed.base_asset;
    instrument = completed;
    log_debug("{}: rules from the venue: tick {} step {} min quantity {} min notional {}", symbol,
              format_decimal(completed.tick_size.raw, completed.price_scale),
              format_decimal(completed.step_size.raw, completed.quantity_scale),
              format_decimal(completed.min_quantity.raw, completed.quantity_scale),
              format_decimal(completed.min_notional.raw, kMoneyScale));
  }
  return true;
}

bool complete_instruments_from_binance(std::vector<Instrument>& instruments,
                                       std::string_view cash_asset, const std::string& spot_url,
                                       const std::string& usdm_url, const std::string& tls_ca_file,
                                       std::string& error) {
  for (const InstrumentKind kind : {InstrumentKind::kSpot, InstrumentKind::kPerpetual}) {
    std::vector<std::string> symbols;
    for (const Instrument& instrument : instruments) {
      if (instrument.kind == kind && instrument.awaits_venue_rules())
        symbols.emplace_back(instrument.symbol.view());
    }
    if (symbols.empty()) continue;
    const bool usdm = kind == InstrumentKind::kPerpetual;
    std::string body;
    if (!fetch_exchange_info(usdm ? BinanceMarket::kUsdm : BinanceMarket::kSpot,
                             usdm ? usdm_url : spot_url, tls_ca_file, symbols, body, error))
      return false;
    auto info = parse_exchange_info(body);
    if (!info) return (error = "exchange information: " + std::string(info.error().what), false);
    if (!apply_instrument_rules(instruments, kind, *info, cash_asset, true, error)) return false;
    log_info("{} {} instrument(s): trading rules from the venue's exchange information",
             symbols.size(), usdm ? "perpetual" : "spot");
  }
  return true;
}

std::vector<VenueSymbol> venue_symbols(const ExchangeInfo& info) {
  std::vector<VenueSymbol> symbols;
  symbols.reserve(info.symbols.size());
  for (const SymbolFilters& rules : info.symbols) {
    if (!rules.contract_type.empty() && rules.contract_type != "PERPETUAL") continue;
    symbols.push_back(
        {rules.symbol, rules.base_asset, rules.quote_asset, rules.status == "TRADING"});
  }
  return symbols;
}

bool list_binance_symbols(BinanceMarket market, const std::string& rest_url,
                          const std::string& tls_ca_file, std::vector<VenueSymbol>& symbols,
                          std::string& error) {
  std::string body;
  if (!fetch_exchange_info(market, rest_url, tls_ca_file, {}, body, error)) return false;
  auto info = parse_exchange_info(body);
  if (!info) return (error = "exchange information: " + std::string(info.error().what), false);
  symbols = venue_symbols(*info);
  return true;
}

}  // namespace sigex
