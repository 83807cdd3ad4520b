#pragma once

// The operator console of a running daemon: the verbs `sigex ctl` sends (status, metrics,
// halt, resume, reduce, flatten, reload), answered on the core thread over the session core.
// The daemon hosts it: it records and applies each action (so `replay-check` replays it),
// re-reads the configuration on reload and knows its components and process state. Answers
// start with "ok\n" or "error: ".

#include <cstddef>
#include <string>
#include <string_view>

#include "engine/journal/input_log.h"
#include "engine/runtime/engine.h"
#include "engine/signals/signal_gate.h"
#include "engine/status/daemon_status.h"

namespace sigex {

class ConsoleHost {
 public:
  virtual ~ConsoleHost() = default;
  // Records the action in the input log, then applies it; how many resting orders it canceled.
  virtual std::size_t control(const ControlAction& action) = 0;
  virtual std::string reload() = 0;
  virtual DaemonStatus status() const = 0;
  virtual std::string metrics() const = 0;
  // "" when `scope` is global or a configured instrument; otherwise why it is not.
  virtual std::string check_scope(std::string_view scope) const = 0;
  // A trading state changed: the host republishes its status line.
  virtual void state_changed() = 0;
};

class OperatorConsole {
 public:
  explicit OperatorConsole(ConsoleHost& host) : host_(host) {}

  // "<verb> <arguments>" as `sigex ctl` sends it.
  std::string handle(const std::string& request);

 private:
  std::string set_state(TradingState state, const std::string& arguments);
  std::string flatten(const std::string& reason);

  ConsoleHost& host_;
};

// The session core's part of `ctl status`: trading states, positions and cash, open orders,
// unknown outcomes, risk denials and counters. `signal_gate` may be null (no Token Metrics).
void describe_core(DaemonStatus& status, const Engine& engine, const SignalGate* signal_gate,
                   std::string_view cash_asset);

}  // namespace sigex
