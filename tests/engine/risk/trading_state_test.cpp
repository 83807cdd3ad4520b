#include "engine/risk/trading_state.h"

#include <gtest/gtest.h>

#include "engine/risk/rate_window.h"

namespace sigex {
namespace {

TEST(TradingStates, TheStricterOfGlobalAndInstrumentApplies) {
  TradingStates states;
  EXPECT_EQ(states.effective("BTCUSDT"), TradingState::kActive);  // never set: ACTIVE
  EXPECT_TRUE(
      states.set(instrument_scope("BTCUSDT"), TradingState::kReducing, "operator: delisting", 1));
  EXPECT_EQ(states.effective("BTCUSDT"), TradingState::kReducing);
  EXPECT_EQ(states.effective("ETHUSDT"), TradingState::kActive);
  EXPECT_TRUE(states.set(std::string(kGlobalScope), TradingState::kHalted, "daily_loss_limit", 2));
  EXPECT_EQ(states.effective("BTCUSDT"), TradingState::kHalted);
  EXPECT_EQ(states.effective("ETHUSDT"), TradingState::kHalted);
  EXPECT_FALSE(states.set(std::string(kGlobalScope), TradingState::kHalted, "daily_loss_limit",
                          3));  // no change
  EXPECT_EQ(states.get("global").since_ns, 2);
  EXPECT_TRUE(states.set(std::string(kGlobalScope), TradingState::kActive, "operator: resumed", 4));
  EXPECT_EQ(states.effective("BTCUSDT"), TradingState::kReducing);
}

TEST(TradingStates, StrategiesAreDisabledByName) {
  TradingStates states;
  EXPECT_FALSE(states.strategy_disabled("sf"));
  states.set(strategy_scope("sf"), TradingState::kHalted, "repeated_execution", 1);
  EXPECT_TRUE(states.strategy_disabled("sf"));
  EXPECT_FALSE(states.strategy_disabled("gr"));
}

TEST(TradingStates, NamesRoundTrip) {
  for (const auto state : {TradingState::kActive, TradingState::kReducing, TradingState::kHalted}) {
    EXPECT_EQ(trading_state_from_string(to_string(state)), state);
  }
  EXPECT_FALSE(trading_state_from_string("active").has_value());  // the journal's spelling only
}

TEST(RateWindow, FullWhenTheLastNEventsFallWithinTheWindow) {
  RateWindow window(3);
  window.record(10);
  window.record(20);
  EXPECT_FALSE(window.full(25, 100));
  window.record(30);
  EXPECT_TRUE(window.full(35, 100));
  EXPECT_FALSE(window.full(111, 100));  // the oldest (10) has left the window
  window.record(120);
  EXPECT_TRUE(window.full(119, 100));        // 20, 30, 120 all after 19
  EXPECT_FALSE(window.full(125, 100));       // 20 is not after 25
  EXPECT_FALSE(RateWindow(0).full(0, 100));  // no limit
}

}  // namespace
}  // namespace sigex
