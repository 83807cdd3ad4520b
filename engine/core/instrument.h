#pragma once

// Instruments and the registry that maps exchange symbols and Token Metrics tokens onto them.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
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
using VenueName = FixedString<15>;   // a registered venue type, e.g. "binance", "coinbase"

inline constexpr InstrumentId kNoInstrument = 0xFFFF;

// Spot: the base asset is bought and held. Perpetual: a linear, USDT-margined perpetual
// future (Binance USD-M): a signed position in one-way mode, margined in the quote asset.
enum class InstrumentKind : std::uint8_t { kSpot, kPerpetual };

std::string_view to_string(InstrumentKind kind);

// One row of a perpetual's leverage brackets (Binance /fapi/v1/leverageBracket): a position
// whose notional is at most `notional_cap` needs maintenance margin
// notional × maintenance_rate − maintenance_amount, and may use at most `max_leverage`.
inline constexpr std::size_t kMaxMarginBrackets = 20;

struct MarginBracket {
  Money notional_cap;        // at kMoneyScale; the last bracket's is the largest Money
  Rate maintenance_rate;     // e.g. 0.004
  Money maintenance_amount;  // Binance's `cum`, derived from the caps and rates by add()
  int max_leverage = 1;
};

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
  InstrumentKind kind = InstrumentKind::kSpot;
  // The venue whose market data feed quotes it and whose account trades it ([[instruments]]
  // venue). Empty: the configuration's only venue.
  VenueName venue;
  // Perpetuals only: the leverage set on the venue at start-up, and the venue's brackets
  // (ascending notional caps). A fixed array keeps the record trivially copyable (the input
  // log stores instruments as bytes).
  int leverage = 1;
  std::uint8_t bracket_count = 0;
  std::array<MarginBracket, kMaxMarginBrackets> bracket_table{};

  bool is_perpetual() const { return kind == InstrumentKind::kPerpetual; }
  // Whether `name` (one of `venue_count` configured venues of its role) serves this instrument:
  // the one it names, or, when it names none, the only one there is.
  bool served_by(std::string_view name, std::size_t venue_count) const {
    return venue.empty() ? venue_count == 1 : venue.view() == name;
  }
  // Configured by symbol alone: tick and step sizes, limits and assets still to come from the
  // venue's published trading rules (see adapters/binance/instrument_rules.h).
  bool awaits_venue_rules() const { return tick_size.raw == 0; }
  std::span<const MarginBracket> brackets() const { return {bracket_table.data(), bracket_count}; }
  std::span<MarginBracket> brackets() { return {bracket_table.data(), bracket_count}; }
};

// Built once at start-up by the composition root, then read-only: safe to read from any thread.
class InstrumentRegistry {
 public:
  // Assigns the next id and returns it. A symbol may be used once per kind (Binance names the
  // spot pair and the USD-M perpetual alike: BTCUSDT); token ids must be unique. A perpetual's
  // bracket maintenance amounts are derived as Binance derives its `cum`:
  // amount_n = cap_{n-1} × (rate_n − rate_{n-1}) + amount_{n-1}.
  InstrumentId add(Instrument instrument);

  const Instrument& get(InstrumentId id) const;
  // Case-insensitive. Without a kind: the spot instrument of that symbol if there is one, else
  // the perpetual.
  const Instrument* find_by_symbol(std::string_view symbol) const;
  const Instrument* find_by_symbol(std::string_view symbol, InstrumentKind kind) const;
  const Instrument* find_by_token(TokenId token_id) const;
  std::size_t size() const { return instruments_.size(); }
  // Every instrument, or in a venue's view only that venue's.
  const std::vector<Instrument>& all() const { return view_ ? listed_ : instruments_; }

  // What one venue's feed or account sees of this registry: all() and the find_*() lookups
  // hold only the instruments `name` serves (Instrument::served_by), while ids, get() and
  // size() stay the whole registry's, so records and arrays indexed by id need no
  // translation. Views cannot add().
  InstrumentRegistry view(std::string_view name, std::size_t venue_count) const;

 private:
  std::vector<Instrument> instruments_;  // indexed by id
  std::vector<Instrument> listed_;       // a view's instruments
  bool view_ = false;
};

}  // namespace sigex
