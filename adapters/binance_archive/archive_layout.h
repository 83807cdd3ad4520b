#pragma once

// Binance's public data archives (data.binance.vision): where each file lives, what it is
// called, and the S3 listing that says which files exist.
//   data/<spot | futures/um>/<daily | monthly>/<kind>/<SYMBOL>[/<interval>]/<file>.zip
//   klines:   BTCUSDT-1m-2024-01-01.zip (daily), BTCUSDT-1m-2024-01.zip (monthly)
//   aggTrades: BTCUSDT-aggTrades-2024-01-01.zip, fundingRate (monthly only):
//   BTCUSDT-fundingRate-2024-01.zip; each with a `<file>.zip.CHECKSUM` ("<sha256>  <file>").
// Pure functions: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/market.h"
#include "engine/core/time.h"

namespace sigex {

enum class ArchiveKind : std::uint8_t { kKlines, kAggTrades, kFundingRate, kMarkPriceKlines };

std::string_view archive_kind_name(ArchiveKind kind);  // "klines", "aggTrades", ...
// "klines", "aggTrades", "fundingRate", "markPriceKlines"; nullopt otherwise.
std::optional<ArchiveKind> parse_archive_kind(std::string_view text);
bool kind_has_interval(ArchiveKind kind);
bool kind_is_monthly_only(ArchiveKind kind);
bool kind_needs_usdm(ArchiveKind kind);  // funding and mark prices exist for perpetuals only

enum class ArchivePeriod : std::uint8_t { kDaily, kMonthly };

// One archive file: a day (daily) or a month (monthly) of one kind for one symbol.
struct ArchiveFile {
  BinanceMarket market = BinanceMarket::kSpot;
  ArchivePeriod period = ArchivePeriod::kDaily;
  ArchiveKind kind = ArchiveKind::kKlines;
  std::string symbol;
  std::string interval;  // "1m" ... "1d" for klines; "" otherwise
  TimeNs start_ns = 0;   // the day's or the month's first instant (UTC)

  // "data/spot/daily/klines/BTCUSDT/1m/"
  std::string directory() const;
  // "BTCUSDT-1m-2024-01-01.zip"
  std::string zip_name() const;
  // directory() + zip_name()
  std::string path() const { return directory() + zip_name(); }
  // The instant after the file's last one (next day or next month).
  TimeNs end_ns() const;
};

// An S3 ListBucketResult page (data.binance.vision's listing): the keys it holds and the
// marker of the next page (empty when the page is the last).
struct ListingPage {
  std::vector<std::string> keys;
  std::string next_marker;
};
// False with `error` when the body is not a listing.
bool parse_listing_page(std::string_view xml, ListingPage& page, std::string& error);
// The page for `prefix` after `marker`, as S3 answers it (for the simulator).
std::string format_listing_page(std::string_view prefix, const std::vector<std::string>& keys,
                                bool truncated, std::string_view next_marker);

// A `.CHECKSUM` body: the lower-case SHA-256 hex it names for `zip_name`. False with `error`
// when the body is not "<64 hex>  <name>" for that file.
bool parse_checksum(std::string_view body, std::string_view zip_name, std::string& sha256_hex,
                    std::string& error);

}  // namespace sigex
