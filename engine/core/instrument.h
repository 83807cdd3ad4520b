#pragma once

// Instruments and the registry that maps exchange symbols and Token Metrics tokens onto them.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/fixed_string.h"
#include "engine/core/money.h"

namespace sigex {

using InstrumentId = std::uint16_t;  // dense index into the registry
using TokenId = std::int64_t;        // Token Metrics TOKEN_ID
using Symbol = FixedString<20>;      // exchange symbol, e.g. "BTCUSDT"
using AssetCode = FixedString<12>;   // e.g. "BTC", "USDT"

inline constexpr InstrumentId kNoInstrument = 0xFFFF;

struct Instrument {
  InstrumentId id = kNoInstrument;
  Symbol symbol;          // exchange symbol, upper case
  AssetCode base_asset;   // what is bought and sold
  AssetCode quote_asset;  // what prices are in
  int price_scale = 8;    // Price::raw = price * 10^price_scale
  int quantity_scale = 8;
  Price tick_size{1};     // price increment, at price_scale
  Quantity step_size{1};  // quantity increment, at quantity_scale
  Quantity min_quantity{0};
  Money min_notional{0};   // at kMoneyScale, in the quote asset
  TokenId token_id = 0;    // Token Metrics TOKEN_ID; 0 = not mapped
  AssetCode token_symbol;  // Token Metrics TOKEN_SYMBOL, e.g. "BTC"
};

// Built once at start-up by the composition root, then read-only: safe to read from any thread.
class InstrumentRegistry {
 public:
  // Assigns the next id and returns it. Symbols and token ids must be unique.
  InstrumentId add(Instrument instrument);

  const Instrument& get(InstrumentId id) const;
  const Instrument* find_by_symbol(std::string_view symbol) const;  // case-insensitive
  const Instrument* find_by_token(TokenId token_id) const;
  std::size_t size() const { return instruments_.size(); }
  const std::vector<Instrument>& all() const { return instruments_; }

 private:
  std::vector<Instrument> instruments_;
};

}  // namespace sigex
