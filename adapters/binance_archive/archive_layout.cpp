#include "adapters/binance_archive/archive_layout.h"
#include "adapters/net/digest.h"

#include <array>
#include <cctype>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "engine/core/calendar.h"

namespace sigex {
namespace {

struct KindName {
  ArchiveKind kind;
  std::string_view name;
};
constexpr std::array<KindName, 4> kKindNames{{{ArchiveKind::kKlines, "klines"},
                                              {ArchiveKind::kAggTrades, "aggTrades"},
                                              {ArchiveKind::kFundingRate, "fundingRate"},
                                              {ArchiveKind::kMarkPriceKlines, "markPriceKlines"}}};

// The text between <tag> and </tag> from `from`; npos-safe.
std::string_view element(std::string_view xml, std::string_view tag, std::size_t& from) {
  const std::string open = fmt::format("<{}>", tag);
  const std::string close = fmt::format("</{}>", tag);
  const auto start = xml.find(open, from);
  if (start == std::string_view::npos) {
    from = std::string_view::npos;
    return {};
  }
  const auto end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) {
    from = std::string_view::npos;
    return {};
  }
  from = end + close.size();
  return xml.substr(start + open.size(), end - start - open.size());
}

}  // namespace

std::string_view archive_kind_name(ArchiveKind kind) {
  for (const KindName& entry : kKindNames) {
    if (entry.kind == kind) return entry.name;
  }
  return "unknown";
}

std::optional<ArchiveKind> parse_archive_kind(std::string_view text) {
  for (const KindName& entry : kKindNames) {
    if (entry.name == text) return entry.kind;
  }
  return std::nullopt;
}

bool kind_has_interval(ArchiveKind kind) {
  return kind == ArchiveKind::kKlines || kind == ArchiveKind::kMarkPriceKlines;
}
bool kind_is_monthly_only(ArchiveKind kind) { return kind == ArchiveKind::kFundingRate; }
bool kind_needs_usdm(ArchiveKind kind) {
  return kind == ArchiveKind::kFundingRate || kind == ArchiveKind::kMarkPriceKlines;
}

std::string ArchiveFile::directory() const {
  std::string path = fmt::format(
      "data/{}/{}/{}/{}/", market == BinanceMarket::kUsdm ? "futures/um" : "spot",
      period == ArchivePeriod::kDaily ? "daily" : "monthly", archive_kind_name(kind), symbol);
  if (kind_has_interval(kind)) path += interval + "/";
  return path;
}

std::string ArchiveFile::zip_name() const {
  const std::string date = period == ArchivePeriod::kDaily ? format_utc_date(start_ns)
                                                           : format_utc_date(start_ns).substr(0, 7);
  const std::string middle =
      kind_has_interval(kind) ? interval : std::string(archive_kind_name(kind));
  return fmt::format("{}-{}-{}.zip", symbol, middle, date);
}

TimeNs ArchiveFile::end_ns() const {
  return period == ArchivePeriod::kDaily ? start_ns + kNsPerDay : next_month_start(start_ns);
}

bool parse_listing_page(std::string_view xml, ListingPage& page, std::string& error) {
  page = {};
  if (xml.find("<ListBucketResult") == std::string_view::npos) {
    error = "not an S3 bucket listing (no ListBucketResult)";
    return false;
  }
  std::size_t at = 0;
  while (at != std::string_view::npos) {
    const std::string_view key = element(xml, "Key", at);
    if (at != std::string_view::npos) page.keys.emplace_back(key);
  }
  std::size_t flag_at = 0;
  const bool truncated = element(xml, "IsTruncated", flag_at) == "true";
  if (truncated) {
    std::size_t marker_at = 0;
    page.next_marker = std::string(element(xml, "NextMarker", marker_at));
    if (page.next_marker.empty() && !page.keys.empty()) page.next_marker = page.keys.back();
    if (page.next_marker.empty()) {
      error = "a truncated listing page without keys or a next marker";
      return false;
    }
  }
  return true;
}

std::string format_listing_page(std::string_view prefix, const std::vector<std::string>& keys,
                                bool truncated, std::string_view next_marker) {
  std::string xml = fmt::format(
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      "\n"
      R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>data.binance.vision</Name><Prefix>{}</Prefix><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter><IsTruncated>{}</IsTruncated>)",
      prefix, truncated ? "true" : "false");
  if (truncated) xml += fmt::format("<NextMarker>{}</NextMarker>", next_marker);
  for (const std::string& key : keys) {
    xml += fmt::format(
        "<Contents><Key>{}</Key><LastModified>2024-01-02T08:00:00.000Z</LastModified>"
        "<Size>1</Size><StorageClass>STANDARD</StorageClass></Contents>",
        key);
  }
  xml += "</ListBucketResult>";
  return xml;
}

bool parse_checksum(std::string_view body, std::string_view zip_name, std::string& sha256_hex,
                    std::string& error) {
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
    body.remove_suffix(1);
  const auto space = body.find(' ');
  if (space != 64) {
    error = "not a checksum line (<64 hex digits>  <file name>)";
    return false;
  }
  std::string hex(body.substr(0, 64));
  for (char& c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) {
      error = "not a checksum line (<64 hex digits>  <file name>)";
      return false;
    }
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::string_view name = body.substr(space);
  while (!name.empty() && (name.front() == ' ' || name.front() == '*')) name.remove_prefix(1);
  if (name != zip_name) {
    error = fmt::format("the checksum names '{}', not '{}'", name, zip_name);
    return false;
  }
  sha256_hex = std::move(hex);
  return true;
}

}  // namespace sigex
