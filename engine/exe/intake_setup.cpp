#include "engine/exe/intake_setup.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <simdjson.h>

#include "adapters/token_metrics/parse_page.h"
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
  if (tm.access == TmAccess::kX402) {
    intake.keys = std::make_shared<KeySet>();
    intake.payer = open_x402_payer(config, error);
    if (!intake.payer) return false;
  } else {
    auto keys = open_key_set(token_metrics_key_slots(tm), "Token Metrics API key");
    if (!keys) {
      error = keys.error();
      return false;
    }
    intake.keys = std::move(*keys);
  }
  intake.budget = CallBudget::open(config.engine.state_dir, "token_metrics", tm.monthly_call_budget,
                                   tm.budget_warn_percent, error);
  if (!intake.budget) return false;
  if (tm.resolve_tokens) {
    TokenMetricsClient resolver(tm, intake.keys, intake.budget.get(), clock, intake.waiter,
                                *intake.tls);
    resolver.set_payer(intake.payer.get());
    if (!resolve_token_ids(resolver, instruments, error, token_cache_path(config))) return false;
  }
  return true;
}

std::string token_cache_path(const AppConfig& config) {
  return (std::filesystem::path(config.engine.state_dir) / "token-ids.tsv").string();
}

bool complete_instrument_rules(const AppConfig& config, std::vector<Instrument>& instruments,
                               std::string& error) {
  if (config.universe.present) {
    const MarketDataSettings* feed = config.market_data.feed_for(config.universe.terms);
    if (feed == nullptr) {
      error = "[universe] needs a [market_data.<venue>] section to list the venue's symbols";
      return false;
    }
    std::vector<VenueSymbol> listed;
    if (!feed->list_symbols(config.universe.terms.kind, listed, error) ||
        !expand_universe(config.universe, listed, config.engine.cash_asset, instruments, error))
      return false;
  }
  // Each feed's venue completes the instruments it quotes.
  for (const auto& feed : config.market_data.feeds) {
    std::vector<std::size_t> positions;
    std::vector<Instrument> awaiting;
    for (std::size_t i = 0; i < instruments.size(); ++i) {
      if (!instruments[i].awaits_venue_rules() ||
          config.market_data.feed_for(instruments[i]) != feed.get())
        continue;
      positions.push_back(i);
      awaiting.push_back(instruments[i]);
    }
    if (awaiting.empty()) continue;
    if (!feed->complete_instruments(awaiting, config.engine.cash_asset, error)) return false;
    for (std::size_t i = 0; i < positions.size(); ++i) instruments[positions[i]] = awaiting[i];
  }
  const auto left = std::find_if(instruments.begin(), instruments.end(),
                                 [](const Instrument& i) { return i.awaits_venue_rules(); });
  if (left != instruments.end()) {
    error = fmt::format(
        "[[instruments]] {} is configured by symbol alone: it needs a [market_data.<venue>] "
        "section to ask the venue for its rules",
        left->symbol.view());
    return false;
  }
  return true;
}

bool rank_universe(const AppConfig& config, const Clock& clock, TokenMetricsIntake& intake,
                   std::vector<Instrument>& instruments, std::string& error) {
  const UniverseConfig& universe = config.universe;
  if (!universe.present || universe.top <= 0) return true;
  if (!config.token_metrics.enabled || !intake.keys) {
    error = "[universe] top needs [token_metrics] (the ranking comes from Token Metrics)";
    return false;
  }
  const std::size_t configured = config.listed_instruments;
  TokenMetricsClient client(config.token_metrics, intake.keys, intake.budget.get(), clock,
                            intake.waiter, *intake.tls);
  client.set_payer(intake.payer.get());
  TmQuery query;
  if (universe.rank_by == UniverseRank::kMarketCap) {
    query.endpoint = TmEndpoint::kTopMarketCapTokens;
    query.top_k = 100;  // the endpoint's most; the universe's top N are among them
  } else {
    query.endpoint = TmEndpoint::kTmGrade;  // the latest grade of each token
    for (std::size_t i = configured; i < instruments.size(); ++i) {
      if (instruments[i].token_id != 0) query.token_ids.push_back(instruments[i].token_id);
    }
  }
  const TmFetch fetch = client.fetch(query);
  if (fetch.outcome != TmOutcome::kOk) {
    error = "[universe] ranking from Token Metrics " + std::string(path_of(query.endpoint)) + ": " +
            fetch.message;
    return false;
  }
  const char* field = universe.grade == GradeKind::kTraderGrade     ? "TM_TRADER_GRADE"
                      : universe.grade == GradeKind::kInvestorGrade ? "TM_INVESTOR_GRADE"
                                                                    : "TM_GRADE";
  std::map<TokenId, double> scores;
  TmPageReader reader;
  simdjson::dom::parser parser;
  double rank = 1e6;  // market cap: the order of the list, largest first
  for (const auto& page : fetch.pages) {
    const auto read = reader.read(page.body, true);
    if (!read) continue;
    for (const auto& item : read->item_list) {
      simdjson::dom::element element;
      if (item.token_id == 0 || parser.parse(item.json).get(element)) continue;
      if (universe.rank_by == UniverseRank::kMarketCap) {
        scores.emplace(item.token_id, rank--);
        continue;
      }
      double grade = 0;
      if (!element[field].get_double().get(grade) || !element["TM_GRADE"].get_double().get(grade))
        scores[item.token_id] = grade;
    }
  }
  keep_top(universe, configured, scores, instruments);
  return true;
}

std::unique_ptr<X402Payer> open_x402_payer(const AppConfig& config, std::string& error) {
  const TokenMetricsConfig& tm = config.token_metrics;
  if (tm.access != TmAccess::kX402) return nullptr;
  auto key = load_secret(tm.x402.wallet_key);
  if (!key) {
    error = key.error();
    return nullptr;
  }
  auto payer = X402Payer::open(tm.x402, key->secret, config.engine.state_dir);
  if (!payer) {
    error = payer.error();
    return nullptr;
  }
  log_info(
      "x402: paying Token Metrics calls from wallet {} (key from {}); at most {} USDC a call, "
      "{} a day, {} a month",
      (*payer)->address(), key->origin, format_amount(tm.x402.max_price),
      format_amount(tm.x402.daily_budget), format_amount(tm.x402.monthly_budget));
  return std::move(*payer);
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

bool prepare_live_instruments(const AppConfig& config, const Clock& clock,
                              TokenMetricsIntake& intake, InstrumentRegistry& registry,
                              std::string& error) {
  std::vector<Instrument> instruments = config.instruments;
  if (!complete_instrument_rules(config, instruments, error) ||
      !prepare_token_metrics(config, clock, intake, instruments, error) ||
      !rank_universe(config, clock, intake, instruments, error)) {
    return false;
  }
  for (const auto& instrument : instruments) registry.add(instrument);
  return true;
}

std::unique_ptr<SignalPoller> make_signal_poller(const AppConfig& config,
                                                 const InstrumentRegistry& instruments,
                                                 EventQueue<InboundEvent>& queue,
                                                 const Clock& clock, TokenMetricsIntake& intake) {
  auto poller =
      std::make_unique<SignalPoller>(config.token_metrics, instruments, queue, clock, intake.keys,
                                     intake.budget.get(), intake.waiter, *intake.tls);
  poller->set_payer(intake.payer.get());
  return poller;
}

std::optional<AppConfig> load_reloaded_config(const std::string& path, std::string& refusal,
                                              std::string* text) {
  ConfigErrors errors;
  AppConfig fresh = load_app_config(path, errors, {}, text);
  if (errors.empty()) return fresh;
  for (const auto& message : errors.messages()) log_error("reload: {}", message);
  log_error("reload refused: the running configuration is kept");
  refusal = fmt::format(
      "error: the new configuration is invalid ({} problem(s), see the log); the running "
      "configuration is kept\n",
      errors.messages().size());
  return std::nullopt;
}

void reload_token_metrics_keys(TokenMetricsIntake& intake, const AppConfig& running,
                               const AppConfig& fresh, SignalPoller* poller, std::string& reloaded,
                               std::string& problems) {
  if (!intake.keys || !fresh.token_metrics.enabled ||
      fresh.token_metrics.access != TmAccess::kApiKey ||
      running.token_metrics.access != TmAccess::kApiKey) {
    return;
  }
  const auto changed = reload_key_set(*intake.keys, token_metrics_key_slots(fresh.token_metrics),
                                      "Token Metrics API key");
  if (!changed) {
    log_error("reload: {}; the Token Metrics API keys in use are kept", changed.error());
    problems += (problems.empty() ? "" : "; ") + changed.error();
    return;
  }
  reloaded += fmt::format(", the Token Metrics API keys{}", *changed ? " (changed)" : "");
  if (*changed && poller != nullptr) poller->keys_reloaded();
}

}  // namespace sigex
