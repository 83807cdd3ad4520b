#pragma once

// The compact binary recorded format (`.sigexbin`) for long backtests: the market records a
// recorded text file holds (klines, aggregated trades, trades, best bid/offer, mark prices,
// funding rates), already parsed, in fixed-size little-endian records, so a replay reads them
// at memory speed instead of parsing JSON. Written once from the text form (`sigex
// fetch-market-data --format binary`, `sigex import --out x.sigexbin`, `sigex convert`).
//
//   header   64 bytes: "SIGEXBIN", version (1), header size, record size (64), symbol count,
//            record count, market (0 spot, 1 USD-M), first and last receive time
//   symbols  symbol count x 24 bytes (upper case, zero padded)
//   records  record count x 64 bytes: receive time, venue time, kind, flags, symbol index,
//            five values at 8 decimals (Binance's) and one more time or id
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
inline constexpr std::uint32_t kBinaryRecordsVersion = 1;

bool is_binary_records_path(std::string_view path);

// Parses each line's frame (the Binance parser, at 8 decimals) and writes the records. False
// with `error` naming the line for a frame the format does not hold (depth, Token Metrics
// rows: keep those in text files) or cannot parse.
bool write_binary_records(const std::string& path, BinanceMarket market,
                          const std::vector<ImportedLine>& lines, std::string& error);

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
  // Converts the next record into `out` (appends) and moves on. Returns false for a record of
  // a symbol with no configured instrument (`unknown` set) or that cannot be expressed at its
  // instrument's scale (`problem` set); it is skipped either way.
  bool take(std::vector<InboundEvent>& out, bool& unknown, std::string& problem);
  void skip() { ++next_; }

 private:
  std::string path_;
  const InstrumentRegistry& instruments_;
  std::string error_;
  int fd_ = -1;
  const unsigned char* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t count_ = 0;
  std::uint64_t next_ = 0;
  const unsigned char* records_ = nullptr;
  BinanceMarket market_ = BinanceMarket::kSpot;
  std::vector<InstrumentId> instrument_of_symbol_;
};

}  // namespace sigex
