#pragma once

// Failpoints: named places where a crash test kills the process with SIGKILL, to prove that a
// crash at exactly that moment loses nothing. Compiled in only when SIGEX_FAILPOINTS is
// defined (the default for test builds; `-DSIGEX_FAILPOINTS=OFF` for production builds, where
// the macro expands to nothing).
//
// Armed from the environment at the first hit: SIGEX_FAILPOINT=<name>[:<n>] kills the process
// at the n-th time (default 1st) the failpoint <name> is reached. Unarmed failpoints cost one
// relaxed atomic load.
//
//   venue.intent_durable    the intent is durable in the journal, the request not yet sent
//   venue.reply_received    the venue answered, the answer not yet journaled
//
// SIGEX_FAILPOINT_TRIGGERED(name) is the non-fatal kind: true from the n-th hit on, for faults
// other than a crash (the daemon's core loop hangs at `run.core_loop_hang`, so tests can watch
// the systemd watchdog pings stop). Always false in production builds.

namespace sigex {

void failpoint_reached(const char* name);
bool failpoint_triggered(const char* name);

}  // namespace sigex

#ifdef SIGEX_FAILPOINTS
#define SIGEX_FAILPOINT(name) ::sigex::failpoint_reached(name)
#define SIGEX_FAILPOINT_TRIGGERED(name) ::sigex::failpoint_triggered(name)
#else
#define SIGEX_FAILPOINT_TRIGGERED(name) false
#define SIGEX_FAILPOINT(name) \
  do {                        \
  } while (false)
#endif
