#include "engine/order/client_order_id.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sigex {
namespace {

TEST(ClientOrderId, DeterministicAndWithinBinanceRule) {
  const IntentKey intent = IntentKey::of({3375, 0, 1'744'243'200'000'000'000, 1});
  const ClientOrderId first = mint_client_order_id("sf", "Jrn001", "BTCUSDT", intent, 0);
  const ClientOrderId again = mint_client_order_id("sf", "Jrn001", "BTCUSDT", intent, 0);
  EXPECT_EQ(first, again);
  EXPECT_TRUE(is_valid_client_order_id(first.view()));
  EXPECT_LE(first.view().size(), 36u);
  // Pinned so that a code change can never silently re-key orders across a restart.
  EXPECT_EQ(first.view(), "sf-Jrn001-" + std::string(first.view().substr(10, 12)) + "-0");
  EXPECT_EQ(mint_client_order_id("sf", "Jrn001", "BTCUSDT", IntentKey{42}, 7).view(),
            mint_client_order_id("sf", "Jrn001", "BTCUSDT", IntentKey{42}, 7).view());
}

TEST(ClientOrderId, IdsAreTheSameAsEarlierReleasesMinted) {
  // Minted by the release before ClientOrderIdMinter: an upgraded daemon must find the orders
  // its journal holds under the same ids.
  const IntentKey intent = IntentKey::of({3375, 0, 1'744'243'200'000'000'000, 1});
  EXPECT_EQ(mint_client_order_id("sf", "Jrn001", "BTCUSDT", intent, 0).view(),
            "sf-Jrn001-06e0c2aebd0c-0");
  EXPECT_EQ(mint_client_order_id("momentum", "Ab9xYz", "ETHUSDT", IntentKey{42}, 999'999).view(),
            "momentum-Ab9xYz-1e1927d237ed-999999");
  EXPECT_EQ(mint_client_order_id("s", "000000", "1000PEPEUSDT", IntentKey{~0ULL}, 12).view(),
            "s-000000-0350f6095156-12");
}

TEST(ClientOrderId, AMinterMintsWhatTheFunctionMintsForEveryIntentAndSequence) {
  const ClientOrderIdMinter minter("momentum", "Ab9xYz", "ETHUSDT");
  EXPECT_EQ(minter.strategy_tag(), "momentum");
  std::uint64_t key = 0x9E3779B97F4A7C15ULL;
  for (std::uint32_t sequence = 0; sequence < 2'000; ++sequence) {
    key = key * 6364136223846793005ULL + 1442695040888963407ULL;
    const IntentKey intent{key};
    ASSERT_EQ(minter.mint(intent, sequence),
              mint_client_order_id("momentum", "Ab9xYz", "ETHUSDT", intent, sequence))
        << sequence;
  }
  EXPECT_DEATH(minter.mint(IntentKey{1}, 1'000'000), "order sequence exhausted");
  EXPECT_DEATH(ClientOrderIdMinter("bad tag", "Ab9xYz", "ETHUSDT"), "venue rule");
}

TEST(ClientOrderId, EveryInputChangesTheId) {
  const IntentKey intent{12345};
  std::set<std::string> ids;
  ids.insert(std::string(mint_client_order_id("sf", "Jrn001", "BTCUSDT", intent, 0).view()));
  ids.insert(std::string(mint_client_order_id("sg", "Jrn001", "BTCUSDT", intent, 0).view()));
  ids.insert(std::string(mint_client_order_id("sf", "Jrn001", "ETHUSDT", intent, 0).view()));
  ids.insert(
      std::string(mint_client_order_id("sf", "Jrn001", "BTCUSDT", IntentKey{12346}, 0).view()));
  ids.insert(std::string(mint_client_order_id("sf", "Jrn001", "BTCUSDT", intent, 1).view()));
  ids.insert(std::string(mint_client_order_id("sf", "Jrn002", "BTCUSDT", intent, 0).view()));
  EXPECT_EQ(ids.size(), 6u);
}

TEST(ClientOrderId, ANewJournalNeverMintsAnIdOfAnEarlierOne) {
  // Same strategy, instrument, intent and sequence: only the journal differs.
  const IntentKey intent = IntentKey::of({3375, 0, 1'744'243'200'000'000'000, 1});
  EXPECT_NE(mint_client_order_id("sf", "aaaaaa", "BTCUSDT", intent, 0),
            mint_client_order_id("sf", "aaaaab", "BTCUSDT", intent, 0));
}

TEST(ClientOrderId, MintedIdsAreRecognisedWithTheirJournal) {
  const auto id = mint_client_order_id("sf", "Jrn001", "BTCUSDT", IntentKey{9}, 12);
  const auto parts = parse_minted_id(id.view());
  ASSERT_TRUE(parts.has_value());
  EXPECT_EQ(parts->strategy_tag, "sf");
  EXPECT_EQ(parts->journal_identity, "Jrn001");
  const auto legacy = parse_minted_id("sf-161843f1f71de5e9-0");  // before journal identities
  ASSERT_TRUE(legacy.has_value());
  EXPECT_EQ(legacy->strategy_tag, "sf");
  EXPECT_TRUE(legacy->journal_identity.empty());
  EXPECT_FALSE(parse_minted_id("web_8a7c2f").has_value());
  EXPECT_FALSE(parse_minted_id("manual-order-1").has_value());
}

TEST(ClientOrderId, LongestFormStillFits) {
  const auto id = mint_client_order_id("abcdefgh", "zzzzzz", "BTCUSDT", IntentKey{~0ULL}, 999'999);
  EXPECT_EQ(id.view().size(), 8u + 1 + 6 + 1 + 12 + 1 + 6);
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
