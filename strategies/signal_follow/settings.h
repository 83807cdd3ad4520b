#pragma once

// [strategy.signal_follow]: every key of the table, read and validated here, next to the
// strategy (see config/backtest-daily.toml for each key with its meaning).

#include <memory>

#include "engine/strategy/registry.h"
#include "strategies/signal_follow/signal_follow.h"

namespace sigex {

class SignalFollowSettings final : public StrategySettings {
 public:
  std::string_view tag() const override { return config.tag; }
  std::unique_ptr<Strategy> build(const RiskConfig& risk) const override;
  Refusal refuse(const std::vector<Instrument>& instruments) const override;

  SignalFollowConfig config;
};

const StrategyType& signal_follow_type();

}  // namespace sigex
