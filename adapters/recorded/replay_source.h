#pragma once

// Replays recorded files in receive-time order. Each file is one stream of
// "<receive_time_ns> <raw frame>" lines (or of parsed records: a `.sigexbin` file, see
// binary_records.h, or a text file's entry in the input cache); files are merged by receive time
// (ties keep the order the inputs were listed in), each frame is routed to the parser that owns its
// format, and the resulting records come out one frame at a time. Deterministic for the same
// inputs. Used by one thread (the replay thread of a backtest).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adapters/binance/parse_market_data.h"
#include "adapters/coinbase/parse_market_data.h"
#include "adapters/nats/relay_frame.h"
#include "adapters/recorded/binary_records.h"
#include "adapters/recorded/input_cache.h"
#include "adapters/recorded/publication_schedule.h"
#include "adapters/recorded/recorded_file.h"
#include "adapters/token_metrics/parse_records.h"

namespace sigex {

struct ReplayInput {
  std::string path;
  // Instrument of REST depth snapshots in this file (they carry no symbol); may be none.
  InstrumentId snapshot_instrument = kNoInstrument;
  BinanceMarket market = BinanceMarket::kSpot;  // Binance frames: spot or USD-M streams
};

struct ReplayStats {
  std::uint64_t lines = 0;
  std::uint64_t frames_rejected = 0;  // malformed or unsupported frames (also in problems)
  std::uint64_t unknown_instrument = 0;
  std::uint64_t control_frames = 0;  // {"result":...} answers recorded by `sigex record`
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;
};

class ReplaySource {
 public:
  ReplaySource(const InstrumentRegistry& instruments, std::vector<ReplayInput> inputs,
               TimeNs start_ns, TimeNs end_ns);

  // Text inputs are replayed from their binary form in `cache` (written on first use; see
  // input_cache.h) where they can be. Call before open(); the cache must outlive the source.
  void use_input_cache(InputCache& cache) { cache_ = &cache; }
  // Why inputs were not cached, one line each (for the log).
  const std::vector<std::string>& cache_notes() const { return cache_notes_; }

  // Opens every input; false (with every failing path in `error`) when one cannot be read.
  bool open(std::string& error);

  // No Token Metrics row comes out before its assumed publication (see publication_schedule.h):
  // a row recorded earlier is held and delivered then. Call before the first next().
  void hold_until_published(const PublicationDelays& delays) { schedule_.emplace(delays); }
  std::uint64_t rows_held_until_published() const { return schedule_ ? schedule_->rows_held() : 0; }
  // Delay between each Token Metrics row's date and its first appearance in live recordings.
  const PublicationObservations& publication_observations() const { return observations_; }

  // Replaces `out` with the records of the next frame. False once every file is exhausted.
  bool next(std::vector<InboundEvent>& out);

  // Fraction of the compressed input consumed, for progress bars.
  double progress() const;

  const ReplayStats& stats() const { return stats_; }
  const InputProblems& problems() const { return problems_; }
  // Problems that make a whole input unusable (checked once every stream ended): a file that
  // is empty, ends early, is damaged, or has no line of the expected shape. Each names the
  // file and where; a backtest with any of them fails.
  const std::vector<std::string>& fatal_problems() const { return fatal_; }
  const TokenMetricsParser& token_metrics_parser() const { return token_metrics_; }

 private:
  struct Stream {
    std::unique_ptr<RecordedFile> file;           // a text file, or
    std::unique_ptr<BinaryRecordsReader> binary;  // a .sigexbin file
    std::unique_ptr<RelayFrameParser> relay;      // lines recorded from a relay
    std::unique_ptr<CoinbaseParser> coinbase;     // its Coinbase frames' sequence, if any
    ReplayInput input;
    RecordedLine line;   // text files: the current line
    TimeNs time_ns = 0;  // receive time of the current line or record
    bool has_line = false;
    std::uint64_t size_bytes = 0;
    std::uint64_t bytes_read() const;
    std::uint64_t offset() const;
  };
  void next_from_binary(Stream& stream, std::vector<InboundEvent>& out);
  void rebuild_heap();
  void advance(Stream& stream);
  // A stream has ended: what made its file unusable, if anything.
  void check_ended(const Stream& stream);

  const InstrumentRegistry& instruments_;
  std::vector<ReplayInput> inputs_;
  TimeNs start_ns_;
  TimeNs end_ns_;
  std::vector<Stream> streams_;
  // Streams with a line, by (receive time, input order): a min-heap.
  std::vector<std::pair<TimeNs, std::size_t>> heap_;
  bool heap_built_ = false;
  bool heap_valid_ = false;
  BinanceParser binance_;
  TokenMetricsParser token_metrics_;
  InputProblems problems_;
  std::optional<PublicationSchedule> schedule_;
  PublicationObservations observations_;
  std::vector<std::string> fatal_;
  InputCache* cache_ = nullptr;
  std::vector<std::string> cache_notes_;
  ReplayStats stats_;
  std::uint64_t total_size_bytes_ = 0;
};

}  // namespace sigex
