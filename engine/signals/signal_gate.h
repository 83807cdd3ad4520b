#pragma once

// Exactly-once intake of Token Metrics signals and grades. Every signal has a stable identity
// (kind, token, timestamp, value); a poller sees the same rows again and again, and a restart
// must not replay what the strategies already acted on. The rule, per (kind, token):
//   * newer timestamp than the latest seen          -> new;
//   * same timestamp, different value (a revision)   -> new;
//   * same timestamp and value, or an older timestamp -> not delivered (duplicate / outdated).
// A new record older than its maximum age is journaled as stale and not delivered, so it is
// never traded. SignalLatest is the in-memory rule (also used by the poller to avoid
// re-emitting unchanged rows); SignalGate adds the journal, written before the strategies see
// the record, and restored at start-up. Core thread only.

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/journal/journal.h"

namespace sigex {

enum class SignalVerdict : std::uint8_t { kNew, kDuplicate, kOutdated };

class SignalLatest {
 public:
  // Only signals and grades. classify() looks, accept() remembers, admit() does both.
  SignalVerdict classify(const InboundEvent& event) const;
  void accept(const InboundEvent& event);
  SignalVerdict admit(const InboundEvent& event);
  // Restores a remembered identity (start-up).
  void remember(std::string_view kind, TokenId token, TimeNs venue_time_ns, std::int64_t value);
  std::size_t size() const { return latest_.size(); }

 private:
  struct Latest {
    TimeNs venue_time_ns;
    std::int64_t value;
  };
  SignalVerdict classify(std::uint64_t key, TimeNs venue_time_ns, std::int64_t value) const;
  void accept(std::uint64_t key, TimeNs venue_time_ns, std::int64_t value);
  std::unordered_map<std::uint64_t, Latest> latest_;
};

// "daily_signal", "hourly_signal", "trader_grade", "tm_grade", "investor_grade".
std::string_view signal_kind(const InboundEvent& event);
std::int64_t signal_value(const InboundEvent& event);
TimeNs signal_time(const InboundEvent& event);

struct SignalGateConfig {
  DurationNs max_daily_signal_age_ns = 36 * kNsPerHour;
  DurationNs max_hourly_signal_age_ns = 2 * kNsPerHour;
  DurationNs max_grade_age_ns = 48 * kNsPerHour;
};

struct SignalGateCounters {
  std::uint64_t delivered = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t outdated = 0;
  std::uint64_t stale = 0;
  std::uint64_t journal_failures = 0;
};

class SignalGate {
 public:
  SignalGate(SignalGateConfig config, Journal& journal, const InstrumentRegistry& instruments);

  // Loads every identity already journaled.
  void restore();
  // True when the strategies should see the record. Journals every new record first; when the
  // journal cannot be written the record is not delivered (it will come again).
  bool admit(const InboundEvent& event, TimeNs now_ns);

  const SignalGateCounters& counters() const { return counters_; }

 private:
  SignalGateConfig config_;
  Journal& journal_;
  const InstrumentRegistry& instruments_;
  SignalLatest latest_;
  SignalGateCounters counters_;
};

}  // namespace sigex
