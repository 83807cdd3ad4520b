#pragma once

// `sigex instruments --symbols SOLUSDT,ETHUSDT [--market spot|usdm] [--exchange-info FILE |
// --rest-url URL] [--config FILE]`: prints the `[[instruments]]` tables of the symbols, with
// the trading rules the venue publishes (from a stored exchange-information snapshot, or asked
// from the venue), for users who want to pin them in their configuration. With --config, the
// cash asset comes from it and Token Metrics token ids are resolved (through the state
// directory's cache, then /tokens) when its [token_metrics] is enabled.
//
// Exit codes: 0 printed; 1 the venue or Token Metrics could not be read; 2 bad arguments, a
// symbol the venue does not list, or an ambiguous Token Metrics symbol.

#include <cstdio>
#include <string>
#include <vector>

namespace sigex {

struct InstrumentsCommandOptions {
  std::vector<std::string> symbols;
  std::string market = "spot";
  std::string exchange_info_path;
  std::string rest_url;  // "" = the market's production URL
  std::string tls_ca_file;
  std::string cash_asset = "USDT";
  std::string config_path;
  std::FILE* out = stdout;  // where the tables go
};

int run_instruments(const InstrumentsCommandOptions& options);

}  // namespace sigex
