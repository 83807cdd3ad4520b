#pragma once

// A loopback Binance public-data server for `sigex fetch-market-data` tests and demos. From
// rows given to it (archive CSV lines), it serves what data.binance.vision and the REST API
// serve:
//   GET /?delimiter=/&prefix=data/...[&marker=K]   S3 ListBucketResult pages (page size set)
//   GET /data/<spot|futures/um>/<daily|monthly>/<kind>/<SYMBOL>[/<interval>]/<file>.zip and
//       <file>.zip.CHECKSUM                          one CSV per zip, as the archives hold it:
//       USD-M files with a header row, spot files without, spot times in microseconds from
//       2025-01-01; daily files for days ending by `daily_until`, monthly ones for months
//       ending by `monthly_until` (funding rates: monthly only)
//   GET /api/v3/klines, /fapi/v1/klines, /fapi/v1/markPriceKlines (limit <= 1000 / 1500),
//       /fapi/v1/fundingRate (limit <= 1000), with X-MBX-USED-WEIGHT-1M
//   GET /api/v3/exchangeInfo, /fapi/v1/exchangeInfo for the symbols it has rows of
// Faults (any thread): a file served corrupt for its next N requests, a checksum that is
// missing, a file that is not there at all, a file whose next N requests are cut mid-body (an
// interrupted download), and 429 / 418 answers to the next REST calls. Counts requests per path for
// tests of resumption.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "adapters/binance_archive/archive_layout.h"

namespace sigex {

struct ArchiveSimulatorOptions {
  std::uint16_t port = 0;
  TimeNs daily_until_ns = 0;    // daily files exist for days ending at or before this
  TimeNs monthly_until_ns = 0;  // monthly files exist for months ending at or before this
  std::size_t listing_page_size = 1000;
};

class ArchiveSimulator {
 public:
  explicit ArchiveSimulator(ArchiveSimulatorOptions options);
  ~ArchiveSimulator();

  // Rows of one series, as archive CSV lines without a header, times in milliseconds:
  // klines / markPriceKlines: open_time,open,high,low,close,volume,close_time,...(12 fields);
  // aggTrades: agg_trade_id,price,quantity,first,last,transact_time,is_buyer_maker;
  // fundingRate: calc_time,funding_interval_hours,last_funding_rate. Before start().
  void add_rows(BinanceMarket market, ArchiveKind kind, const std::string& symbol,
                const std::string& interval, std::vector<std::string> rows);

  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>"

  // Faults, any thread. `path` is an archive path ("data/spot/daily/...zip").
  void corrupt(const std::string& path, int times);
  void drop_checksum(const std::string& path);
  void withdraw(const std::string& path);  // neither listed nor served (a day Binance lacks)
  void cut(const std::string& path, int times);
  void rate_limit_next_rest_calls(int times, int retry_after_s);
  void ban_next_rest_call();

  std::uint64_t requests(const std::string& path) const;  // archive path, or REST path
  std::uint64_t rest_calls() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
