#pragma once

// Trading states, global and per instrument, with the reason for each, and strategies disabled
// by a risk control. They are journaled and restored at start-up: a restart never resumes
// trading that a limit or an operator stopped. Only an operator (`sigex trading-state`) moves
// a state back to ACTIVE.
//
//   ACTIVE    orders pass the other checks
//   REDUCING  only orders that shrink the position (spot: sells of what is held)
//   HALTED    no orders at all

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/time.h"

namespace sigex {

enum class TradingState : std::uint8_t { kActive, kReducing, kHalted };

std::string_view to_string(TradingState state);
std::optional<TradingState> trading_state_from_string(std::string_view text);

struct TradingStatus {
  TradingState state = TradingState::kActive;
  std::string reason;
  TimeNs since_ns = 0;
};

// Scopes as journaled: "global", "instrument:<SYMBOL>", "strategy:<tag>" (strategies are
// either ACTIVE or HALTED, i.e. disabled).
inline constexpr std::string_view kGlobalScope = "global";
std::string instrument_scope(std::string_view symbol);
std::string strategy_scope(std::string_view tag);

class TradingStates {
 public:
  // Returns true when the scope's state changed.
  bool set(const std::string& scope, TradingState state, std::string reason, TimeNs now_ns);
  const TradingStatus& get(std::string_view scope) const;
  // The strictest of the global state and the instrument's.
  TradingState effective(std::string_view symbol) const;
  bool strategy_disabled(std::string_view tag) const;
  const std::map<std::string, TradingStatus, std::less<>>& all() const { return states_; }

 private:
  std::map<std::string, TradingStatus, std::less<>> states_;
};

}  // namespace sigex
