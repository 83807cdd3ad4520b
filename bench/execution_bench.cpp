// Market event in memory -> signed Binance order request ready to write (spot, or with the
// third argument 1 a USD-M perpetual: a short's sell with the margin, leverage and liquidation
// checks, signed as POST /fapi/v1/order): the quote goes
// through the engine (quote book, strategy, venue rules, risk, OMS handing the intent to the
// journal's writer thread) to the venue port, where the request is built and HMAC-signed
// exactly as the live venue does it. Per-event latency is recorded and reported as
// p50/p99/p99.9 counters (engine_* until the venue port is called). durable_* runs, on a
// watcher thread as on the live venue's I/O thread, until the writer thread has committed the
// intent: the moment the live venue lets the bytes go (write-ahead).
//
// The journal lives on /dev/shm when it exists, with synchronous=NORMAL: this measures sigex's
// own work. With synchronous=FULL (live mode) each commit adds one fsync of the device, which
// BM_JournalIntent/1 shows separately.

#include <benchmark/benchmark.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>
#include <vector>

#include "adapters/binance/order_body.h"
#include "adapters/binance/rest_client.h"
#include "adapters/net/venue_queues.h"
#include "adapters/service/thread_placement.h"
#include "engine/core/live_clock.h"
#include "engine/core/simulated_clock.h"
#include "engine/portfolio/portfolio.h"
#include "engine/runtime/engine.h"

#include <spdlog/async.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

namespace sigex {
namespace {

using Steady = std::chrono::steady_clock;

std::filesystem::path scratch(const char* name) {
  const std::filesystem::path base =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  auto path = base / name;
  std::filesystem::remove_all(path);
  return path;
}

InstrumentRegistry instruments(bool perpetual = false) {
  InstrumentRegistry registry;
  Instrument btc;
  btc.symbol = Symbol::from("BTCUSDT");
  btc.base_asset = AssetCode::from("BTC");
  btc.quote_asset = AssetCode::from("USDT");
  btc.price_scale = 2;
  btc.tick_size = Price{1};
  btc.step_size = Quantity{1'000};
  btc.min_quantity = Quantity{1'000};
  if (perpetual) {
    btc.kind = InstrumentKind::kPerpetual;
    btc.leverage = 5;
    btc.bracket_table[btc.bracket_count++] =
        MarginBracket{Money{INT64_MAX}, Rate{400'000}, Money{0}, 125};
  }
  registry.add(btc);
  return registry;
}

// Binance's documented example keys (not secrets).
constexpr const char* kApiKey = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
constexpr const char* kSecretKey =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

BinanceRestConfig rest_config(BinanceMarket market = BinanceMarket::kSpot) {
  BinanceRestConfig config;
  config.market = market;
  config.rest_url =
      market == BinanceMarket::kUsdm ? "https://fapi.binance.com" : "https://api.binance.com";
  return config;
}

// The venue port as the live venue's I/O thread would serve it: signs the request at once.
class SigningVenue final : public ExecutionVenue {
 public:
  SigningVenue(const InstrumentRegistry& instruments, const Clock& clock,
               boost::asio::ssl::context& tls, BinanceMarket market)
      : instruments_(instruments),
        rest_(rest_config(market), Secret(std::string(kApiKey)),
              make_hmac_signer(Secret(std::string(kSecretKey))), clock, tls) {}
  void send(const OrderCommand& command) override {
    entered_ = Steady::now();
    last_ = command;
    rest_.new_order_body(command, instruments_.get(command.instrument),
                         command.created_time_ns / kNsPerMs, body_);
    done_ = Steady::now();
    // The live venue's hand-over to its I/O thread, after the measured window as in the
    // daemon (there the I/O thread signs; here the signing stays on this thread, measured).
    if (io_queues_ != nullptr) io_queues_->send(command);
    // Answered (an IOC that expired) so that open orders stay few, as in real trading.
    ExecutionEvent expired{};
    expired.kind = ExecutionKind::kExpired;
    expired.instrument = command.instrument;
    expired.client_order_id = command.client_order_id;
    answers_.push_back(expired);
  }
  void poll(TimeNs, std::vector<ExecutionEvent>& out) override {
    out.insert(out.end(), answers_.begin(), answers_.end());
    answers_.clear();
  }
  TimeNs next_event_time_ns() const override { return answers_.empty() ? kNever : 0; }

  // What the live venue's I/O thread does while idle with [service] warm_order_path_us
  // (SigningRehearsal): the last order's body built and signed again, into scratch.
  void rehearse() {
    rest_.new_order_body(last_, instruments_.get(last_.instrument),
                         last_.created_time_ns / kNsPerMs, rehearsal_body_);
  }

  // The live venue's I/O thread: each command goes to `queues` too, served by a thread that
  // takes it (sleeping or polling between commands, as [service] io_poll_us says).
  void hand_to(VenueQueues* queues) { io_queues_ = queues; }
  Steady::time_point entered() const { return entered_; }
  Steady::time_point done() const { return done_; }
  std::size_t bytes() const { return body_.size(); }

 private:
  const InstrumentRegistry& instruments_;
  BinanceRestClient rest_;
  std::string body_;
  OrderCommand last_{};
  std::string rehearsal_body_;
  Steady::time_point entered_;
  Steady::time_point done_;
  std::vector<ExecutionEvent> answers_;
  VenueQueues* io_queues_ = nullptr;
};

// Buys 0.001 BTC at the ask (or sells at the bid: a short) on every quote; each quote is a
// new intent.
class EveryQuote final : public Strategy {
 public:
  explicit EveryQuote(Side side) : side_(side) {}
  std::string_view tag() const override { return "bench"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = side_;
    intent.type = OrderType::kLimit;
    intent.price = side_ == Side::kBuy ? quote.ask_price : quote.bid_price;
    intent.quantity = Quantity{100'000};
    intent.intent = IntentKey{++sequence_};
    context.submit(intent);
  }

 private:
  Side side_;
  std::uint64_t sequence_ = 0;
};

// An empty vector with room for `count` values, its pages written now: a page first touched
// inside a measured loop would stall it.
std::vector<double> written_room(std::size_t count) {
  std::vector<double> values(count);
  values.clear();
  return values;
}

// Busy-waits until `until`, as a core thread polling its queue would. Returns the longest the
// clock jumped between two reads meanwhile (ns): the thread was off its CPU about that long
// (the hypervisor took the vCPU, or an interrupt ran).
double wait_until(Steady::time_point until) {
  auto now = Steady::now();
  double longest = 0;
  while (now < until) {
    const auto before = now;
    now = Steady::now();
    longest = std::max(longest, std::chrono::duration<double, std::nano>(now - before).count());
  }
  return longest;
}

// How many waits were interrupted for more than 5 us, and how many of the events over 15 us
// came right after one: a slow event after its thread was away started with colder caches.
void count_interrupted_waits(benchmark::State& state, const std::vector<double>& gaps,
                             const std::vector<double>& latencies) {
  double interrupted = 0;
  double slow_after = 0;
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    if (gaps[i] <= 5'000) continue;
    ++interrupted;
    slow_after += latencies[i] > 15'000 ? 1 : 0;
  }
  state.counters["waits_interrupted"] = interrupted;
  state.counters["slow_after_interrupted"] = slow_after;
}

double percentile(std::vector<double>& values, double fraction) {
  const auto at = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return values[at];
}

// Watches the journal's durability watermark as the live venue's I/O thread does, and records
// for each intent how long after its market event it became durable (what the venue waits for
// before the bytes leave).
class DurabilityWatcher {
 public:
  DurabilityWatcher(const DurabilityWatermark& watermark,
                    const std::vector<Steady::time_point>& starts)
      : watermark_(watermark), starts_(starts) {
    latencies_.reserve(starts.size());
    thread_ = std::thread([this] { run(); });
  }
  ~DurabilityWatcher() {
    if (thread_.joinable()) thread_.join();
  }
  // Once every intent is durable (or the wait gave up): the latencies in intent order.
  std::vector<double> finish() {
    thread_.join();
    return std::move(latencies_);
  }

 private:
  void run() {
    for (std::uint64_t sequence = 1; sequence <= starts_.size(); ++sequence) {
      if (watermark_.wait_for(sequence, 10 * kNsPerSecond) != DurabilityWatermark::Wait::kDurable)
        return;
      const auto now = Steady::now();
      // Several intents may become durable in one commit (group commit).
      while (latencies_.size() < sequence) {
        latencies_.push_back(
            std::chrono::duration<double, std::nano>(now - starts_[latencies_.size()]).count());
      }
    }
  }
  const DurabilityWatermark& watermark_;
  const std::vector<Steady::time_point>& starts_;
  std::vector<double> latencies_;
  std::thread thread_;
};

// Per-thread counters of the core thread over the measured loop: page faults (a first touch of
// memory) and context switches (the core thread gave up its CPU, or was preempted).
struct ThreadCounters {
  long minor_faults = 0;
  long major_faults = 0;
  long voluntary_switches = 0;
  long preemptions = 0;
  static ThreadCounters now() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return {usage.ru_minflt, usage.ru_majflt, usage.ru_nvcsw, usage.ru_nivcsw};
  }
};

// Reads one word of every cache line of a buffer larger than the machine's caches, between
// two events: what the hypervisor running another guest on this CPU, or a long interrupt,
// leaves of the core thread's working set. The next event then finds its code and data in
// memory only, and the TLB without their pages.
class CacheEvictor {
 public:
  explicit CacheEvictor(std::size_t bytes) : words_(bytes / sizeof(std::uint64_t), 1) {}
  void evict() {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < words_.size(); i += 64 / sizeof(std::uint64_t)) sum += words_[i];
    benchmark::DoNotOptimize(sum);
  }

 private:
  std::vector<std::uint64_t> words_;
};

// What the core thread does between two events of BM_ColdMarketEventToSignedOrder: empties
// its caches (evict_bytes > 0), then rehearses the order path (Engine::rehearse_order_path) or
// not.
struct BetweenEvents {
  std::size_t evict_bytes = 0;
  bool rehearse = false;
};

void market_event_to_signed_order(benchmark::State& state, BetweenEvents between) {
  const bool usdm = state.range(2) == 1;
  const InstrumentRegistry registry = instruments(usdm);
  const auto directory = scratch("sigex-execution-bench");
  std::string error;
  // The fourth argument 1 places the threads as the daemon does with [service] core_cpu = 0
  // (ThreadPlacement, the same code): the journal's writer thread and the watcher (standing
  // in for the venue's I/O thread) on the other CPUs, the core thread alone on CPU 0. 0: where
  // the kernel puts them.
  const cpu_set_t cpus_before = current_thread_cpus();
  ThreadPlacement placement;
  if (state.range(3) == 1 && !placement.prepare({.core_cpu = 0}, error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  placement.enter_io();
  auto journal = Journal::open(directory, Durability::kNormal, error);
  if (!journal) {
    state.SkipWithError(error.c_str());
    return;
  }
  // The sixth argument is [service] io_poll_us: after each commit the journal's writer polls
  // for the next batch this long before it sleeps, so the core's hand-over wakes no one.
  const LiveClock wall_clock;
  journal->poll_for_batches(&wall_clock, state.range(5) * kNsPerUs);
  SimulatedClock clock(1'700'000'000 * kNsPerSecond);
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  SigningVenue venue(registry, clock, tls, usdm ? BinanceMarket::kUsdm : BinanceMarket::kSpot);
  // The seventh argument 1 adds the live venue's I/O thread (on the I/O CPUs, with the same
  // io_poll_us as the journal's writer).
  VenueQueues io_queues;
  std::optional<CommandServer> io_thread;  // takes each command and does nothing with it
  if (state.range(6) == 1) {
    io_queues.poll_for_commands(&wall_clock, state.range(5) * kNsPerUs);
    io_thread.emplace(io_queues, [](const OrderCommand&) {});
    venue.hand_to(&io_queues);
  }
  // Every check runs; the order-rate throttle (10 000 per millisecond here) is set so that a
  // million orders a second (the burst) pass it: the point is the path's cost, not its verdict.
  RiskConfig risk;
  risk.max_orders_per_instrument = 10'000;
  risk.max_orders_total = 10'000;
  risk.order_rate_window_ns = kNsPerMs;
  Engine engine(registry, clock, *journal, venue, risk, Money{1'000'000'000 * 100'000'000LL});
  engine.add_strategy(std::make_unique<EveryQuote>(usdm ? Side::kSell : Side::kBuy));
  engine.start();
  // The second argument turns on the daemon's order log (one key=value line per order event)
  // through spdlog's asynchronous logger, as the daemon runs it, into a null sink: what the
  // core thread pays is formatting and queueing the line.
  const auto previous_logger = spdlog::default_logger();
  if (state.range(1) == 1) {
    spdlog::init_thread_pool(8192, 1);
    spdlog::set_default_logger(std::make_shared<spdlog::async_logger>(
        "bench", std::make_shared<spdlog::sinks::null_sink_mt>(), spdlog::thread_pool(),
        spdlog::async_overflow_policy::overrun_oldest));
    engine.set_order_log(true);
  }
  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer.instrument = 0;
  event.best_bid_offer.bid_price = Price{6'000'000};
  event.best_bid_offer.ask_price = Price{6'000'001};
  event.best_bid_offer.bid_quantity = Quantity{100'000'000};
  event.best_bid_offer.ask_quantity = Quantity{100'000'000};
  const auto events = static_cast<std::size_t>(state.max_iterations);
  std::vector<Steady::time_point> starts(events);        // written before the event's intent exists
  std::vector<double> latencies = written_room(events);  // until the signed request is ready
  std::vector<double> engine_part = written_room(events);  // until the venue port is called
  std::vector<double> turns = written_room(events);        // run_due between events
  std::vector<double> wait_gaps = written_room(events);    // wait_until() before each event
  std::optional<CacheEvictor> evictor;
  if (between.evict_bytes > 0) evictor.emplace(between.evict_bytes);
  std::vector<double> rehearsals = written_room(between.rehearse ? events : 0);
  DurabilityWatcher watcher(journal->watermark(), starts);
  placement.enter_core();
  const ThreadCounters counters_before = ThreadCounters::now();
  // Events arrive every `pace` microseconds (busy-waited, as a core thread polling its queue
  // would). 0: back to back, a burst, where the writer thread groups many intents into each
  // commit and durable_* measures the backlog. 100: an order every 100 us, far more than any
  // signal strategy sends, which leaves the writer time to commit each one.
  const auto pace = std::chrono::microseconds(state.range(0));
  // The fifth argument, if not 0, cuts a burst into bursts of that many orders, after each of
  // which the core thread waits (untimed) until the journal's writer has caught up: what a
  // real burst looks like, since a venue's order-rate limit (Binance's documented examples: 50
  // spot orders per 10 s, 1 200 USD-M orders a minute) ends it long before the writer falls
  // behind by thousands.
  const auto burst = static_cast<std::size_t>(state.range(4));
  auto next = Steady::now();
  for (auto _ : state) {
    if (burst > 0 && !latencies.empty() && latencies.size() % burst == 0) {
      engine.run_due();
      journal->flush();
      next = Steady::now();
    }
    clock.advance_to(clock.now_ns() + 1'000);
    event.best_bid_offer.receive_time_ns = clock.now_ns();
    // The previous order's answer and the write-ahead of the next orders' memory: not part of
    // this event's path, but how long it holds up the loop is (turn_*: a market event arriving
    // meanwhile waits). (Manual time, so no PauseTiming: its CPU-clock reads are system calls
    // that would disturb the next event.)
    const auto turn_start = Steady::now();
    engine.run_due();
    turns.push_back(std::chrono::duration<double, std::nano>(Steady::now() - turn_start).count());
    if (evictor) {
      evictor->evict();
      next = Steady::now();
    }
    if (between.rehearse) {
      const auto rehearsal_start = Steady::now();
      engine.rehearse_order_path();
      if (latencies.size() > 0) venue.rehearse();
      rehearsals.push_back(
          std::chrono::duration<double, std::nano>(Steady::now() - rehearsal_start).count());
    }
    next += pace;
    wait_gaps.push_back(wait_until(next));
    const auto start = Steady::now();
    starts[latencies.size()] = start;
    engine.process(event);
    const double nanoseconds =
        std::chrono::duration<double, std::nano>(venue.done() - start).count();
    latencies.push_back(nanoseconds);
    engine_part.push_back(
        std::chrono::duration<double, std::nano>(venue.entered() - start).count());
    state.SetIterationTime(nanoseconds * 1e-9);
  }
  const ThreadCounters counters_after = ThreadCounters::now();
  std::vector<double> durable = watcher.finish();
  if (engine.counters().orders_submitted != latencies.size() ||
      durable.size() != latencies.size()) {
    state.SkipWithError("an order was not submitted or never became durable");
    return;
  }
  // Where the slowest events spent their time: each stage's own tail, and how many events
  // over 15 us (the p99.9 target) were slow in the engine or in the signing.
  std::vector<double> signing_part(latencies.size());
  double slow = 0;
  double slow_in_engine = 0;
  for (std::size_t i = 0; i < latencies.size(); ++i) {
    signing_part[i] = latencies[i] - engine_part[i];
    if (latencies[i] > 15'000) {
      ++slow;
      slow_in_engine += engine_part[i] > signing_part[i] ? 1 : 0;
    }
  }
  count_interrupted_waits(state, wait_gaps, latencies);
  // The worst event after the first (which warms the path): one stall of the kind a table's
  // growth causes (a copy, a rehash) shows here and in no percentile.
  state.counters["worst_ns"] = *std::max_element(latencies.begin() + 1, latencies.end());
  state.counters["slow_events"] = slow;
  state.counters["slow_in_engine"] = slow_in_engine;
  state.counters["p50_ns"] = percentile(latencies, 0.50);
  state.counters["p90_ns"] = percentile(latencies, 0.90);
  state.counters["p99_ns"] = percentile(latencies, 0.99);
  state.counters["p999_ns"] = percentile(latencies, 0.999);
  state.counters["turn_max_ns"] = *std::max_element(turns.begin() + 1, turns.end());
  state.counters["turn_p999_ns"] = percentile(turns, 0.999);
  state.counters["engine_p50_ns"] = percentile(engine_part, 0.50);
  state.counters["engine_p99_ns"] = percentile(engine_part, 0.99);
  state.counters["engine_p999_ns"] = percentile(engine_part, 0.999);
  state.counters["sign_p50_ns"] = percentile(signing_part, 0.50);
  state.counters["sign_p99_ns"] = percentile(signing_part, 0.99);
  state.counters["sign_p999_ns"] = percentile(signing_part, 0.999);
  state.counters["minor_faults"] =
      static_cast<double>(counters_after.minor_faults - counters_before.minor_faults);
  state.counters["major_faults"] =
      static_cast<double>(counters_after.major_faults - counters_before.major_faults);
  state.counters["voluntary_switches"] =
      static_cast<double>(counters_after.voluntary_switches - counters_before.voluntary_switches);
  state.counters["preemptions"] =
      static_cast<double>(counters_after.preemptions - counters_before.preemptions);
  state.counters["durable_p50_ns"] = percentile(durable, 0.50);
  state.counters["durable_p99_ns"] = percentile(durable, 0.99);
  state.counters["commits"] = static_cast<double>(journal->commits());
  state.counters["request_bytes"] = static_cast<double>(venue.bytes());
  state.counters["writer_polled"] = static_cast<double>(journal->hand_overs().polled());
  state.counters["writer_woken"] = static_cast<double>(journal->hand_overs().woken());
  state.counters["io_polled"] = static_cast<double>(io_queues.command_hand_overs().polled());
  state.counters["io_woken"] = static_cast<double>(io_queues.command_hand_overs().woken());
  if (!rehearsals.empty()) {
    state.counters["rehearsal_p50_ns"] = percentile(rehearsals, 0.50);
    state.counters["rehearsal_p99_ns"] = percentile(rehearsals, 0.99);
  }
  journal.reset();
  std::filesystem::remove_all(directory);
  spdlog::set_default_logger(previous_logger);
  pthread_setaffinity_np(pthread_self(), sizeof cpus_before, &cpus_before);
}

void BM_MarketEventToSignedOrder(benchmark::State& state) {
  market_event_to_signed_order(state, {});
}
// {spacing in us, order log, USD-M, thread placement, burst length (0: one burst of all),
//  [service] io_poll_us, the live venue's I/O thread}
BENCHMARK(BM_MarketEventToSignedOrder)
    ->Args({0, 0, 0, 1, 200, 0, 0})
    ->Args({100, 0, 0, 1, 0, 0, 0})
    ->Args({0, 0, 0, 0, 200, 0, 0})
    ->Args({100, 0, 0, 0, 0, 0, 0})
    ->Args({0, 0, 0, 1, 0, 0, 0})
    ->Args({100, 1, 0, 1, 0, 0, 0})
    ->Args({0, 0, 1, 1, 200, 0, 0})
    ->Args({100, 0, 1, 1, 0, 0, 0})
    ->Args({0, 0, 0, 1, 200, 1000, 0})
    ->Args({100, 0, 0, 1, 0, 1000, 0})
    ->Args({0, 0, 1, 1, 200, 1000, 0})
    ->Args({100, 0, 1, 1, 0, 1000, 0})
    ->Args({100, 0, 0, 0, 0, 1000, 0})
    ->Args({0, 0, 0, 1, 200, 0, 1})
    ->Args({100, 0, 0, 1, 0, 0, 1})
    ->Args({0, 0, 0, 1, 200, 1000, 1})
    ->Args({100, 0, 0, 1, 0, 1000, 1})
    ->UseManualTime()
    ->Iterations(20'000)
    ->Unit(benchmark::kMicrosecond);

// The same path when every event finds the core thread's caches emptied: before each event
// the core thread reads a buffer of the eighth argument's megabytes (4: more than its 2 MB
// second-level cache; 64: twice the last-level cache, so the path comes from memory), then,
// with the ninth argument 1, rehearses the order path as the daemon does with [service]
// warm_order_path_us (Engine::rehearse_order_path, and the last order's body built and signed
// again as the live venue's I/O thread does; here on the core thread, where this benchmark
// signs), then waits the spacing. What an order
// made minutes after the last one meets: the kernel, the other threads and the hypervisor used
// the caches meanwhile. The first seven arguments are BM_MarketEventToSignedOrder's; fewer
// events, since each eviction takes milliseconds.
void BM_ColdMarketEventToSignedOrder(benchmark::State& state) {
  market_event_to_signed_order(
      state, {static_cast<std::size_t>(state.range(7)) << 20, state.range(8) == 1});
}
BENCHMARK(BM_ColdMarketEventToSignedOrder)
    ->Args({10, 0, 0, 1, 0, 1000, 0, 4, 0})
    ->Args({10, 0, 0, 1, 0, 1000, 0, 4, 1})
    ->Args({10, 0, 0, 1, 0, 1000, 0, 64, 0})
    ->Args({10, 0, 0, 1, 0, 1000, 0, 64, 1})
    ->Args({10, 0, 1, 1, 0, 1000, 0, 64, 0})
    ->Args({10, 0, 1, 1, 0, 1000, 0, 64, 1})
    ->UseManualTime()
    ->Iterations(2'000)
    ->Unit(benchmark::kMicrosecond);

// One cache line of BM_MachineTailFloor's walk: the index of the next line, and a counter.
struct alignas(64) CacheLine {
  std::uint32_t next = 0;
  std::uint64_t visits = 0;
};

// `lines` lines spread through a 4 MB buffer (every line of the buffer written now), linked in
// one random cycle. Line 0 is never in the cycle: it only holds where the walk starts.
std::vector<CacheLine> line_cycle(std::size_t lines) {
  constexpr std::size_t kBufferLines = (std::size_t{4} << 20) / sizeof(CacheLine);
  std::vector<CacheLine> buffer(kBufferLines);
  std::vector<std::uint32_t> chosen(kBufferLines - 1);
  for (std::uint32_t i = 0; i < chosen.size(); ++i) chosen[i] = i + 1;
  std::uint64_t random = 88172645463325252ULL;  // xorshift: the same cycle in every run
  for (std::size_t i = chosen.size() - 1; i > 0; --i) {
    random ^= random << 13;
    random ^= random >> 7;
    random ^= random << 17;
    std::swap(chosen[i], chosen[random % (i + 1)]);
  }
  for (std::size_t i = 0; i < lines; ++i) buffer[chosen[i]].next = chosen[(i + 1) % lines];
  buffer[0].next = chosen[0];  // line 0 starts the walk
  return buffer;
}

// Walks the cycle once from line 0, reading and writing each line; each load waits for the
// one before.
std::uint64_t walk(std::vector<CacheLine>& buffer, std::size_t lines) {
  std::uint32_t at = buffer[0].next;
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < lines; ++i) {
    CacheLine& line = buffer[at];
    sum += ++line.visits;
    at = line.next;
  }
  return sum;
}

// The machine's own tail, in the same run and loop shape as BM_MarketEventToSignedOrder: the
// same pacing and thread placement, but each "event" is a fixed chain of 700 dependent
// multiply-adds (about 0.8 us, no memory, no system call), so whatever makes one of them slow
// is the machine (the hypervisor taking the vCPU, interrupts), not sigex's code. With the third
// argument 1, each event also hands an intent to a real journal (untimed), whose writer
// commits it on the other CPU and wakes a watcher, as in BM_MarketEventToSignedOrder: what the
// other CPU's sleeping and waking costs this one. The engine's tail cannot be below this floor;
// bench/RESULTS.md reports the two side by side. With a fourth argument N > 0, each event
// instead walks the same N cache lines (a fixed random cycle through a 4 MB buffer written at
// start, each line read and written, each load waiting for the one before): whether memory
// the thread used 100 us ago is still in its caches when nothing but this loop ran on its CPU.
// The fifth argument is the journal writer's io_poll_us: with 0 each event's hand-over wakes
// the sleeping writer (a futex system call on this CPU); with 1000 the writer is polling.
void BM_MachineTailFloor(benchmark::State& state) {
  const cpu_set_t cpus_before = current_thread_cpus();
  ThreadPlacement placement;
  std::string error;
  if (state.range(1) == 1 && !placement.prepare({.core_cpu = 0}, error)) {
    state.SkipWithError(error.c_str());
    return;
  }
  placement.enter_io();
  const auto directory = scratch("sigex-floor-bench");
  std::unique_ptr<Journal> journal;
  if (state.range(2) == 1) {
    journal = Journal::open(directory, Durability::kNormal, error);
    if (!journal) {
      state.SkipWithError(error.c_str());
      return;
    }
  }
  // The fifth argument is the writer's io_poll_us: asleep between events (0) or polling.
  const LiveClock wall_clock;
  if (journal) journal->poll_for_batches(&wall_clock, state.range(4) * kNsPerUs);
  const auto events = static_cast<std::size_t>(state.max_iterations);
  std::vector<Steady::time_point> starts(events);
  std::vector<double> latencies = written_room(events);
  std::vector<double> wait_gaps = written_room(events);
  std::optional<DurabilityWatcher> watcher;
  if (journal) watcher.emplace(journal->watermark(), starts);
  placement.enter_core();
  Order order;
  order.quantity = Quantity{100'000};
  std::uint64_t value = 1;
  const auto lines = static_cast<std::size_t>(state.range(3));
  std::vector<CacheLine> cycle = lines > 0 ? line_cycle(lines) : std::vector<CacheLine>{};
  const auto pace = std::chrono::microseconds(state.range(0));
  auto next = Steady::now();
  for (auto _ : state) {
    next += pace;
    wait_gaps.push_back(wait_until(next));
    const auto start = Steady::now();
    starts[latencies.size()] = start;
    if (lines == 0) {
      for (int i = 0; i < 700; ++i) value = value * 6364136223846793005ULL + 1442695040888963407ULL;
    } else {
      value = walk(cycle, lines);
    }
    benchmark::DoNotOptimize(value);
    const double nanoseconds =
        std::chrono::duration<double, std::nano>(Steady::now() - start).count();
    latencies.push_back(nanoseconds);
    state.SetIterationTime(nanoseconds * 1e-9);
    if (journal) {
      order.client_order_id = ClientOrderId::from("floor-" + std::to_string(latencies.size()));
      journal->record_intent(order, "BTCUSDT");
    }
  }
  if (watcher) watcher->finish();
  double slow = 0;
  for (const double latency : latencies) slow += latency > 15'000 ? 1 : 0;
  count_interrupted_waits(state, wait_gaps, latencies);
  state.counters["worst_ns"] = *std::max_element(latencies.begin() + 1, latencies.end());
  state.counters["slow_events"] = slow;
  state.counters["p50_ns"] = percentile(latencies, 0.50);
  state.counters["p90_ns"] = percentile(latencies, 0.90);
  state.counters["p99_ns"] = percentile(latencies, 0.99);
  state.counters["p999_ns"] = percentile(latencies, 0.999);
  journal.reset();
  std::filesystem::remove_all(directory);
  pthread_setaffinity_np(pthread_self(), sizeof cpus_before, &cpus_before);
}
// {spacing in us, thread placement, a journal committing on the other CPU, cache lines walked,
//  the writer's io_poll_us}
BENCHMARK(BM_MachineTailFloor)
    ->Args({0, 1, 0, 0, 0})
    ->Args({100, 1, 0, 0, 0})
    ->Args({0, 1, 1, 0, 0})
    ->Args({100, 1, 1, 0, 0})
    ->Args({0, 0, 0, 0, 0})
    ->Args({100, 0, 0, 0, 0})
    ->Args({0, 1, 0, 256, 0})
    ->Args({100, 1, 0, 256, 0})
    ->Args({100, 1, 1, 256, 0})
    ->Args({100, 1, 1, 256, 1000})
    ->UseManualTime()
    ->Iterations(20'000)
    ->Unit(benchmark::kMicrosecond);

// The new limit buy the signing benchmarks build bodies for.
OrderCommand limit_buy() {
  OrderCommand command{};
  command.kind = OrderCommandKind::kNew;
  command.type = OrderType::kLimit;
  command.price = Price{6'000'001};
  command.quantity = Quantity{100'000};
  command.client_order_id = ClientOrderId::from("bench-0123456789abcdef-1");
  return command;
}

// Building and HMAC-signing the body of a new order alone, into a reused buffer.
void BM_SignNewOrderRequest(benchmark::State& state) {
  const InstrumentRegistry registry = instruments();
  SimulatedClock clock(1'700'000'000 * kNsPerSecond);
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  BinanceRestClient rest(rest_config(), Secret(std::string(kApiKey)),
                         make_hmac_signer(Secret(std::string(kSecretKey))), clock, tls);
  OrderCommand command = limit_buy();
  std::string body;
  for (auto _ : state) {
    command.created_time_ns += kNsPerMs;
    rest.new_order_body(command, registry.get(0), command.created_time_ns / kNsPerMs, body);
    benchmark::DoNotOptimize(body.data());
  }
  state.counters["request_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_SignNewOrderRequest);

// The floor for BM_SignNewOrderRequest, in the same run: the body's fixed text written once per
// instrument and side, only the price, quantity, client order id and timestamp written per
// order (none of them can need percent-encoding), then the same HMAC (inner and outer SHA-256
// states precomputed) and hex. Checked byte for byte against new_order_body before measuring.
void BM_SignNewOrderRequestFloor(benchmark::State& state) {
  const InstrumentRegistry registry = instruments();
  const Instrument& btc = registry.get(0);
  SimulatedClock clock(1'700'000'000 * kNsPerSecond);
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  BinanceRestClient rest(rest_config(), Secret(std::string(kApiKey)),
                         make_hmac_signer(Secret(std::string(kSecretKey))), clock, tls);
  const auto signer = make_hmac_signer(Secret(std::string(kSecretKey)));
  OrderCommand command = limit_buy();
  const std::string prefix = "symbol=" + std::string(btc.symbol.view()) +
                             "&side=" + std::string(to_string(command.side)) +
                             "&type=LIMIT&timeInForce=GTC&price=";
  const std::string tail = "&newOrderRespType=FULL&recvWindow=" +
                           std::to_string(rest_config().recv_window_ns / kNsPerMs) + "&timestamp=";
  std::string body;
  body.reserve(512);
  const auto build = [&](std::int64_t timestamp) {
    char number[kMaxDecimalText];
    body.assign(prefix);
    body.append(number,
                write_decimal(command.price.raw, btc.price_scale, number, DecimalZeros::kTrimmed));
    body.append("&quantity=");
    body.append(number, write_decimal(command.quantity.raw, btc.quantity_scale, number,
                                      DecimalZeros::kTrimmed));
    body.append("&newClientOrderId=");
    body.append(command.client_order_id.view());
    body.append(tail);
    const auto [end, ignored] = std::to_chars(number, number + sizeof number, timestamp);
    body.append(number, static_cast<std::size_t>(end - number));
    char signature[RequestSigner::kMaxSignature];
    const std::size_t length = signer->sign_to(body, signature);
    body.append("&signature=");
    body.append(signature, length);
  };
  std::string reference;
  rest.new_order_body(command, btc, 1'700'000'000'123, reference);
  build(1'700'000'000'123);
  if (body != reference) {
    state.SkipWithError(("the template's body differs: " + body + " vs " + reference).c_str());
    return;
  }
  std::int64_t timestamp = 1'700'000'000'000;
  for (auto _ : state) {
    build(++timestamp);
    benchmark::DoNotOptimize(body.data());
  }
  state.counters["request_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_SignNewOrderRequestFloor);

// The same for a Binance USD-M order (a reduce-only close: the longest body), next to the spot
// figure above in the same run.
void BM_SignNewUsdmOrderRequest(benchmark::State& state) {
  InstrumentRegistry registry;
  Instrument perpetual = instruments().get(0);
  perpetual.kind = InstrumentKind::kPerpetual;
  perpetual.bracket_count = 1;
  perpetual.bracket_table[0] = MarginBracket{Money{INT64_MAX}, Rate{400'000}, Money{0}, 125};
  registry.add(perpetual);
  const auto signer = make_hmac_signer(Secret(std::string(kSecretKey)));
  OrderCommand command{};
  command.kind = OrderCommandKind::kNew;
  command.type = OrderType::kLimit;
  command.time_in_force = TimeInForce::kImmediateOrCancel;
  command.price = Price{6'000'001};
  command.quantity = Quantity{100'000};
  command.reduce_only = true;
  command.client_order_id = ClientOrderId::from("bench-0123456789abcdef-1");
  NewOrderBodies bodies(BinanceMarket::kUsdm, 5000);
  std::string body;
  for (auto _ : state) {
    command.created_time_ns += kNsPerMs;
    bodies.write(command, registry.get(0), command.created_time_ns / kNsPerMs, *signer, body);
    benchmark::DoNotOptimize(body.data());
  }
  state.counters["request_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_SignNewUsdmOrderRequest);

// What Engine::submit adds up for every order on a perpetual (gross exposure for the exposure
// limit, the account's margin, the cross-margin wallet behind the position), in a universe of
// `instruments` (every other one a perpetual) with three positions held: its cost should
// follow the positions held, not the universe.
void BM_RiskTotalsInAUniverse(benchmark::State& state) {
  InstrumentRegistry registry;
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    Instrument instrument = instruments(i % 2 == 1).get(0);
    instrument.symbol = Symbol::from("T" + std::to_string(i) + "USDT");
    registry.add(instrument);
  }
  Portfolio portfolio(registry, Money{1'000'000 * 100'000'000LL});
  QuoteBook quotes(registry.size());
  for (InstrumentId id = 0; id < registry.size(); ++id) {
    quotes.apply(BestBidOffer{id, 0, 1, Price{6'000'000}, Quantity{100'000'000}, Price{6'000'001},
                              Quantity{100'000'000}, 1});
  }
  const auto last = static_cast<InstrumentId>(registry.size() - 1);
  portfolio.apply_fill(0, Side::kBuy, Price{6'000'000}, Quantity{100'000}, Money{0});
  portfolio.apply_fill(1, Side::kSell, Price{6'000'000}, Quantity{100'000}, Money{0});
  portfolio.apply_fill(last % 2 == 1 ? last : last - 1, Side::kBuy, Price{6'000'000},
                       Quantity{100'000}, Money{0});
  for (auto _ : state) {
    benchmark::DoNotOptimize(portfolio.long_exposure(quotes) + portfolio.short_exposure(quotes));
    benchmark::DoNotOptimize(portfolio.account_margin(quotes));
    benchmark::DoNotOptimize(portfolio.wallet_for(1, quotes));
  }
}
BENCHMARK(BM_RiskTotalsInAUniverse)->Arg(2)->Arg(50)->Arg(500);

// One intent row (order + send event), handed to the writer thread and waited for until
// committed alone. Argument 0: synchronous=NORMAL on /dev/shm,
// the share of BM_MarketEventToSignedOrder that is SQLite. Argument 1: synchronous=FULL on the
// build directory's device: the fsync live mode adds per order.
void BM_JournalIntent(benchmark::State& state) {
  const bool full = state.range(0) == 1;
  const auto directory =
      full ? std::filesystem::current_path() / "sigex-fsync-bench" : scratch("sigex-intent-bench");
  std::filesystem::remove_all(directory);
  std::string error;
  auto journal = Journal::open(directory, full ? Durability::kFull : Durability::kNormal, error);
  if (!journal) {
    state.SkipWithError(error.c_str());
    return;
  }
  Order order;
  order.quantity = Quantity{100'000};
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    order.client_order_id = ClientOrderId::from("bench-" + std::to_string(++sequence));
    if (!journal->record_intent(order, "BTCUSDT") || !journal->flush()) {
      state.SkipWithError("journal write failed");
    }
  }
  journal.reset();
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_JournalIntent)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sigex
