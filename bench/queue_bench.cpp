// One queue hop: an InboundEvent from a producer thread to the core thread.
#include <benchmark/benchmark.h>

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <array>
#include <memory>
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

// ---- Ping-pong between two pinned threads, the queue against its floors -------------------
//
// Thread A sends a record to thread B, which sends it back; the round trip over two is one
// hop. Three channels in the same run, so their ratio holds on a shared VM where absolute
// times drift (bench/RESULTS.md): sigex's EventQueue, a minimal single-producer ring of the
// same 88-byte records (the floor for a queue of records), and one bare cache line that each
// side writes and the other spins on (the floor for any hand-off between two cores).
// Threads are pinned to CPUs 0 and 1 when the machine has two.

void pin_to(int cpu) {
  if (std::thread::hardware_concurrency() < 2) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// The minimal single-producer single-consumer ring: a power-of-two array, a head and a tail
// on cache lines of their own, release/acquire and nothing else.
class SpscRing {
 public:
  bool try_push(const InboundEvent& event) {
    const std::uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_cache_ == kSize) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail - head_cache_ == kSize) return false;
    }
    slots_[tail & (kSize - 1)] = event;
    tail_.store(tail + 1, std::memory_order_release);
    return true;
  }
  bool try_pop(InboundEvent& event) {
    const std::uint64_t head = head_.load(std::memory_order_relaxed);
    if (head == tail_cache_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head == tail_cache_) return false;
    }
    event = slots_[head & (kSize - 1)];
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

 private:
  static constexpr std::uint64_t kSize = 1024;
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  alignas(64) std::uint64_t head_cache_ = 0;  // the producer's view
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::uint64_t tail_cache_ = 0;  // the consumer's view
  alignas(64) std::array<InboundEvent, kSize> slots_{};
};

// One cache line per direction: the writer stores a sequence number, the reader spins on it.
struct CacheLine {
  alignas(64) std::atomic<std::uint64_t> sequence{0};
  char padding[64 - sizeof(std::atomic<std::uint64_t>)];
};

constexpr int kRounds = 100'000;

// `send(direction, i)` and `receive(direction, i)` (spinning until round i arrives) on the
// channel of `direction` (0: A to B, 1: B to A). Reports the one-way hop's p50/p99/p99.9.
template <typename Send, typename Receive>
void ping_pong(benchmark::State& state, Send send, Receive receive) {
  std::vector<std::int64_t> hops(kRounds);
  cpu_set_t before;
  pthread_getaffinity_np(pthread_self(), sizeof before, &before);
  for (auto _ : state) {
    std::thread echo([&] {
      pin_to(1);
      for (int i = 1; i <= kRounds; ++i) {
        receive(0, i);
        send(1, i);
      }
    });
    pin_to(0);
    for (int i = 1; i <= kRounds; ++i) {
      const auto started = std::chrono::steady_clock::now();
      send(0, i);
      receive(1, i);
      hops[static_cast<std::size_t>(i - 1)] =
          (std::chrono::steady_clock::now() - started).count() / 2;
    }
    echo.join();
  }
  pthread_setaffinity_np(pthread_self(), sizeof before, &before);
  std::sort(hops.begin(), hops.end());
  const auto percentile = [&hops](double p) {
    return static_cast<double>(hops[static_cast<std::size_t>(p * (hops.size() - 1))]);
  };
  state.counters["p50_ns"] = percentile(0.50);
  state.counters["p99_ns"] = percentile(0.99);
  state.counters["p99.9_ns"] = percentile(0.999);
}

void BM_PingPongEventQueue(benchmark::State& state) {
  std::array<EventQueue<InboundEvent>, 2> queues{EventQueue<InboundEvent>(4096, 1),
                                                 EventQueue<InboundEvent>(4096, 1)};
  // Each direction's producer token belongs to its sending thread: made there on first use.
  thread_local std::unique_ptr<EventQueue<InboundEvent>::Producer> producer;
  ping_pong(
      state,
      [&queues](int direction, int round) {
        if (!producer) producer = std::make_unique<EventQueue<InboundEvent>::Producer>(
                           queues[static_cast<std::size_t>(direction)]);
        InboundEvent event;
        event.kind = sigex::MarketEventKind::kTrade;
        event.trade = sigex::TradeTick{};
        event.trade.trade_id = static_cast<std::uint64_t>(round);
        while (!producer->try_push(event)) {
        }
      },
      [&queues](int direction, int) {
        InboundEvent event;
        while (queues[static_cast<std::size_t>(direction)].drain(&event, 1) == 0) {
        }
        benchmark::DoNotOptimize(event);
      });
  producer.reset();
}
BENCHMARK(BM_PingPongEventQueue)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PingPongSpscRingFloor(benchmark::State& state) {
  std::array<SpscRing, 2> rings;
  ping_pong(
      state,
      [&rings](int direction, int round) {
        InboundEvent event;
        event.kind = sigex::MarketEventKind::kTrade;
        event.trade = sigex::TradeTick{};
        event.trade.trade_id = static_cast<std::uint64_t>(round);
        while (!rings[static_cast<std::size_t>(direction)].try_push(event)) {
        }
      },
      [&rings](int direction, int) {
        InboundEvent event;
        while (!rings[static_cast<std::size_t>(direction)].try_pop(event)) {
        }
        benchmark::DoNotOptimize(event);
      });
}
BENCHMARK(BM_PingPongSpscRingFloor)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_PingPongCacheLineFloor(benchmark::State& state) {
  std::array<CacheLine, 2> lines;
  ping_pong(
      state,
      [&lines](int direction, int round) {
        lines[static_cast<std::size_t>(direction)].sequence.store(
            static_cast<std::uint64_t>(round), std::memory_order_release);
      },
      [&lines](int direction, int round) {
        while (lines[static_cast<std::size_t>(direction)].sequence.load(
                   std::memory_order_acquire) != static_cast<std::uint64_t>(round)) {
        }
      });
}
BENCHMARK(BM_PingPongCacheLineFloor)->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
