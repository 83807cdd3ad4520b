#include "strategies/grade_rebalance/settings.h"

namespace sigex {
namespace {

std::unique_ptr<StrategySettings> read_settings(ConfigSection& section) {
  auto settings = std::make_unique<GradeRebalanceSettings>();
  GradeRebalanceConfig& strategy = settings->config;
  read_strategy_basics(section, strategy.tag, strategy.grade);
  std::int64_t floor = strategy.grade_floor_hundredths;
  section.decimal("grade_floor", 2, floor);
  if (floor < 0 || floor > 10'000) section.error("grade_floor", "must be within 0..100");
  strategy.grade_floor_hundredths = static_cast<std::int32_t>(floor);
  section.integer("max_weight_bps", strategy.max_weight_bps, 1, 10'000);
  section.integer("invest_fraction_bps", strategy.invest_fraction_bps, 1, 10'000);
  section.integer("drift_band_bps", strategy.drift_band_bps, 0, 10'000);
  section.integer("top_k", strategy.top_k, 0, 10'000);
  section.boolean("require_signal", strategy.require_signal);
  section.integer("price_tolerance_bps", strategy.price_tolerance_bps, 0, 2'000);
  section.seconds("settle_s", strategy.settle_ns, 0, 3'600);
  section.seconds("rebalance_interval_s", strategy.rebalance_interval_ns, 60, 365LL * 86'400);
  section.seconds("max_signal_age_s", strategy.max_signal_age_ns, 1, 365LL * 86'400);
  section.seconds("max_grade_age_s", strategy.max_grade_age_ns, 1, 365LL * 86'400);
  section.finish();
  return settings;
}

}  // namespace

std::unique_ptr<Strategy> GradeRebalanceSettings::build(const RiskConfig& risk) const {
  // Targets and orders are sized by the risk limits, so they are never denied for size.
  GradeRebalanceConfig sized = config;
  sized.max_order_notional = risk.max_order_notional;
  sized.max_position_notional = risk.max_position_notional;
  return std::make_unique<GradeRebalance>(sized);
}

const StrategyType& grade_rebalance_type() {
  static const StrategyType type{"grade_rebalance", read_settings};
  return type;
}

}  // namespace sigex
