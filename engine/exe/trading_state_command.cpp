#include "engine/exe/trading_state_command.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

#include "adapters/service/instance_lock.h"
#include "engine/core/calendar.h"
#include "engine/journal/journal.h"
#include "engine/risk/trading_state.h"

namespace sigex {

std::string check_scope(const AppConfig& config, const std::string& scope) {
  if (scope == kGlobalScope) return {};
  if (scope.starts_with("instrument:")) {
    const std::string symbol = scope.substr(11);
    for (const auto& instrument : config.instruments) {
      if (instrument.symbol.view() == symbol) return {};
    }
    return "no [[instruments]] has the symbol \"" + symbol + "\"";
  }
  if (scope.starts_with("strategy:") && scope.size() > 9) return {};
  return "expected global, instrument:<SYMBOL> or strategy:<tag>";
}

namespace {

TimeNs wall_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int run_trading_state(const AppConfig& config, const TradingStateOptions& options) {
  std::optional<TradingState> state;
  if (options.set) {
    std::string upper = *options.set;
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return std::toupper(c); });
    state = trading_state_from_string(upper);
    if (!state) {
      std::fprintf(stderr, "trading-state: --set must be ACTIVE, REDUCING or HALTED, not \"%s\"\n",
                   options.set->c_str());
      return 2;
    }
    if (const std::string why = check_scope(config, options.scope); !why.empty()) {
      std::fprintf(stderr, "trading-state: --scope \"%s\": %s\n", options.scope.c_str(),
                   why.c_str());
      return 2;
    }
    if (options.reason.empty()) {
      std::fprintf(stderr, "trading-state: --reason is required with --set (it is journaled)\n");
      return 2;
    }
  }
  const std::string state_dir =
      options.state_dir.empty() ? config.engine.state_dir : options.state_dir;
  // Never creates state: a state directory without a journal has no trading states to show,
  // and a state set into a new journal would hide that the real one is missing.
  if (!Journal::exists_in(state_dir)) {
    std::fprintf(
        stderr,
        "trading-state: there is no journal in %s (no journal.db, or an empty one); nothing was "
        "created\n",
        state_dir.c_str());
    return 1;
  }
  std::string error;
  InstanceLock lock;
  if (state && !lock.acquire(state_dir, error)) {
    std::fprintf(stderr,
                 "trading-state: %s\nwhile sigex runs, use `sigex ctl halt|resume` instead\n",
                 error.c_str());
    return 1;
  }
  auto journal = Journal::open(state_dir, config.engine.durability, error);
  if (!journal) {
    std::fprintf(stderr, "trading-state: %s\n", error.c_str());
    return 1;
  }
  if (state) {
    journal->record_trading_state({options.scope, std::string(to_string(*state)),
                                   "operator: " + options.reason, wall_clock_ns()});
    if (!journal->flush()) {
      std::fprintf(stderr, "trading-state: journal write failed: %s\n",
                   journal->last_error().c_str());
      return 1;
    }
  }
  const auto rows = journal->load_trading_states();
  std::printf("trading states in %s:\n", journal->path().c_str());
  if (std::none_of(rows.begin(), rows.end(),
                   [](const TradingStateRow& row) { return row.scope == kGlobalScope; })) {
    std::printf("  %-24s ACTIVE    (never changed)\n", std::string(kGlobalScope).c_str());
  }
  for (const auto& row : rows) {
    std::printf("  %-24s %-9s since %s: %s\n", row.scope.c_str(), row.state.c_str(),
                format_utc_timestamp(row.time_ns).c_str(), row.reason.c_str());
  }
  return 0;
}

}  // namespace sigex
