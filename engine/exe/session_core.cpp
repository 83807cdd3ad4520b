#include "engine/exe/session_core.h"

#include "engine/core/check.h"
#include "engine/exe/intake_setup.h"

namespace sigex {

std::unique_ptr<SimulatedVenue> restore_paper_venue(const AppConfig& config,
                                                    const InstrumentRegistry& instruments,
                                                    Journal& journal) {
  auto venue = std::make_unique<SimulatedVenue>(instruments, config.simulated_venue,
                                                config.engine.cash_accounts());
  venue->restore(journal.load_orders(), journal.load_fills(), journal.load_account_events());
  return venue;
}

SessionCore compose_session_core(const AppConfig& config, const InstrumentRegistry& instruments,
                                 const Clock& clock, Journal& journal, ExecutionVenue& venue,
                                 SimulatedVenue* paper_venue) {
  SessionCore core;
  core.engine = std::make_unique<Engine>(instruments, clock, journal, venue, config.risk,
                                         config.engine.cash_accounts());
  if (paper_venue != nullptr) core.engine->add_market_observer(paper_venue);
  core.signal_gate = std::make_unique<SignalGate>(config.signals, journal, instruments);
  core.engine->set_signal_gate(core.signal_gate.get());
  add_configured_strategies(config, *core.engine);
  auto flatten = std::make_unique<FlattenStrategy>();
  core.flatten = flatten.get();
  core.engine->add_strategy(std::move(flatten));  // last: the others keep their journaled indices
  return core;
}

std::size_t apply_control(SessionCore& core, const ControlAction& action, const Clock& clock) {
  Engine& engine = *core.engine;
  switch (action.kind) {
    case ControlKind::kSetTradingState: {
      const auto state = trading_state_from_string(action.state);
      SIGEX_CHECK(state.has_value(), "operator action with an unknown trading state");
      engine.set_trading_state(action.scope, *state, action.text);
      return 0;
    }
    case ControlKind::kFlatten: {
      engine.set_trading_state(std::string(kGlobalScope), TradingState::kReducing,
                               "operator flatten: " + action.text);
      const std::size_t canceled = engine.cancel_all_orders();
      core.flatten->flatten(static_cast<std::uint64_t>(clock.now_ns()));
      return canceled;
    }
    case ControlKind::kStop:
      engine.stop_new_orders();
      return action.text == "cancel" ? engine.cancel_all_orders() : 0;
    case ControlKind::kReloadRisk: {
      ConfigErrors errors;
      const AppConfig fresh =
          load_app_config_text(action.text, "reloaded configuration", errors, ConfigUse::kReplay);
      SIGEX_CHECK(errors.empty(), "a reload was applied with an invalid configuration");
      engine.reconfigure_risk(fresh.risk);
      return 0;
    }
  }
  return 0;
}

}  // namespace sigex
