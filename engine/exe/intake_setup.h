#pragma once

// Set-up shared by the subcommands that run live intake (`record`, `run`) and by those that
// trade (`backtest`, `run`): the Token Metrics key, budget and token ids, and the configured
// strategies. One place, so every mode reads the configuration the same way.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/net/http_session.h"
#include "adapters/net/key_set.h"
#include "adapters/net/waiter.h"
#include "adapters/token_metrics/call_budget.h"
#include "adapters/token_metrics/signal_poller.h"
#include "adapters/x402/payer.h"
#include "engine/core/secret.h"
#include "engine/exe/app_config.h"
#include "engine/runtime/engine.h"

namespace sigex {

// What a SignalPoller needs, prepared before the instrument registry exists (token ids may
// be resolved through /v2/tokens, which fills in `instruments`).
struct TokenMetricsIntake {
  std::shared_ptr<KeySet> keys;      // the current and next API keys; reloaded by the daemon
  std::unique_ptr<X402Payer> payer;  // access = "x402": pays each call (no key)
  std::unique_ptr<CallBudget> budget;
  std::unique_ptr<boost::asio::ssl::context> tls;  // only when Token Metrics is enabled
  StoppableWaiter waiter;
};

// The state directory's cache of Token Metrics token ids (token-ids.tsv).
std::string token_cache_path(const AppConfig& config);

// [universe] top N: keeps the universe's N best instruments by the Token Metrics ranking at
// start-up (rank_by = "market_cap": /top-market-cap-tokens; "grade": each token's latest grade
// from /tm-grade). Token ids must be resolved. Does nothing without a universe or top.
bool rank_universe(const AppConfig& config, const Clock& clock, TokenMetricsIntake& intake,
                   std::vector<Instrument>& instruments, std::string& error);

// Completes the instruments configured by symbol alone with the trading rules the market
// data venue publishes (asked now). False with `error` when they cannot be had.
bool complete_instrument_rules(const AppConfig& config, std::vector<Instrument>& instruments,
                               std::string& error);

// Loads the key (logging only where it came from), opens the call budget in the state
// directory and resolves token ids. Does nothing when [token_metrics] is disabled. False with
// the reason (never the key).
bool prepare_token_metrics(const AppConfig& config, const Clock& clock, TokenMetricsIntake& intake,
                           std::vector<Instrument>& instruments, std::string& error);

// What `sigex record` and `sigex relay` work with: the configured instruments completed with
// the venue's rules, their token ids resolved and the universe ranked, in `registry`. False
// with the reason.
bool prepare_live_instruments(const AppConfig& config, const Clock& clock,
                              TokenMetricsIntake& intake, InstrumentRegistry& registry,
                              std::string& error);

// The Token Metrics poller over `intake`'s keys, call budget, waiter and payer; not started.
std::unique_ptr<SignalPoller> make_signal_poller(const AppConfig& config,
                                                 const InstrumentRegistry& instruments,
                                                 EventQueue<InboundEvent>& queue,
                                                 const Clock& clock, TokenMetricsIntake& intake);

// SIGHUP or `ctl reload` (the daemon, the relay): the configuration at `path` read again.
// nullopt when it is invalid: each problem logged, and `refusal` the operator's answer (the
// running configuration is kept). `text`, when given, receives the file as read.
std::optional<AppConfig> load_reloaded_config(const std::string& path, std::string& refusal,
                                              std::string* text = nullptr);

// The Token Metrics keys of `fresh` loaded into `intake` (a key file replaced on disk, the
// next key promoted), when both configurations use API keys: ", the Token Metrics API keys"
// (" (changed)") appended to `reloaded`, or the problem to `problems` and logged (the keys in
// use are kept). A poller halted by a refused key resumes when they changed.
void reload_token_metrics_keys(TokenMetricsIntake& intake, const AppConfig& running,
                               const AppConfig& fresh, SignalPoller* poller, std::string& reloaded,
                               std::string& problems);

// access = "x402": the wallet (loaded like every secret) and the payment journal in the state
// directory; nullptr with `error` when they cannot be had, nullptr without one otherwise.
std::unique_ptr<X402Payer> open_x402_payer(const AppConfig& config, std::string& error);

// Adds [strategy.*] to the engine, in the registry's order (their indices are journaled), and
// returns them.
std::vector<const Strategy*> add_configured_strategies(const AppConfig& config, Engine& engine);

}  // namespace sigex
