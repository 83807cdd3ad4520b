#pragma once

// The signals a long-running sigex command answers (run, relay, record): SIGTERM and SIGINT
// ask it to stop, SIGHUP to reload its keys and configuration (where it has any), and SIGPIPE
// is ignored (a control client that hangs up must not kill the process); a command with
// nothing to reload leaves SIGHUP as it was. The handlers only
// set flags; the command's loop takes them on its next turn. Installed while the object
// lives; the dispositions from before are restored after (commands also run inside tests).

#include <csignal>

namespace sigex {

class ProcessSignals {
 public:
  enum class Reload { kNo, kOnSighup };
  explicit ProcessSignals(Reload reload);
  ~ProcessSignals();
  ProcessSignals(const ProcessSignals&) = delete;
  ProcessSignals& operator=(const ProcessSignals&) = delete;

  // The signal that asked to stop since the last call (SIGTERM or SIGINT), 0 if none.
  int take_stop() const;
  // Whether SIGHUP arrived since the last call.
  bool take_reload() const;

 private:
  Reload reload_;
  struct sigaction previous_term_ {
  }, previous_int_{}, previous_hup_{}, previous_pipe_{};
};

}  // namespace sigex
