#include "engine/exe/import_command.h"

#include <cstdio>

#include "adapters/recorded/binary_records.h"
#include "adapters/recorded/frame_recorder.h"
#include "engine/core/calendar.h"
#include "engine/exe/exit_codes.h"

namespace sigex {
namespace {

bool layout_from(const std::string& text, CsvLayout& layout) {
  if (text == "auto")
    layout = CsvLayout::kAuto;
  else if (text == "binance-klines")
    layout = CsvLayout::kBinanceKlines;
  else if (text == "binance-aggtrades")
    layout = CsvLayout::kBinanceAggTrades;
  else if (text == "binance-funding")
    layout = CsvLayout::kBinanceFunding;
  else if (text == "cryptodatadownload")
    layout = CsvLayout::kCryptoDataDownload;
  else
    return false;
  return true;
}

}  // namespace

int run_import(const ImportCommandOptions& options) {
  CsvImportOptions import;
  if (!layout_from(options.layout, import.layout)) {
    std::fprintf(stderr,
                 "sigex import: --layout %s: expected auto, binance-klines, binance-aggtrades, "
                 "binance-funding or cryptodatadownload\n",
                 options.layout.c_str());
    return kExitUsage;
  }
  if (!options.interval.empty()) {
    import.interval_ns = binance_interval_ns(options.interval);
    if (import.interval_ns == 0) {
      std::fprintf(stderr,
                   "sigex import: --interval %s: expected one of 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h "
                   "12h 1d 3d 1w\n",
                   options.interval.c_str());
      return kExitUsage;
    }
  }
  import.symbol = options.symbol;
  import.keep_newest = options.keep_newest;
  import.mark_price = options.mark_price;
  CsvImport imported;
  std::string error;
  if (!import_csv(options.inputs, import, imported, error)) {
    std::fprintf(stderr, "sigex import: %s\nnothing was written\n", error.c_str());
    return kExitFailure;
  }
  if (imported.lines.empty()) {
    std::fprintf(stderr, "sigex import: the inputs hold no rows; nothing was written\n");
    return kExitFailure;
  }
  if (is_binary_records_path(options.out_path)) {
    const BinanceMarket market =
        options.market == "usdm" ? BinanceMarket::kUsdm : BinanceMarket::kSpot;
    if (!write_binary_records(options.out_path, market, imported.lines, error)) {
      std::fprintf(stderr, "sigex import: %s: %s\n", options.out_path.c_str(), error.c_str());
      return kExitFailure;
    }
  } else {
    FrameRecorder recorder;
    if (!recorder.open(options.out_path, error)) {
      std::fprintf(stderr, "sigex import: %s\n", error.c_str());
      return kExitFailure;
    }
    for (const ImportedLine& line : imported.lines)
      recorder.record(line.receive_time_ns, line.frame);
    if (!recorder.close()) {
      std::fprintf(stderr, "sigex import: %s: %s\n", options.out_path.c_str(),
                   recorder.error().c_str());
      return kExitFailure;
    }
  }
  if (!options.quiet) {
    std::printf(
        "sigex import: %llu rows -> %zu records in %s (%s -> %s received)\n"
        "  %llu duplicate rows dropped, %llu candle(s) still forming at export dropped\n",
        static_cast<unsigned long long>(imported.rows), imported.lines.size(),
        options.out_path.c_str(),
        format_utc_timestamp(imported.lines.front().receive_time_ns).c_str(),
        format_utc_timestamp(imported.lines.back().receive_time_ns).c_str(),
        static_cast<unsigned long long>(imported.duplicates),
        static_cast<unsigned long long>(imported.dropped_newest));
  }
  return 0;
}

}  // namespace sigex
