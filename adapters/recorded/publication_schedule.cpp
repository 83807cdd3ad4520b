#include "adapters/recorded/publication_schedule.h"

#include <algorithm>

#include "engine/core/calendar.h"

namespace sigex {
namespace {

TimeNs row_date_ns(const InboundEvent& event) {
  return event.kind == MarketEventKind::kGrade ? event.grade.venue_time_ns
                                               : event.trading_signal.venue_time_ns;
}

void set_receive_time(InboundEvent& event, TimeNs time_ns) {
  if (event.kind == MarketEventKind::kGrade) {
    event.grade.receive_time_ns = time_ns;
  } else {
    event.trading_signal.receive_time_ns = time_ns;
  }
}

}  // namespace

TimeNs PublicationRule::published_ns(TimeNs date_ns) const {
  return next_scheduled_time(date_ns + delay_ns, poll_interval_ns, poll_offset_ns);
}

std::string_view to_string(PublishedRow row) {
  switch (row) {
    case PublishedRow::kDailySignal:
      return "daily_signals";
    case PublishedRow::kHourlySignal:
      return "hourly_signals";
    case PublishedRow::kGrade:
      return "grades";
    case PublishedRow::kCount:
      break;
  }
  return "?";
}

PublishedRow published_row_of(const InboundEvent& event) {
  if (event.kind == MarketEventKind::kGrade) return PublishedRow::kGrade;
  if (event.kind != MarketEventKind::kTradingSignal) return PublishedRow::kCount;
  return event.trading_signal.timeframe == SignalTimeframe::kDaily ? PublishedRow::kDailySignal
                                                                   : PublishedRow::kHourlySignal;
}

void PublicationSchedule::admit(std::vector<InboundEvent>& events, std::size_t first) {
  std::size_t kept = first;
  for (std::size_t i = first; i < events.size(); ++i) {
    InboundEvent& event = events[i];
    const PublishedRow row = published_row_of(event);
    if (row != PublishedRow::kCount) {
      const TimeNs published_ns = delays_.of(row).published_ns(row_date_ns(event));
      if (event.receive_time_ns() < published_ns) {
        set_receive_time(event, published_ns);
        held_.push(Held{published_ns, sequence_++, event});
        ++rows_held_;
        continue;
      }
    }
    events[kept++] = event;
  }
  events.resize(kept);
}

void PublicationSchedule::release(std::vector<InboundEvent>& out) {
  const TimeNs due_ns = next_release_ns();
  while (!held_.empty() && held_.top().release_ns == due_ns) {
    out.push_back(held_.top().event);
    held_.pop();
  }
}

void PublicationObservations::observe(const std::vector<InboundEvent>& events, std::size_t first) {
  for (std::size_t i = first; i < events.size(); ++i) {
    const InboundEvent& event = events[i];
    const PublishedRow row = published_row_of(event);
    if (row == PublishedRow::kCount) continue;
    const TokenId token = event.kind == MarketEventKind::kGrade ? event.grade.token_id
                                                                : event.trading_signal.token_id;
    const auto grade_kind = static_cast<std::uint8_t>(
        event.kind == MarketEventKind::kGrade ? event.grade.kind : GradeKind{});
    if (!seen_.emplace(row, token, grade_kind, row_date_ns(event)).second)
      continue;  // polled again: not news
    delays_[static_cast<std::size_t>(row)].push_back(event.receive_time_ns() - row_date_ns(event));
  }
}

ObservedDelays PublicationObservations::of(PublishedRow row) const {
  std::vector<DurationNs> delays = delays_[static_cast<std::size_t>(row)];
  ObservedDelays observed;
  if (delays.empty()) return observed;
  std::sort(delays.begin(), delays.end());
  observed.rows = delays.size();
  observed.min_ns = delays.front();
  observed.median_ns = delays[delays.size() / 2];
  observed.max_ns = delays.back();
  return observed;
}

bool written_by_fetch_history(std::string_view frame) {
  return frame.find(R"("message":"sigex fetch-history)") != std::string_view::npos;
}

}  // namespace sigex
