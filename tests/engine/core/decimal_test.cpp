#include "engine/core/decimal.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace sigex {
namespace {

std::int64_t parsed(std::string_view text, int scale) {
  const auto result = parse_decimal(text, scale);
  EXPECT_TRUE(result.has_value()) << text;
  return result.value_or(-999);
}

Errc error_of(std::string_view text, int scale) {
  const auto result = parse_decimal(text, scale);
  EXPECT_FALSE(result.has_value()) << text << " parsed as " << result.value_or(0);
  return result ? Errc::kEmpty : result.error().code;
}

TEST(ParseDecimal, PlainValuesAtVenueScale) {
  EXPECT_EQ(parsed("61837.63000000", 8), 6'183'763'000'000);
  EXPECT_EQ(parsed("42", 2), 4200);
  EXPECT_EQ(parsed("0.5", 1), 5);
  EXPECT_EQ(parsed("-0.5", 2), -50);
  EXPECT_EQ(parsed(".5", 1), 5);
}

TEST(ParseDecimal, SmallestTick) {
  EXPECT_EQ(parsed("0.00000001", 8), 1);
  EXPECT_EQ(parsed("0.000000000000000001", 18), 1);
}

TEST(ParseDecimal, TrailingZerosBeyondScaleAreExact) {
  EXPECT_EQ(parsed("1.000000000000000000000000", 8), 100'000'000);  // 24 decimals
  EXPECT_EQ(parsed("0.01000000000000000000", 2), 1);
}

TEST(ParseDecimal, NonZeroDigitsBeyondScaleAreRefusedNotRounded) {
  EXPECT_EQ(error_of("0.000000001", 8), Errc::kTooPrecise);
  EXPECT_EQ(error_of("1.0000000000000000001", 18), Errc::kTooPrecise);
  EXPECT_EQ(error_of("61837.635", 2), Errc::kTooPrecise);
}

TEST(ParseDecimal, NegativeZeroIsZero) {
  EXPECT_EQ(parsed("-0", 8), 0);
  EXPECT_EQ(parsed("-0.000", 8), 0);
}

TEST(ParseDecimal, Overflow) {
  EXPECT_EQ(parsed("92233720368.54775807", 8), INT64_MAX);
  EXPECT_EQ(error_of("92233720368.54775808", 8), Errc::kOverflow);
  EXPECT_EQ(parsed("-92233720368.54775808", 8), INT64_MIN);
  EXPECT_EQ(error_of("99999999999999999999999999999", 0), Errc::kOverflow);
  EXPECT_EQ(error_of("1e309", 8), Errc::kSyntax);
}

TEST(ParseDecimal, GarbageIsRejected) {
  EXPECT_EQ(error_of("", 8), Errc::kEmpty);
  EXPECT_EQ(error_of("-", 8), Errc::kSyntax);
  EXPECT_EQ(error_of(".", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("1.", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("+1", 8), Errc::kSyntax);
  EXPECT_EQ(error_of(" 1", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("1 ", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("1,000.00", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("1.2.3", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("1.5e3", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("1E3", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("NaN", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("Infinity", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("0x10", 8), Errc::kSyntax);
  EXPECT_EQ(error_of("--1", 8), Errc::kSyntax);
}

TEST(ParseDecimal, ScaleOutOfRange) {
  EXPECT_EQ(error_of("1", 19), Errc::kOutOfRange);
  EXPECT_EQ(error_of("1", -1), Errc::kOutOfRange);
}

TEST(FormatDecimal, RoundTrips) {
  for (const char* text : {"0.00000000", "61837.63000000", "-0.50000000", "0.00000001",
                           "92233720368.54775807", "-92233720368.54775808"}) {
    EXPECT_EQ(format_decimal(parsed(text, 8), 8), text);
  }
  EXPECT_EQ(format_decimal(5, 0), "5");
  EXPECT_EQ(format_decimal(-5, 3), "-0.005");
  EXPECT_EQ(format_decimal(std::numeric_limits<std::int64_t>::min(), 18), "-9.223372036854775808");
  EXPECT_EQ(format_decimal(1, 18), "0.000000000000000001");
}

TEST(FormatDecimal, TrimmedAsVenuesWantIt) {
  auto trimmed = [](std::int64_t raw, int scale) {
    char text[kMaxDecimalText];
    return std::string(text, write_decimal(raw, scale, text, DecimalZeros::kTrimmed));
  };
  EXPECT_EQ(trimmed(100'000, 8), "0.001");
  EXPECT_EQ(trimmed(6'000'001, 2), "60000.01");
  EXPECT_EQ(trimmed(6'000'000, 2), "60000");
  EXPECT_EQ(trimmed(0, 8), "0");
  EXPECT_EQ(trimmed(-50, 2), "-0.5");
  EXPECT_EQ(trimmed(70, 0), "70");  // no point: the zeros are the number's
}

// The fast paths (eight decimals read eight digits at a time; short text) and the general
// parser agree on every input: the venues' shapes near every boundary (scale, int64, eleven
// integer digits, non-zero decimals beyond the scale), and random text of the same alphabet.
TEST(ParseDecimal, FastPathsAgreeWithTheGeneralParserOnEveryInput) {
  const auto agree = [](std::string_view text, int scale) {
    const auto fast = parse_decimal(text, scale);
    const auto general = parse_decimal_general(text, scale);
    ASSERT_EQ(fast.has_value(), general.has_value()) << text << " at scale " << scale;
    if (fast) {
      EXPECT_EQ(*fast, *general) << text << " at scale " << scale;
    } else {
      EXPECT_EQ(fast.error().code, general.error().code) << text << " at scale " << scale;
    }
  };
  const std::vector<std::string> shapes = {"61837.63000000",
                                           "0.00012000",
                                           "-2683.80000000",
                                           "100000.00000000",
                                           "0.00000000",
                                           "-0.00000000",
                                           "12345678901.00000000",
                                           "99999999999.99999999",
                                           "92233720368.54775807",
                                           "92233720368.54775808",
                                           "-92233720368.54775808",
                                           "123456789012.00000000",
                                           "1.2345678a",
                                           "1.234567:8",
                                           "1/00000000",
                                           "1.00000000 ",
                                           "+1.00000000",
                                           ".12345678",
                                           "-.12345678",
                                           "1..2345678",
                                           "1.234567890",
                                           "1.0000000",
                                           "00000000001.00000001",
                                           "1e5.00000000"};
  for (const std::string& text : shapes) {
    for (int scale = 0; scale <= kMaxScale; ++scale) agree(text, scale);
  }
  // Random text over digits, '.', '-' and a few other bytes, half of it in the eight-decimal
  // shape: deterministic (fixed seed), so a failure reproduces.
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  const auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  constexpr std::string_view kAlphabet = "0123456789012345678901234567890123456789.-+e /:";
  for (int i = 0; i < 200'000; ++i) {
    std::string text;
    const bool shaped = next() % 2 == 0;
    const std::size_t integer_digits = next() % 14;
    if (shaped) {
      if (next() % 4 == 0) text += '-';
      for (std::size_t d = 0; d < integer_digits; ++d) text += static_cast<char>('0' + next() % 10);
      text += '.';
      for (int d = 0; d < 8; ++d)
        text += next() % 64 == 0 ? kAlphabet[next() % kAlphabet.size()]
                                 : static_cast<char>('0' + next() % 10);
    } else {
      const std::size_t length = next() % 24;
      for (std::size_t c = 0; c < length; ++c) text += kAlphabet[next() % kAlphabet.size()];
    }
    agree(text, static_cast<int>(next() % (kMaxScale + 1)));
  }
}

TEST(Rescale, RoundsInTheAskedDirection) {
  EXPECT_EQ(rescale(12345, 4, 2, Rounding::kDown).value(), 123);
  EXPECT_EQ(rescale(12345, 4, 2, Rounding::kUp).value(), 124);
  EXPECT_EQ(rescale(-12345, 4, 2, Rounding::kDown).value(), -124);
  EXPECT_EQ(rescale(-12345, 4, 2, Rounding::kUp).value(), -123);
  EXPECT_EQ(rescale(12, 2, 4, Rounding::kDown).value(), 1200);
  EXPECT_FALSE(rescale(INT64_MAX, 0, 2, Rounding::kDown).has_value());
}

TEST(RoundToMultiple, TickAndStep) {
  EXPECT_EQ(round_to_multiple(1234567, 1000, Rounding::kDown), 1234000);
  EXPECT_EQ(round_to_multiple(1234567, 1000, Rounding::kUp), 1235000);
  EXPECT_EQ(round_to_multiple(1234000, 1000, Rounding::kUp), 1234000);
  EXPECT_EQ(round_to_multiple(-1500, 1000, Rounding::kDown), -2000);
}

TEST(MulDiv, UsesWideIntermediates) {
  EXPECT_EQ(mul_div(INT64_MAX, 2, 4, Rounding::kDown).value(), INT64_MAX / 2);
  EXPECT_FALSE(mul_div(INT64_MAX, 2, 1, Rounding::kDown).has_value());
  EXPECT_FALSE(mul_div(1, 1, 0, Rounding::kDown).has_value());
}

}  // namespace
}  // namespace sigex
