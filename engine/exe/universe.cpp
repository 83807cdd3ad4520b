#include "engine/exe/universe.h"

#include <fnmatch.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "engine/logging/log.h"

namespace sigex {
namespace {

bool matches_any(const std::vector<std::string>& patterns, const std::string& symbol) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& pattern) {
    return ::fnmatch(pattern.c_str(), symbol.c_str(), 0) == 0;
  });
}

}  // namespace

bool expand_universe(const UniverseConfig& universe, const std::vector<VenueSymbol>& listed,
                     std::string_view cash_asset, std::vector<Instrument>& instruments,
                     std::string& error) {
  std::set<std::string> configured;
  for (const Instrument& instrument : instruments) {
    if (instrument.kind == universe.terms.kind) configured.emplace(instrument.symbol.view());
  }
  std::vector<const VenueSymbol*> selected;
  for (const VenueSymbol& symbol : listed) {
    if (symbol.quote_asset != cash_asset || configured.contains(symbol.symbol)) continue;
    if (universe.trading_only && !symbol.trading) continue;
    if (!matches_any(universe.symbols, symbol.symbol) ||
        matches_any(universe.exclude, symbol.symbol))
      continue;
    selected.push_back(&symbol);
  }
  std::sort(selected.begin(), selected.end(),
            [](const VenueSymbol* a, const VenueSymbol* b) { return a->symbol < b->symbol; });
  if (selected.empty()) {
    error = fmt::format(
        "[universe] selects no symbol: none of the {} listed matches symbols = [{}] with quote "
        "asset {}{}",
        listed.size(), fmt::join(universe.symbols, ", "), cash_asset,
        universe.trading_only ? " and status TRADING" : "");
    return false;
  }
  const std::size_t most =
      universe.top > 0 ? selected.size() : static_cast<std::size_t>(universe.max_instruments);
  if (selected.size() > most) {
    log_warn("[universe] selects {} symbols; the first {} by symbol are used (max_instruments)",
             selected.size(), most);
    selected.resize(most);
  }
  for (const VenueSymbol* symbol : selected) {
    Instrument instrument = universe.terms;
    instrument.id = kNoInstrument;
    instrument.symbol = Symbol::from(symbol->symbol);
    instrument.tick_size = Price{0};  // rules from the venue
    instrument.step_size = Quantity{0};
    if (instrument.symbol.view() != symbol->symbol) continue;  // longer than a symbol holds
    instruments.push_back(instrument);
  }
  return true;
}

void keep_top(const UniverseConfig& universe, std::size_t configured,
              const std::map<TokenId, double>& scores, std::vector<Instrument>& instruments) {
  if (universe.top <= 0 || instruments.size() <= configured) return;
  std::vector<Instrument> ranked(instruments.begin() + static_cast<std::ptrdiff_t>(configured),
                                 instruments.end());
  std::erase_if(ranked, [&](const Instrument& instrument) {
    return instrument.token_id == 0 || !scores.contains(instrument.token_id);
  });
  std::stable_sort(ranked.begin(), ranked.end(), [&](const Instrument& a, const Instrument& b) {
    return scores.at(a.token_id) > scores.at(b.token_id);
  });
  const std::size_t keep =
      std::min<std::size_t>({ranked.size(), static_cast<std::size_t>(universe.top),
                             static_cast<std::size_t>(universe.max_instruments)});
  ranked.resize(keep);
  instruments.resize(configured);
  instruments.insert(instruments.end(), ranked.begin(), ranked.end());
  std::string kept;
  for (const Instrument& instrument : ranked) {
    kept += kept.empty() ? "" : " ";
    kept += instrument.symbol.view();
  }
  log_info("[universe] the top {} by {}: {}", keep,
           universe.rank_by == UniverseRank::kGrade ? "grade" : "market cap", kept);
}

}  // namespace sigex
