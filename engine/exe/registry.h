#pragma once

// The strategy and venue types this build of sigex knows. Strategies are added to an engine
// in this order; the first venue is the default market data venue.

#include <vector>

#include "engine/ports/venue_registry.h"
#include "engine/strategy/registry.h"

namespace sigex {

const std::vector<const StrategyType*>& strategy_types();
const std::vector<const VenueType*>& venue_types();

}  // namespace sigex
