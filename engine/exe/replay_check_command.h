#pragma once

// `sigex replay-check --session STATE_DIR`: replays a paper or live session's recorded inputs
// (<state_dir>/inputs/, written by `sigex run`) through the backtester's simulated venue, with
// the same engine, strategies, risk and OMS, run by run (each restart rebuilt from the replay's
// own journal, as the daemon rebuilt itself from its journal), then compares the decisions
// order by order: instrument, side, type, price, quantity and client order id. Paper sessions
// must match exactly, fills included; a live session's fills came from the exchange, so its
// differences show where the simulated venue and the real one parted.
//
// Exit codes: 0 no difference, 1 differences (each one printed), 2 the session cannot be read.

#include <optional>
#include <string>

namespace sigex {

struct ReplayCheckOptions {
  std::string session_dir;
  std::optional<std::string> out_dir;  // where the replay's journal is kept; default: removed
};

int run_replay_check(const ReplayCheckOptions& options);

}  // namespace sigex
