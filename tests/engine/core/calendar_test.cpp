#include "engine/core/calendar.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(Calendar, ParsesTokenMetricsDates) {
  EXPECT_EQ(parse_utc_timestamp("2025-04-10T00:00:00.000Z").value(),
            1'744'243'200LL * kNsPerSecond);
  EXPECT_EQ(parse_utc_timestamp("2025-04-10").value(), 1'744'243'200LL * kNsPerSecond);
  EXPECT_EQ(parse_utc_timestamp("1970-01-01T00:00:01.5Z").value(), 1'500'000'000);
  EXPECT_EQ(parse_utc_timestamp("2024-02-29 12:00:00").value(),
            (days_from_civil(2024, 2, 29) * 86'400 + 43'200) * kNsPerSecond);
}

TEST(Calendar, RejectsMalformed) {
  for (const char* text : {"", "2025-4-10", "2025-13-01", "2025-04-10T25:00:00", "2025-04-10X",
                           "2025-04-10T00:00:00.Z", "2025-04-10T00:00:00.1234567890Z", "garbage"}) {
    EXPECT_FALSE(parse_utc_timestamp(text).has_value()) << text;
  }
}

TEST(Calendar, FormatsRoundTrip) {
  const TimeNs time = parse_utc_timestamp("2024-08-09T00:05:04.543Z").value();
  EXPECT_EQ(format_utc_timestamp(time), "2024-08-09T00:05:04.543Z");
  EXPECT_EQ(format_utc_date(time), "2024-08-09");
  EXPECT_EQ(format_utc_timestamp(0), "1970-01-01T00:00:00.000Z");
}

}  // namespace
}  // namespace sigex
