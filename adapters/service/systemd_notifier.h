#pragma once

// The service manager's side channel (sd_notify(3)): READY=1, STATUS=, WATCHDOG=1,
// STOPPING=1, RELOADING=1, EXTEND_TIMEOUT_USEC=. Without $NOTIFY_SOCKET (foreground use, CI)
// every call is a no-op and sigex behaves the same otherwise. Thread-safe: sd_notify sends one
// datagram per call. Messages are built by sigex from fixed text and numbers only; nothing
// from a configuration value that could hold a secret is ever passed in.

#include <string_view>

#include "engine/core/time.h"

namespace sigex {

class ServiceNotifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC (respecting $WATCHDOG_PID).
  static ServiceNotifier from_environment();

  bool enabled() const { return enabled_; }
  // 0 when systemd asked for no watchdog; else how often to ping (half of WATCHDOG_USEC).
  DurationNs watchdog_ping_interval_ns() const { return watchdog_ping_interval_ns_; }

  void notify(std::string_view state) const;
  void status(std::string_view text) const;
  // RELOADING=1 with the MONOTONIC_USEC that Type=notify-reload units require; READY=1 ends it.
  void reloading() const;
  // Asks systemd for `extra_ns` more before the start (or stop) times out.
  void extend_timeout(DurationNs extra_ns) const;

 private:
  bool enabled_ = false;
  DurationNs watchdog_ping_interval_ns_ = 0;
};

}  // namespace sigex
