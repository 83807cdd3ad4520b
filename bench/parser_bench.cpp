// Market data hot path: parsing one Binance frame into records, and applying depth to a book.
// Allocations are counted by replacing global operator new in this binary; the steady-state
// target is zero per frame.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "adapters/binance/parse_market_data.h"
#include "engine/book/order_book.h"

// GCC 12 misreads the replaced global operator new/delete pair below once they are inlined.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {

std::atomic<std::uint64_t> g_allocations{0};

}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* memory = std::malloc(size)) return memory;
  throw std::bad_alloc();
}
void operator delete(void* memory) noexcept { std::free(memory); }
void operator delete(void* memory, std::size_t) noexcept { std::free(memory); }

namespace {

using namespace sigex;

// Verbatim frames from config/data/binance-spot-capture/btcusdt_20240808.gz.
const std::string kBookTicker =
    R"({"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}})";
const std::string kDepthUpdate =
    R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255208,"s":"BTCUSDT","U":50093239189,"u":50093239202,"b":[["61737.63000000","0.00000000"],["61730.17000000","0.00000000"],["56854.58000000","0.00000000"]],"a":[["61837.64000000","1.54698000"],["61839.85000000","0.00000000"],["61839.86000000","0.00000000"],["61845.11000000","0.32329000"],["61848.49000000","0.00000000"],["61849.50000000","0.00000000"],["61855.41000000","0.02000000"],["61860.00000000","0.10000000"]]}})";

InstrumentRegistry registry() {
  InstrumentRegistry instruments;
  Instrument btc;
  btc.symbol = Symbol::from("BTCUSDT");
  instruments.add(btc);
  return instruments;
}

void parse_frame(benchmark::State& state, const std::string& frame) {
  const InstrumentRegistry instruments = registry();
  BinanceParser parser(instruments);
  std::string padded = frame;
  padded.reserve(frame.size() + simdjson::SIMDJSON_PADDING);
  std::vector<InboundEvent> out;
  out.reserve(1024);
  (void)parser.parse(padded, 1, kNoInstrument, out);  // warm-up: the parser sizes itself once
  const std::uint64_t before = g_allocations.load();
  std::size_t records = 0;
  for (auto _ : state) {
    out.clear();
    auto result = parser.parse(padded, 1, kNoInstrument, out);
    benchmark::DoNotOptimize(result);
    records += out.size();
  }
  state.counters["allocations_per_frame"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
  state.counters["records_per_frame"] =
      static_cast<double>(records) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
}

void BM_ParseBookTicker(benchmark::State& state) { parse_frame(state, kBookTicker); }

// The floor for BM_ParseBookTicker, in the same run: simdjson on-demand reading the same
// fields of the same frame (the stream name, update id, symbol, and the four decimal strings)
// with no conversion and no record written.
void BM_ParseBookTickerFloor(benchmark::State& state) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(kBookTicker);
  for (auto _ : state) {
    auto document = parser.iterate(padded);
    std::string_view stream = document["stream"].get_string();
    auto data = document["data"];
    std::uint64_t update_id = data["u"].get_uint64();
    std::string_view symbol = data["s"].get_string();
    std::string_view bid = data["b"].get_string();
    std::string_view bid_quantity = data["B"].get_string();
    std::string_view ask = data["a"].get_string();
    std::string_view ask_quantity = data["A"].get_string();
    benchmark::DoNotOptimize(stream);
    benchmark::DoNotOptimize(update_id);
    benchmark::DoNotOptimize(symbol);
    benchmark::DoNotOptimize(bid);
    benchmark::DoNotOptimize(bid_quantity);
    benchmark::DoNotOptimize(ask);
    benchmark::DoNotOptimize(ask_quantity);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParseBookTickerFloor);
void BM_ParseDepthUpdate11Levels(benchmark::State& state) { parse_frame(state, kDepthUpdate); }
BENCHMARK(BM_ParseBookTicker);
BENCHMARK(BM_ParseDepthUpdate11Levels);

// One depth level applied to a 1000-level side near the touch (insert, update or delete).
void BM_BookUpdateNearTouch(benchmark::State& state) {
  OrderBook book(10'000);
  for (int i = 0; i < 1000; ++i) {
    book.set(Side::kBuy, Price{6'000'000'000'000 - i * 1'000'000}, Quantity{100'000'000});
  }
  std::uint64_t step = 0;
  const std::uint64_t before = g_allocations.load();
  for (auto _ : state) {
    const std::int64_t offset = static_cast<std::int64_t>((step * 7919) % 40) * 1'000'000;
    const Quantity quantity{(step % 3 == 0) ? 0 : 50'000'000};  // a third are deletions
    book.set(Side::kBuy, Price{6'000'000'000'000 - offset}, quantity);
    ++step;
  }
  state.counters["allocations_per_update"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BookUpdateNearTouch);

}  // namespace
