#pragma once

// A bounded multi-producer, single-consumer queue of plain records over moodycamel's
// ConcurrentQueue. Each producer thread owns a Producer (a moodycamel producer token); order is
// kept per producer only. Capacity is reserved up front: a push never allocates and fails
// instead when the queue is full, so every caller decides what "full" means for its data.
//
// An idle consumer may sleep (wait_drain) instead of spinning. The data path stays lock-free:
// a producer only rings the doorbell (a mutex and condition variable) when the consumer has
// said it is going to sleep, which costs a busy consumer nothing but one fence and one load
// per push. (moodycamel's BlockingConcurrentQueue signals a semaphore on every push; measured
// in bench/queue_bench.cpp it tripled the hop's p99.)

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <type_traits>

#include <concurrentqueue.h>

namespace sigex {

template <typename Record>
class EventQueue {
  static_assert(std::is_trivially_copyable_v<Record>, "queue records must be plain data");

 public:
  // `capacity_per_producer` slots are reserved for each of up to `max_producers` producers.
  EventQueue(std::size_t capacity_per_producer, std::size_t max_producers)
      : queue_(capacity_per_producer * max_producers, max_producers, 0) {}

  class Producer {
   public:
    explicit Producer(EventQueue& queue) : owner_(&queue), token_(queue.queue_) {}
    // Called from the owning producer thread only. Returns false when the queue is full.
    bool try_push(const Record& record) {
      if (!owner_->queue_.try_enqueue(token_, record)) return false;
      owner_->ring();
      return true;
    }
    bool try_push_bulk(const Record* records, std::size_t count) {
      if (!owner_->queue_.try_enqueue_bulk(token_, records, count)) return false;
      owner_->ring();
      return true;
    }

   private:
    EventQueue* owner_;
    moodycamel::ProducerToken token_;
  };

  // Consumer side (the core thread only): moves up to `max` records into `out`.
  std::size_t drain(Record* out, std::size_t max) { return queue_.try_dequeue_bulk(out, max); }

  // As drain(), but when the queue is empty checks it `spins` more times, then sleeps until a
  // producer pushes or `timeout_us` passes. Returns what it drained (0 on timeout).
  std::size_t wait_drain(Record* out, std::size_t max, std::int64_t timeout_us, int spins = 256) {
    std::size_t count = queue_.try_dequeue_bulk(out, max);
    for (int spin = 0; count == 0 && spin < spins; ++spin)
      count = queue_.try_dequeue_bulk(out, max);
    if (count > 0 || timeout_us <= 0) return count;
    std::unique_lock lock(mutex_);
    sleeping_.store(true, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the fence in ring()
    count = queue_.try_dequeue_bulk(out, max);            // pushed before the producer saw the flag
    if (count == 0) wake_.wait_for(lock, std::chrono::microseconds(timeout_us));
    sleeping_.store(false, std::memory_order_relaxed);
    lock.unlock();
    if (count == 0) count = queue_.try_dequeue_bulk(out, max);
    return count;
  }

  std::size_t approximate_size() const { return queue_.size_approx(); }

 private:
  void ring() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (!sleeping_.load(std::memory_order_relaxed)) return;
    std::lock_guard lock(mutex_);
    wake_.notify_one();
  }

  moodycamel::ConcurrentQueue<Record> queue_;
  std::atomic<bool> sleeping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace sigex
