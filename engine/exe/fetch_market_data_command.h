#pragma once

// `sigex fetch-market-data`: Binance spot and USD-M history from the public archives (checked
// against their published SHA-256) and, for the days the archives do not have yet, from the
// REST endpoints, written as the recorded input `sigex backtest` reads:
//   <out>/<market>/<SYMBOL>/<kind>[-<interval>].gz    one file per (symbol, kind)
//   <out>/<market>/exchange-info.json                 the venue's trading rules when fetched
//   <out>/cache/                                      verified archive files and REST days
// Each record is stamped with when a live session would have received it (a kline 200 ms
// after its close). Resumable: files already in the cache are not fetched again.

#include <cstdio>
#include <string>
#include <vector>

#include "engine/core/clock.h"
#include "engine/logging/progress.h"

namespace sigex {

struct FetchMarketDataOptions {
  std::string market = "spot";  // "spot" or "usdm"
  std::vector<std::string> symbols;
  std::vector<std::string> kinds{"klines"};
  std::string interval = "1h";
  std::string from;  // YYYY-MM-DD
  std::string to;    // YYYY-MM-DD, inclusive
  std::string out_dir;
  std::string format = "text";  // "text" (.gz lines) or "binary" (.sigexbin)
  int jobs = 4;
  long long max_weight_per_minute = 600;
  int attempts = 3;
  bool allow_unverified = false;
  bool exchange_info = true;
  std::string archive_url = "https://data.binance.vision";
  std::string listing_url = "https://s3-ap-northeast-1.amazonaws.com/data.binance.vision";
  std::string rest_url;  // "" = the market's production URL
  std::string tls_ca_file;
  std::string progress = "auto";
  bool quiet = false;
  const Clock* clock = nullptr;  // null: the live clock
};

// Exit codes: 0 done; 1 some files failed (what is done is kept: run again to resume); 2 bad
// arguments; 3 stopped by the venue (a ban or rate limits that did not clear) or interrupted.
int run_fetch_market_data(const FetchMarketDataOptions& options);

}  // namespace sigex
