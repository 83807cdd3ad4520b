#pragma once

// Requests from other threads (the control socket's, the metrics endpoint's) answered by a
// process's one loop thread, which owns everything they ask about: the daemon's core, the
// relay's publisher. The asking thread waits at most `timeout` for its answer; the loop
// answers every waiting request on each turn, or refuses them all while it stops.

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <concurrentqueue.h>

#include "engine/core/time.h"

namespace sigex {

class LoopCalls {
 public:
  // Any thread. The loop's answer, or an error line when it does not come within `timeout`.
  std::string ask(std::string request, DurationNs timeout_ns, std::string_view who) {
    auto call = std::make_shared<Call>();
    call->request = std::move(request);
    auto answer = call->answer.get_future();
    calls_.enqueue(call);
    if (answer.wait_for(std::chrono::nanoseconds(timeout_ns)) != std::future_status::ready) {
      return fmt_timeout(timeout_ns, who);
    }
    return answer.get();
  }

  // The loop thread: answers each waiting request with `handler(request)`.
  template <typename Handler>
  void answer(Handler&& handler) {
    std::shared_ptr<Call> call;
    while (calls_.try_dequeue(call)) call->answer.set_value(handler(call->request));
  }

  // The loop thread, stopping: every waiting request gets `reply`.
  void refuse(std::string_view reply) {
    answer([reply](const std::string&) { return std::string(reply); });
  }

 private:
  struct Call {
    std::string request;
    std::promise<std::string> answer;
  };
  static std::string fmt_timeout(DurationNs timeout_ns, std::string_view who) {
    return "error: the " + std::string(who) + " did not answer within " +
           std::to_string(timeout_ns / kNsPerSecond) +
           " s (it may be stuck; the watchdog will tell systemd)\n";
  }

  moodycamel::ConcurrentQueue<std::shared_ptr<Call>> calls_;
};

}  // namespace sigex
