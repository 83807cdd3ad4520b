#pragma once

// `sigex trading-state`: shows the journaled trading states (global, per instrument, per
// strategy), or sets one. This is how an operator resumes trading after a loss limit or a
// throttle stopped it: a restart alone never does. Run it while the daemon is stopped; the
// daemon reads the states when it starts.

#include <optional>
#include <string>

#include "engine/exe/app_config.h"

namespace sigex {

struct TradingStateOptions {
  std::string state_dir;              // empty: [engine] state_dir
  std::optional<std::string> set;     // ACTIVE, REDUCING or HALTED (any case)
  std::string scope = "global";       // global, instrument:<SYMBOL>, strategy:<tag>
  std::string reason;                 // required with --set
};

// Prints the states to stdout; returns the process exit status (2: bad arguments).
int run_trading_state(const AppConfig& config, const TradingStateOptions& options);

}  // namespace sigex
