#include "engine/exe/intake_setup.h"

#include <algorithm>
#include <filesystem>

#include "adapters/token_metrics/signal_poller.h"
#include "engine/logging/log.h"

namespace sigex {

bool prepare_token_metrics(const AppConfig& config, const Clock& clock, TokenMetricsIntake& intake,
                           std::vector<Instrument>& instruments, std::string& error) {
  const TokenMetricsConfig& tm = config.token_metrics;
  if (!tm.enabled) return true;
  intake.tls =
      std::make_unique<boost::asio::ssl::context>(make_client_tls_context(tm.tls_ca_file, error));
  if (!error.empty()) return false;
  auto loaded = load_secret(tm.api_key);
  if (!loaded) {
    error = loaded.error();
    return false;
  }
  log_info("Token Metrics API key from {}", loaded->origin);
  intake.key = std::move(*loaded);
  intake.budget = CallBudget::open(config.engine.state_dir, "token_metrics", tm.monthly_call_budget,
                                   tm.budget_warn_percent, error);
  if (!intake.budget) return false;
  if (tm.resolve_tokens) {
    TokenMetricsClient resolver(tm, Secret(std::string(intake.key->secret.reveal())),
                                intake.budget.get(), clock, intake.waiter, *intake.tls);
    if (!resolve_token_ids(resolver, instruments, error, token_cache_path(config))) return false;
  }
  return true;
}

std::string token_cache_path(const AppConfig& config) {
  return (std::filesystem::path(config.engine.state_dir) / "token-ids.tsv").string();
}

bool complete_instrument_rules(const AppConfig& config, std::vector<Instrument>& instruments,
                               std::string& error) {
  const bool needed =
      std::any_of(instruments.begin(), instruments.end(),
                  [](const Instrument& instrument) { return instrument.awaits_venue_rules(); });
  if (!needed) return true;
  if (!config.market_data.feed) {
    error =
        "[[instruments]] configured by symbol alone need a [market_data.<venue>] section to "
        "ask the venue for their rules";
    return false;
  }
  return config.market_data.feed->complete_instruments(instruments, config.engine.cash_asset,
                                                       error);
}

std::vector<const Strategy*> add_configured_strategies(const AppConfig& config, Engine& engine) {
  std::vector<const Strategy*> added;
  for (const auto& settings : config.strategies) {
    std::unique_ptr<Strategy> strategy = settings->build(config.risk);
    added.push_back(strategy.get());
    engine.add_strategy(std::move(strategy));
  }
  return added;
}

}  // namespace sigex
