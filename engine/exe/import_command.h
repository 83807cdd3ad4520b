#pragma once

// `sigex import [--layout L] [--symbol S] [--interval I] [--keep-newest] --out FILE CSV...`:
// converts CSV market data (Binance public-archive klines, aggTrades and funding rates;
// CryptoDataDownload candles) into the recorded-input format `sigex backtest` reads
// (adapters/recorded/csv_import.h has the layouts and the rules). Several inputs (e.g. the
// monthly archive files of a year) are merged into one time-ordered file; a row listed twice
// is kept once. Nothing is written when any input is refused. An output ending in .sigexbin is
// written in the binary recorded format (adapters/recorded/binary_records.h).
//
// Exit codes: 0 written, 1 an input is unreadable or malformed (file, line and column named) or
// the output cannot be written, 2 bad arguments.

#include <string>
#include <vector>

#include "adapters/recorded/csv_import.h"

namespace sigex {

struct ImportCommandOptions {
  std::vector<std::string> inputs;
  std::string out_path;
  std::string layout = "auto";  // auto, binance-klines, binance-aggtrades, binance-funding,
                                // cryptodatadownload
  std::string symbol;
  std::string interval;  // "" = from the data
  bool keep_newest = false;
  bool mark_price = false;      // the klines are mark-price klines
  std::string market = "spot";  // spot or usdm: how a .sigexbin output reads the frames
  bool quiet = false;
};

int run_import(const ImportCommandOptions& options);

}  // namespace sigex
