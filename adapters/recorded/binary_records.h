#pragma once

// The compact binary recorded format (`.sigexbin`) for long backtests: the market records a
// recorded text file holds (klines, aggregated trades, trades, best bid/offer, depth levels
// and snapshots, mark prices, funding rates), already parsed, in fixed-size little-endian
// records, so a replay reads them at memory speed instead of parsing JSON. Written once from
// the text form (`sigex fetch-market-data --format binary`, `sigex import --out x.sigexbin`),
// or by a backtest's input cache (input_cache.h).
//
//   header   64 bytes: "SIGEXBIN", version (2; version 1 files are still read), header size,
//            record size (80), symbol count, record count, market (0 spot, 1 USD-M), first
//            and last receive time
//   symbols  symbol count x 24 bytes (upper case, zero padded)
//   records  record count x 80 bytes: receive time, venue time, kind, flags, symbol index,
//            depth flags and a first-of-line marker (version 2), five values at 8 decimals
//            (Binance's) and two more times or ids. A text line of several records (a depth
//            message) marks its first; a line of none (a control answer) is one empty record,
//            so a replay counts the lines the text had and hands out one line's records at
//            a time, as it does from text.
//   trailer  16 bytes: "SIGEXEND", then a 64-bit checksum of the records
// A file whose size, trailer or checksum disagrees with its header is refused as truncated or
// damaged, naming the file and what is wrong. Values are stored at 8 decimals and converted to
// each instrument's scale when read (a value the instrument cannot express is an input
// problem, as it is for a text frame).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/binance/market.h"
#include "adapters/recorded/csv_import.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"

namespace sigex {

inline constexpr std::string_view kBinaryRecordsExtension = ".sigexbin";
inline constexpr std::uint32_t kBinaryRecordsVersion = 2;

bool is_binary_records_path(std::string_view path);

// Parses each line's frame (the Binance parser, at 8 decimals) and writes the records. False
// with `error` naming the line for a frame the format does not hold (Token Metrics rows:
// keep those in text files) or cannot parse. `snapshot_symbol` names the instrument of the
// file's bare REST depth snapshots ({"lastUpdateId":...}), which carry no symbol.
bool write_binary_records(const std::string& path, BinanceMarket market,
                          const std::vector<ImportedLine>& lines, std::string& error,
                          std::string_view snapshot_symbol = {});

// A memory-mapped `.sigexbin` file read record by record, each converted to the configured
// instrument of its symbol.
class BinaryRecordsReader {
 public:
  BinaryRecordsReader(std::string path, const InstrumentRegistry& instruments);
  ~BinaryRecordsReader();
  BinaryRecordsReader(const BinaryRecordsReader&) = delete;
  BinaryRecordsReader& operator=(const BinaryRecordsReader&) = delete;

  // Maps and checks the file (header, size, trailer, checksum). False with error() otherwise.
  bool open();
  const std::string& error() const { return error_; }
  const std::string& path() const { return path_; }
  BinanceMarket market() const { return market_; }
  std::uint64_t record_count() const { return count_; }
  std::uint64_t position() const { return next_; }  // records consumed
  std::uint64_t size_bytes() const { return size_; }

  bool at_end() const { return next_ >= count_; }
  // Receive time of the next record (at_end() false).
  TimeNs next_time() const;
  // Whether the next record (at_end() false) is the first of a line of the text it was
  // written from; every record of a version 1 file is.
  bool next_starts_line() const;
  // Lines of that text consumed so far: the line number of the last record taken or skipped.
  std::uint64_t line_number() const { return lines_; }
  // Converts the next record into `out` (appends) and moves on. Returns false for a line that
  // held no record, for a record of a symbol with no configured instrument (`unknown` set) or
  // one that cannot be expressed at its instrument's scale (`problem` set, worded as the text
  // parser words it); it is skipped either way.
  bool take(std::vector<InboundEvent>& out, bool& unknown, std::string& problem);
  void skip();

 private:
  std::string path_;
  const InstrumentRegistry& instruments_;
  std::string error_;
  int fd_ = -1;
  const unsigned char* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t next_ = 0;
  std::uint64_t lines_ = 0;
  std::uint32_t version_ = kBinaryRecordsVersion;
  const unsigned char* records_ = nullptr;
  BinanceMarket market_ = BinanceMarket::kSpot;
  std::vector<InstrumentId> instrument_of_symbol_;
};

}  // namespace sigex
