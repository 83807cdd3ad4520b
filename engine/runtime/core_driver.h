#pragma once

// How time moves for the core: one set of rules for the backtest, the paper daemon and
// `sigex replay-check`, so that the same inputs give the same decisions in all three.
//
// With a simulated clock (backtest, paper, replay) the core's time is the inputs' time: an
// event is handled at its receive time, and venue answers and timers that fall between two
// events run first, each at its own time. The clock never moves backwards: an event stamped
// before the current time (it waited in the queue while a tick ran) is handled now. A tick
// moves the time without an input (the paper daemon ticks to the wall clock when something
// is due, so a simulated fill lands even when the market is quiet).
//
// Without one (live) the engine reads the wall clock itself; the driver only records.
// With an input log every event and tick is written before it is handled.

#include "engine/core/simulated_clock.h"
#include "engine/journal/input_log.h"
#include "engine/runtime/engine.h"

namespace sigex {

class CoreDriver {
 public:
  CoreDriver(Engine& engine, SimulatedClock* clock) : engine_(engine), clock_(clock) {}

  void set_input_log(InputLogWriter* log) { log_ = log; }

  void process(const InboundEvent& event);
  void tick(TimeNs time_ns);
  // Runs what is due before `time_ns`, each at its own time, then moves the clock there.
  void advance_to(TimeNs time_ns);
  // Nothing to do for now: a good moment to hand the recorded inputs to the kernel and to
  // write ahead the memory the next orders take.
  void idle() {
    if (log_ != nullptr) log_->flush();
    engine_.prepare_room();
  }

 private:
  void flush_if_ordered(std::uint64_t orders_before) {
    if (log_ != nullptr && engine_.counters().orders_submitted != orders_before) log_->flush();
  }

  Engine& engine_;
  SimulatedClock* clock_;
  InputLogWriter* log_ = nullptr;
};

}  // namespace sigex
