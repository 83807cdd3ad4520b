#pragma once

// `sigex import`: CSV market data users already have, converted into the recorded-input format
// the backtester reads ("<receive_time_ns> <frame>"), as the frames the live Binance streams
// would have delivered. Layouts:
//  * Binance public-archive klines (data.binance.vision, spot and USD-M): open_time, open,
//    high, low, close, volume, close_time, quote_volume, count, taker_buy_volume,
//    taker_buy_quote_volume, ignore; with or without a header row; times in milliseconds or
//    (spot archives from 2025) microseconds. Each candle becomes a closed `<s>@kline_<i>`
//    frame received 200 ms after its close (no look-ahead);
//  * Binance archive aggregated trades (agg_trade_id, price, quantity, first_trade_id,
//    last_trade_id, transact_time, is_buyer_maker[, is_best_match]): `<s>@aggTrade` frames
//    received at their trade time;
//  * Binance USD-M archive funding rates (calc_time, funding_interval_hours,
//    last_funding_rate): GET /fapi/v1/fundingRate rows received at their funding time;
//  * mark-price klines (the klines layout; `mark_price`): `<s>@markPrice` updates carrying
//    each candle's close, received 200 ms after it;
//  * CryptoDataDownload candles (a banner line, a header such as unix,date,symbol,open,high,
//    low,close,Volume BTC,Volume USDT,tradecount or date,symbol,open,high,low,close,
//    volume_btc,volume; newest row first): kline frames as above. Its newest row is the
//    candle still forming when the file was exported and is dropped unless kept on purpose;
//    a candle listed twice keeps its millisecond-timestamp row.
// Prices and volumes are copied as decimal text at Binance's 8 decimals (extra digits are cut,
// never rounded through floating point). Anything unreadable is refused with its file, line and
// column, and what was expected there.

#include <string>
#include <vector>

#include "engine/core/time.h"

namespace sigex {

enum class CsvLayout : std::uint8_t {
  kAuto,  // told by the header or the first row
  kBinanceKlines,
  kBinanceAggTrades,
  kBinanceFunding,
  kCryptoDataDownload,
};

struct CsvImportOptions {
  CsvLayout layout = CsvLayout::kAuto;
  std::string symbol;          // e.g. BTCUSDT; "" = from the file (its symbol column or name)
  DurationNs interval_ns = 0;  // candles; 0 = from the data (close - open, or the spacing)
  bool keep_newest = false;    // CryptoDataDownload: keep the row still forming at export
  bool mark_price = false;     // klines of the mark price: `<s>@markPrice` updates at each close
  DurationNs kline_delay_ns = 200 * kNsPerMs;  // a candle is received this long after its close
};

struct ImportedLine {
  TimeNs receive_time_ns = 0;
  std::string frame;
};

struct CsvImport {
  std::vector<ImportedLine> lines;  // in receive-time order (stable)
  std::uint64_t rows = 0;           // data rows read
  std::uint64_t duplicates = 0;     // rows of a candle or trade already read (dropped)
  std::uint64_t dropped_newest = 0;
};

// Reads `paths` (plain or .gz) into one time-ordered sequence. False with `error` naming the
// file, line and column of the first problem.
bool import_csv(const std::vector<std::string>& paths, const CsvImportOptions& options,
                CsvImport& out, std::string& error);

// CSV text already in memory (an archive's unzipped file); `name` stands for its file name
// (the symbol is read from it) in messages.
struct CsvText {
  std::string name;
  std::string content;
};
bool import_csv_texts(const std::vector<CsvText>& texts, const CsvImportOptions& options,
                      CsvImport& out, std::string& error);

// "1m" ... "1M" as Binance names intervals; 0 when not one of them.
DurationNs binance_interval_ns(std::string_view name);
std::string_view binance_interval_name(DurationNs interval_ns);  // "" when none

}  // namespace sigex
