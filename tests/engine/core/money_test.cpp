#include "engine/core/money.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(Notional, PriceTimesQuantityAtMoneyScale) {
  // 61837.63 (scale 8) * 0.032 (scale 8) = 1978.80416 USDT
  const auto value = notional(Price{6'183'763'000'000}, 8, Quantity{3'200'000}, 8, Rounding::kDown);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(value->raw, 197'880'416'000);
}

TEST(Notional, RoundingDirectionMatters) {
  // 0.00000001 * 0.00000001 = 1e-16: below the money scale.
  EXPECT_EQ(notional(Price{1}, 8, Quantity{1}, 8, Rounding::kDown)->raw, 0);
  EXPECT_EQ(notional(Price{1}, 8, Quantity{1}, 8, Rounding::kUp)->raw, 1);
}

TEST(Notional, SmallScalesAreScaledUp) {
  EXPECT_EQ(notional(Price{150}, 2, Quantity{3}, 0, Rounding::kDown)->raw, 450'000'000);
}

TEST(Notional, OverflowIsAnError) {
  EXPECT_FALSE(notional(Price{INT64_MAX}, 0, Quantity{INT64_MAX}, 0, Rounding::kDown).has_value());
}

TEST(QuantityFor, InverseOfNotional) {
  // 1000 USDT at 50000.00 = 0.02 BTC
  const auto quantity =
      quantity_for(Money{100'000'000'000}, Price{5'000'000'000'000}, 8, 8, Rounding::kDown);
  ASSERT_TRUE(quantity.has_value());
  EXPECT_EQ(quantity->raw, 2'000'000);
  EXPECT_FALSE(quantity_for(Money{1}, Price{0}, 8, 8, Rounding::kDown).has_value());
}

TEST(BasisPoints, ShiftAndApply) {
  EXPECT_EQ(shift_by_basis_points(Price{10'000}, 50, Rounding::kDown)->raw, 10'050);
  EXPECT_EQ(shift_by_basis_points(Price{10'000}, -50, Rounding::kDown)->raw, 9'950);
  EXPECT_EQ(apply_basis_points(Money{1'000'000}, 10, Rounding::kUp)->raw, 1'000);
  EXPECT_EQ(apply_basis_points(Money{1'001}, 10, Rounding::kUp)->raw, 2);
}

TEST(MoneyArithmetic, Checked) {
  EXPECT_EQ((Money{5} + Money{7}).raw, 12);
  EXPECT_EQ((Money{5} - Money{7}).raw, -2);
  EXPECT_DEATH((void)(Money{INT64_MAX} + Money{1}), "overflow");
}

TEST(MoneyText, RoundsHalfAwayFromZeroNeverTruncates) {
  EXPECT_EQ(format_money(Money{999'900'000}, 2), "10.00");  // 9.999
  EXPECT_EQ(format_money(Money{999'400'000}, 2), "9.99");   // 9.994
  EXPECT_EQ(format_money(Money{500'000}, 2), "0.01");       // 0.005
  EXPECT_EQ(format_money(Money{-500'000}, 2), "-0.01");
  EXPECT_EQ(format_money(Money{-499'999}, 2), "0.00");
  EXPECT_EQ(format_money(Money{123'456'789}, 8), "1.23456789");
  EXPECT_EQ(format_money(Money{1'000'000'000'000}, 0), "10000");
}

}  // namespace
}  // namespace sigex
