#pragma once

// `sigex run`: the long-running daemon, live or paper. The composition root for both: the
// same engine, risk, OMS and strategies as a backtest, fed by the live market data and Token
// Metrics adapters, trading through the Binance venue (live) or the simulated venue (paper).
//
// Start-up, each phase announced with STATUS= (and logged):
//   configuration validated -> state directory locked -> journal opened and checked ->
//   venue started (live: exchange clock skew, trading rules, balances, open orders) ->
//   reconciliation (every open journal order resolved with the venue; EXTEND_TIMEOUT_USEC
//   while it takes) -> feeds connected -> READY=1.
// Running: WATCHDOG=1 at half of WATCHDOG_USEC while the core loop turns and market data is
// fresh; SIGHUP or `ctl reload` re-reads the configuration; SIGTERM/SIGINT stop it.
// Stopping: STOPPING=1, new orders denied, resting orders canceled (on_stop = "cancel") or
// left, the journal flushed, exit 0.
// Paper mode runs the core on a simulated clock driven by the inputs' receive times (as a
// backtest does); every input, clock tick and operator action is recorded in
// <state_dir>/inputs/ ([service] record_inputs), so `sigex replay-check` can replay it.

#include <string>

#include "engine/exe/app_config.h"

namespace sigex {

// Orders of sigex's strategies on the exchange account that the journal does not know.
enum class UnknownOrderDecision : std::uint8_t {
  kRefuse,  // default: do not start, name them
  kAdopt,   // take them (and their fills) into the journal
  kIgnore,  // record that they are not this journal's and start
};

struct RunOptions {
  std::string config_path;  // re-read on reload
  std::string config_text;  // what `config` was read from (recorded in the input log)
  UnknownOrderDecision unknown_orders = UnknownOrderDecision::kRefuse;
  // Start although the journal is missing or empty next to evidence of earlier runs.
  bool new_journal = false;
};

// Exit codes: 0 stopped cleanly, 1 could not start or failed while running (see the log).
int run_daemon(const AppConfig& config, const RunOptions& options);

}  // namespace sigex
