#include "adapters/service/systemd_notifier.h"

#include <time.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include <systemd/sd-daemon.h>

namespace sigex {

ServiceNotifier ServiceNotifier::from_environment() {
  ServiceNotifier notifier;
  const char* socket = std::getenv("NOTIFY_SOCKET");
  notifier.enabled_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    notifier.watchdog_ping_interval_ns_ = static_cast<DurationNs>(usec) * 1000 / 2;
  }
  return notifier;
}

void ServiceNotifier::reloading() const {
  if (!enabled_) return;
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  const auto usec = static_cast<std::int64_t>(now.tv_sec) * 1'000'000 + now.tv_nsec / 1000;
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceNotifier::notify(std::string_view state) const {
  if (!enabled_) return;
  sd_notify(0, std::string(state).c_str());
}

void ServiceNotifier::status(std::string_view text) const {
  if (!enabled_) return;
  notify(std::string("STATUS=").append(text));
}

void ServiceNotifier::extend_timeout(DurationNs extra_ns) const {
  if (!enabled_) return;
  notify("EXTEND_TIMEOUT_USEC=" + std::to_string(extra_ns / 1000));
}

}  // namespace sigex
