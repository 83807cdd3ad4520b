#include "engine/risk/trading_state.h"

#include <algorithm>

namespace sigex {

std::string_view to_string(TradingState state) {
  switch (state) {
    case TradingState::kActive:
      return "ACTIVE";
    case TradingState::kReducing:
      return "REDUCING";
    case TradingState::kHalted:
      return "HALTED";
  }
  return "?";
}

std::optional<TradingState> trading_state_from_string(std::string_view text) {
  for (const auto state : {TradingState::kActive, TradingState::kReducing, TradingState::kHalted}) {
    if (to_string(state) == text) return state;
  }
  return std::nullopt;
}

std::string instrument_scope(std::string_view symbol) {
  return "instrument:" + std::string(symbol);
}
std::string strategy_scope(std::string_view tag) { return "strategy:" + std::string(tag); }

bool TradingStates::set(const std::string& scope, TradingState state, std::string reason,
                        TimeNs now_ns) {
  TradingStatus& status = states_[scope];
  if (status.state == state && status.reason == reason) return false;
  status.state = state;
  status.reason = std::move(reason);
  status.since_ns = now_ns;
  return true;
}

const TradingStatus& TradingStates::get(std::string_view scope) const {
  static const TradingStatus kActive{};
  const auto found = states_.find(scope);
  return found == states_.end() ? kActive : found->second;
}

TradingState TradingStates::effective(std::string_view symbol) const {
  const TradingState global = get(kGlobalScope).state;
  const TradingState instrument = get(instrument_scope(symbol)).state;
  return std::max(global, instrument);
}

bool TradingStates::strategy_disabled(std::string_view tag) const {
  return get(strategy_scope(tag)).state != TradingState::kActive;
}

}  // namespace sigex
