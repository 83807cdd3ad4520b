#pragma once

// `sigex record`: connects the configured market data feed and writes every raw frame (and
// every REST depth snapshot, as {"rest":target,"data":body}) with its receive time to a file
// that `sigex backtest` replays unchanged. A small core keeps a book per instrument so that
// gaps and reconnects fetch (and record) a fresh snapshot, exactly as live trading would.

#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "engine/events/events.h"
#include "engine/exe/app_config.h"
#include "engine/logging/progress.h"

namespace sigex {

struct RecordOptions {
  std::string out_path;
  // Token Metrics pages, when [token_metrics] is enabled: a file of their own (each file's
  // receive times must only go forward, and two threads cannot promise that in one file).
  // Empty: derived from out_path ("session.jsonl.gz" -> "session-signals.jsonl.gz").
  std::string signals_out_path;
  std::optional<double> duration_s;                   // stop after this long (wall clock)
  std::function<bool()> stop_when;                    // tests: stop when this holds
  std::function<void(const InboundEvent&)> on_event;  // tests: what the core received
  bool quiet = false;
  ProgressMode progress = ProgressMode::kAuto;  // a status line every 5 s (see progress.h)
  std::FILE* progress_out = stderr;
};

std::string default_signals_path(const std::string& out_path);

// Returns the process exit code: 0 success, 1 failure (with a message on stderr).
int run_record(const AppConfig& config, const RecordOptions& options);

}  // namespace sigex
