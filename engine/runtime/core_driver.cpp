#include "engine/runtime/core_driver.h"

namespace sigex {

void CoreDriver::advance_to(TimeNs time_ns) {
  if (clock_ == nullptr) return;
  for (TimeNs due = engine_.next_due_time_ns(); due < time_ns; due = engine_.next_due_time_ns()) {
    clock_->advance_to(due);
    engine_.run_due();
  }
  clock_->advance_to(time_ns);
}

void CoreDriver::process(const InboundEvent& event) {
  if (log_ != nullptr) log_->event(event);
  const std::uint64_t orders_before = engine_.counters().orders_submitted;
  advance_to(event.receive_time_ns());
  engine_.process(event);
  flush_if_ordered(orders_before);
}

void CoreDriver::tick(TimeNs time_ns) {
  if (log_ != nullptr) log_->tick(time_ns);
  const std::uint64_t orders_before = engine_.counters().orders_submitted;
  advance_to(time_ns);
  engine_.run_due();
  flush_if_ordered(orders_before);
}

}  // namespace sigex
