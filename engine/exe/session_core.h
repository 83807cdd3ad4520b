#pragma once

// The trading core of a `sigex run` session: engine, signal gate, configured strategies and the
// operator's flatten strategy, composed in one place for the daemon and for `sigex
// replay-check`, with the operator actions applied by one function. What the daemon does and
// what the replay does can then only differ in their inputs.

#include <memory>
#include <string>

#include "engine/console/flatten_strategy.h"
#include "engine/core/clock.h"
#include "engine/exe/app_config.h"
#include "engine/journal/input_log.h"
#include "engine/runtime/engine.h"
#include "engine/sim/simulated_venue.h"

namespace sigex {

struct SessionCore {
  std::unique_ptr<Engine> engine;
  std::unique_ptr<SignalGate> signal_gate;
  FlattenStrategy* flatten = nullptr;
};

// The paper venue as the journal left it: balances from the fills, resting orders from the
// accepted ones (a restarted paper session continues where it stopped).
std::unique_ptr<SimulatedVenue> restore_paper_venue(const AppConfig& config,
                                                    const InstrumentRegistry& instruments,
                                                    Journal& journal);

// Not started: the caller adds observers and policies, then calls engine->start(). A paper
// venue (if any) also watches the market.
SessionCore compose_session_core(const AppConfig& config, const InstrumentRegistry& instruments,
                                 const Clock& clock, Journal& journal, ExecutionVenue& venue,
                                 SimulatedVenue* paper_venue);

// Applies an operator action at the core's current time. Returns how many resting orders it
// canceled. A reload's configuration text must already be valid (the daemon checks it first).
std::size_t apply_control(SessionCore& core, const ControlAction& action, const Clock& clock);

}  // namespace sigex
