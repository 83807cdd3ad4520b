#include "engine/exe/instruments_command.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "adapters/binance/instrument_rules.h"
#include "adapters/binance/parse_exchange_info.h"
#include "adapters/token_metrics/signal_poller.h"
#include "engine/core/decimal.h"
#include "engine/core/live_clock.h"
#include "engine/exe/app_config.h"
#include "engine/exe/exit_codes.h"
#include "engine/exe/intake_setup.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

std::string trimmed(std::int64_t raw, int scale) {
  char text[kMaxDecimalText];
  const std::size_t size = write_decimal(raw, scale, text, DecimalZeros::kTrimmed);
  return std::string(text, size);
}

std::string instrument_table(const Instrument& instrument) {
  std::string table = fmt::format("[[instruments]]\nsymbol = \"{}\"\n", instrument.symbol.view());
  if (instrument.is_perpetual()) table += "kind = \"perpetual\"\n";
  table += fmt::format(
      "base_asset = \"{}\"\nquote_asset = \"{}\"\ntick_size = \"{}\"\nstep_size = \"{}\"\n"
      "min_quantity = \"{}\"\nmin_notional = \"{}\"\n",
      instrument.base_asset.view(), instrument.quote_asset.view(),
      trimmed(instrument.tick_size.raw, instrument.price_scale),
      trimmed(instrument.step_size.raw, instrument.quantity_scale),
      trimmed(instrument.min_quantity.raw, instrument.quantity_scale),
      trimmed(instrument.min_notional.raw, kMoneyScale));
  if (instrument.token_id != 0) table += fmt::format("token_id = {}\n", instrument.token_id);
  if (!instrument.token_symbol.view().empty())
    table += fmt::format("token_symbol = \"{}\"\n", instrument.token_symbol.view());
  if (instrument.is_perpetual()) {
    table +=
        "# [[instruments.brackets]]: the account's leverage brackets (signed GET "
        "/fapi/v1/leverageBracket), as in config/backtest-grade-trend-perp.toml\n";
  }
  return table;
}

}  // namespace

int run_instruments(const InstrumentsCommandOptions& options) {
  if (options.market != "spot" && options.market != "usdm") {
    std::fprintf(stderr, "sigex instruments: --market %s: expected spot or usdm\n",
                 options.market.c_str());
    return kExitUsage;
  }
  const bool usdm = options.market == "usdm";
  AppConfig config;
  config.engine.cash_asset = options.cash_asset;
  if (!options.config_path.empty()) {
    ConfigErrors errors;
    config = load_app_config(options.config_path, errors);
    for (const auto& message : errors.messages())
      std::fprintf(stderr, "config error: %s\n", message.c_str());
    if (!errors.empty()) return kExitUsage;
  }
  std::vector<Instrument> instruments;
  for (const std::string& symbol : options.symbols) {
    Instrument instrument;
    if (!instrument.symbol.assign(symbol) || symbol.empty()) {
      std::fprintf(stderr, "sigex instruments: --symbols %s: not a symbol\n", symbol.c_str());
      return kExitUsage;
    }
    instrument.kind = usdm ? InstrumentKind::kPerpetual : InstrumentKind::kSpot;
    instrument.tick_size = Price{0};
    instrument.step_size = Quantity{0};
    instruments.push_back(instrument);
  }
  std::string body, error;
  if (!options.exchange_info_path.empty()) {
    std::ifstream in(options.exchange_info_path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "sigex instruments: %s: cannot be read\n",
                   options.exchange_info_path.c_str());
      return kExitFailure;
    }
    std::ostringstream text;
    text << in.rdbuf();
    body = text.str();
  } else {
    const std::string url =
        !options.rest_url.empty()
            ? options.rest_url
            : std::string(binance_rest_url(usdm ? BinanceMarket::kUsdm : BinanceMarket::kSpot));
    if (!fetch_exchange_info(usdm ? BinanceMarket::kUsdm : BinanceMarket::kSpot, url,
                             options.tls_ca_file, options.symbols, body, error)) {
      std::fprintf(stderr, "sigex instruments: %s\n", error.c_str());
      return kExitFailure;
    }
  }
  auto info = parse_exchange_info(body);
  if (!info) {
    std::fprintf(stderr, "sigex instruments: exchange information: %s\n",
                 std::string(info.error().what).c_str());
    return kExitFailure;
  }
  if (!apply_instrument_rules(instruments,
                              usdm ? InstrumentKind::kPerpetual : InstrumentKind::kSpot, *info,
                              config.engine.cash_asset, false, error)) {
    std::fprintf(stderr, "sigex instruments: %s\n", error.c_str());
    return kExitUsage;
  }
  if (!options.config_path.empty() && config.token_metrics.enabled) {
    resolve_token_ids_from_cache(instruments, token_cache_path(config));
    LiveClock clock;
    TokenMetricsIntake intake;
    AppConfig resolving = config;
    resolving.token_metrics.resolve_tokens = true;
    if (!prepare_token_metrics(resolving, clock, intake, instruments, error)) {
      std::fprintf(stderr, "sigex instruments: %s\n", error.c_str());
      return error.find("ambiguous") != std::string::npos ? kExitUsage : kExitFailure;
    }
  }
  for (std::size_t i = 0; i < instruments.size(); ++i)
    std::fprintf(options.out, "%s%s", i == 0 ? "" : "\n", instrument_table(instruments[i]).c_str());
  return 0;
}

}  // namespace sigex
