#pragma once

// Conversions between UTC calendar dates and TimeNs, without the C library's time zone state.

#include <string>
#include <string_view>

#include "engine/core/result.h"
#include "engine/core/time.h"

namespace sigex {

// Days since 1970-01-01 for a proleptic Gregorian date, and back.
std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day);
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day);

// The first instant of the UTC month holding `time_ns`, and of the month after it.
TimeNs month_start(TimeNs time_ns);
TimeNs next_month_start(TimeNs time_ns);

// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS", optional ".fff" fraction (up to 9 digits) and an
// optional trailing "Z". A space is accepted in place of 'T'. Always UTC. Years outside
// 1970..2261 (the range of TimeNs) are rejected.
Result<TimeNs> parse_utc_timestamp(std::string_view text);

// "YYYY-MM-DDTHH:MM:SS.mmmZ"
std::string format_utc_timestamp(TimeNs time_ns);
// "YYYY-MM-DD"
std::string format_utc_date(TimeNs time_ns);

// The first instant at or after `time_ns` of the schedule "every `interval_ns`, `offset_ns`
// past the boundary" (e.g. hourly at :05): how polls and publication times line up.
TimeNs next_scheduled_time(TimeNs time_ns, DurationNs interval_ns, DurationNs offset_ns);

}  // namespace sigex
