#pragma once

// How strategies join sigex without the composition root knowing them. Each strategy folder
// (strategies/<name>/) provides one StrategyType: the name of its [strategy.<name>] table and
// a reader that declares, reads and validates that table's keys next to the strategy. The
// composition root lists the types once (engine/exe/registry.cpp); configuration, backtests,
// paper and live sessions then go through the list. The list's order is the order strategies
// are added to the engine, which the journal records: new types go at the end.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config/config_reader.h"
#include "engine/events/events.h"
#include "engine/ports/strategy.h"
#include "engine/risk/risk_engine.h"

namespace sigex {

// One [strategy.<name>] table, read and valid.
class StrategySettings {
 public:
  virtual ~StrategySettings() = default;
  // The client order id prefix of the strategy this builds.
  virtual std::string_view tag() const = 0;
  // A new strategy object. `risk`: strategies that size orders by the risk limits read them.
  virtual std::unique_ptr<Strategy> build(const RiskConfig& risk) const = 0;
  // What these settings cannot do with the configured instruments (e.g. shorts without a
  // perpetual): the key at fault and why; an empty key when all is well.
  struct Refusal {
    std::string key;
    std::string why;
  };
  virtual Refusal refuse(const std::vector<Instrument>& /*instruments*/) const { return {}; }
};

struct StrategyType {
  std::string_view name;  // the table under [strategy]
  // Reads every key of `section` (reporting each problem on it) and calls section.finish().
  std::unique_ptr<StrategySettings> (*read)(ConfigSection& section);
};

// Whether any of `instruments` is a perpetual (short positions need one).
bool has_perpetual(const std::vector<Instrument>& instruments);

// The keys every strategy has: `tag` (1..8 characters of [a-zA-Z0-9], the client order id
// prefix) and `grade` ("trader" or "tm": which Token Metrics grade it reads).
void read_strategy_basics(ConfigSection& section, std::string& tag, GradeKind& grade);

}  // namespace sigex
