#pragma once

// [universe]: instruments selected from what the venue lists instead of written one by one.
//   kind = "spot" | "perpetual"     spot pairs, or USD-M perpetuals
//   symbols = ["*USDT"]             shell-style patterns over the venue's symbols
//   exclude = ["*UPUSDT", ...]      patterns left out
//   trading_only = true             only symbols the venue reports TRADING
//   max_instruments = 100           at most this many (by symbol order, or by rank with top)
//   top = 0 / rank_by = "grade" | "market_cap" / grade = "trader" | "tm" | "investor"
//                                   only the Token Metrics top N at the start of the run
//   leverage, [[universe.brackets]] perpetuals: as for one [[instruments]] table
// Selected instruments are configured by symbol alone: their rules come from the same
// exchange information (the venue at start-up, or [backtest] exchange_info for backtests).
// Instruments written in [[instruments]] stay and come first; the quote asset must be the
// cash asset.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/ports/venue_registry.h"

namespace sigex {

enum class UniverseRank : std::uint8_t { kGrade, kMarketCap };

struct UniverseConfig {
  bool present = false;
  std::vector<std::string> symbols{"*USDT"};
  std::vector<std::string> exclude;
  bool trading_only = true;
  int max_instruments = 100;
  int top = 0;
  UniverseRank rank_by = UniverseRank::kGrade;
  GradeKind grade = GradeKind::kTraderGrade;
  // The kind, and for perpetuals the leverage and brackets, of every selected instrument.
  Instrument terms;
};

// Appends an instrument for every listed symbol the universe selects and `instruments` does
// not hold yet, in symbol order, at most max_instruments (all of them when `top` ranks them
// later). False with `error` when none is selected.
bool expand_universe(const UniverseConfig& universe, const std::vector<VenueSymbol>& listed,
                     std::string_view cash_asset, std::vector<Instrument>& instruments,
                     std::string& error);

// Keeps the first `configured` instruments and, of the rest (the universe's), the `top` with
// the highest score (token id -> score; ties: symbol order), then at most max_instruments in
// all. Instruments without a score are dropped when ranking.
void keep_top(const UniverseConfig& universe, std::size_t configured,
              const std::map<TokenId, double>& scores, std::vector<Instrument>& instruments);

}  // namespace sigex
