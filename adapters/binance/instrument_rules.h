#pragma once

// Instruments configured by symbol alone (`symbol = "SOLUSDT"` and its kind) get their trading
// rules from Binance's exchange information: base and quote assets, tick size, step size,
// minimum quantity and minimum notional. Live and paper sessions ask the venue at start-up;
// backtests read the snapshot `sigex fetch-market-data` stored next to the data, so they stay
// deterministic.

#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/exchange_filters.h"
#include "adapters/binance/market.h"
#include "engine/core/instrument.h"
#include "engine/ports/venue_registry.h"

namespace sigex {

// GET <rest_url><exchangeInfo path> (spot: only `symbols`, when given), synchronously, with a
// wait for 429 Retry-After. The body as the venue sent it; false with `error` otherwise.
bool fetch_exchange_info(BinanceMarket market, const std::string& rest_url,
                         const std::string& tls_ca_file, const std::vector<std::string>& symbols,
                         std::string& body, std::string& error);

// Completes every instrument of `kind` that awaits its rules from `info`, at the instrument's
// scales. Errors name the symbol: not listed, not trading (only when `require_trading`), a
// quote asset other than `cash_asset`, a rule the instrument's scale cannot express.
bool apply_instrument_rules(std::vector<Instrument>& instruments, InstrumentKind kind,
                            const ExchangeInfo& info, std::string_view cash_asset,
                            bool require_trading, std::string& error);

// Both markets from the venue: spot instruments from `spot_url`, perpetuals from `usdm_url`.
bool complete_instruments_from_binance(std::vector<Instrument>& instruments,
                                       std::string_view cash_asset, const std::string& spot_url,
                                       const std::string& usdm_url, const std::string& tls_ca_file,
                                       std::string& error);

// Every symbol of the exchange information (for [universe] selection).
std::vector<VenueSymbol> venue_symbols(const ExchangeInfo& info);

// The whole exchange information of a market, parsed: for universes.
bool list_binance_symbols(BinanceMarket market, const std::string& rest_url,
                          const std::string& tls_ca_file, std::vector<VenueSymbol>& symbols,
                          std::string& error);

}  // namespace sigex
