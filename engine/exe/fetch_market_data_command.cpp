#include "engine/exe/fetch_market_data_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>

#include <fmt/format.h>

#include "adapters/binance/instrument_rules.h"
#include "adapters/binance/parse_exchange_info.h"
#include "adapters/binance_archive/history_fetcher.h"
#include "adapters/recorded/binary_records.h"
#include "adapters/recorded/csv_import.h"
#include "adapters/recorded/frame_recorder.h"
#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "engine/exe/exit_codes.h"

namespace sigex {
namespace {

int usage(const std::string& message) {
  std::fprintf(stderr, "sigex fetch-market-data: %s\n", message.c_str());
  return kExitUsage;
}

std::string output_name(const HistorySeries& series, const std::string& interval, bool binary) {
  std::string name(archive_kind_name(series.kind));
  if (kind_has_interval(series.kind)) name += "-" + interval;
  return name + (binary ? ".sigexbin" : ".gz");
}

// The venue's trading rules for the symbols, as it answered (backtests read them instead of
// asking the venue, so they stay deterministic).
bool store_exchange_info(const FetchMarketDataOptions& options, BinanceMarket market,
                         const std::filesystem::path& path, std::string& error) {
  const std::string base =
      options.rest_url.empty() ? std::string(binance_rest_url(market)) : options.rest_url;
  std::string body;
  if (!fetch_exchange_info(market, base, options.tls_ca_file, options.symbols, body, error))
    return false;
  auto info = parse_exchange_info(body);
  if (!info) return (error = "exchange information: " + std::string(info.error().what), false);
  for (const std::string& symbol : options.symbols) {
    if (info->find(symbol) == nullptr)
      return (error = fmt::format("the venue does not list {}", symbol), false);
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << body;
  if (!out) return (error = "cannot write " + path.string(), false);
  return true;
}

// One (symbol, kind) into the recorded-input format, within [from, end).
bool write_series(const HistorySeries& series, const FetchMarketDataOptions& options,
                  BinanceMarket market, TimeNs from_ns, TimeNs end_ns,
                  const std::filesystem::path& path, std::uint64_t& records, std::string& error) {
  std::vector<CsvText> texts;
  for (const HistoryPart& part : series.parts) {
    CsvText text;
    if (!read_history_part(part, text.name, text.content, error)) return false;
    texts.push_back(std::move(text));
  }
  CsvImportOptions import;
  import.symbol = series.symbol;
  import.interval_ns = kind_has_interval(series.kind) ? binance_interval_ns(options.interval) : 0;
  import.mark_price = series.kind == ArchiveKind::kMarkPriceKlines;
  switch (series.kind) {
    case ArchiveKind::kKlines:
    case ArchiveKind::kMarkPriceKlines:
      import.layout = CsvLayout::kBinanceKlines;
      break;
    case ArchiveKind::kAggTrades:
      import.layout = CsvLayout::kBinanceAggTrades;
      break;
    case ArchiveKind::kFundingRate:
      import.layout = CsvLayout::kBinanceFunding;
      break;
  }
  CsvImport imported;
  if (!import_csv_texts(texts, import, imported, error)) return false;
  // Monthly funding files reach past the period; candles are planned inside it.
  std::erase_if(imported.lines, [&](const ImportedLine& line) {
    return series.kind == ArchiveKind::kFundingRate &&
           (line.receive_time_ns < from_ns || line.receive_time_ns >= end_ns);
  });
  records = imported.lines.size();
  std::error_code code;
  std::filesystem::create_directories(path.parent_path(), code);
  const std::string temporary = path.string() + ".tmp" + path.extension().string();
  if (options.format == "binary") {
    if (!write_binary_records(temporary, market, imported.lines, error)) return false;
  } else {
    FrameRecorder recorder;
    if (!recorder.open(temporary, error)) return false;
    for (const ImportedLine& line : imported.lines)
      recorder.record(line.receive_time_ns, line.frame);
    if (!recorder.close()) return (error = temporary + ": " + recorder.error(), false);
  }
  std::filesystem::rename(temporary, path, code);
  if (code) return (error = "cannot rename " + temporary + ": " + code.message(), false);
  return true;
}

}  // namespace

int run_fetch_market_data(const FetchMarketDataOptions& options) {
  HistoryRequest request;
  if (options.market == "spot") {
    request.market = BinanceMarket::kSpot;
  } else if (options.market == "usdm") {
    request.market = BinanceMarket::kUsdm;
  } else {
    return usage("--market " + options.market + ": expected spot or usdm");
  }
  if (options.symbols.empty()) return usage("--symbols: give at least one symbol (e.g. BTCUSDT)");
  for (const std::string& symbol : options.symbols) {
    if (symbol.empty() || symbol.size() > 20 ||
        !std::all_of(symbol.begin(), symbol.end(),
                     [](char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); })) {
      return usage("--symbols " + symbol + ": a Binance symbol is upper-case letters and digits");
    }
    request.symbols.push_back(symbol);
  }
  for (const std::string& name : options.kinds) {
    const auto kind = parse_archive_kind(name);
    if (!kind)
      return usage("--kinds " + name +
                   ": expected klines, aggTrades, fundingRate or markPriceKlines");
    if (kind_needs_usdm(*kind) && request.market != BinanceMarket::kUsdm)
      return usage("--kinds " + name + ": exists for USD-M perpetuals only (--market usdm)");
    request.kinds.push_back(*kind);
  }
  const DurationNs interval_ns = binance_interval_ns(options.interval);
  if (interval_ns == 0 || interval_ns > kNsPerDay)
    return usage("--interval " + options.interval +
                 ": expected one of 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d");
  request.interval = options.interval;
  const auto from = parse_utc_timestamp(options.from);
  const auto to = parse_utc_timestamp(options.to);
  if (!from || !to || *from % kNsPerDay != 0 || *to % kNsPerDay != 0)
    return usage("--from and --to must be UTC days such as 2024-01-31");
  if (*to < *from) return usage("--to " + options.to + " is before --from " + options.from);
  request.from_day_ns = *from;
  request.to_day_ns = *to;
  if (options.out_dir.empty()) return usage("--out: give the directory to write into");
  if (options.format != "text" && options.format != "binary")
    return usage("--format " + options.format + ": expected text or binary");
  ProgressMode progress_mode = ProgressMode::kAuto;
  if (!parse_progress_mode(options.progress, progress_mode))
    return usage("--progress " + options.progress + ": expected auto, always or never");
  LiveClock live_clock;
  const Clock& clock = options.clock != nullptr ? *options.clock : live_clock;
  if (request.from_day_ns >= clock.now_ns())
    return usage("--from " + options.from + " is in the future");

  const std::filesystem::path out(options.out_dir);
  const std::filesystem::path market_dir = out / options.market;
  std::error_code code;
  std::filesystem::create_directories(market_dir, code);
  if (code) {
    std::fprintf(stderr, "sigex fetch-market-data: %s: %s\n", market_dir.c_str(),
                 code.message().c_str());
    return kExitFailure;
  }
  HistorySources sources;
  sources.archive_url = options.archive_url;
  sources.listing_url = options.listing_url;
  sources.rest_url = options.rest_url;
  sources.tls_ca_file = options.tls_ca_file;
  HistoryLimits limits;
  limits.jobs = options.jobs;
  limits.max_weight_per_minute = options.max_weight_per_minute;
  limits.attempts = std::max(1, options.attempts);
  limits.allow_unverified = options.allow_unverified;

  std::string error;
  if (options.exchange_info &&
      !store_exchange_info(options, request.market, market_dir / "exchange-info.json", error)) {
    std::fprintf(stderr, "sigex fetch-market-data: %s\n", error.c_str());
    return error.starts_with("the venue does not list") ? kExitUsage : kExitFailure;
  }

  ProgressLine progress(options.quiet ? ProgressMode::kNever : progress_mode);
  HistoryFetcher fetcher(sources, limits, out / "cache", clock);
  HistoryFetchReport report;
  const bool started = fetcher.fetch(request, report, error, [&progress](const std::string& line) {
    progress.update("fetch-market-data: " + line);
  });
  progress.finish();
  if (!started) {
    std::fprintf(stderr, "sigex fetch-market-data: %s\n", error.c_str());
    return kExitUsage;
  }
  const TimeNs end_ns = std::min(request.to_day_ns + kNsPerDay, clock.now_ns());
  bool written_all = true;
  std::vector<std::string> written;
  for (const HistorySeries& series : report.series) {
    for (const std::string& gap : series.gaps) {
      std::fprintf(stderr, "sigex fetch-market-data: %s %s: no data for %s\n",
                   series.symbol.c_str(), std::string(archive_kind_name(series.kind)).c_str(),
                   gap.c_str());
    }
    if (series.failed > 0) {
      // Never a file with holes a backtest would not notice: nothing until every part is here.
      std::fprintf(stderr,
                   "sigex fetch-market-data: %s %s: %llu part(s) missing; not written (run "
                   "again to resume)\n",
                   series.symbol.c_str(), std::string(archive_kind_name(series.kind)).c_str(),
                   static_cast<unsigned long long>(series.failed));
      continue;
    }
    if (series.parts.empty()) continue;
    const std::filesystem::path path =
        market_dir / series.symbol /
        output_name(series, options.interval, options.format == "binary");
    std::uint64_t records = 0;
    if (!write_series(series, options, request.market, request.from_day_ns, end_ns, path, records,
                      error)) {
      std::fprintf(stderr, "sigex fetch-market-data: %s %s: %s\n", series.symbol.c_str(),
                   std::string(archive_kind_name(series.kind)).c_str(), error.c_str());
      written_all = false;
      continue;
    }
    written.push_back(fmt::format("{} ({} records)", path.string(), records));
  }
  for (const std::string& warning : report.warnings)
    std::fprintf(stderr, "sigex fetch-market-data: warning: %s\n", warning.c_str());
  for (const std::string& failure : report.failures)
    std::fprintf(stderr, "sigex fetch-market-data: %s\n", failure.c_str());
  if (!options.quiet) {
    std::printf(
        "sigex fetch-market-data: %llu archive files (%llu downloaded, %llu kept from an "
        "earlier run, %llu corrupt downloads fetched again), %.1f MB; %llu REST days kept, "
        "%llu REST calls, %llu rows from REST, %llu rate-limit waits\n",
        static_cast<unsigned long long>(report.files_planned),
        static_cast<unsigned long long>(report.files_downloaded),
        static_cast<unsigned long long>(report.files_kept),
        static_cast<unsigned long long>(report.corrupt_refetched),
        static_cast<double>(report.bytes_downloaded) / 1e6,
        static_cast<unsigned long long>(report.rest_days_kept),
        static_cast<unsigned long long>(report.rest_calls),
        static_cast<unsigned long long>(report.rest_rows),
        static_cast<unsigned long long>(report.rate_limited));
    for (const std::string& line : written) std::printf("  wrote %s\n", line.c_str());
  }
  if (report.stopped_by_venue) {
    std::fprintf(stderr,
                 "sigex fetch-market-data: stopped by the venue; what is done is kept: run the "
                 "same command again later to resume\n");
    return kExitStopped;
  }
  if (!report.failures.empty() || !written_all) {
    std::fprintf(stderr,
                 "sigex fetch-market-data: %zu problem(s); what is done is kept: run the same "
                 "command again to resume\n",
                 report.failures.size() + (written_all ? 0 : 1));
    return kExitFailure;
  }
  return 0;
}

}  // namespace sigex
