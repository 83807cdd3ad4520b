#include "strategies/signal_follow/settings.h"

namespace sigex {
namespace {

std::unique_ptr<StrategySettings> read_settings(ConfigSection& section) {
  auto settings = std::make_unique<SignalFollowSettings>();
  SignalFollowConfig& strategy = settings->config;
  read_strategy_basics(section, strategy.tag, strategy.grade);
  std::int64_t entry = strategy.entry_grade_hundredths, exit = strategy.exit_grade_hundredths;
  section.decimal("entry_grade", 2, entry);
  section.decimal("exit_grade", 2, exit);
  if (entry > 10'000) section.error("entry_grade", "must be within 0..100");
  if (exit > 10'000) section.error("exit_grade", "must be within 0..100");
  strategy.entry_grade_hundredths = static_cast<std::int32_t>(entry);
  strategy.exit_grade_hundredths = static_cast<std::int32_t>(exit);
  section.decimal("order_notional", kMoneyScale, strategy.order_notional.raw);
  if (strategy.order_notional.raw <= 0) section.error("order_notional", "must be positive");
  section.boolean("scale_by_grade", strategy.scale_by_grade);
  section.integer("price_tolerance_bps", strategy.price_tolerance_bps, 0, 2'000);
  section.integer("stop_loss_bps", strategy.stop_loss_bps, 0, 9'999);
  section.integer("take_profit_bps", strategy.take_profit_bps, 0, 1'000'000);
  section.integer("trailing_stop_bps", strategy.trailing_stop_bps, 0, 9'999);
  std::int64_t signal_age_s = strategy.max_signal_age_ns / kNsPerSecond;
  std::int64_t grade_age_s = strategy.max_grade_age_ns / kNsPerSecond;
  section.integer("max_signal_age_s", signal_age_s, 1, 365LL * 86'400);
  section.integer("max_grade_age_s", grade_age_s, 1, 365LL * 86'400);
  strategy.max_signal_age_ns = signal_age_s * kNsPerSecond;
  strategy.max_grade_age_ns = grade_age_s * kNsPerSecond;
  std::string direction = "long";
  section.text("direction", direction);
  if (direction == "long") {
    strategy.direction = TradeDirection::kLong;
  } else if (direction == "short") {
    strategy.direction = TradeDirection::kShort;
  } else if (direction == "both") {
    strategy.direction = TradeDirection::kBoth;
  } else {
    section.error("direction", "expected \"long\", \"short\" or \"both\"");
  }
  std::int64_t short_entry = strategy.short_entry_grade_hundredths;
  std::int64_t short_exit = strategy.short_exit_grade_hundredths;
  section.decimal("short_entry_grade", 2, short_entry);
  section.decimal("short_exit_grade", 2, short_exit);
  if (short_entry > 10'000) section.error("short_entry_grade", "must be within 0..100");
  if (short_exit > 10'000) section.error("short_exit_grade", "must be within 0..100");
  strategy.short_entry_grade_hundredths = static_cast<std::int32_t>(short_entry);
  strategy.short_exit_grade_hundredths = static_cast<std::int32_t>(short_exit);
  section.finish();
  return settings;
}

}  // namespace

StrategySettings::Refusal SignalFollowSettings::refuse(
    const std::vector<Instrument>& instruments) const {
  if (config.direction == TradeDirection::kLong || has_perpetual(instruments)) return {};
  return {"direction",
          "\"short\" and \"both\" need short positions, which need a perpetual instrument "
          "([[instruments]] kind = \"perpetual\"); on spot only, use direction = \"long\""};
}

std::unique_ptr<Strategy> SignalFollowSettings::build(const RiskConfig&) const {
  return std::make_unique<SignalFollow>(config);
}

const StrategyType& signal_follow_type() {
  static const StrategyType type{"signal_follow", read_settings};
  return type;
}

}  // namespace sigex
