#include "engine/exe/registry.h"

#include "adapters/binance/settings.h"
#include "adapters/binance_usdm/settings.h"
#include "adapters/coinbase/settings.h"
#include "strategies/grade_rebalance/settings.h"
#include "strategies/grade_trend/settings.h"
#include "strategies/signal_follow/settings.h"

namespace sigex {

// One line per strategy folder. The order is journaled (each strategy's index): add new
// types at the end.
const std::vector<const StrategyType*>& strategy_types() {
  static const std::vector<const StrategyType*> types = {
      &signal_follow_type(),
      &grade_rebalance_type(),
      &grade_trend_type(),
  };
  return types;
}

// One line per venue folder (adapters/<venue>/settings.h).
const std::vector<const VenueType*>& venue_types() {
  static const std::vector<const VenueType*> types = {
      &binance_venue_type(),
      &binance_usdm_venue_type(),
      &coinbase_venue_type(),
  };
  return types;
}

}  // namespace sigex
