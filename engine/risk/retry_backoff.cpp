#include "engine/risk/retry_backoff.h"

#include <algorithm>

namespace sigex {

TimeNs RetryBackoff::on_refused(std::size_t strategy, InstrumentId instrument, TimeNs now_ns) {
  Entry& entry = entries_[{strategy, instrument}];
  DurationNs wait = initial_ns_;
  for (int i = 0; i < entry.refusals && wait < max_ns_; ++i) wait *= 2;
  ++entry.refusals;
  entry.retry_at_ns = now_ns + std::min(wait, max_ns_);
  return entry.retry_at_ns;
}

void RetryBackoff::on_success(std::size_t strategy, InstrumentId instrument) {
  entries_.erase({strategy, instrument});
}

bool RetryBackoff::allows(std::size_t strategy, InstrumentId instrument, TimeNs now_ns) const {
  const auto found = entries_.find({strategy, instrument});
  return found == entries_.end() || now_ns >= found->second.retry_at_ns;
}

int RetryBackoff::refusals(std::size_t strategy, InstrumentId instrument) const {
  const auto found = entries_.find({strategy, instrument});
  return found == entries_.end() ? 0 : found->second.refusals;
}

}  // namespace sigex
