#pragma once

// The instruments every fuzzer parses against: BTCUSDT (Token Metrics id 3375) and ETHUSDT
// (3306), as in the captures the corpora come from, and the BTCUSDT USD-M perpetual (mark
// prices and funding rows), and Coinbase's BTC-USD.

#include "engine/core/instrument.h"

namespace sigex::fuzz {

inline const InstrumentRegistry& instruments() {
  static const InstrumentRegistry registry = [] {
    InstrumentRegistry built;
    Instrument btc;
    btc.symbol = Symbol::from("BTCUSDT");
    btc.token_id = 3375;
    built.add(btc);
    Instrument eth;
    eth.symbol = Symbol::from("ETHUSDT");
    eth.token_id = 3306;
    built.add(eth);
    Instrument perpetual;
    perpetual.symbol = Symbol::from("BTCUSDT");
    perpetual.kind = InstrumentKind::kPerpetual;
    perpetual.bracket_count = 1;
    perpetual.bracket_table[0] = MarginBracket{Money{INT64_MAX}, Rate{400'000}, Money{0}, 125};
    built.add(perpetual);
    Instrument coinbase;  // Coinbase Advanced Trade's product id, prices in cents
    coinbase.symbol = Symbol::from("BTC-USD");
    coinbase.price_scale = 2;
    built.add(coinbase);
    return built;
  }();
  return registry;
}

}  // namespace sigex::fuzz
