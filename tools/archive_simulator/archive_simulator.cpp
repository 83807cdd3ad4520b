#include "tools/archive_simulator/archive_simulator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "adapters/binance_archive/zip_csv.h"
#include "adapters/net/digest.h"
#include "engine/core/calendar.h"
#include "tools/sim_http/loopback_http_server.h"

namespace sigex {
namespace {

constexpr TimeNs kMicrosecondArchivesFrom = 1'735'689'600LL * kNsPerSecond;  // 2025-01-01

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    fields.push_back(
        line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) return fields;
    start = comma + 1;
  }
}

std::string join_csv(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) line += (i == 0 ? "" : ",") + fields[i];
  return line;
}

std::string_view header_of(ArchiveKind kind) {
  switch (kind) {
    case ArchiveKind::kKlines:
    case ArchiveKind::kMarkPriceKlines:
      return "open_time,open,high,low,close,volume,close_time,quote_volume,count,"
             "taker_buy_volume,taker_buy_quote_volume,ignore";
    case ArchiveKind::kAggTrades:
      return "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
             "is_buyer_maker";
    case ArchiveKind::kFundingRate:
      return "calc_time,funding_interval_hours,last_funding_rate";
  }
  return "";
}

// The column holding a row's time (ms), by kind.
std::size_t time_column(ArchiveKind kind) {
  if (kind == ArchiveKind::kAggTrades) return 5;
  return 0;
}

std::string query_value(const std::vector<std::pair<std::string, std::string>>& query,
                        std::string_view key) {
  for (const auto& [name, value] : query) {
    if (name == key) return value;
  }
  return {};
}

struct Series {
  BinanceMarket market;
  ArchiveKind kind;
  std::string symbol;
  std::string interval;
  std::map<std::int64_t, std::string> rows;  // by time (ms)
};

struct ServedFile {
  const Series* series;
  ArchiveFile file;
  std::string zip;  // built at start
  std::string checksum;
};

}  // namespace

class ArchiveSimulator::Impl {
 public:
  explicit Impl(ArchiveSimulatorOptions options)
      : options_(options),
        server_("archive simulator", options.port,
                [this](const SimRequest& request) { return handle(request); }) {}

  void add_rows(BinanceMarket market, ArchiveKind kind, const std::string& symbol,
                const std::string& interval, std::vector<std::string> rows) {
    Series series{market, kind, symbol, interval, {}};
    for (std::string& row : rows) {
      const auto fields = split_csv(row);
      series.rows.emplace(std::stoll(fields.at(time_column(kind))), std::move(row));
    }
    series_.push_back(std::make_unique<Series>(std::move(series)));
  }

  bool start(std::string& error) {
    for (const auto& series : series_) {
      if (!build_files(*series, error)) return false;
    }
    return server_.start(error);
  }
  void stop() { server_.stop(); }
  std::uint16_t port() const { return server_.port(); }

  void corrupt(const std::string& path, int times) {
    std::lock_guard lock(mutex_);
    corrupt_[path] += times;
  }
  void drop_checksum(const std::string& path) {
    std::lock_guard lock(mutex_);
    dropped_.insert(path);
  }
  void cut(const std::string& path, int times) {
    std::lock_guard lock(mutex_);
    cut_[path] += times;
  }
  void withdraw(const std::string& path) {
    std::lock_guard lock(mutex_);
    withdrawn_.insert(path);
  }
  void rate_limit(int times, int retry_after_s) {
    std::lock_guard lock(mutex_);
    rate_limited_ += times;
    retry_after_s_ = retry_after_s;
  }
  void ban() {
    std::lock_guard lock(mutex_);
    banned_ = true;
  }
  std::uint64_t requests(const std::string& path) const {
    std::lock_guard lock(mutex_);
    const auto found = requests_.find(path);
    return found == requests_.end() ? 0 : found->second;
  }
  std::uint64_t rest_calls() const { return rest_calls_.load(); }

 private:
  // The archive's CSV text of `file`: its rows, in the archive's format of that market and
  // date.
  static std::string csv_of(const Series& series, const ArchiveFile& file) {
    std::string csv;
    if (series.market == BinanceMarket::kUsdm) csv += std::string(header_of(series.kind)) + "\n";
    const bool micros =
        series.market == BinanceMarket::kSpot && file.start_ns >= kMicrosecondArchivesFrom;
    const auto lo = series.rows.lower_bound(file.start_ns / kNsPerMs);
    const auto hi = series.rows.lower_bound(file.end_ns() / kNsPerMs);
    for (auto it = lo; it != hi; ++it) {
      if (!micros) {
        csv += it->second + "\n";
        continue;
      }
      auto fields = split_csv(it->second);
      const std::vector<std::size_t> times = series.kind == ArchiveKind::kAggTrades
                                                 ? std::vector<std::size_t>{5}
                                                 : std::vector<std::size_t>{0, 6};
      for (std::size_t column : times) fields.at(column) += "000";
      csv += join_csv(fields) + "\n";
    }
    return csv;
  }

  bool build_files(const Series& series, std::string& error) {
    if (series.rows.empty()) return true;
    const TimeNs first = series.rows.begin()->first * kNsPerMs;
    const TimeNs last = series.rows.rbegin()->first * kNsPerMs;
    const auto add = [&](const ArchiveFile& file) {
      ServedFile served{&series, file, {}, {}};
      const std::string csv = csv_of(series, file);
      std::string name = file.zip_name();
      name.replace(name.size() - 4, 4, ".csv");
      if (!write_single_file_zip(name, csv, served.zip, error)) return false;
      served.checksum = fmt::format("{}  {}\n", sha256_hex(served.zip), file.zip_name());
      files_.emplace(file.path(), std::move(served));
      return true;
    };
    ArchiveFile file{series.market,
                     ArchivePeriod::kMonthly,
                     series.kind,
                     series.symbol,
                     kind_has_interval(series.kind) ? series.interval : std::string(),
                     0};
    for (TimeNs month = month_start(first); month <= last; month = next_month_start(month)) {
      file.start_ns = month;
      if (file.end_ns() <= options_.monthly_until_ns && !add(file)) return false;
    }
    if (kind_is_monthly_only(series.kind)) return true;
    file.period = ArchivePeriod::kDaily;
    for (TimeNs day = first / kNsPerDay * kNsPerDay; day <= last; day += kNsPerDay) {
      file.start_ns = day;
      if (file.end_ns() <= options_.daily_until_ns && !add(file)) return false;
    }
    return true;
  }

  void count(const std::string& path) {
    std::lock_guard lock(mutex_);
    ++requests_[path];
  }

  SimReply handle(const SimRequest& request) {
    const auto question = request.target.find('?');
    const std::string path = request.target.substr(0, question);
    const auto query = split_query(question == std::string::npos
                                       ? std::string_view()
                                       : std::string_view(request.target).substr(question + 1));
    if (path.starts_with("/data/")) return archive_file(path.substr(1));
    if (path.starts_with("/api/") || path.starts_with("/fapi/")) return rest(path, query);
    if (!query_value(query, "prefix").empty() ||
        request.target.find("prefix=") != std::string::npos)
      return listing(query);
    return {404, "not found", {}};
  }

  SimReply archive_file(const std::string& path) {
    count(path);
    const bool is_checksum = path.ends_with(".CHECKSUM");
    const std::string zip_path = is_checksum ? path.substr(0, path.size() - 9) : path;
    const auto found = files_.find(zip_path);
    std::lock_guard lock(mutex_);
    if (found == files_.end() || withdrawn_.contains(zip_path))
      return {404, "<Error><Code>NoSuchKey</Code></Error>", {}};
    if (is_checksum) {
      if (dropped_.contains(zip_path)) return {404, "<Error><Code>NoSuchKey</Code></Error>", {}};
      return {200, found->second.checksum, {{"Content-Type", "text/plain"}}};
    }
    SimReply reply{200, found->second.zip, {{"Content-Type", "application/zip"}}};
    if (auto cut = cut_.find(zip_path); cut != cut_.end() && cut->second > 0) {
      --cut->second;
      reply.cut = true;
    } else if (auto bad = corrupt_.find(zip_path); bad != corrupt_.end() && bad->second > 0) {
      --bad->second;
      reply.body[reply.body.size() / 2] ^= 0x5a;  // the same length, other bytes
    }
    return reply;
  }

  SimReply listing(const std::vector<std::pair<std::string, std::string>>& query) {
    const std::string prefix = query_value(query, "prefix");
    const std::string marker = query_value(query, "marker");
    std::set<std::string> keys;
    {
      std::lock_guard lock(mutex_);
      ++requests_["listing:" + prefix];
      for (const auto& [path, file] : files_) {
        if (!path.starts_with(prefix) || path.find('/', prefix.size()) != std::string::npos ||
            withdrawn_.contains(path))
          continue;
        keys.insert(path);
        if (!dropped_.contains(path)) keys.insert(path + ".CHECKSUM");
      }
    }
    std::vector<std::string> page;
    bool truncated = false;
    for (auto it = keys.upper_bound(marker); it != keys.end(); ++it) {
      if (page.size() == options_.listing_page_size) {
        truncated = true;
        break;
      }
      page.push_back(*it);
    }
    return {200,
            format_listing_page(prefix, page, truncated, truncated ? page.back() : ""),
            {{"Content-Type", "application/xml"}}};
  }

  const Series* find_series(BinanceMarket market, ArchiveKind kind, const std::string& symbol,
                            const std::string& interval) const {
    for (const auto& series : series_) {
      if (series->market == market && series->kind == kind && series->symbol == symbol &&
          (!kind_has_interval(kind) || series->interval == interval))
        return series.get();
    }
    return nullptr;
  }

  std::string used_weight(std::int64_t weight) {
    const auto minute = std::chrono::duration_cast<std::chrono::minutes>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    std::lock_guard lock(mutex_);
    if (minute != weight_minute_) {
      weight_minute_ = minute;
      used_weight_ = 0;
    }
    used_weight_ += weight;
    return std::to_string(used_weight_);
  }

  SimReply rest(const std::string& path,
                const std::vector<std::pair<std::string, std::string>>& query) {
    count(path);
    ++rest_calls_;
    {
      std::lock_guard lock(mutex_);
      if (banned_) {
        banned_ = false;
        return {
            418,
            R"({"code":-1003,"msg":"Way too much request weight used; IP banned until 1893456000000."})",
            {}};
      }
      if (rate_limited_ > 0) {
        --rate_limited_;
        return {429,
                R"({"code":-1003,"msg":"Too much request weight used."})",
                {{"Retry-After", std::to_string(retry_after_s_)}}};
      }
    }
    const bool usdm = path.starts_with("/fapi/");
    const BinanceMarket market = usdm ? BinanceMarket::kUsdm : BinanceMarket::kSpot;
    if (path.ends_with("/exchangeInfo")) return exchange_info(market);
    const std::string symbol = query_value(query, "symbol");
    const std::int64_t start = std::atoll(query_value(query, "startTime").c_str());
    const std::string end_text = query_value(query, "endTime");
    const std::int64_t end = end_text.empty() ? INT64_MAX : std::atoll(end_text.c_str());
    std::int64_t limit = std::atoll(query_value(query, "limit").c_str());
    if (path.ends_with("/fundingRate")) {
      limit = std::clamp<std::int64_t>(limit == 0 ? 100 : limit, 1, 1000);
      const Series* series = find_series(market, ArchiveKind::kFundingRate, symbol, "");
      std::string body = "[";
      std::int64_t emitted = 0;
      if (series != nullptr) {
        for (auto it = series->rows.lower_bound(start);
             it != series->rows.end() && it->first <= end && emitted < limit; ++it, ++emitted) {
          const auto fields = split_csv(it->second);
          body += fmt::format(
              R"({}{{"symbol":"{}","fundingTime":{},"fundingRate":"{}","markPrice":""}})",
              emitted == 0 ? "" : ",", symbol, fields[0], fields[2]);
        }
      }
      return {200, body + "]", {{"X-MBX-USED-WEIGHT-1M", used_weight(1)}}};
    }
    const bool mark = path.ends_with("/markPriceKlines");
    if (!path.ends_with("/klines") && !mark)
      return {404, R"({"code":-1,"msg":"unknown path"})", {}};
    const std::int64_t max_limit = usdm ? 1500 : 1000;
    limit = std::clamp<std::int64_t>(limit == 0 ? 500 : limit, 1, max_limit);
    const std::int64_t weight = usdm ? (limit < 100     ? 1
                                        : limit < 500   ? 2
                                        : limit <= 1000 ? 5
                                                        : 10)
                                     : 2;
    const Series* series =
        find_series(market, mark ? ArchiveKind::kMarkPriceKlines : ArchiveKind::kKlines, symbol,
                    query_value(query, "interval"));
    if (series == nullptr) return {400, R"({"code":-1121,"msg":"Invalid symbol."})", {}};
    std::string body = "[";
    std::int64_t emitted = 0;
    for (auto it = series->rows.lower_bound(start);
         it != series->rows.end() && it->first <= end && emitted < limit; ++it, ++emitted) {
      const auto f = split_csv(it->second);
      body += fmt::format(R"({}[{},"{}","{}","{}","{}","{}",{},"{}",{},"{}","{}","0"])",
                          emitted == 0 ? "" : ",", f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7],
                          f[8], f[9], f[10]);
    }
    return {200, body + "]", {{"X-MBX-USED-WEIGHT-1M", used_weight(weight)}}};
  }

  SimReply exchange_info(BinanceMarket market) const {
    std::set<std::string> symbols;
    for (const auto& series : series_) {
      if (series->market == market) symbols.insert(series->symbol);
    }
    std::string body =
        R"({"timezone":"UTC","serverTime":1700000000000,"rateLimits":[{"rateLimitType":"REQUEST_WEIGHT","interval":"MINUTE","intervalNum":1,"limit":6000}],"symbols":[)";
    bool first = true;
    for (const std::string& symbol : symbols) {
      const std::string base =
          symbol.ends_with("USDT") ? symbol.substr(0, symbol.size() - 4) : symbol;
      body += fmt::format(
          R"({}{{"symbol":"{}","status":"TRADING","baseAsset":"{}","quoteAsset":"USDT",{}"filters":[)"
          R"({{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"}},)"
          R"({{"filterType":"LOT_SIZE","minQty":"{}","maxQty":"9000.00000000","stepSize":"{}"}},)"
          R"({}]}})",
          first ? "" : ",", symbol, base,
          market == BinanceMarket::kUsdm ? R"("contractType":"PERPETUAL",)" : "",
          market == BinanceMarket::kUsdm ? "0.001" : "0.00001000",
          market == BinanceMarket::kUsdm ? "0.001" : "0.00001000",
          market == BinanceMarket::kUsdm
              ? R"({"filterType":"MIN_NOTIONAL","notional":"5"})"
              : R"({"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false})");
      first = false;
    }
    return {200, body + "]}", {{"X-MBX-USED-WEIGHT-1M", "20"}}};
  }

  ArchiveSimulatorOptions options_;
  std::vector<std::unique_ptr<Series>> series_;
  std::map<std::string, ServedFile> files_;  // by archive path; built before start
  mutable std::mutex mutex_;
  std::map<std::string, int> corrupt_;
  std::map<std::string, int> cut_;
  std::set<std::string> dropped_;
  std::set<std::string> withdrawn_;
  std::map<std::string, std::uint64_t> requests_;
  int rate_limited_ = 0;
  int retry_after_s_ = 1;
  bool banned_ = false;
  std::int64_t weight_minute_ = 0;
  std::int64_t used_weight_ = 0;
  std::atomic<std::uint64_t> rest_calls_{0};
  LoopbackHttpServer server_;
};

ArchiveSimulator::ArchiveSimulator(ArchiveSimulatorOptions options)
    : impl_(std::make_unique<Impl>(options)) {}
ArchiveSimulator::~ArchiveSimulator() { impl_->stop(); }

void ArchiveSimulator::add_rows(BinanceMarket market, ArchiveKind kind, const std::string& symbol,
                                const std::string& interval, std::vector<std::string> rows) {
  impl_->add_rows(market, kind, symbol, interval, std::move(rows));
}
bool ArchiveSimulator::start(std::string& error) { return impl_->start(error); }
void ArchiveSimulator::stop() { impl_->stop(); }
std::uint16_t ArchiveSimulator::port() const { return impl_->port(); }
std::string ArchiveSimulator::base_url() const {
  return fmt::format("http://127.0.0.1:{}", impl_->port());
}
void ArchiveSimulator::corrupt(const std::string& path, int times) { impl_->corrupt(path, times); }
void ArchiveSimulator::drop_checksum(const std::string& path) { impl_->drop_checksum(path); }
void ArchiveSimulator::withdraw(const std::string& path) { impl_->withdraw(path); }
void ArchiveSimulator::cut(const std::string& path, int times) { impl_->cut(path, times); }
void ArchiveSimulator::rate_limit_next_rest_calls(int times, int retry_after_s) {
  impl_->rate_limit(times, retry_after_s);
}
void ArchiveSimulator::ban_next_rest_call() { impl_->ban(); }
std::uint64_t ArchiveSimulator::requests(const std::string& path) const {
  return impl_->requests(path);
}
std::uint64_t ArchiveSimulator::rest_calls() const { return impl_->rest_calls(); }

}  // namespace sigex
