#include "strategies/grade_trend/settings.h"

namespace sigex {
namespace {

std::unique_ptr<StrategySettings> read_settings(ConfigSection& section) {
  auto settings = std::make_unique<GradeTrendSettings>();
  GradeTrendConfig& strategy = settings->config;
  read_strategy_basics(section, strategy.tag, strategy.grade);
  section.integer("fast", strategy.fast, 1, 365);
  section.integer("slow", strategy.slow, 2, 365);
  if (strategy.fast >= strategy.slow) section.error("fast", "must be less than slow");
  std::string mode = "long_only";
  section.text("mode", mode);
  if (mode == "long_only") {
    strategy.mode = TrendMode::kLongOnly;
  } else if (mode == "long_short") {
    strategy.mode = TrendMode::kLongShort;
  } else if (mode == "short_only") {
    strategy.mode = TrendMode::kShortOnly;
  } else {
    section.error("mode", "expected \"long_only\", \"short_only\" or \"long_short\"");
  }
  section.decimal("target_fraction", 4, strategy.target_fraction_bps);
  if (strategy.target_fraction_bps <= 0 || strategy.target_fraction_bps > 10'000) {
    section.error("target_fraction", "must be within 0..1 (a fraction of equity), e.g. \"0.95\"");
  }
  section.integer("price_tolerance_bps", strategy.price_tolerance_bps, 0, 2'000);
  section.integer("top_k", strategy.top_k, 0, 10'000);
  section.finish();
  return settings;
}

}  // namespace

StrategySettings::Refusal GradeTrendSettings::refuse(
    const std::vector<Instrument>& instruments) const {
  if (config.mode == TrendMode::kLongOnly || has_perpetual(instruments)) return {};
  return {"mode",
          "\"long_short\" and \"short_only\" need short positions, which need a perpetual "
          "instrument ([[instruments]] kind = \"perpetual\"); on spot only, use mode = "
          "\"long_only\""};
}

std::unique_ptr<Strategy> GradeTrendSettings::build(const RiskConfig& risk) const {
  GradeTrendConfig sized = config;
  sized.max_order_notional = risk.max_order_notional;
  sized.max_position_notional = risk.max_position_notional;
  return std::make_unique<GradeTrend>(sized);
}

const StrategyType& grade_trend_type() {
  static const StrategyType type{"grade_trend", read_settings};
  return type;
}

}  // namespace sigex
