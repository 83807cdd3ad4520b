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

InstrumentId InstrumentRegistry::add(Instrument instrument) {
  SIGEX_CHECK(instruments_.size() < kNoInstrument, "too many instruments");
  SIGEX_CHECK(find_by_symbol(instrument.symbol.view()) == nullptr, "duplicate symbol");
  SIGEX_CHECK(instrument.token_id == 0 || find_by_token(instrument.token_id) == nullptr,
              "duplicate token id");
  instrument.id = static_cast<InstrumentId>(instruments_.size());
  instruments_.push_back(instrument);
  return instrument.id;
}

const Instrument& InstrumentRegistry::get(InstrumentId id) const {
  SIGEX_CHECK(id < instruments_.size(), "unknown instrument id");
  return instruments_[id];
}

const Instrument* InstrumentRegistry::find_by_symbol(std::string_view symbol) const {
  for (const auto& instrument : instruments_) {
    if (equal_ignoring_case(instrument.symbol.view(), symbol)) return &instrument;
  }
  return nullptr;
}

const Instrument* InstrumentRegistry::find_by_token(TokenId token_id) const {
  for (const auto& instrument : instruments_) {
    if (instrument.token_id == token_id) return &instrument;
  }
  return nullptr;
}

}  // namespace sigex
