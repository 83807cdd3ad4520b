#pragma once

// Downloads Binance spot and USD-M history for `sigex fetch-market-data`:
//  1. lists what the archives hold for each (symbol, kind) (the S3 listing of
//     data.binance.vision), and plans the files: a monthly file for every month the period
//     covers whole, daily files for the rest;
//  2. downloads them in parallel, each checked against its published SHA-256 (a corrupt file is
//     fetched again, a file without a checksum is refused unless allowed), into a cache that
//     mirrors the archive's paths; a file already there and matching its checksum is kept, so
//     an interrupted run resumes where it stopped;
//  3. fills the days the archives do not have yet (after the last archived one) from the REST
//     kline and funding-rate endpoints, within a request-weight budget per minute, honouring
//     429 Retry-After and stopping at a 418 ban. Only closed candles are taken; complete days
//     are cached as archive-layout CSVs.
// The result is a set of CSV texts in the archive's layout per (symbol, kind); turning them
// into recorded input is the importer's job (adapters/recorded/csv_import.h).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "adapters/binance_archive/archive_layout.h"
#include "engine/core/clock.h"

namespace sigex {

struct HistoryRequest {
  BinanceMarket market = BinanceMarket::kSpot;
  std::vector<std::string> symbols;
  std::vector<ArchiveKind> kinds;
  std::string interval = "1h";  // klines and mark-price klines
  TimeNs from_day_ns = 0;       // first day (UTC)
  TimeNs to_day_ns = 0;         // last day, inclusive
};

struct HistorySources {
  std::string archive_url = "https://data.binance.vision";
  std::string listing_url = "https://s3-ap-northeast-1.amazonaws.com/data.binance.vision";
  std::string rest_url;  // "" = the market's production URL
  std::string tls_ca_file;
};

struct HistoryLimits {
  int jobs = 4;                              // parallel downloads
  std::int64_t max_weight_per_minute = 600;  // REST request weight used per minute, at most
  int attempts = 3;                          // per file: transport failures and corrupt files
  bool allow_unverified = false;             // accept a file whose .CHECKSUM is missing
  DurationNs timeout_ns = 120 * kNsPerSecond;
};

// Where the CSV of one part comes from: a verified archive zip in the cache, or a REST CSV.
struct HistoryPart {
  std::filesystem::path path;  // the cached .zip or .csv
  bool zipped = false;
  TimeNs start_ns = 0;
  TimeNs end_ns = 0;
};

// Everything of one (symbol, kind): its parts in time order, and days nobody has.
struct HistorySeries {
  std::string symbol;
  ArchiveKind kind = ArchiveKind::kKlines;
  std::vector<HistoryPart> parts;
  std::vector<std::string> gaps;  // "2024-01-03 (no archive file, before the first one)" ...
  std::uint64_t failed = 0;       // parts that could not be fetched (see the failures)
};

struct HistoryFetchReport {
  std::vector<HistorySeries> series;
  std::uint64_t files_planned = 0;
  std::uint64_t files_downloaded = 0;
  std::uint64_t files_kept = 0;  // already in the cache from an earlier run
  std::uint64_t corrupt_refetched = 0;
  std::uint64_t bytes_downloaded = 0;
  std::uint64_t rest_days_kept = 0;  // complete REST days cached by an earlier run
  std::uint64_t rest_calls = 0;
  std::uint64_t rest_rows = 0;
  std::uint64_t rate_limited = 0;  // 429 answers waited out
  std::vector<std::string> failures;
  std::vector<std::string> warnings;  // e.g. a file accepted without a checksum
  bool stopped_by_venue = false;      // a ban (418) or rate limits that did not clear
};

class HistoryFetcher {
 public:
  using Progress = std::function<void(const std::string& line)>;
  HistoryFetcher(HistorySources sources, HistoryLimits limits, std::filesystem::path cache_dir,
                 const Clock& clock);

  // Every series of `request`; failures are listed in the report (the rest is kept). False with
  // `error` only when nothing could be started (bad URLs, the cache not writable).
  bool fetch(const HistoryRequest& request, HistoryFetchReport& report, std::string& error,
             const Progress& progress = {});

  // Any thread: the run stops at the next file or page (Ctrl-C).
  void stop() { stopping_.store(true); }

 private:
  class Run;
  HistorySources sources_;
  HistoryLimits limits_;
  std::filesystem::path cache_dir_;
  const Clock& clock_;
  std::atomic<bool> stopping_{false};
};

// Reads a part's CSV text (unzipping an archive file).
bool read_history_part(const HistoryPart& part, std::string& name, std::string& csv,
                       std::string& error);

}  // namespace sigex
