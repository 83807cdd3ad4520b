#pragma once

// [strategy.grade_trend]: every key of the table, read and validated here, next to the
// strategy (see config/backtest-grade-trend.toml for each key with its meaning).

#include <memory>

#include "engine/strategy/registry.h"
#include "strategies/grade_trend/grade_trend.h"

namespace sigex {

class GradeTrendSettings final : public StrategySettings {
 public:
  std::string_view tag() const override { return config.tag; }
  std::unique_ptr<Strategy> build(const RiskConfig& risk) const override;
  Refusal refuse(const std::vector<Instrument>& instruments) const override;

  GradeTrendConfig config;
};

const StrategyType& grade_trend_type();

}  // namespace sigex
