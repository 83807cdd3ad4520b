#pragma once

// [strategy.grade_rebalance]: every key of the table, read and validated here, next to the
// strategy (see config/backtest-rebalance.toml for each key with its meaning).

#include <memory>

#include "engine/strategy/registry.h"
#include "strategies/grade_rebalance/grade_rebalance.h"

namespace sigex {

class GradeRebalanceSettings final : public StrategySettings {
 public:
  std::string_view tag() const override { return config.tag; }
  std::unique_ptr<Strategy> build(const RiskConfig& risk) const override;

  GradeRebalanceConfig config;
};

const StrategyType& grade_rebalance_type();

}  // namespace sigex
