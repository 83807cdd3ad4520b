// Backtest replay throughput from raw recorded JSON (the bundled BTCUSDT+ETHUSDT capture):
//  * BM_ReplayParseGzip: gzip + line split + merge + simdjson parse into records, one thread;
//  * BM_ReplayParsePlain: the same from decompressed copies (parsing without zlib);
//  * BM_ZcatFloor, BM_ZcatKlinesFloor: zlib alone inflating the same gzip files (what `zcat`
//    does): the floor of every replay from gzip text, items counted as the replay's events;
//  * BM_ReplayCachedTicks: the same capture from the input cache (parsed records, no JSON);
//  * BM_BacktestEndToEnd: the whole `sigex backtest` of config/backtest-tick.toml (replay
//    thread + core thread + simulated venue + journal + report); ...Cached: with
//    [backtest] input_cache_dir;
//  * BM_ReplayKlines{Gzip,Plain,Binary}: a month of 1 m candles for 50 symbols (2.16 M
//    events, the shape `sigex fetch-market-data` writes) replayed from gzip text, plain text
//    and the binary `.sigexbin` format, one thread;
//  * BM_UniverseBacktest: `sigex backtest` of a 100-instrument universe, three years of hourly
//    candles (.sigexbin) and daily grades, grade_rebalance holding the top 10.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <zlib.h>

#include "adapters/recorded/binary_records.h"
#include "adapters/recorded/frame_recorder.h"
#include "adapters/recorded/input_cache.h"
#include "adapters/recorded/replay_source.h"
#include "engine/exe/backtest_command.h"
#include "support/universe_data.h"

namespace {

using namespace sigex;

AppConfig tick_config() {
  ConfigErrors errors;
  AppConfig config =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/backtest-tick.toml", errors);
  if (!errors.empty()) std::abort();
  return config;
}

// Writes a decompressed copy of `path` into the temporary directory and returns its path.
std::string decompressed_copy(const std::string& path) {
  RecordedFile file(path);
  InputProblems problems;
  const auto copy = std::filesystem::temp_directory_path() /
                    ("sigex-bench-" + std::filesystem::path(path).filename().string() + ".txt");
  std::FILE* out = std::fopen(copy.c_str(), "w");
  RecordedLine line;
  while (file.next(line, problems)) {
    std::fprintf(out, "%lld %.*s\n", static_cast<long long>(line.receive_time_ns),
                 static_cast<int>(line.frame.size()), line.frame.data());
  }
  std::fclose(out);
  return copy.string();
}

void replay(benchmark::State& state, bool compressed) {
  const AppConfig config = tick_config();
  const InstrumentRegistry instruments = build_registry(config);
  std::vector<ReplayInput> inputs;
  for (const auto& input : config.backtest.inputs) {
    const Instrument* snapshot = instruments.find_by_symbol(input.snapshot_symbol);
    inputs.push_back({compressed ? input.path : decompressed_copy(input.path),
                      snapshot ? snapshot->id : kNoInstrument});
  }
  std::uint64_t events = 0;
  for (auto _ : state) {
    ReplaySource source(instruments, inputs, 0, INT64_MAX);
    std::string error;
    if (!source.open(error)) std::abort();
    std::vector<InboundEvent> batch;
    batch.reserve(8192);
    while (source.next(batch)) events += batch.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  if (!compressed) {
    for (const auto& input : inputs) std::filesystem::remove(input.path);
  }
}

// The decompression floor for the gzip replays, as `zcat` is: zlib inflating every file of
// `paths` into a 64 KiB buffer, nothing else. Items are the events the replay makes of the
// same files (`events`), so items/s sits next to the replay's figure.
void zcat(benchmark::State& state, const std::vector<std::string>& paths, std::uint64_t events) {
  std::vector<char> buffer(64 << 10);
  std::uint64_t bytes = 0;
  std::uint64_t items = 0;
  for (auto _ : state) {
    for (const auto& path : paths) {
      gzFile file = gzopen(path.c_str(), "rb");
      if (file == nullptr) std::abort();
      gzbuffer(file, 64 << 10);
      int read = 0;
      while ((read = gzread(file, buffer.data(), static_cast<unsigned>(buffer.size()))) > 0) {
        bytes += static_cast<std::uint64_t>(read);
      }
      gzclose(file);
    }
    items += events;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(items));
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

// The events the replay makes of `inputs` (one pass, before measuring).
std::uint64_t replayed_events(const InstrumentRegistry& instruments,
                              const std::vector<ReplayInput>& inputs) {
  ReplaySource source(instruments, inputs, 0, INT64_MAX);
  std::string error;
  if (!source.open(error)) std::abort();
  std::vector<InboundEvent> batch;
  std::uint64_t events = 0;
  while (source.next(batch)) events += batch.size();
  return events;
}

void BM_ZcatFloor(benchmark::State& state) {
  const AppConfig config = tick_config();
  const InstrumentRegistry instruments = build_registry(config);
  std::vector<ReplayInput> inputs;
  std::vector<std::string> paths;
  for (const auto& input : config.backtest.inputs) {
    const Instrument* snapshot = instruments.find_by_symbol(input.snapshot_symbol);
    inputs.push_back({input.path, snapshot ? snapshot->id : kNoInstrument});
    paths.push_back(input.path);
  }
  zcat(state, paths, replayed_events(instruments, inputs));
}
BENCHMARK(BM_ZcatFloor)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_ReplayParseGzip(benchmark::State& state) { replay(state, true); }
void BM_ReplayParsePlain(benchmark::State& state) { replay(state, false); }
BENCHMARK(BM_ReplayParseGzip)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ReplayParsePlain)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The same capture from the input cache ([backtest] input_cache_dir): the first replay writes
// the entries, as a first backtest would; every later one reads parsed records.
void BM_ReplayCachedTicks(benchmark::State& state) {
  const AppConfig config = tick_config();
  const InstrumentRegistry instruments = build_registry(config);
  std::vector<ReplayInput> inputs;
  for (const auto& input : config.backtest.inputs) {
    const Instrument* snapshot = instruments.find_by_symbol(input.snapshot_symbol);
    inputs.push_back({input.path, snapshot ? snapshot->id : kNoInstrument});
  }
  const auto directory = std::filesystem::temp_directory_path() / "sigex-bench-input-cache";
  std::filesystem::remove_all(directory);
  InputCache cache(directory.string());
  std::uint64_t events = 0;
  for (auto _ : state) {
    ReplaySource source(instruments, inputs, 0, INT64_MAX);
    source.use_input_cache(cache);
    std::string error;
    if (!source.open(error)) std::abort();
    std::vector<InboundEvent> batch;
    batch.reserve(8192);
    while (source.next(batch)) events += batch.size();
  }
  std::filesystem::remove_all(directory);
  // The four market captures are written once and read every time after; the Token Metrics
  // rows of the capture's signal file stay text (the format does not hold them).
  if (cache.written() != inputs.size() - 1) std::abort();
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["cache_hits"] = static_cast<double>(cache.hits());
}
BENCHMARK(BM_ReplayCachedTicks)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// The whole backtest of `config`, again and again; the capture's events per replay.
void run_end_to_end(benchmark::State& state, AppConfig config, const char* out_name) {
  config.engine.durability = Durability::kNormal;
  const auto out = std::filesystem::temp_directory_path() / out_name;
  std::uint64_t events = 0;
  for (auto _ : state) {
    BacktestOptions options;
    options.out_dir = out.string();
    options.quiet = true;
    if (run_backtest(config, options) != 0) std::abort();
    events += 741'262;  // events in the bundled capture (pinned by the golden test)
  }
  std::filesystem::remove_all(out);
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}

void BM_BacktestEndToEnd(benchmark::State& state) {
  run_end_to_end(state, tick_config(), "sigex-replay-bench");
}
BENCHMARK(BM_BacktestEndToEnd)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

// The same backtest with [backtest] input_cache_dir: the first run writes the entries.
void BM_BacktestEndToEndCached(benchmark::State& state) {
  AppConfig config = tick_config();
  const auto directory = std::filesystem::temp_directory_path() / "sigex-bench-backtest-cache";
  std::filesystem::remove_all(directory);
  config.backtest.input_cache_dir = directory.string();
  run_end_to_end(state, config, "sigex-replay-bench-cached");
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_BacktestEndToEndCached)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

// The same backtest with both instruments as USD-M perpetuals (5x, Binance's first BTCUSDT
// bracket): every market event values the positions at the mark, and the simulated venue
// checks the account's margin ratio for liquidation.
void BM_BacktestEndToEndPerpetual(benchmark::State& state) {
  AppConfig config = tick_config();
  for (Instrument& instrument : config.instruments) {
    instrument.kind = InstrumentKind::kPerpetual;
    instrument.leverage = 5;
    instrument.bracket_count = 1;
    instrument.bracket_table[0] =
        MarginBracket{Money{50'000LL * 100'000'000}, Rate{400'000}, Money{0}, 125};
  }
  run_end_to_end(state, config, "sigex-replay-bench-perpetual");
}
BENCHMARK(BM_BacktestEndToEndPerpetual)->Unit(benchmark::kMillisecond)->MinTime(2.0)->UseRealTime();

// A month of 1 m candles for `symbols` symbols, written in the three formats.
struct KlineCorpus {
  InstrumentRegistry instruments;
  std::vector<std::string> gzip, plain, binary;
  std::uint64_t events = 0;
};

const KlineCorpus& kline_corpus() {
  static const KlineCorpus corpus = [] {
    KlineCorpus made;
    constexpr int kSymbols = 50;
    constexpr std::int64_t kMinutes = std::int64_t{30} * 1440;
    const auto directory = std::filesystem::temp_directory_path() / "sigex-kline-bench";
    std::filesystem::create_directories(directory);
    for (int s = 0; s < kSymbols; ++s) {
      const std::string symbol = fmt::format("T{:03}USDT", s);
      Instrument instrument;
      instrument.symbol = Symbol::from(symbol);
      instrument.price_scale = 2;
      instrument.quantity_scale = 5;
      made.instruments.add(instrument);
      CsvText csv{symbol + "-1m-2024-01.csv", {}};
      std::int64_t price = 100'000 + s * 1'000;
      for (std::int64_t i = 0; i < kMinutes; ++i) {
        const std::int64_t open = 1'704'067'200'000 + i * 60'000;
        const std::int64_t close = price + (i * 7919 + s) % 201 - 100;
        const std::int64_t high = std::max(price, close) + 60;
        const std::int64_t low = std::min(price, close) - 60;
        csv.content +=
            fmt::format("{},{}.{:02},{}.{:02},{}.{:02},{}.{:02},3.5,{},1000.0,10,1.5,500.0,0\n",
                        open, price / 100, price % 100, high / 100, high % 100, low / 100,
                        low % 100, close / 100, close % 100, open + 59'999);
        price = close;
      }
      CsvImport imported;
      std::string error;
      if (!import_csv_texts({csv}, {}, imported, error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        std::abort();
      }
      made.events += imported.lines.size();
      const auto base = directory / symbol;
      for (const char* extension : {".gz", ".txt"}) {
        FrameRecorder recorder;
        if (!recorder.open(base.string() + extension, error)) std::abort();
        for (const auto& line : imported.lines) recorder.record(line.receive_time_ns, line.frame);
        if (!recorder.close()) std::abort();
      }
      if (!write_binary_records(base.string() + ".sigexbin", BinanceMarket::kSpot, imported.lines,
                                error)) {
        std::fprintf(stderr, "%s\n", error.c_str());
        std::abort();
      }
      made.gzip.push_back(base.string() + ".gz");
      made.plain.push_back(base.string() + ".txt");
      made.binary.push_back(base.string() + ".sigexbin");
    }
    return made;
  }();
  return corpus;
}

void replay_klines(benchmark::State& state, const std::vector<std::string>& paths) {
  const KlineCorpus& corpus = kline_corpus();
  std::vector<ReplayInput> inputs;
  for (const auto& path : paths) inputs.push_back({path, kNoInstrument});
  std::uint64_t events = 0;
  for (auto _ : state) {
    ReplaySource source(corpus.instruments, inputs, 0, INT64_MAX);
    std::string error;
    if (!source.open(error)) std::abort();
    std::vector<InboundEvent> batch;
    batch.reserve(64);
    while (source.next(batch)) events += batch.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
}

void BM_ZcatKlinesFloor(benchmark::State& state) {
  zcat(state, kline_corpus().gzip, kline_corpus().events);
}
BENCHMARK(BM_ZcatKlinesFloor)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_ReplayKlinesGzip(benchmark::State& state) { replay_klines(state, kline_corpus().gzip); }
void BM_ReplayKlinesPlain(benchmark::State& state) { replay_klines(state, kline_corpus().plain); }
void BM_ReplayKlinesBinary(benchmark::State& state) { replay_klines(state, kline_corpus().binary); }
BENCHMARK(BM_ReplayKlinesGzip)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ReplayKlinesPlain)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_ReplayKlinesBinary)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_UniverseBacktest(benchmark::State& state) {
  const auto directory = std::filesystem::temp_directory_path() / "sigex-universe-bench";
  std::filesystem::remove_all(directory);
  const testing::UniverseData data = testing::make_universe_data(
      directory, 100, parse_utc_timestamp("2021-01-01").value(), 3 * 365);
  const auto config_path = directory / "universe.toml";
  std::ofstream(config_path) << testing::universe_config(data, directory / "out", 10);
  ConfigErrors errors;
  const AppConfig config = load_app_config(config_path.string(), errors);
  if (!errors.empty()) std::abort();
  std::uint64_t events = 0;
  for (auto _ : state) {
    BacktestOptions options;
    options.quiet = true;
    if (run_backtest(config, options) != 0) std::abort();
    events += data.candles + data.grade_rows;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(events));
  state.counters["instruments"] = 100;
  state.counters["events"] = static_cast<double>(data.candles + data.grade_rows);
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_UniverseBacktest)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

}  // namespace
