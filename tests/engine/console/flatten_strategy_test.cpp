#include "engine/console/flatten_strategy.h"

#include <gtest/gtest.h>

#include "support/strategy_harness.h"
#include "support/test_strategies.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kFlattenStart = 1'700'000'000LL * kNsPerSecond;

class FlattenStrategyTest : public ::testing::Test {
 protected:
  FlattenStrategyTest() {
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerHour;
    harness_.prepare(risk);
    buyer_ = &harness_.add(std::make_unique<BuyOnQuote>("buy", BuyOnQuote::Times::kEveryQuote));
    flatten_ = &harness_.add(std::make_unique<FlattenStrategy>());
    harness_.engine().start();
  }

  Quantity held(InstrumentId instrument) {
    return harness_.engine().portfolio().position(instrument).quantity;
  }
  // What the daemon does on `sigex ctl flatten`: REDUCING (no new exposure), then flatten.
  void flatten(std::uint64_t request) {
    harness_.engine().set_trading_state(std::string(kGlobalScope), TradingState::kReducing,
                                        "operator flatten: test");
    flatten_->flatten(request);
  }

  StrategyHarness harness_{kFlattenStart};
  BuyOnQuote* buyer_ = nullptr;
  FlattenStrategy* flatten_ = nullptr;
};

TEST_F(FlattenStrategyTest, NeverTradesUntilAsked) {
  harness_.quote(0, "50000", "50001", "5");
  harness_.quote(1, "3000", "3001", "5");
  harness_.wait(10 * kNsPerSecond);
  EXPECT_EQ(held(0), quantity("0.01"));
  EXPECT_EQ(held(1), quantity("0.01"));
  EXPECT_EQ(harness_.engine().counters().orders_submitted, 2u) << "the buyer's two orders only";
}

TEST_F(FlattenStrategyTest, SellsEveryPositionWithMarketOrdersTaggedFlatten) {
  harness_.quote(0, "50000", "50001", "5");
  harness_.quote(1, "3000", "3001", "5");
  ASSERT_EQ(held(0), quantity("0.01"));
  flatten(1);
  harness_.wait(kNsPerSecond);
  EXPECT_EQ(held(0).raw, 0);
  EXPECT_EQ(held(1).raw, 0);
  int sells = 0;
  for (const Order& order : harness_.engine().orders().orders()) {
    if (order.side != Side::kSell) continue;
    ++sells;
    EXPECT_EQ(order.type, OrderType::kMarket);
    EXPECT_EQ(order.reason, "flatten");
    EXPECT_TRUE(order.client_order_id.view().starts_with("operator"))
        << order.client_order_id.view();
  }
  EXPECT_EQ(sells, 2);
}

// Sells one lot of every instrument on each quote: on a perpetual that opens a short.
class ShortOnQuote final : public Strategy {
 public:
  std::string_view tag() const override { return "short"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    if (tried++ > 0) return;
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = Side::kSell;
    intent.price = quote.bid_price;
    intent.quantity = quantity("0.01");
    intent.intent = IntentKey{static_cast<std::uint64_t>(tried)};
    context.submit(intent);
  }
  int tried = 0;
};

TEST(FlattenPerpetuals, BuysBackShortsWithReduceOnlyOrders) {
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(5));
  StrategyHarness harness(kFlattenStart, std::move(registry));
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerHour;
  harness.prepare(risk);
  harness.add(std::make_unique<ShortOnQuote>());
  auto& flatten = harness.add(std::make_unique<FlattenStrategy>());
  harness.engine().start();
  harness.quote(0, "50000", "50001", "5");
  ASSERT_EQ(harness.engine().portfolio().position(0).quantity, quantity("-0.01"));
  harness.engine().set_trading_state(std::string(kGlobalScope), TradingState::kReducing,
                                     "operator flatten: test");
  flatten.flatten(1);
  harness.wait(kNsPerSecond);
  EXPECT_EQ(harness.engine().portfolio().position(0).quantity.raw, 0);
  EXPECT_EQ(harness.venue().account().position(0).quantity.raw, 0);
  const Order& last = harness.engine().orders().orders().back();
  EXPECT_EQ(last.side, Side::kBuy);
  EXPECT_TRUE(last.reduce_only);
  EXPECT_EQ(last.reason, "flatten");
}

TEST_F(FlattenStrategyTest, WaitsForAMarketBeforeSelling) {
  harness_.quote(0, "50000", "50001", "5");
  ASSERT_EQ(held(0), quantity("0.01"));
  // Quotes age out: the instrument is not tradeable, so nothing is sent, and retried later.
  harness_.wait(2 * kNsPerHour);
  flatten(2);
  harness_.wait(kNsPerSecond);
  EXPECT_EQ(held(0), quantity("0.01"));
  harness_.quote(0, "50100", "50101", "5");
  harness_.wait(kNsPerSecond);
  EXPECT_EQ(held(0).raw, 0) << "sold once the market is back";
}

}  // namespace
}  // namespace sigex
