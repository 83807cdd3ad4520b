#pragma once

// When a Token Metrics row could first have been known, and what a backtest does about rows
// its input claims to know earlier.
//
// Token Metrics computes a daily grade or signal dated D from D's market data, so the row is
// not published before D ends; an hourly row dated H not before H's hour ends. A backtest
// that acts on a row at its date has seen the future (on real BTC trader grades one and the
// same rule returns ~45x instead of ~1.8x). The assumption is per kind of row: the delay
// after the row's date at which it is taken as published (default: its period). A replayed
// row that arrives earlier is held back and delivered at its publication time, so no
// backtest acts on a row before it; the count of rows held is reported.
//
// PublicationObservations measures the evidence: for rows recorded live (`sigex record`
// polling Token Metrics), the delay between each row's date and its first appearance, so the
// assumption can be calibrated. Rows written by `sigex fetch-history` are not evidence (their
// stamp is the assumption itself) and are left out.

#include <array>
#include <cstdint>
#include <queue>
#include <set>
#include <string_view>
#include <tuple>
#include <vector>

#include "engine/events/events.h"

namespace sigex {

enum class PublishedRow : std::uint8_t { kDailySignal, kHourlySignal, kGrade, kCount };
std::string_view to_string(PublishedRow row);

// The row kind of a Token Metrics record; kCount for any other event.
PublishedRow published_row_of(const InboundEvent& event);

// A row dated T is taken as published at the first poll time at or after T + delay_ns
// (polls every poll_interval_ns, poll_offset_ns past the boundary): what a live poller would
// have seen, and how `sigex fetch-history` stamps rows.
struct PublicationRule {
  DurationNs delay_ns = kNsPerDay;
  DurationNs poll_interval_ns = kNsPerHour;
  DurationNs poll_offset_ns = 5 * kNsPerMinute;
  TimeNs published_ns(TimeNs date_ns) const;
};

struct PublicationDelays {
  std::array<PublicationRule, static_cast<std::size_t>(PublishedRow::kCount)> rules{
      PublicationRule{kNsPerDay, kNsPerHour, 5 * kNsPerMinute},
      PublicationRule{kNsPerHour, kNsPerHour, 2 * kNsPerMinute},
      PublicationRule{kNsPerDay, kNsPerHour, 5 * kNsPerMinute}};
  const PublicationRule& of(PublishedRow row) const { return rules[static_cast<std::size_t>(row)]; }
};

class PublicationSchedule {
 public:
  explicit PublicationSchedule(PublicationDelays delays) : delays_(delays) {}

  // Looks at events[first..]: each Token Metrics record received before its assumed
  // publication is removed and held, its receive time moved to the publication time.
  void admit(std::vector<InboundEvent>& events, std::size_t first);

  bool holding() const { return !held_.empty(); }
  TimeNs next_release_ns() const { return held_.top().release_ns; }
  // Moves every held event due at next_release_ns() into `out` (in the order admitted).
  void release(std::vector<InboundEvent>& out);
  // Forgets every held event (they would be published after the replay's end).
  void discard() { held_ = {}; }

  std::uint64_t rows_held() const { return rows_held_; }
  const PublicationDelays& delays() const { return delays_; }

 private:
  struct Held {
    TimeNs release_ns;
    std::uint64_t sequence;
    InboundEvent event;
    bool operator>(const Held& other) const {
      return std::tie(release_ns, sequence) > std::tie(other.release_ns, other.sequence);
    }
  };
  PublicationDelays delays_;
  std::priority_queue<Held, std::vector<Held>, std::greater<>> held_;
  std::uint64_t sequence_ = 0;
  std::uint64_t rows_held_ = 0;
};

struct ObservedDelays {
  std::uint64_t rows = 0;
  DurationNs min_ns = 0;
  DurationNs median_ns = 0;
  DurationNs max_ns = 0;
};

class PublicationObservations {
 public:
  // Records of one frame recorded live (not by fetch-history): first appearances count.
  void observe(const std::vector<InboundEvent>& events, std::size_t first);
  ObservedDelays of(PublishedRow row) const;

 private:
  std::set<std::tuple<PublishedRow, TokenId, std::uint8_t, TimeNs>> seen_;
  std::array<std::vector<DurationNs>, static_cast<std::size_t>(PublishedRow::kCount)> delays_;
};

// True for a frame written by `sigex fetch-history` (its envelope says so).
bool written_by_fetch_history(std::string_view frame);

}  // namespace sigex
