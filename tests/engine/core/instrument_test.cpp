#include "engine/core/instrument.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(InstrumentRegistry, MapsSymbolsAndTokens) {
  InstrumentRegistry registry;
  Instrument btc;
  btc.symbol = Symbol::from("BTCUSDT");
  btc.token_id = 3375;
  Instrument eth;
  eth.symbol = Symbol::from("ETHUSDT");
  eth.token_id = 3306;
  EXPECT_EQ(registry.add(btc), 0);
  EXPECT_EQ(registry.add(eth), 1);
  EXPECT_EQ(registry.find_by_symbol("btcusdt")->id, 0);
  EXPECT_EQ(registry.find_by_token(3306)->symbol.view(), "ETHUSDT");
  EXPECT_EQ(registry.find_by_token(1), nullptr);
  EXPECT_EQ(registry.find_by_symbol("SOLUSDT"), nullptr);
  EXPECT_DEATH(registry.add(btc), "duplicate symbol");
}

TEST(FixedString, RefusesOverlongText) {
  Symbol symbol;
  EXPECT_TRUE(symbol.assign("BTCUSDT"));
  EXPECT_FALSE(symbol.assign("THIS_SYMBOL_IS_FAR_TOO_LONG"));
  EXPECT_TRUE(symbol.empty());
}

}  // namespace
}  // namespace sigex
