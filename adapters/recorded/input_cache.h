#pragma once

// A backtest's cache of its recorded text inputs in the binary format (binary_records.h), so
// that a tick backtest run again on the same capture replays parsed records instead of
// inflating and parsing JSON. Opt-in: `[backtest] input_cache_dir`.
//
// An entry is named by what it was made from: a hash of the input file's bytes (not its name
// or modification time, so a file changed in place is converted again), the market, the
// instrument of the file's bare depth snapshots, the binary format's version and
// kInputCacheGeneration. A file is cached only when every line converts: a line the format
// does not hold (Token Metrics rows, Coinbase or relay frames), a frame the parser refuses, or
// any input problem leaves the file to the text replay, which reports them as always. The
// replay of an entry gives the same records, line counts and problems as the text: the two are
// compared in the tests. Entries are written to a temporary name and renamed, so a crash never
// leaves half an entry; the reader checks each entry's checksum when it opens it.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/binance/market.h"

namespace sigex {

// Bumped whenever the Binance parser's records for the same frame change, so that entries
// written by an older sigex are not used.
inline constexpr std::uint32_t kInputCacheGeneration = 1;

class InputCache {
 public:
  explicit InputCache(std::string directory) : directory_(std::move(directory)) {}

  // The binary form of the text input `path`, converted now when there is no entry yet.
  // Nullopt when the file cannot be cached; `note` then says why (for the log), and the
  // caller replays the text.
  std::optional<std::string> binary_for(const std::string& path, BinanceMarket market,
                                        std::string_view snapshot_symbol, std::string& note);

  const std::string& directory() const { return directory_; }
  std::uint64_t hits() const { return hits_; }
  std::uint64_t written() const { return written_; }

 private:
  std::string directory_;
  std::uint64_t hits_ = 0;
  std::uint64_t written_ = 0;
};

}  // namespace sigex
