// One queue hop: an InboundEvent from a producer thread to the core thread.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "engine/events/events.h"
#include "engine/queue/event_queue.h"

namespace {

using sigex::EventQueue;
using sigex::InboundEvent;

// Throughput: push and drain on one thread (no contention): the cost of the hop itself.
void BM_QueuePushDrainSameThread(benchmark::State& state) {
  EventQueue<InboundEvent> queue(4096, 1);
  EventQueue<InboundEvent>::Producer producer(queue);
  std::vector<InboundEvent> out(256);
  InboundEvent event;
  for (auto _ : state) {
    for (int i = 0; i < 256; ++i) producer.try_push(event);
    benchmark::DoNotOptimize(queue.drain(out.data(), out.size()));
  }
  state.SetItemsProcessed(state.iterations() * 256);
}
BENCHMARK(BM_QueuePushDrainSameThread);

// Latency: a producer thread stamps each event with steady_clock and the consumer measures
// the delay until it dequeues it. Reports p50/p99/p99.9 in ns as counters.
void BM_QueueHopLatency(benchmark::State& state) {
  constexpr int kEvents = 200'000;
  for (auto _ : state) {
    EventQueue<InboundEvent> queue(4096, 1);
    std::atomic<bool> go{false};
    std::thread producer_thread([&] {
      EventQueue<InboundEvent>::Producer producer(queue);
      while (!go.load(std::memory_order_acquire)) {
      }
      for (int i = 0; i < kEvents;) {
        InboundEvent event;
        event.kind = sigex::MarketEventKind::kTrade;
        event.trade = sigex::TradeTick{};
        event.trade.receive_time_ns = std::chrono::steady_clock::now().time_since_epoch().count();
        if (producer.try_push(event)) ++i;
        // Pace the producer so that we measure a hop, not a backlog.
        const auto until = std::chrono::steady_clock::now() + std::chrono::nanoseconds(500);
        while (std::chrono::steady_clock::now() < until) {
        }
      }
    });
    std::vector<std::int64_t> latencies;
    latencies.reserve(kEvents);
    std::vector<InboundEvent> out(64);
    go.store(true, std::memory_order_release);
    while (static_cast<int>(latencies.size()) < kEvents) {
      const std::size_t count = queue.drain(out.data(), out.size());
      const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
      for (std::size_t i = 0; i < count; ++i)
        latencies.push_back(now - out[i].trade.receive_time_ns);
    }
    producer_thread.join();
    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
      return static_cast<double>(latencies[static_cast<std::size_t>(p * (latencies.size() - 1))]);
    };
    state.counters["p50_ns"] = percentile(0.50);
    state.counters["p99_ns"] = percentile(0.99);
    state.counters["p99.9_ns"] = percentile(0.999);
  }
  state.SetItemsProcessed(state.iterations() * kEvents);
}
BENCHMARK(BM_QueueHopLatency)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
