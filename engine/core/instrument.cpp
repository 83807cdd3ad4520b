#include "engine/core/instrument.h"

#include <cctype>

#include "engine/core/check.h"

namespace sigex {
namespace {

bool equal_ignoring_case(std::string_view left, std::string_view right) {
  if (left.size() != right.size()) return false;
  for (std::size_t i = 0; i < left.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(left[i])) !=
        std::toupper(static_cast<unsigned char>(right[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(InstrumentKind kind) {
  return kind == InstrumentKind::kPerpetual ? "perpetual" : "spot";
}

InstrumentId InstrumentRegistry::add(Instrument instrument) {
  SIGEX_CHECK(!view_, "adding to a venue's view of the instruments");
  SIGEX_CHECK(instruments_.size() < kNoInstrument, "too many instruments");
  SIGEX_CHECK(find_by_symbol(instrument.symbol.view(), instrument.kind) == nullptr,
              "duplicate symbol");
  SIGEX_CHECK(instrument.token_id == 0 || find_by_token(instrument.token_id) == nullptr,
              "duplicate token id");
  instrument.id = static_cast<InstrumentId>(instruments_.size());
  Money previous_cap{0};
  Rate previous_rate{0};
  Money previous_amount{0};
  for (MarginBracket& bracket : instrument.brackets()) {
    const auto step = apply_rate(
        previous_cap, Rate{bracket.maintenance_rate.raw - previous_rate.raw}, Rounding::kDown);
    SIGEX_CHECK(step.has_value(), "maintenance amount overflow");
    bracket.maintenance_amount = *step + previous_amount;
    previous_cap = bracket.notional_cap;
    previous_rate = bracket.maintenance_rate;
    previous_amount = bracket.maintenance_amount;
  }
  instruments_.push_back(instrument);
  return instrument.id;
}

const Instrument& InstrumentRegistry::get(InstrumentId id) const {
  SIGEX_CHECK(id < instruments_.size(), "unknown instrument id");
  return instruments_[id];
}

const Instrument* InstrumentRegistry::find_by_symbol(std::string_view symbol) const {
  const Instrument* spot = find_by_symbol(symbol, InstrumentKind::kSpot);
  return spot != nullptr ? spot : find_by_symbol(symbol, InstrumentKind::kPerpetual);
}

InstrumentRegistry InstrumentRegistry::view(std::string_view name, std::size_t venue_count) const {
  InstrumentRegistry view;
  view.instruments_ = instruments_;
  view.view_ = true;
  for (const Instrument& instrument : all()) {
    if (instrument.served_by(name, venue_count)) view.listed_.push_back(instrument);
  }
  return view;
}

const Instrument* InstrumentRegistry::find_by_symbol(std::string_view symbol,
                                                     InstrumentKind kind) const {
  for (const auto& instrument : all()) {
    if (instrument.kind == kind && equal_ignoring_case(instrument.symbol.view(), symbol)) {
      return &instrument;
    }
  }
  return nullptr;
}

const Instrument* InstrumentRegistry::find_by_token(TokenId token_id) const {
  for (const auto& instrument : all()) {
    if (instrument.token_id == token_id) return &instrument;
  }
  return nullptr;
}

}  // namespace sigex
