// The relay hop on loopback, with a real nats-server -js (Debian's, as the tests start it):
// a record the relay has received (stamped with its receive time) → RelayPublisher →
// JetStream → an engine's NatsMarketDataFeed → the engine's inbound queue, where the core
// would take it. And the relay's throughput with ten engines subscribed to one instrument.
//
//   build-release/bench/relay_bench --benchmark_repetitions=3
//   --benchmark_report_aggregates_only=true
//
// Latency counters are in microseconds: p50_us, p99_us, p999_us, measured on the engine's
// side from the record's receive time, one message every 200 µs (the relay's live pace is far
// lower; the spacing keeps the measure free of queueing).

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "adapters/nats/connection.h"
#include "adapters/nats/market_subscriber.h"
#include "adapters/nats/relay_publisher.h"
#include "engine/core/live_clock.h"
#include "engine/events/events.h"
#include "engine/queue/event_queue.h"
#include "support/nats_server.h"

namespace {

using namespace sigex;

// A nats-server, one instrument, the relay's publisher: what every benchmark here needs.
class RelaySetup {
 public:
  RelaySetup()
      : store_(std::filesystem::temp_directory_path() /
               ("sigex-relay-bench-" + std::to_string(::getpid()))),
        server_(store_) {
    std::string error;
    if (!server_.start(error)) throw std::runtime_error(error);
    config.url = server_.url();
    Instrument eth;
    eth.symbol = Symbol::from("ETHUSDT");
    eth.venue = VenueName::from("binance");
    eth.price_scale = 2;
    eth.quantity_scale = 4;
    instruments.add(eth);
    nats = NatsConnection::connect(config, error);
    if (nats == nullptr) throw std::runtime_error(error);
    publisher =
        std::make_unique<RelayPublisher>(config, instruments, std::vector<std::string>{"binance"},
                                         static_cast<std::uint64_t>(clock.now_ns()));
    publisher->report_connection(nats.get());
    if (!publisher->ensure_streams(*nats, error)) throw std::runtime_error(error);
  }
  ~RelaySetup() {
    nats.reset();
    server_.stop();
    std::error_code ignored;
    std::filesystem::remove_all(store_, ignored);
  }

  InboundEvent quote(std::int64_t bid) const {
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    event.best_bid_offer = BestBidOffer{
        0, 0, clock.now_ns(), Price{bid}, Quantity{10'000}, Price{bid + 1}, Quantity{10'000}, 0};
    return event;
  }

  NatsConfig config;
  InstrumentRegistry instruments;
  LiveClock clock;
  std::unique_ptr<NatsConnection> nats;
  std::unique_ptr<RelayPublisher> publisher;

 private:
  std::filesystem::path store_;
  testing::NatsServer server_;
};

// An engine's side: its subscriber and the queue its core drains.
struct Subscriber {
  Subscriber(const RelaySetup& setup)
      : queue(1 << 16, 1), feed(setup.config, "binance", setup.instruments, queue, setup.clock) {
    std::string error;
    if (!feed.start(error)) throw std::runtime_error(error);
  }
  EventQueue<InboundEvent> queue;
  NatsMarketDataFeed feed;
};

double percentile(std::vector<std::int64_t>& values, double p) {
  if (values.empty()) return 0;
  const auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return static_cast<double>(values[at]) / 1000.0;
}

// Relay receive time → record in the engine's queue, one message every 200 µs.
void BM_RelayHopLatency(benchmark::State& state) {
  constexpr int kMessages = 5'000;
  RelaySetup setup;
  Subscriber engine(setup);
  std::vector<std::int64_t> latencies;
  for (auto _ : state) {
    latencies.clear();
    latencies.reserve(kMessages);
    std::thread core([&] {
      std::vector<InboundEvent> batch(256);
      const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (latencies.size() < kMessages && std::chrono::steady_clock::now() < give_up) {
        // Sleeps until the subscriber rings (the daemon's core waits the same way).
        const std::size_t count = engine.queue.wait_drain(batch.data(), batch.size(), 1000);
        const TimeNs now_ns = setup.clock.now_ns();
        for (std::size_t i = 0; i < count; ++i) {
          if (batch[i].kind != MarketEventKind::kBestBidOffer) continue;
          latencies.push_back(now_ns - batch[i].best_bid_offer.receive_time_ns);
        }
      }
    });
    auto next = std::chrono::steady_clock::now();
    for (int i = 0; i < kMessages; ++i) {
      next += std::chrono::microseconds(200);
      std::this_thread::sleep_until(next);
      setup.publisher->on_event(setup.nats.get(), setup.quote(300'000 + i));
    }
    core.join();
  }
  state.counters["p50_us"] = percentile(latencies, 0.50);
  state.counters["p99_us"] = percentile(latencies, 0.99);
  state.counters["p999_us"] = percentile(latencies, 0.999);
  state.counters["dropped"] = static_cast<double>(setup.publisher->counters().market_dropped);
}
BENCHMARK(BM_RelayHopLatency)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// Ten engines on one relay: the relay publishes a burst as fast as it can (at most
// NatsConnection::kMaxAsyncPending unacknowledged); the time runs until every engine holds
// every record the relay published. msgs_per_s: messages the relay published per second;
// records_delivered_per_s: records that reached an engine's queue per second (ten per
// message); dropped: messages refused for lack of room (the subscribers resync on the gaps).
void BM_RelayThroughputTenEngines(benchmark::State& state) {
  constexpr int kEngines = 10;
  constexpr int kMessages = 20'000;
  RelaySetup setup;
  std::vector<std::unique_ptr<Subscriber>> engines;
  for (int i = 0; i < kEngines; ++i) engines.push_back(std::make_unique<Subscriber>(setup));
  double seconds = 0;
  int complete_engines = 0;
  for (auto _ : state) {
    std::atomic<int> complete{0};
    std::atomic<int> published{kMessages + 1};  // known once every publish is acknowledged
    std::vector<std::thread> cores;
    for (auto& engine : engines) {
      cores.emplace_back([&engine, &complete, &published] {
        std::vector<InboundEvent> batch(1024);
        int received = 0;
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (received < published.load() && std::chrono::steady_clock::now() < give_up) {
          const std::size_t count = engine->queue.wait_drain(batch.data(), batch.size(), 1000);
          for (std::size_t i = 0; i < count; ++i)
            received += batch[i].kind == MarketEventKind::kBestBidOffer ? 1 : 0;
        }
        if (received >= published.load()) complete.fetch_add(1);
      });
    }
    const auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < kMessages; ++i)
      setup.publisher->on_event(setup.nats.get(), setup.quote(300'000 + i));
    setup.nats->wait_async(30 * kNsPerSecond);
    published.store(kMessages - static_cast<int>(setup.publisher->counters().market_dropped));
    for (auto& core : cores) core.join();
    complete_engines = complete.load();
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }
  const double delivered = kMessages - setup.publisher->counters().market_dropped;
  state.counters["msgs_per_s"] = delivered / seconds;
  state.counters["records_delivered_per_s"] = kEngines * delivered / seconds;
  state.counters["engines_complete"] = complete_engines;
  state.counters["dropped"] = static_cast<double>(setup.publisher->counters().market_dropped);
}
BENCHMARK(BM_RelayThroughputTenEngines)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
