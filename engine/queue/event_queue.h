#pragma once

// A bounded multi-producer, single-consumer queue of plain records over moodycamel's
// BlockingConcurrentQueue (the consumer can sleep until a record arrives instead of spinning). Each producer thread owns a Producer (a moodycamel producer token); order is
// kept per producer only. Capacity is reserved up front: a push never allocates and fails
// instead when the queue is full, so every caller decides what "full" means for its data.

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include <blockingconcurrentqueue.h>

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
    explicit Producer(EventQueue& queue) : queue_(&queue.queue_), token_(queue.queue_) {}
    // Called from the owning producer thread only. Returns false when the queue is full.
    bool try_push(const Record& record) { return queue_->try_enqueue(token_, record); }
    bool try_push_bulk(const Record* records, std::size_t count) {
      return queue_->try_enqueue_bulk(token_, records, count);
    }

   private:
    moodycamel::BlockingConcurrentQueue<Record>* queue_;
    moodycamel::ProducerToken token_;
  };

  // Consumer side (the core thread only): moves up to `max` records into `out`.
  std::size_t drain(Record* out, std::size_t max) { return queue_.try_dequeue_bulk(out, max); }
  // As drain(), but waits up to `timeout_us` for the first record (0: does not wait).
  std::size_t wait_drain(Record* out, std::size_t max, std::int64_t timeout_us) {
    return queue_.wait_dequeue_bulk_timed(out, max, timeout_us);
  }

  std::size_t approximate_size() const { return queue_.size_approx(); }

 private:
  moodycamel::BlockingConcurrentQueue<Record> queue_;
};

}  // namespace sigex
