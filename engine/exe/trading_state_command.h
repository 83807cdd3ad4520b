#pragma once

// `sigex trading-state`: shows the journaled trading states (global, per instrument, per
// strategy), or sets one. This is how an operator resumes trading after a loss limit or a
// throttle stopped it: a restart alone never does. It edits the journal, so it refuses to set
// a state while a daemon holds the state directory: use `sigex ctl halt|resume` then.

#include <optional>
#include <string>

#include "engine/exe/app_config.h"

namespace sigex {

struct TradingStateOptions {
  std::string state_dir;           // empty: [engine] state_dir
  std::optional<std::string> set;  // ACTIVE, REDUCING or HALTED (any case)
  std::string scope = "global";    // global, instrument:<SYMBOL>, strategy:<tag>
  std::string reason;              // required with --set
};

// Empty when the scope names something this configuration has; otherwise why not.
std::string check_scope(const AppConfig& config, const std::string& scope);

// Prints the states to stdout; returns the process exit status (2: bad arguments).
int run_trading_state(const AppConfig& config, const TradingStateOptions& options);

}  // namespace sigex
