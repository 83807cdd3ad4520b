// What recording a session's inputs costs the core thread (`[service] record_inputs = true`):
//  * BM_InputLogEvent/N: one InboundEvent appended to the input log, the buffer handed to the
//    kernel every N events (the daemon flushes when its core goes idle, so N is the length of
//    a burst); N = 0 never flushes by hand: the 1 MiB buffer fills and writes itself out;
//  * BM_InputLogEventAndFlush: an event that led to an order is flushed at once (one write(2)
//    per event): the worst case, paid only on events that trade.
// The file lives in the temporary directory: the cost measured is the core thread's, up to the
// kernel's page cache; the disk's own speed never reaches the core thread.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/journal/input_log.h"

namespace {

using namespace sigex;

struct ScratchLog {
  ScratchLog() {
    directory = std::filesystem::temp_directory_path() / "sigex-input-log-bench";
    std::filesystem::remove_all(directory);
    std::filesystem::create_directories(directory);
    RunStart start;
    start.start_ns = 1'700'000'000'000'000'000;
    start.config_path = "bench.toml";
    start.config_text = "[service]\nrecord_inputs = true\n";
    std::string error;
    writer = InputLogWriter::create(directory, start, error);
    if (!writer) std::abort();
  }
  ~ScratchLog() {
    writer.reset();
    std::filesystem::remove_all(directory);
  }
  std::filesystem::path directory;
  std::unique_ptr<InputLogWriter> writer;
};

InboundEvent quote(std::int64_t sequence) {
  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer = BestBidOffer{};
  event.best_bid_offer.receive_time_ns = 1'700'000'000'000'000'000 + sequence * 1'000;
  event.best_bid_offer.update_id = static_cast<std::uint64_t>(sequence);
  return event;
}

void BM_InputLogEvent(benchmark::State& state) {
  const std::int64_t flush_every = state.range(0);
  ScratchLog log;
  std::int64_t sequence = 0;
  for (auto _ : state) {
    log.writer->event(quote(++sequence));
    if (flush_every > 0 && sequence % flush_every == 0) log.writer->flush();
  }
  if (log.writer->failed()) state.SkipWithError("the input log failed");
  state.SetItemsProcessed(state.iterations());
  // A record is its kind (1 byte), its length (4) and the event.
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(5 + sizeof(InboundEvent)));
}
BENCHMARK(BM_InputLogEvent)->Arg(0)->Arg(64)->Arg(8);

void BM_InputLogEventAndFlush(benchmark::State& state) {
  ScratchLog log;
  std::int64_t sequence = 0;
  for (auto _ : state) {
    log.writer->event(quote(++sequence));
    log.writer->flush();
  }
  if (log.writer->failed()) state.SkipWithError("the input log failed");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InputLogEventAndFlush);

}  // namespace
