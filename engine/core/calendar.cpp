#include "engine/core/calendar.h"

#include <cstdio>

namespace sigex {
namespace {

bool read_digits(std::string_view text, std::size_t position, std::size_t count,
                 std::int64_t& value) {
  if (position + count > text.size()) return false;
  value = 0;
  for (std::size_t i = position; i < position + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// Whole days since 1970 (rounded down, also before it).
std::int64_t floor_days(TimeNs time_ns) {
  return time_ns >= 0 ? time_ns / kNsPerDay : (time_ns - kNsPerDay + 1) / kNsPerDay;
}

}  // namespace

std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

// The inverse of days_from_civil (H. Hinnant's public-domain algorithm).
void civil_from_days(std::int64_t days, std::int64_t& year, unsigned& month, unsigned& day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned month_index = (5 * day_of_year + 2) / 153;
  day = day_of_year - (153 * month_index + 2) / 5 + 1;
  month = month_index < 10 ? month_index + 3 : month_index - 9;
  year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
}

TimeNs month_start(TimeNs time_ns) {
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(floor_days(time_ns), year, month, day);
  return days_from_civil(year, month, 1) * kNsPerDay;
}

TimeNs next_month_start(TimeNs time_ns) {
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(floor_days(time_ns), year, month, day);
  return (month == 12 ? days_from_civil(year + 1, 1, 1) : days_from_civil(year, month + 1, 1)) *
         kNsPerDay;
}

Result<TimeNs> parse_utc_timestamp(std::string_view text) {
  std::int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!read_digits(text, 0, 4, year) || text.size() < 10 || text[4] != '-' ||
      !read_digits(text, 5, 2, month) || text[7] != '-' || !read_digits(text, 8, 2, day)) {
    return fail(Errc::kSyntax, "expected a date YYYY-MM-DD");
  }
  // TimeNs covers 1970 .. 2262; anything outside is not a timestamp we can trade on.
  if (year < 1970 || year > 2261 || month < 1 || month > 12 || day < 1 || day > 31) {
    return fail(Errc::kOutOfRange, "date out of range");
  }
  std::size_t position = 10;
  std::int64_t fraction_ns = 0;
  if (position < text.size() && (text[position] == 'T' || text[position] == ' ')) {
    if (!read_digits(text, 11, 2, hour) || text.size() < 19 || text[13] != ':' ||
        !read_digits(text, 14, 2, minute) || text[16] != ':' || !read_digits(text, 17, 2, second)) {
      return fail(Errc::kSyntax, "expected a time HH:MM:SS");
    }
    if (hour > 23 || minute > 59 || second > 60)
      return fail(Errc::kOutOfRange, "time out of range");
    position = 19;
    if (position < text.size() && text[position] == '.') {
      ++position;
      std::int64_t scale = 100'000'000;
      const std::size_t start = position;
      while (position < text.size() && text[position] >= '0' && text[position] <= '9') {
        if (position - start >= 9) return fail(Errc::kSyntax, "fraction longer than 9 digits");
        fraction_ns += (text[position] - '0') * scale;
        scale /= 10;
        ++position;
      }
      if (position == start) return fail(Errc::kSyntax, "empty fraction");
    }
  }
  if (position < text.size() && text[position] == 'Z') ++position;
  if (position != text.size()) return fail(Errc::kSyntax, "unexpected text after timestamp");
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return ((days * 24 + hour) * 60 + minute) * 60 * kNsPerSecond + second * kNsPerSecond +
         fraction_ns;
}

std::string format_utc_timestamp(TimeNs time_ns) {
  std::int64_t days = time_ns / kNsPerDay;
  std::int64_t rest = time_ns % kNsPerDay;
  if (rest < 0) {
    rest += kNsPerDay;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  civil_from_days(days, year, month, day);
  const std::int64_t millis = (rest / kNsPerMs) % 1000;
  const std::int64_t seconds = rest / kNsPerSecond;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(year), month, day, static_cast<long long>(seconds / 3600),
                static_cast<long long>((seconds / 60) % 60), static_cast<long long>(seconds % 60),
                static_cast<long long>(millis));
  return buffer;
}

std::string format_utc_date(TimeNs time_ns) { return format_utc_timestamp(time_ns).substr(0, 10); }

TimeNs next_scheduled_time(TimeNs time_ns, DurationNs interval_ns, DurationNs offset_ns) {
  const TimeNs shifted = time_ns - offset_ns;
  TimeNs boundary = shifted / interval_ns * interval_ns;
  if (boundary < shifted) boundary += interval_ns;
  return boundary + offset_ns;
}

}  // namespace sigex
