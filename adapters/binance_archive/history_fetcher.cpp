#include "adapters/binance_archive/history_fetcher.h"
#include "adapters/net/digest.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/asio/io_context.hpp>

#include "adapters/binance_archive/zip_csv.h"
#include "adapters/net/http_client.h"
#include "adapters/net/http_session.h"
#include "adapters/net/url.h"
#include "engine/core/calendar.h"

namespace sigex {
namespace {

constexpr std::uint64_t kArchiveBodyLimit = 4ULL * 1024 * 1024 * 1024;

bool read_file(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  out = std::move(text).str();
  return static_cast<bool>(in) || in.eof();
}

// Written whole or not at all: a crash leaves no half file under the final name.
bool write_file_atomically(const std::filesystem::path& path, std::string_view bytes,
                           std::string& error) {
  std::error_code code;
  std::filesystem::create_directories(path.parent_path(), code);
  const std::filesystem::path part = path.string() + ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      error = "cannot write " + part.string();
      return false;
    }
  }
  std::filesystem::rename(part, path, code);
  if (code) {
    error = "cannot rename " + part.string() + ": " + code.message();
    return false;
  }
  return true;
}

std::int64_t interval_ms(std::string_view interval) {
  if (interval.size() < 2) return 0;
  std::int64_t count = 0;
  for (char c : interval.substr(0, interval.size() - 1)) {
    if (c < '0' || c > '9') return 0;
    count = count * 10 + (c - '0');
  }
  switch (interval.back()) {
    case 's':
      return count * 1000;
    case 'm':
      return count * 60'000;
    case 'h':
      return count * 3'600'000;
    case 'd':
      return count * 86'400'000;
    case 'w':
      return count * 7 * 86'400'000;
    default:
      return 0;
  }
}

// The JSON value as the archive's CSV writes it: strings bare, numbers as text.
bool csv_field(simdjson::dom::element value, std::string& out) {
  std::string_view text;
  if (!value.get_string().get(text)) {
    out += text;
    return true;
  }
  std::int64_t number = 0;
  if (!value.get_int64().get(number)) {
    out += std::to_string(number);
    return true;
  }
  return false;
}

struct RestDay {
  std::size_t series;  // index into the report's series
  TimeNs start_ns;
  TimeNs end_ns;
};

struct Job {
  ArchiveFile file;
  std::size_t series;
  std::optional<HistoryPart> part;  // set when done
};

}  // namespace

class HistoryFetcher::Run {
 public:
  Run(HistoryFetcher& fetcher, const HistoryRequest& request, HistoryFetchReport& report,
      const Progress& progress)
      : fetcher_(fetcher), request_(request), report_(report), progress_(progress) {}

  bool start(std::string& error) {
    const auto parse = [&](const std::string& text, const char* what, Url& url) {
      auto parsed = parse_url(text);
      if (!parsed || (parsed->scheme != "http" && parsed->scheme != "https")) {
        error = fmt::format("{} {}: not an http(s) URL", what, text);
        return false;
      }
      url = *parsed;
      while (!url.target.empty() && url.target.back() == '/') url.target.pop_back();
      return true;
    };
    const HistorySources& sources = fetcher_.sources_;
    if (!parse(sources.archive_url, "archive URL", archive_) ||
        !parse(sources.listing_url, "listing URL", listing_) ||
        !parse(sources.rest_url.empty() ? binance_rest_url(request_.market) : sources.rest_url,
               "REST URL", rest_)) {
      return false;
    }
    tls_.emplace(make_client_tls_context(sources.tls_ca_file, error));
    if (!error.empty()) return false;
    std::error_code code;
    std::filesystem::create_directories(fetcher_.cache_dir_, code);
    if (code) {
      error = fmt::format("{}: cannot create the cache directory: {}", fetcher_.cache_dir_.string(),
                          code.message());
      return false;
    }
    now_ns_ = fetcher_.clock_.now_ns();
    end_ns_ = std::min(request_.to_day_ns + kNsPerDay, now_ns_);
    return true;
  }

  void plan() {
    boost::asio::io_context io;
    for (const std::string& symbol : request_.symbols) {
      for (const ArchiveKind kind : request_.kinds) {
        if (stopped()) return;
        report_.series.push_back({symbol, kind, {}, {}});
        plan_series(io, report_.series.size() - 1);
      }
    }
    report_.files_planned = jobs_.size();
  }

  void download() {
    std::atomic<std::size_t> next{0};
    const auto worker = [&] {
      boost::asio::io_context io;
      for (std::size_t index = next++; index < jobs_.size() && !stopped(); index = next++) {
        Job& job = jobs_[index];
        HistoryPart part;
        if (download_file(io, job.file, part)) {
          job.part = std::move(part);
        } else {
          std::lock_guard lock(mutex_);
          ++report_.series[job.series].failed;
        }
        show_progress();
      }
    };
    const int count = std::clamp(fetcher_.limits_.jobs, 1, 32);
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i) threads.emplace_back(worker);
    for (auto& thread : threads) thread.join();
    for (Job& job : jobs_) {
      if (job.part) report_.series[job.series].parts.push_back(std::move(*job.part));
    }
  }

  void fill_from_rest() {
    boost::asio::io_context io;
    for (const RestDay& day : rest_days_) {
      if (stopped()) return;
      HistoryPart part;
      ++rest_done_;
      if (fill_day(io, day, part)) {
        report_.series[day.series].parts.push_back(std::move(part));
      } else {
        ++report_.series[day.series].failed;
      }
      show_progress();
    }
  }

  void finish() {
    for (HistorySeries& series : report_.series) {
      std::sort(series.parts.begin(), series.parts.end(),
                [](const HistoryPart& a, const HistoryPart& b) { return a.start_ns < b.start_ns; });
    }
  }

 private:
  bool stopped() const { return fetcher_.stopping_.load() || report_.stopped_by_venue; }

  void fail(std::string what) {
    std::lock_guard lock(mutex_);
    report_.failures.push_back(std::move(what));
  }

  void show_progress() {
    if (!progress_) return;
    std::lock_guard lock(mutex_);
    progress_(
        fmt::format("{}/{} archive files ({} kept from an earlier run), {:.1f} MB, {} REST "
                    "calls, {} rows from REST",
                    report_.files_downloaded + report_.files_kept, report_.files_planned,
                    report_.files_kept, static_cast<double>(report_.bytes_downloaded) / 1e6,
                    report_.rest_calls, report_.rest_rows));
  }

  HttpResponse get(boost::asio::io_context& io, const Url& url, const std::string& target,
                   std::uint64_t body_limit = 64ULL * 1024 * 1024) {
    HttpResponse response;
    http_get(
        io, *tls_, url, target, {}, fetcher_.limits_.timeout_ns,
        [&response](HttpResponse answer) { response = std::move(answer); }, body_limit);
    io.restart();
    io.run();
    return response;
  }

  static std::string describe(const HttpResponse& response) {
    if (response.transport_failed())
      return fmt::format("{} failed: {}", response.step, response.error.message());
    return fmt::format("HTTP {}", response.status);
  }

  // Every key under `prefix` (all pages).
  bool list(boost::asio::io_context& io, const std::string& prefix, std::set<std::string>& keys,
            std::string& error) {
    std::string marker;
    for (int page_number = 0; page_number < 100'000; ++page_number) {
      std::string target =
          (listing_.target.empty() ? "/" : listing_.target) + "?delimiter=/&prefix=" + prefix;
      if (!marker.empty()) target += "&marker=" + marker;
      HttpResponse response;
      for (int attempt = 0; attempt < fetcher_.limits_.attempts; ++attempt) {
        response = get(io, listing_, target);
        if (!response.transport_failed() && response.status < 500) break;
      }
      if (response.transport_failed() || response.status != 200) {
        error = fmt::format("listing {}: {}", prefix, describe(response));
        return false;
      }
      ListingPage page;
      if (!parse_listing_page(response.body, page, error)) {
        error = fmt::format("listing {}: {}", prefix, error);
        return false;
      }
      keys.insert(page.keys.begin(), page.keys.end());
      if (page.next_marker.empty()) return true;
      marker = page.next_marker;
    }
    error = fmt::format("listing {}: too many pages", prefix);
    return false;
  }

  bool rest_capable(ArchiveKind kind) const { return kind != ArchiveKind::kAggTrades; }

  void plan_series(boost::asio::io_context& io, std::size_t index) {
    const HistorySeries& series = report_.series[index];
    ArchiveFile probe{request_.market,
                      ArchivePeriod::kMonthly,
                      series.kind,
                      series.symbol,
                      kind_has_interval(series.kind) ? request_.interval : std::string(),
                      0};
    std::set<std::string> monthly, daily;
    std::string error;
    const auto listing_failed = [&] {
      ++report_.series[index].failed;
      fail(error);
    };
    if (!list(io, probe.directory(), monthly, error)) return listing_failed();
    probe.period = ArchivePeriod::kDaily;
    if (!kind_is_monthly_only(series.kind) && !list(io, probe.directory(), daily, error))
      return listing_failed();
    // The first instant any archive file covers: days before it are not fetched (the symbol
    // was not listed yet), days after it that the archives lack are filled from REST.
    TimeNs first_archived = -1;
    TimeNs last_archived_end = -1;
    const auto note = [&](const ArchiveFile& file, bool present) {
      if (!present) return present;
      if (first_archived < 0 || file.start_ns < first_archived) first_archived = file.start_ns;
      last_archived_end = std::max(last_archived_end, file.end_ns());
      return present;
    };
    const TimeNs from = request_.from_day_ns;
    std::vector<std::pair<TimeNs, TimeNs>> missing;
    for (TimeNs month = month_start(from); month < end_ns_; month = next_month_start(month)) {
      ArchiveFile file = probe;
      file.period = ArchivePeriod::kMonthly;
      file.start_ns = month;
      const TimeNs month_end = file.end_ns();
      const bool whole = month >= from && month_end <= end_ns_;
      const bool monthly_only = kind_is_monthly_only(series.kind);
      if ((whole || monthly_only) && note(file, monthly.contains(file.path()))) {
        jobs_.push_back({file, index, std::nullopt});
        continue;
      }
      const TimeNs lo = std::max(month, from);
      const TimeNs hi = std::min(month_end, end_ns_);
      if (monthly_only) {
        missing.emplace_back(lo, hi);
        continue;
      }
      for (TimeNs day = lo; day < hi; day += kNsPerDay) {
        ArchiveFile daily_file = probe;
        daily_file.start_ns = day;
        if (note(daily_file, daily.contains(daily_file.path()))) {
          jobs_.push_back({daily_file, index, std::nullopt});
        } else {
          missing.emplace_back(day, std::min(day + kNsPerDay, hi));
        }
      }
    }
    // Monthly files a period ends inside of: their first days are listed in no daily file
    // only when the archives never had them; those are found above as missing.
    for (const auto& [lo, hi] : missing) {
      const std::string day = format_utc_date(lo);
      if (first_archived < 0 && !rest_capable(series.kind)) {
        report_.series[index].gaps.push_back(day + " (no archive file; REST does not keep it)");
      } else if (first_archived >= 0 && lo < first_archived) {
        report_.series[index].gaps.push_back(day +
                                             " (before the first archive file: not listed yet?)");
      } else if (!rest_capable(series.kind) && lo < last_archived_end) {
        // Between archived days: a hole a backtest would not notice, so the series fails.
        ++report_.series[index].failed;
        fail(fmt::format("{} {} {}: missing from the archives between archived days", series.symbol,
                         archive_kind_name(series.kind), day));
      } else if (!rest_capable(series.kind)) {
        report_.series[index].gaps.push_back(
            day + " (no archive file yet; REST keeps only the last 48 hours of aggTrades)");
      } else {
        rest_days_.push_back({index, lo, hi});
      }
    }
  }

  bool download_file(boost::asio::io_context& io, const ArchiveFile& file, HistoryPart& part) {
    const std::filesystem::path local = fetcher_.cache_dir_ / "archive" / file.path();
    const std::filesystem::path checksum_path = local.string() + ".CHECKSUM";
    part = {local, true, file.start_ns, file.end_ns()};
    // Kept from an earlier run when it still matches its checksum.
    std::string kept, kept_checksum, expected, error;
    if (read_file(local, kept) && read_file(checksum_path, kept_checksum) &&
        parse_checksum(kept_checksum, file.zip_name(), expected, error) &&
        sha256_hex(kept) == expected) {
      std::lock_guard lock(mutex_);
      ++report_.files_kept;
      return true;
    }
    std::string last_problem;
    for (int attempt = 0; attempt < fetcher_.limits_.attempts && !stopped(); ++attempt) {
      const std::string base = archive_.target + "/" + file.path();
      const HttpResponse checksum = get(io, archive_, base + ".CHECKSUM");
      std::string sha;
      if (!checksum.transport_failed() && checksum.status == 404) {
        if (!fetcher_.limits_.allow_unverified) {
          fail(
              fmt::format("{}: no published checksum ({}.CHECKSUM answered 404); refused "
                          "(--allow-unverified accepts it)",
                          file.path(), file.zip_name()));
          return false;
        }
      } else if (checksum.transport_failed() || checksum.status != 200) {
        last_problem = fmt::format("{}.CHECKSUM: {}", file.zip_name(), describe(checksum));
        continue;
      } else if (!parse_checksum(checksum.body, file.zip_name(), sha, error)) {
        fail(fmt::format("{}.CHECKSUM: {}", file.path(), error));
        return false;
      }
      const HttpResponse zip = get(io, archive_, base, kArchiveBodyLimit);
      if (!zip.transport_failed() && zip.status == 404) {
        fail(fmt::format("{}: listed but not served (HTTP 404)", file.path()));
        return false;
      }
      if (zip.transport_failed() || zip.status != 200) {
        last_problem = fmt::format("{}: {}", file.zip_name(), describe(zip));
        continue;
      }
      std::string name, csv;
      if (!sha.empty() && sha256_hex(zip.body) != sha) {
        last_problem = fmt::format("{}: SHA-256 {} does not match the published {}",
                                   file.zip_name(), sha256_hex(zip.body), sha);
        std::lock_guard lock(mutex_);
        ++report_.corrupt_refetched;
        continue;
      }
      if (!read_single_file_zip(zip.body, name, csv, error)) {
        last_problem = fmt::format("{}: {}", file.zip_name(), error);
        std::lock_guard lock(mutex_);
        ++report_.corrupt_refetched;
        continue;
      }
      if (!write_file_atomically(local, zip.body, error) ||
          (!sha.empty() && !write_file_atomically(checksum_path, checksum.body, error))) {
        fail(error);
        return false;
      }
      if (sha.empty()) {  // unverified: no checksum file, so it is fetched again next time
        std::lock_guard lock(mutex_);
        report_.warnings.push_back(
            fmt::format("{}: accepted without a checksum (--allow-unverified)", file.path()));
      }
      std::lock_guard lock(mutex_);
      ++report_.files_downloaded;
      report_.bytes_downloaded += zip.body.size();
      return true;
    }
    if (!stopped())
      fail(fmt::format("{}: failed {} times; last: {}", file.path(), fetcher_.limits_.attempts,
                       last_problem));
    return false;
  }

  // Waits (a minute at most at a time) for the weight budget, a Retry-After, or a stop.
  void wait_until(TimeNs until_ns) {
    while (!fetcher_.stopping_.load()) {
      const TimeNs now = fetcher_.clock_.now_ns();
      if (now >= until_ns) return;
      std::this_thread::sleep_for(
          std::chrono::nanoseconds(std::min<TimeNs>(until_ns - now, 200 * kNsPerMs)));
    }
  }

  // One REST call within the weight budget; 429 waits out Retry-After, 418 stops the run.
  bool rest_call(boost::asio::io_context& io, const std::string& target, std::int64_t weight,
                 HttpResponse& response, std::string& error) {
    int rate_limited = 0;
    for (int attempt = 0; attempt < fetcher_.limits_.attempts + 5; ++attempt) {
      if (stopped()) return (error = "stopped", false);
      if (used_weight_ + weight > fetcher_.limits_.max_weight_per_minute) {
        const TimeNs now = fetcher_.clock_.now_ns();
        wait_until((now / (60 * kNsPerSecond) + 1) * 60 * kNsPerSecond);
        used_weight_ = 0;
      }
      response = get(io, rest_, target);
      ++report_.rest_calls;
      if (response.transport_failed()) {
        error = describe(response);
        continue;
      }
      if (const auto used = response.header("X-MBX-USED-WEIGHT-1M")) {
        used_weight_ = std::atoll(std::string(*used).c_str());
      } else {
        used_weight_ += weight;
      }
      if (response.status == 418) {
        report_.stopped_by_venue = true;
        error =
            fmt::format("the venue banned this IP (HTTP 418): {}", response.body.substr(0, 200));
        return false;
      }
      if (response.status == 429) {
        ++report_.rate_limited;
        if (++rate_limited > 5) {
          report_.stopped_by_venue = true;
          error = "rate limited (HTTP 429) six times in a row";
          return false;
        }
        std::int64_t seconds = 60;
        if (const auto retry = response.header("Retry-After"))
          seconds = std::atoll(std::string(*retry).c_str());
        wait_until(fetcher_.clock_.now_ns() + std::max<std::int64_t>(seconds, 0) * kNsPerSecond);
        used_weight_ = 0;
        --attempt;
        continue;
      }
      if (response.status != 200) {
        error = fmt::format("{}: {}", describe(response), response.body.substr(0, 200));
        if (response.status >= 500) continue;
        return false;
      }
      return true;
    }
    return false;
  }

  // One day (or a monthly-only range) from REST, in the archive's CSV layout.
  bool fill_day(boost::asio::io_context& io, const RestDay& day, HistoryPart& part) {
    const HistorySeries& series = report_.series[day.series];
    const bool funding = series.kind == ArchiveKind::kFundingRate;
    ArchiveFile file{request_.market,
                     ArchivePeriod::kDaily,
                     series.kind,
                     series.symbol,
                     kind_has_interval(series.kind) ? request_.interval : std::string(),
                     day.start_ns};
    const std::string name =
        funding ? fmt::format("{}-fundingRate-{}-{}.csv", series.symbol,
                              format_utc_date(day.start_ns), format_utc_date(day.end_ns - 1))
                : fmt::format("{}-{}-{}.csv", series.symbol, request_.interval,
                              format_utc_date(day.start_ns));
    const std::filesystem::path local = fetcher_.cache_dir_ / "rest" / file.directory() / name;
    part = {local, false, day.start_ns, day.end_ns};
    const bool complete = day.end_ns <= now_ns_ && day.end_ns % kNsPerDay == 0;
    if (complete && std::filesystem::exists(local)) {
      ++report_.rest_days_kept;
      return true;
    }
    std::string csv, error;
    const bool ok = funding ? rest_funding(io, series.symbol, day, csv, error)
                            : rest_klines(io, series, day, csv, error);
    if (!ok) {
      fail(fmt::format("{} {} {} from REST: {}", series.symbol, archive_kind_name(series.kind),
                       format_utc_date(day.start_ns), error));
      return false;
    }
    // A day still running is used now and fetched again next time.
    if (!complete) part.path = local.string() + ".partial";
    if (!write_file_atomically(part.path, csv, error)) {
      fail(error);
      return false;
    }
    return true;
  }

  bool rest_klines(boost::asio::io_context& io, const HistorySeries& series, const RestDay& day,
                   std::string& csv, std::string& error) {
    const bool usdm = request_.market == BinanceMarket::kUsdm;
    const std::string path = series.kind == ArchiveKind::kMarkPriceKlines
                                 ? "/fapi/v1/markPriceKlines"
                                 : (usdm ? "/fapi/v1/klines" : "/api/v3/klines");
    const int limit = usdm ? 1500 : 1000;
    const std::int64_t weight = usdm ? 10 : 2;
    const std::int64_t step = interval_ms(request_.interval);
    if (step <= 0) return (error = "unknown interval " + request_.interval, false);
    std::int64_t start = day.start_ns / kNsPerMs;
    const std::int64_t end = day.end_ns / kNsPerMs;  // exclusive
    const std::int64_t now_ms = now_ns_ / kNsPerMs;
    simdjson::dom::parser parser;
    while (start < end) {
      const std::string target =
          fmt::format("{}{}?symbol={}&interval={}&startTime={}&endTime={}&limit={}", rest_.target,
                      path, series.symbol, request_.interval, start, end - 1, limit);
      HttpResponse response;
      if (!rest_call(io, target, weight, response, error)) return false;
      simdjson::dom::element rows;
      if (parser.parse(response.body).get(rows) || !rows.is_array())
        return (error = "the kline answer is not a JSON array", false);
      std::size_t count = 0;
      std::int64_t last_open = -1;
      for (simdjson::dom::element row : rows.get_array()) {
        ++count;
        simdjson::dom::array fields;
        std::int64_t open = 0, close = 0;
        if (row.get_array().get(fields) || fields.size() < 11 ||
            fields.at(0).get_int64().get(open) || fields.at(6).get_int64().get(close)) {
          return (error =
                      "a kline row is not [open_time, open, high, low, close, volume, "
                      "close_time, ...]",
                  false);
        }
        last_open = open;
        if (open < start || open >= end || close >= now_ms) continue;  // not closed yet
        std::string line;
        for (std::size_t i = 0; i < 12; ++i) {
          if (i > 0) line += ',';
          if (i < fields.size() && !csv_field(fields.at(i), line))
            return (error = "a kline field is neither text nor an integer", false);
          if (i >= fields.size()) line += '0';
        }
        csv += line + '\n';
        ++report_.rest_rows;
      }
      if (count == 0 || last_open < start) break;
      start = last_open + step;
      if (static_cast<int>(count) < limit) break;
    }
    return true;
  }

  bool rest_funding(boost::asio::io_context& io, const std::string& symbol, const RestDay& day,
                    std::string& csv, std::string& error) {
    std::int64_t start = day.start_ns / kNsPerMs;
    const std::int64_t end = day.end_ns / kNsPerMs;
    std::vector<std::pair<std::int64_t, std::string>> rows;
    simdjson::dom::parser parser;
    while (start < end) {
      const std::string target =
          fmt::format("{}/fapi/v1/fundingRate?symbol={}&startTime={}&endTime={}&limit=1000",
                      rest_.target, symbol, start, end - 1);
      HttpResponse response;
      if (!rest_call(io, target, 1, response, error)) return false;
      simdjson::dom::element list;
      if (parser.parse(response.body).get(list) || !list.is_array())
        return (error = "the fundingRate answer is not a JSON array", false);
      std::size_t count = 0;
      std::int64_t last = -1;
      for (simdjson::dom::element row : list.get_array()) {
        ++count;
        std::int64_t time = 0;
        std::string_view rate;
        if (row["fundingTime"].get_int64().get(time) || row["fundingRate"].get_string().get(rate))
          return (error = "a fundingRate row without fundingTime or fundingRate", false);
        last = std::max(last, time);
        if (time >= start && time < end && time <= now_ns_ / kNsPerMs)
          rows.emplace_back(time, std::string(rate));
      }
      if (count < 1000 || last < start) break;
      start = last + 1;
    }
    report_.rest_rows += rows.size();
    csv = "calc_time,funding_interval_hours,last_funding_rate\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      std::int64_t spacing = std::int64_t{8} * 3'600'000;
      if (i + 1 < rows.size())
        spacing = rows[i + 1].first - rows[i].first;
      else if (i > 0)
        spacing = rows[i].first - rows[i - 1].first;
      const std::int64_t hours = std::max<std::int64_t>(1, (spacing + 1'800'000) / 3'600'000);
      csv += fmt::format("{},{},{}\n", rows[i].first, hours, rows[i].second);
    }
    return true;
  }

  HistoryFetcher& fetcher_;
  const HistoryRequest& request_;
  HistoryFetchReport& report_;
  const Progress& progress_;
  std::mutex mutex_;
  Url archive_, listing_, rest_;
  std::optional<boost::asio::ssl::context> tls_;
  TimeNs now_ns_ = 0;
  TimeNs end_ns_ = 0;
  std::vector<Job> jobs_;
  std::vector<RestDay> rest_days_;
  std::size_t rest_done_ = 0;
  std::int64_t used_weight_ = 0;
};

HistoryFetcher::HistoryFetcher(HistorySources sources, HistoryLimits limits,
                               std::filesystem::path cache_dir, const Clock& clock)
    : sources_(std::move(sources)),
      limits_(limits),
      cache_dir_(std::move(cache_dir)),
      clock_(clock) {}

bool HistoryFetcher::fetch(const HistoryRequest& request, HistoryFetchReport& report,
                           std::string& error, const Progress& progress) {
  Run run(*this, request, report, progress);
  if (!run.start(error)) return false;
  run.plan();
  run.download();
  run.fill_from_rest();
  run.finish();
  return true;
}

bool read_history_part(const HistoryPart& part, std::string& name, std::string& csv,
                       std::string& error) {
  std::string bytes;
  if (!read_file(part.path, bytes)) {
    error = part.path.string() + ": cannot be read";
    return false;
  }
  if (!part.zipped) {
    name = part.path.filename().string();
    if (name.ends_with(".partial")) name.resize(name.size() - 8);
    csv = std::move(bytes);
    return true;
  }
  if (!read_single_file_zip(bytes, name, csv, error)) {
    error = part.path.string() + ": " + error;
    return false;
  }
  return true;
}

}  // namespace sigex
