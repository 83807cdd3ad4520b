#include "engine/core/failpoint.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace sigex {
namespace {

// What SIGEX_FAILPOINT asked for, read once: the environment is the only input.
struct ArmedFailpoint {
  std::string name;
  long countdown = 0;  // hits left before the kill

  ArmedFailpoint() {
    const char* spec = std::getenv("SIGEX_FAILPOINT");
    if (spec == nullptr || *spec == '\0') return;
    const std::string text(spec);
    const auto colon = text.find(':');
    name = text.substr(0, colon);
    countdown = colon == std::string::npos ? 1 : std::strtol(text.c_str() + colon + 1, nullptr, 10);
  }
};

const ArmedFailpoint& armed_failpoint() {
  static const ArmedFailpoint armed;
  return armed;
}

std::atomic<long>& remaining_hits() {
  static std::atomic<long> remaining{armed_failpoint().countdown};
  return remaining;
}

}  // namespace

void failpoint_reached(const char* name) {
  const ArmedFailpoint& armed = armed_failpoint();
  if (armed.name.empty() || armed.name != name) return;
  if (remaining_hits().fetch_sub(1, std::memory_order_relaxed) == 1) {
    std::raise(SIGKILL);
  }
}

bool failpoint_triggered(const char* name) {
  const ArmedFailpoint& armed = armed_failpoint();
  if (armed.name.empty() || armed.name != name) return false;
  return remaining_hits().fetch_sub(1, std::memory_order_relaxed) <= 1;
}

}  // namespace sigex
