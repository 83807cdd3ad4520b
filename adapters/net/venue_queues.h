#pragma once

// The two lock-free queues between the core thread and a live venue's I/O thread: commands
// (new orders, cancels, lookups) one way, ExecutionEvents the other. Every live venue serves
// the core's ExecutionVenue port through one of these, so sending, polling, waiting for answers
// and counting what the I/O thread still has to handle work alike on every venue.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

#include <blockingconcurrentqueue.h>

#include "engine/core/time.h"
#include "engine/events/events.h"
#include "engine/queue/hand_over_poll.h"

namespace sigex {

class VenueQueues {
 public:
  // Core thread: hands a command to the I/O thread.
  void send(const OrderCommand& command) {
    sent_.fetch_add(1, std::memory_order_relaxed);
    commands_.enqueue(command);
  }

  // Core thread: appends every answer waiting, in the order the I/O thread gave them.
  void poll(std::vector<ExecutionEvent>& out) {
    out.insert(out.end(), waiting_.begin(), waiting_.end());
    waiting_.clear();
    ExecutionEvent events[64];
    for (;;) {
      const std::size_t count = answers_.try_dequeue_bulk(events, 64);
      out.insert(out.end(), events, events + count);
      if (count < 64) return;
    }
  }

  // Core thread: waits at most `timeout_ns` for an answer; true when one is waiting (handed
  // out first by the next poll()).
  bool wait_for_answers(DurationNs timeout_ns) {
    if (!waiting_.empty()) return true;
    ExecutionEvent event;
    if (!answers_.wait_dequeue_timed(event, std::max<DurationNs>(timeout_ns / 1000, 0)))
      return false;
    waiting_.push_back(event);
    return true;
  }

  // Any thread: the I/O thread's serve_one() returns at once, with nothing to handle.
  void wake() {
    OrderCommand nothing{};
    nothing.instrument = kNoInstrument;
    send(nothing);
  }

  // [service] io_poll_us, any thread: after each command it served, the I/O thread polls for
  // the next one for `window_ns` before it sleeps, so that the core thread's send needs no
  // wake-up call (HandOverPoll). 0: it sleeps at once.
  void poll_for_commands(const Clock* clock, DurationNs window_ns) {
    commands_poll_.set(clock, window_ns);
  }
  const HandOverPoll& command_hand_overs() const { return commands_poll_; }

  // I/O thread: waits at most `timeout_ns` for a command and calls `handle` with it (not for a
  // wake); the command counts as handled once `handle` returned, its answers queued. False
  // when nothing arrived.
  template <typename Handle>
  bool serve_one(DurationNs timeout_ns, Handle&& handle) {
    OrderCommand command;
    const bool took = commands_poll_.next([&] { return commands_.try_dequeue(command); },
                                          [&](DurationNs left_ns) {
                                            return commands_.wait_dequeue_timed(
                                                command, std::max<DurationNs>(left_ns / 1000, 0));
                                          },
                                          timeout_ns);
    if (!took) return false;
    if (command.instrument != kNoInstrument) handle(command);
    handled_.fetch_add(1, std::memory_order_release);
    return true;
  }

  // Any thread (the I/O thread and the venue's stream threads): an answer for the core.
  void answer(const ExecutionEvent& event) { answers_.enqueue(event); }

  // Commands sent that the I/O thread has not handled yet (a wake counts as one). Tests and
  // tools that drive the core by hand wait for 0 before moving simulated time on.
  std::uint64_t pending() const {
    return sent_.load(std::memory_order_relaxed) - handled_.load(std::memory_order_acquire);
  }

 private:
  moodycamel::BlockingConcurrentQueue<OrderCommand> commands_;
  moodycamel::BlockingConcurrentQueue<ExecutionEvent> answers_;
  std::atomic<std::uint64_t> sent_{0};     // core thread (and wakes)
  std::atomic<std::uint64_t> handled_{0};  // I/O thread
  std::vector<ExecutionEvent> waiting_;    // core thread: taken by wait_for_answers()
  HandOverPoll commands_poll_;             // how the I/O thread waits for the next command
};

// A thread that does nothing but serve a VenueQueues' commands with `handle`, taking each as a
// venue's I/O thread would (polling or asleep, as poll_for_commands() says), until it is
// destroyed. Tests and benchmarks stand it in for a venue's I/O thread.
class CommandServer {
 public:
  CommandServer(VenueQueues& queues, std::function<void(const OrderCommand&)> handle)
      : queues_(queues), handle_(std::move(handle)) {
    thread_ = std::thread([this] {
      while (!stopping_.load(std::memory_order_relaxed)) {
        queues_.serve_one(kNsPerSecond, handle_);
      }
    });
  }
  ~CommandServer() {
    stopping_ = true;
    queues_.wake();
    thread_.join();
  }
  CommandServer(const CommandServer&) = delete;
  CommandServer& operator=(const CommandServer&) = delete;

 private:
  VenueQueues& queues_;
  std::function<void(const OrderCommand&)> handle_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sigex
