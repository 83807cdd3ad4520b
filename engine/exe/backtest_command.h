#pragma once

// `sigex backtest`: replays recorded market data and signals through the same engine, risk,
// OMS and strategy code that live trading uses, on a simulated clock, against the simulated
// venue. The composition root for backtests.

#include <optional>
#include <string>

#include "engine/exe/app_config.h"

namespace sigex {

struct BacktestOptions {
  std::optional<std::string> out_dir;  // overrides [backtest].out_dir
  bool quiet = false;                  // no summary on stdout
};

// Returns the process exit code: 0 success, 1 run failure, 2 bad input.
int run_backtest(const AppConfig& config, const BacktestOptions& options);

}  // namespace sigex
