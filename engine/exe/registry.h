#pragma once

// The strategy types this build of sigex knows, in the order they are added to an engine.

#include <vector>

#include "engine/strategy/registry.h"

namespace sigex {

const std::vector<const StrategyType*>& strategy_types();

}  // namespace sigex
