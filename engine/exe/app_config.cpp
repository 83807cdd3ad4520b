#include "engine/exe/app_config.h"

#include <algorithm>
#include <cctype>

#include <glob.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "adapters/binance/instrument_rules.h"
#include "adapters/binance/parse_exchange_info.h"
#include "adapters/service/metrics_server.h"
#include "adapters/token_metrics/rest_client.h"
#include "adapters/webhook/signal_webhook.h"
#include "adapters/x402/eip712.h"
#include "engine/core/calendar.h"
#include "engine/exe/registry.h"
#include "engine/order/client_order_id.h"

namespace sigex {
namespace {

AppConfig read_app_config(const toml::table* table, const std::string& path, ConfigErrors& errors,
                          ConfigUse use = ConfigUse::kRun);

std::string resolve_path(const std::string& config_path, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(config_path).parent_path() / path).lexically_normal().string();
}

void read_engine(ConfigSection section, AppConfig& config) {
  EngineConfig& engine = config.engine;
  section.text("cash_asset", engine.cash_asset);
  section.decimal("starting_cash", kMoneyScale, engine.starting_cash.raw);
  section.path("state_dir", engine.state_dir);
  std::string durability = "full";
  section.text("journal_durability", durability);
  if (durability == "full") {
    engine.durability = Durability::kFull;
  } else if (durability == "normal") {
    engine.durability = Durability::kNormal;
  } else {
    section.error("journal_durability", "expected \"full\" or \"normal\"");
  }
  if (engine.starting_cash.raw <= 0) section.error("starting_cash", "must be positive");
  // [engine.venue_cash]: each venue account's cash, by venue name (checked against the
  // instruments' venues in check_venue_cash).
  if (section.has("venue_cash")) {
    ConfigSection venues = section.child("venue_cash");
    for (const VenueType* type : venue_types()) {
      const std::string name(type->name);
      if (!venues.has(name)) continue;
      CashAccount account{VenueName::from(name), Money{0}};
      venues.decimal(name, kMoneyScale, account.starting_cash.raw);
      if (account.starting_cash.raw <= 0) venues.error(name, "must be positive");
      engine.venue_cash.push_back(account);
    }
    venues.finish();
    if (section.has("starting_cash")) {
      section.error("starting_cash",
                    "give either starting_cash or [engine.venue_cash] (whose sum it then is)");
    }
    engine.starting_cash = Money{0};
    for (const CashAccount& account : engine.venue_cash)
      engine.starting_cash += account.starting_cash;
  }
  section.finish();
}

void read_logging(ConfigSection section, LogConfig& logging) {
  section.text("level", logging.level);
  static const std::vector<std::string> kLevels = {"trace", "debug",    "info", "warn",
                                                   "error", "critical", "off"};
  if (std::find(kLevels.begin(), kLevels.end(), logging.level) == kLevels.end()) {
    section.error("level", "expected one of trace, debug, info, warn, error, critical, off");
  }
  section.finish();
}

// kind = "spot" | "perpetual"; for perpetuals the leverage set on the venue, the risk limit on
// leverage and the venue's leverage brackets ([[instruments.brackets]], ascending).
// The registered venue type called `name`, or null with the list of names in `names`.
const VenueType* find_venue_type(std::string_view name, std::string& names) {
  const VenueType* found = nullptr;
  for (const VenueType* type : venue_types()) {
    names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", type->name);
    if (type->name == name) found = type;
  }
  return found;
}

// venue = "<name>": one of the registered venue types (checked against the configured feeds
// and accounts once every section is read).
void read_instrument_venue(ConfigSection& section, Instrument& instrument) {
  std::string venue;
  section.text("venue", venue);
  if (venue.empty()) return;
  std::string names;
  if (find_venue_type(venue, names) == nullptr) {
    section.error("venue", "expected one of " + names);
    return;
  }
  instrument.venue.assign(venue);
}

void read_instrument_kind(ConfigSection& section, Instrument& instrument, int& max_leverage) {
  read_instrument_venue(section, instrument);
  std::string kind = "spot";
  section.text("kind", kind);
  if (kind == "perpetual") {
    instrument.kind = InstrumentKind::kPerpetual;
  } else if (kind != "spot") {
    section.error("kind", "expected \"spot\" or \"perpetual\" (a USDT-margined perpetual)");
  }
  const bool perpetual = instrument.is_perpetual();
  for (const char* key : {"leverage", "max_leverage", "brackets"}) {
    if (!perpetual && section.has(key)) {
      section.error(key, "only for kind = \"perpetual\"");
    }
  }
  if (!perpetual) return;
  section.integer("leverage", instrument.leverage, 1, 125);
  max_leverage = instrument.leverage;
  section.integer("max_leverage", max_leverage, 0, 125);
  if (max_leverage > 0 && instrument.leverage > max_leverage) {
    section.error("leverage",
                  "must not exceed max_leverage (" + std::to_string(max_leverage) + ")");
  }
  auto brackets = section.tables("brackets");
  if (brackets.empty()) {
    section.error("brackets",
                  "required for a perpetual: the venue's leverage brackets (Binance GET "
                  "/fapi/v1/leverageBracket: notionalCap, maintMarginRatio, initialLeverage), as "
                  "[[instruments.brackets]] tables; BTCUSDT's are in "
                  "config/backtest-grade-trend-perp.toml");
  } else if (brackets.size() > kMaxMarginBrackets) {
    section.error("brackets", "at most " + std::to_string(kMaxMarginBrackets) + " brackets");
    return;
  }
  for (auto& table : brackets) {
    MarginBracket bracket;
    table.decimal("notional_cap", kMoneyScale, bracket.notional_cap.raw);
    table.decimal("maintenance_margin_rate", kRateScale, bracket.maintenance_rate.raw);
    table.integer("max_leverage", bracket.max_leverage, 1, 125);
    if (bracket.notional_cap.raw <= 0) table.error("notional_cap", "required and positive");
    if (bracket.maintenance_rate.raw <= 0 || bracket.maintenance_rate.raw >= pow10(kRateScale)) {
      table.error("maintenance_margin_rate", "required, between 0 and 1");
    }
    if (instrument.bracket_count > 0) {
      const MarginBracket& previous = instrument.bracket_table[instrument.bracket_count - 1];
      if (bracket.notional_cap <= previous.notional_cap) {
        table.error("notional_cap", "must be larger than the previous bracket's");
      }
      if (bracket.maintenance_rate < previous.maintenance_rate) {
        table.error("maintenance_margin_rate", "must not be smaller than the previous bracket's");
      }
    }
    table.finish();
    instrument.bracket_table[instrument.bracket_count++] = bracket;
  }
  if (instrument.bracket_count > 0 &&
      instrument.leverage > instrument.bracket_table[0].max_leverage) {
    section.error("leverage", "exceeds the first bracket's max_leverage (" +
                                  std::to_string(instrument.bracket_table[0].max_leverage) + ")");
  }
}

// [universe]: which of the venue's symbols to trade (engine/exe/universe.h).
void read_universe(ConfigSection section, UniverseConfig& universe) {
  if (!section.present()) return;
  universe.present = true;
  section.text_list("symbols", universe.symbols);
  if (universe.symbols.empty())
    section.error("symbols", "give at least one pattern, e.g. \"*USDT\"");
  section.text_list("exclude", universe.exclude);
  section.boolean("trading_only", universe.trading_only);
  section.integer("max_instruments", universe.max_instruments, 1, 1000);
  section.integer("top", universe.top, 0, 1000);
  std::string rank_by = "grade";
  section.text("rank_by", rank_by);
  if (rank_by == "market_cap") {
    universe.rank_by = UniverseRank::kMarketCap;
  } else if (rank_by != "grade") {
    section.error("rank_by", "expected \"grade\" or \"market_cap\"");
  }
  std::string grade = "trader";
  section.text("grade", grade);
  if (grade == "tm") {
    universe.grade = GradeKind::kTmGrade;
  } else if (grade == "investor") {
    universe.grade = GradeKind::kInvestorGrade;
  } else if (grade != "trader") {
    section.error("grade", "expected \"trader\", \"tm\" or \"investor\"");
  }
  int max_leverage = 0;
  read_instrument_kind(section, universe.terms, max_leverage);
  section.finish();
}

void read_instrument(ConfigSection section, AppConfig& config) {
  Instrument instrument;
  std::string symbol, base, quote, token_symbol;
  section.text("symbol", symbol);
  section.text("base_asset", base);
  section.text("quote_asset", quote);
  section.integer("price_scale", instrument.price_scale, 0, kMaxScale);
  section.integer("quantity_scale", instrument.quantity_scale, 0, kMaxScale);
  section.decimal("tick_size", instrument.price_scale, instrument.tick_size.raw);
  section.decimal("step_size", instrument.quantity_scale, instrument.step_size.raw);
  section.decimal("min_quantity", instrument.quantity_scale, instrument.min_quantity.raw);
  section.decimal("min_notional", kMoneyScale, instrument.min_notional.raw);
  Quantity max_order_quantity{0};
  section.decimal("max_order_quantity", instrument.quantity_scale, max_order_quantity.raw);
  if (max_order_quantity.raw < 0) section.error("max_order_quantity", "must not be negative");
  section.integer("token_id", instrument.token_id, 0, INT64_MAX);
  section.text("token_symbol", token_symbol);
  if (symbol.empty() || !instrument.symbol.assign(symbol)) {
    section.error("symbol", "required, at most " + std::to_string(Symbol::capacity()) + " chars");
  }
  // Symbol (and kind) alone: the rules come from the venue's exchange information, at
  // start-up or, for backtests, from [backtest] exchange_info.
  bool from_venue = true;
  for (const char* key :
       {"base_asset", "quote_asset", "tick_size", "step_size", "min_quantity", "min_notional"}) {
    from_venue = from_venue && !section.has(key);
  }
  if (from_venue) {
    instrument.tick_size = Price{0};
    instrument.step_size = Quantity{0};
  }
  const char* or_from_venue =
      "required (or give only symbol and kind to take the rules from the venue)";
  if (!from_venue && (base.empty() || !instrument.base_asset.assign(base)))
    section.error("base_asset", or_from_venue);
  if (!from_venue && (quote.empty() || !instrument.quote_asset.assign(quote))) {
    section.error("quote_asset", or_from_venue);
  } else if (!from_venue && quote != config.engine.cash_asset) {
    section.error("quote_asset", "must equal engine.cash_asset (\"" + config.engine.cash_asset +
                                     "\"): one cash asset per process");
  }
  if (!instrument.token_symbol.assign(token_symbol)) section.error("token_symbol", "too long");
  int max_leverage = 0;
  read_instrument_kind(section, instrument, max_leverage);
  if (!from_venue && instrument.tick_size.raw <= 0)
    section.error("tick_size", "required and positive");
  if (!from_venue && instrument.step_size.raw <= 0)
    section.error("step_size", "required and positive");
  for (const auto& other : config.instruments) {
    if (other.symbol == instrument.symbol && other.kind == instrument.kind) {
      section.error("symbol",
                    "duplicate " + std::string(to_string(instrument.kind)) + " symbol " + symbol);
    }
    if (instrument.token_id != 0 && other.token_id == instrument.token_id) {
      section.error("token_id", "token id mapped twice");
    }
  }
  section.finish();
  config.instruments.push_back(instrument);
  config.risk.max_order_quantity.push_back(max_order_quantity);
  config.risk.max_leverage.push_back(max_leverage);
}

void read_backtest(ConfigSection section, AppConfig& config, ConfigUse use) {
  // fetch-history writes what the inputs will name: they need not exist yet.
  const bool inputs_must_exist = use != ConfigUse::kFetch;
  BacktestConfig& backtest = config.backtest;
  for (auto input : section.tables("inputs")) {
    BacktestInputConfig entry;
    input.text("path", entry.path);
    input.text("snapshot_symbol", entry.snapshot_symbol);
    std::string market = "spot";
    input.text("market", market);
    if (market == "usdm") {
      entry.usdm = true;
    } else if (market != "spot") {
      input.error("market", "expected \"spot\" or \"usdm\" (Binance USD-M perpetual streams)");
    }
    if (entry.path.empty()) {
      input.error("path", "required");
    } else if (entry.path.find_first_of("*?[") != std::string::npos) {
      // A pattern ("history/spot/*/klines-1h.sigexbin"): every file it matches, in name order.
      const std::string pattern = resolve_path(config.path, entry.path);
      glob_t found{};
      // Only the configuration's own thread calls glob().
      const int status =
          ::glob(pattern.c_str(), 0, nullptr, &found);  // NOLINT(concurrency-mt-unsafe)
      if ((status != 0 || found.gl_pathc == 0) && inputs_must_exist)
        input.error("path", "no file matches " + pattern);
      for (std::size_t i = 0; status == 0 && i < found.gl_pathc; ++i) {
        BacktestInputConfig match = entry;
        match.path = found.gl_pathv[i];
        backtest.inputs.push_back(match);
      }
      ::globfree(&found);
      input.finish();
      continue;
    } else {
      entry.path = resolve_path(config.path, entry.path);
      if (inputs_must_exist && !std::filesystem::exists(entry.path))
        input.error("path", "no such file: " + entry.path);
    }
    input.finish();
    backtest.inputs.push_back(entry);
  }
  section.text_list("exchange_info", backtest.exchange_info);
  for (std::string& file : backtest.exchange_info) {
    file = resolve_path(config.path, file);
    if (!std::filesystem::exists(file)) section.error("exchange_info", "no such file: " + file);
  }
  std::string start, end;
  section.text("start", start);
  section.text("end", end);
  if (!start.empty()) {
    const auto parsed = parse_utc_timestamp(start);
    if (parsed)
      backtest.start_ns = *parsed;
    else
      section.error("start", "expected a UTC date or timestamp such as 2018-01-01");
  }
  if (!end.empty()) {
    const auto parsed = parse_utc_timestamp(end);
    if (parsed)
      backtest.end_ns = *parsed;
    else
      section.error("end", "expected a UTC date or timestamp such as 2021-12-31");
  }
  if (backtest.start_ns >= backtest.end_ns) section.error("end", "must be after start");
  std::int64_t allowed = static_cast<std::int64_t>(backtest.max_input_problems);
  section.integer("max_input_problems", allowed, 0, INT64_MAX);
  backtest.max_input_problems = static_cast<std::uint64_t>(allowed);
  section.path("out_dir", backtest.out_dir);
  section.path("input_cache_dir", backtest.input_cache_dir);
  std::int64_t interval_s = backtest.equity_interval_ns / kNsPerSecond;
  section.integer("equity_interval_s", interval_s, 1, 366LL * 86'400);
  backtest.equity_interval_ns = interval_s * kNsPerSecond;
  std::int64_t capacity = static_cast<std::int64_t>(backtest.queue_capacity);
  section.integer("queue_capacity", capacity, 1024, 1 << 24);
  backtest.queue_capacity = static_cast<std::size_t>(capacity);
  if (section.present() && backtest.inputs.empty() && inputs_must_exist) {
    section.error("inputs", "at least one [[backtest.inputs]] is required");
  }
  section.finish();
}

// fee_asset = "quote" | "base" | "third".
void read_fee_asset(ConfigSection& section, SimulatedFeeAsset& asset) {
  std::string text = asset == SimulatedFeeAsset::kBase    ? "base"
                     : asset == SimulatedFeeAsset::kThird ? "third"
                                                          : "quote";
  section.text("fee_asset", text);
  if (text == "quote") {
    asset = SimulatedFeeAsset::kQuote;
  } else if (text == "base") {
    asset = SimulatedFeeAsset::kBase;
  } else if (text == "third") {
    asset = SimulatedFeeAsset::kThird;
  } else {
    section.error("fee_asset",
                  "expected \"quote\", \"base\" (Binance spot's default: a buy's fee in the coin "
                  "bought) or \"third\" (paid in third_fee_asset, e.g. BNB)");
  }
}

void read_simulated_venue(ConfigSection section, SimulatedVenueConfig& venue) {
  std::int64_t latency_us = venue.order_latency_ns / kNsPerUs;
  section.integer("order_latency_us", latency_us, 0, 60'000'000);
  venue.order_latency_ns = latency_us * kNsPerUs;
  section.integer("maker_fee_bps", venue.maker_fee_bps, -100, 1000);
  section.integer("perpetual_maker_fee_bps", venue.perpetual_maker_fee_bps, -100, 1000);
  section.integer("perpetual_taker_fee_bps", venue.perpetual_taker_fee_bps, 0, 1000);
  section.integer("liquidation_fee_bps", venue.liquidation_fee_bps, 0, 1000);
  section.integer("taker_fee_bps", venue.taker_fee_bps, 0, 1000);
  section.integer("bar_participation_bps", venue.bar_participation_bps, 1, 10'000);
  section.integer("bar_open_tolerance_bps", venue.bar_open_tolerance_bps, 0, 10'000);
  read_fee_asset(section, venue.fee_asset);
  std::string third_asset(venue.third_fee_asset.view());
  section.text("third_fee_asset", third_asset);
  if (!venue.third_fee_asset.assign(third_asset) || third_asset.empty()) {
    section.error("third_fee_asset", "must be 1..12 characters");
  }
  section.decimal("third_fee_asset_price", kMoneyScale, venue.third_fee_asset_price.raw);
  if (venue.third_fee_asset_price.raw <= 0)
    section.error("third_fee_asset_price", "must be positive");
  // [venue.simulated.<venue>]: the spot fees of one venue's instruments, when venues mix.
  for (const VenueType* type : venue_types()) {
    const std::string name(type->name);
    if (!section.has(name)) continue;
    ConfigSection table = section.child(name);
    SimulatedVenueFees fees{VenueName::from(name),
                            {venue.maker_fee_bps, venue.taker_fee_bps, venue.fee_asset}};
    table.integer("maker_fee_bps", fees.fees.maker_fee_bps, -100, 1000);
    table.integer("taker_fee_bps", fees.fees.taker_fee_bps, 0, 1000);
    read_fee_asset(table, fees.fees.fee_asset);
    table.finish();
    venue.venue_fees.push_back(fees);
  }
  section.finish();
}

// Every registered venue whose [market_data.<venue>] table is present, in the registry's order
// (Binance's defaults when none is: a bare [market_data] means Binance). Each is one feed.
void read_market_data(ConfigSection section, MarketDataConfig& market_data) {
  market_data.present = section.present();
  std::int64_t capacity = static_cast<std::int64_t>(market_data.queue_capacity);
  section.integer("queue_capacity", capacity, 1024, 1 << 24);
  market_data.queue_capacity = static_cast<std::size_t>(capacity);
  std::string source = "venue";
  section.text("source", source);
  if (source != "venue" && source != "nats")
    section.error("source", "expected \"venue\" (its own connections) or \"nats\" (sigex relay)");
  market_data.from_relay = source == "nats";
  std::vector<const VenueType*> venues;
  for (const VenueType* type : venue_types()) {
    if (section.has(std::string(type->name))) venues.push_back(type);
  }
  if (venues.empty()) venues.push_back(venue_types().front());
  for (const VenueType* venue : venues) {
    ConfigSection venue_section = section.child(std::string(venue->name));
    market_data.feeds.push_back(venue->read_market_data(venue_section));
    // A snapshot enters the queue in one piece.
    const std::size_t largest = market_data.feeds.back()->largest_snapshot_records();
    if (market_data.queue_capacity < largest) {
      section.error("queue_capacity",
                    fmt::format("must be at least {} (the largest depth snapshot of "
                                "[market_data.{}], 2 records per level, and room for the stream)",
                                largest, venue->name));
    }
  }
  section.finish();
}

void read_risk(ConfigSection section, RiskConfig& risk) {
  section.decimal("max_order_notional", kMoneyScale, risk.max_order_notional.raw);
  section.decimal("max_position_notional", kMoneyScale, risk.max_position_notional.raw);
  section.integer("price_collar_bps", risk.price_collar_bps, 1, 9'999);
  section.decimal("max_gross_exposure", kMoneyScale, risk.max_gross_exposure.raw);
  std::int64_t age_ms = risk.max_quote_age_ns / kNsPerMs;
  section.integer("max_quote_age_ms", age_ms, 1, 30LL * 86'400'000);
  risk.max_quote_age_ns = age_ms * kNsPerMs;
  section.integer("max_orders_per_instrument", risk.max_orders_per_instrument, 0, 1'000'000);
  section.integer("max_orders_total", risk.max_orders_total, 0, 1'000'000);
  std::int64_t window_s = risk.order_rate_window_ns / kNsPerSecond;
  section.integer("order_rate_window_s", window_s, 1, 86'400);
  risk.order_rate_window_ns = window_s * kNsPerSecond;
  section.integer("max_fills", risk.max_fills, 0, 1'000'000);
  std::int64_t fill_window_s = risk.fill_window_ns / kNsPerSecond;
  section.integer("fill_window_s", fill_window_s, 1, 86'400);
  risk.fill_window_ns = fill_window_s * kNsPerSecond;
  section.decimal("daily_loss_limit", kMoneyScale, risk.daily_loss_limit.raw);
  section.integer("max_drawdown_bps", risk.max_drawdown_bps, 0, 10'000);
  section.integer("min_liquidation_distance_bps", risk.min_liquidation_distance_bps, 0, 9'999);
  std::int64_t backoff_ms = risk.retry_backoff_initial_ns / kNsPerMs;
  section.integer("retry_backoff_initial_ms", backoff_ms, 1, 3'600'000);
  risk.retry_backoff_initial_ns = backoff_ms * kNsPerMs;
  std::int64_t backoff_max_s = risk.retry_backoff_max_ns / kNsPerSecond;
  section.integer("retry_backoff_max_s", backoff_max_s, 1, 86'400);
  risk.retry_backoff_max_ns = backoff_max_s * kNsPerSecond;
  if (risk.retry_backoff_max_ns < risk.retry_backoff_initial_ns) {
    section.error("retry_backoff_max_s", "must not be shorter than retry_backoff_initial_ms");
  }
  if (risk.max_order_notional.raw <= 0) section.error("max_order_notional", "must be positive");
  if (risk.max_position_notional.raw <= 0)
    section.error("max_position_notional", "must be positive");
  if (risk.max_gross_exposure.raw <= 0) section.error("max_gross_exposure", "must be positive");
  if (risk.daily_loss_limit.raw < 0)
    section.error("daily_loss_limit", "must not be negative (0: no limit)");
  section.finish();
}

// [strategy.<name>] for every registered strategy type, in the registry's order.
void read_strategies(ConfigSection section, AppConfig& config) {
  std::vector<std::string> names;
  for (const StrategyType* type : strategy_types()) {
    const std::string name(type->name);
    if (!section.has(name)) continue;
    ConfigSection table = section.child(name);
    std::shared_ptr<const StrategySettings> settings = type->read(table);
    // A universe's instruments come later (from the venue): its kind counts already.
    std::vector<Instrument> instruments = config.instruments;
    if (config.universe.present) instruments.push_back(config.universe.terms);
    if (const auto refusal = settings->refuse(instruments); !refusal.key.empty()) {
      section.error(name + "." + refusal.key, refusal.why);
    }
    for (std::size_t i = 0; i < config.strategies.size(); ++i) {
      if (config.strategies[i]->tag() == settings->tag()) {
        section.error(name + ".tag", "must differ from " + names[i] + ".tag (client order ids)");
      }
    }
    names.push_back(name);
    config.strategies.push_back(std::move(settings));
  }
  section.finish();
}

void read_webhook(ConfigSection section, WebhookConfig& webhook) {
  webhook.enabled = section.present();
  section.boolean("enabled", webhook.enabled);
  section.text("listen", webhook.listen);
  section.boolean("allow_remote", webhook.allow_remote);
  std::string address;
  std::uint16_t port = 0;
  std::string error;
  if (!parse_webhook_listen(webhook.listen, webhook.allow_remote, address, port, error))
    section.error("listen", error);
  section.path("tls_certificate_file", webhook.tls_certificate_file);
  section.path("tls_key_file", webhook.tls_key_file);
  if (webhook.tls_certificate_file.empty() != webhook.tls_key_file.empty())
    section.error("tls_key_file", "tls_certificate_file and tls_key_file go together");
  section.secret_source("secret", webhook.secret);
  section.secret_source("next_secret", webhook.next_secret);
  if (section.has("secret")) {
    section.error("secret",
                  "the secret never goes into the configuration file; use secret_credential "
                  "(systemd LoadCredential=), secret_file (mode 0600) or secret_env");
  }
  section.seconds("max_clock_skew_s", webhook.max_clock_skew_ns, 5, 3'600);
  std::int64_t body = static_cast<std::int64_t>(webhook.max_body_bytes);
  section.integer("max_body_bytes", body, 256, 1'048'576);
  webhook.max_body_bytes = static_cast<std::size_t>(body);
  section.integer("requests_per_minute", webhook.requests_per_minute, 1, 100'000);
  section.seconds("retention_s", webhook.retention_ns, 600, 90LL * 86'400);
  if (webhook.retention_ns < 2 * webhook.max_clock_skew_ns)
    section.error("retention_s",
                  "must be at least twice max_clock_skew_s (nonces are "
                  "remembered for as long as a timestamp can be accepted)");
  section.finish();
}

void read_signals(ConfigSection section, AppConfig& config) {
  SignalGateConfig& signals = config.signals;
  section.seconds("max_daily_signal_age_s", signals.max_daily_signal_age_ns, 60, 365LL * 86'400);
  section.seconds("max_hourly_signal_age_s", signals.max_hourly_signal_age_ns, 60, 365LL * 86'400);
  section.seconds("max_grade_age_s", signals.max_grade_age_ns, 60, 365LL * 86'400);
  std::string source = "token_metrics";
  section.text("source", source);
  if (source != "token_metrics" && source != "nats") {
    section.error("source",
                  "expected \"token_metrics\" (this engine polls) or \"nats\" (sigex relay)");
  }
  config.signals_from_relay = source == "nats";
  read_webhook(section.child("webhook"), config.webhook);
  section.finish();
}

void read_poll(ConfigSection section, TmPollConfig& poll) {
  section.boolean("enabled", poll.enabled);
  section.seconds("interval_s", poll.interval_ns, 60, 7LL * 86'400);
  section.seconds("offset_s", poll.offset_ns, 0, 7LL * 86'400);
  section.seconds("lookback_s", poll.lookback_ns, 3'600, 29LL * 86'400);
  section.seconds("publication_delay_s", poll.publication_delay_ns, 0, 7LL * 86'400);
  if (poll.offset_ns >= poll.interval_ns) section.error("offset_s", "must be below interval_s");
  section.finish();
}

// [token_metrics.x402]: what may be paid, from which wallet, within which limits (USDC).
void read_x402(ConfigSection section, TokenMetricsConfig& tm) {
  X402Config& x402 = tm.x402;
  section.text("network", x402.network);
  if (!chain_id_of(x402.network)) section.error("network", "expected \"base\" or \"base-sepolia\"");
  section.text("asset", x402.asset);
  if (!from_hex(x402.asset, 20)) section.error("asset", "must be a 0x address (40 hex digits)");
  for (char& c : x402.asset) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  section.text_list("pay_to", x402.pay_to);
  for (std::string& address : x402.pay_to) {
    if (!from_hex(address, 20)) section.error("pay_to", "\"" + address + "\" is not a 0x address");
    for (char& c : address) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (tm.access == TmAccess::kX402 && x402.pay_to.empty())
    section.error("pay_to",
                  "access = \"x402\" needs the allow-list of addresses payments may go to");
  section.text("payment_token", x402.payment_token);
  if (x402.payment_token != "usdc" && x402.payment_token != "tmai")
    section.error("payment_token", "expected \"usdc\" or \"tmai\"");
  section.decimal("max_price", kUsdcDecimals, x402.max_price);
  section.decimal("daily_budget", kUsdcDecimals, x402.daily_budget);
  section.decimal("monthly_budget", kUsdcDecimals, x402.monthly_budget);
  if (x402.max_price <= 0 || x402.daily_budget < x402.max_price ||
      x402.monthly_budget < x402.daily_budget)
    section.error("max_price",
                  "must be above 0, and at most daily_budget, itself at most "
                  "monthly_budget");
  section.secret_source("wallet_key", x402.wallet_key);
  if (section.has("wallet_key"))
    section.error("wallet_key",
                  "the wallet key never goes into the configuration file; use "
                  "wallet_key_credential (systemd LoadCredential=), wallet_key_file (mode 0600) or "
                  "wallet_key_env");
  section.finish();
}

void read_token_metrics(ConfigSection section, AppConfig& config) {
  TokenMetricsConfig& tm = config.token_metrics;
  tm.enabled = section.present();
  section.boolean("enabled", tm.enabled);
  section.text("base_url", tm.base_url);
  section.text("key_header", tm.key_header);
  section.secret_source("api_key", tm.api_key);
  std::string access = tm.access == TmAccess::kX402 ? "x402" : "api_key";
  section.text("access", access);
  if (access == "x402") {
    tm.access = TmAccess::kX402;
  } else if (access != "api_key") {
    section.error("access", "expected \"api_key\" or \"x402\"");
  }
  read_x402(section.child("x402"), tm);
  section.secret_source("next_api_key", tm.next_api_key);
  if (section.has("api_key")) {
    section.error("api_key",
                  "the API key never goes into the configuration file; use "
                  "api_key_credential (systemd LoadCredential=), api_key_file (mode 0600) "
                  "or api_key_env");
  }
  if (const auto url = parse_url(tm.base_url); !url || !may_carry_secrets(*url)) {
    section.error("base_url", "must be an https:// URL (http:// only for a loopback simulator)");
  }
  section.path("tls_ca_file", tm.tls_ca_file);
  section.milliseconds("connect_timeout_ms", tm.timeouts.connect_ns, 100, 120'000);
  section.milliseconds("handshake_timeout_ms", tm.timeouts.handshake_ns, 100, 120'000);
  section.milliseconds("request_timeout_ms", tm.timeouts.request_ns, 100, 600'000);
  section.integer("page_limit", tm.page_limit, 1, 100);
  section.integer("max_pages", tm.max_pages, 1, 10'000);
  section.integer("window_days", tm.window_days, 1, 29);
  section.integer("monthly_call_budget", tm.monthly_call_budget, 1, 100'000'000);
  section.integer("budget_warn_percent", tm.budget_warn_percent, 1, 100);
  section.integer("max_attempts", tm.max_attempts, 1, 100);
  section.milliseconds("backoff_initial_ms", tm.backoff_initial_ns, 1, 600'000);
  section.milliseconds("backoff_max_ms", tm.backoff_max_ns, 1, 3'600'000);
  section.seconds("max_retry_after_s", tm.max_retry_after_ns, 1, 86'400);
  std::int64_t seed = static_cast<std::int64_t>(tm.random_seed);
  section.integer("random_seed", seed, 0, INT64_MAX);
  tm.random_seed = static_cast<std::uint64_t>(seed);
  section.text("grade_endpoint", tm.grade_endpoint);
  if (tm.grade_endpoint != "tm-grade" && tm.grade_endpoint != "trader-grades") {
    section.error("grade_endpoint", "expected \"tm-grade\" or \"trader-grades\"");
  }
  section.boolean("resolve_tokens", tm.resolve_tokens);
  if (tm.backoff_max_ns < tm.backoff_initial_ns) {
    section.error("backoff_max_ms", "must not be below backoff_initial_ms");
  }
  read_poll(section.child("daily_signals"), tm.daily_signals);
  read_poll(section.child("hourly_signals"), tm.hourly_signals);
  read_poll(section.child("grades"), tm.grades);
  if (tm.enabled) {
    // Calls a month if every poll needs one page: warn early rather than run dry on day 20.
    std::int64_t per_month = 0;
    for (const TmPollConfig* poll : {&tm.daily_signals, &tm.hourly_signals, &tm.grades}) {
      if (poll->enabled) per_month += 31LL * kNsPerDay / poll->interval_ns;
    }
    if (per_month > tm.monthly_call_budget) {
      section.error("monthly_call_budget",
                    "the poll intervals need at least " + std::to_string(per_month) +
                        " calls a month; raise the budget or poll less often");
    }
  }
  section.finish();
}

// Where one account's keys are, and the venue's own keys, from `section`: [execution] for the
// only account, [execution.<venue>] for each of several.
AccountConfig read_account(ConfigSection& section, const VenueType& venue) {
  AccountConfig account;
  account.venue = std::string(venue.name);
  account.api_key = venue.default_api_key;
  account.api_secret = venue.default_api_secret;
  for (const char* forbidden : {"api_key", "api_secret", "secret"}) {
    if (section.has(forbidden)) {
      section.error(forbidden,
                    "keys never go into the configuration file; use *_credential (systemd "
                    "LoadCredential=), *_file (mode 0600) or *_env");
    }
  }
  section.secret_source("api_key", account.api_key);
  section.secret_source("api_secret", account.api_secret);
  account.settings = venue.read_execution(section);
  return account;
}

// min_resend_wait_s when not written, for a venue whose requests stay acceptable for `window`:
// the 60 s default, or longer for a longer window.
DurationNs default_min_resend_wait(DurationNs window, DurationNs settle) {
  return std::max(ResolutionPolicy{}.min_resend_wait_ns, window + settle);
}

void read_execution(ConfigSection section, AppConfig& config) {
  ExecutionConfig& execution = config.execution;
  execution.enabled = section.present();
  std::vector<std::string> several;
  section.text_list("venues", several);
  if (!several.empty()) {
    if (section.has("venue")) section.error("venue", "give venue or venues, not both");
    for (std::size_t i = 0; i < several.size(); ++i) {
      std::string names;
      const VenueType* venue = find_venue_type(several[i], names);
      if (venue == nullptr) {
        section.error("venues", fmt::format("\"{}\": expected one of {}", several[i], names));
        continue;
      }
      if (std::find(several.begin(), several.begin() + static_cast<std::ptrdiff_t>(i),
                    several[i]) != several.begin() + static_cast<std::ptrdiff_t>(i)) {
        section.error("venues", fmt::format("\"{}\" is listed twice", several[i]));
        continue;
      }
      ConfigSection table = section.child(several[i]);
      if (!table.present()) {
        section.error("venues",
                      fmt::format("\"{}\" needs an [execution.{}] table (where its keys are)",
                                  several[i], several[i]));
      }
      execution.accounts.push_back(read_account(table, *venue));
      table.finish();
    }
  } else if (execution.enabled) {
    std::string name = "binance", names;
    section.text("venue", name);
    const VenueType* venue = find_venue_type(name, names);
    if (venue == nullptr) {
      section.error("venue", "expected one of " + names);
      venue = venue_types().front();
    }
    execution.accounts.push_back(read_account(section, *venue));
  }

  ResolutionPolicy& resolution = config.resolution;
  // Several accounts share one OMS: its shared policy is the most lenient venue's; each
  // instrument gets its own account's (instrument_resolution).
  if (!execution.accounts.empty()) resolution.recv_window_ns = 0;
  for (const AccountConfig& account : execution.accounts) {
    resolution.recv_window_ns =
        std::max(resolution.recv_window_ns, account.settings->recv_window_ns());
  }
  section.milliseconds("settle_ms", resolution.settle_ns, 0, 600'000);
  section.milliseconds("lookup_retry_ms", resolution.retry_ns, 10, 600'000);
  section.integer("not_found_confirmations", resolution.not_found_confirmations, 1, 100);
  // A venue whose requests stay acceptable longer (Coinbase: a JWT lives 120 s) waits longer
  // by default.
  resolution.min_resend_wait_ns =
      default_min_resend_wait(resolution.recv_window_ns, resolution.settle_ns);
  DurationNs written = 0;  // stays 0 when the key is absent (it allows 1 s at least)
  section.seconds("min_resend_wait_s", written, 1, 86'400);
  if (written > 0) {
    resolution.min_resend_wait_ns = written;
    config.min_resend_wait_written_ns = written;
  }
  if (resolution.min_resend_wait_ns < resolution.recv_window_ns + resolution.settle_ns) {
    section.error("min_resend_wait_s", "must be at least recv_window_ms + settle_ms");
  }
  std::string foreign = "report";
  section.text("foreign_orders", foreign);
  if (foreign == "cancel") {
    config.foreign_orders = ForeignOrderPolicy::kCancel;
  } else if (foreign != "report") {
    section.error("foreign_orders", "expected \"report\" or \"cancel\"");
  }
  section.finish();
}

// [nats]: the server, credentials and streams of the fan-out ([service] publish_events).
void read_nats(ConfigSection section, NatsConfig& nats) {
  nats.present = section.present();
  section.text("url", nats.url);
  for (std::string_view urls = nats.url; !urls.empty();) {
    const auto comma = urls.find(',');
    const std::string_view url = urls.substr(0, comma);
    urls = comma == std::string_view::npos ? std::string_view() : urls.substr(comma + 1);
    if (!url.starts_with("nats://") && !url.starts_with("tls://")) {
      section.error("url",
                    "expected nats://host:port or tls://host:port (several: comma-separated)");
      break;
    }
  }
  section.path("credentials_file", nats.credentials_file);
  section.path("ca_file", nats.ca_file);
  section.text("engine", nats.engine);
  const auto name_ok = [](std::string_view name, std::size_t max) {
    return !name.empty() && name.size() <= max && std::all_of(name.begin(), name.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
  };
  if (!nats.engine.empty() && !name_ok(nats.engine, 64))
    section.error("engine", "1..64 letters, digits, '-' or '_' (it is part of subjects)");
  section.text("events_stream", nats.events_stream);
  if (!name_ok(nats.events_stream, 64))
    section.error("events_stream", "1..64 letters, digits, '-' or '_'");
  section.text("events_subject", nats.events_subject);
  if (nats.events_subject.empty() || nats.events_subject.find_first_of(" *>") != std::string::npos)
    section.error("events_subject", "a subject prefix without spaces or wildcards");
  section.seconds("duplicate_window_s", nats.duplicate_window_ns, 1, 86'400);
  std::int64_t days = nats.events_max_age_ns / kNsPerDay;
  section.integer("events_max_age_days", days, 0, 3650);
  nats.events_max_age_ns = days * kNsPerDay;
  section.milliseconds("poll_interval_ms", nats.poll_interval_ns, 10, 60'000);
  section.milliseconds("connect_timeout_ms", nats.connect_timeout_ns, 100, 60'000);
  for (auto [key, stream] : {std::pair{"market_stream", &nats.market_stream},
                             std::pair{"signals_stream", &nats.signals_stream}}) {
    section.text(key, *stream);
    if (!name_ok(*stream, 64)) section.error(key, "1..64 letters, digits, '-' or '_'");
  }
  for (auto [key, subject] : {std::pair{"market_subject", &nats.market_subject},
                              std::pair{"signals_subject", &nats.signals_subject},
                              std::pair{"relay_subject", &nats.relay_subject}}) {
    section.text(key, *subject);
    if (subject->empty() || subject->find_first_of(" *>") != std::string::npos)
      section.error(key, "a subject prefix without spaces or wildcards");
  }
  section.seconds("market_max_age_s", nats.market_max_age_ns, 10, 7LL * 86'400);
  std::int64_t signal_days = nats.signals_max_age_ns / kNsPerDay;
  section.integer("signals_max_age_days", signal_days, 1, 3650);
  nats.signals_max_age_ns = signal_days * kNsPerDay;
  section.seconds("snapshot_interval_s", nats.snapshot_interval_ns, 1, 3600);
  for (const char* forbidden : {"password", "token", "nkey_seed"}) {
    if (section.has(forbidden))
      section.error(forbidden,
                    "credentials never go into the configuration file; use credentials_file "
                    "(a .creds file, mode 0600)");
  }
  section.finish();
}

void read_service(ConfigSection section, AppConfig& config) {
  ServiceConfig& service = config.service;
  service.present = section.present();
  std::string mode = "paper";
  section.text("mode", mode);
  if (mode == "live") {
    service.mode = RunMode::kLive;
  } else if (mode != "paper") {
    section.error("mode",
                  "expected \"paper\" (live data, simulated venue) or \"live\" (real orders)");
  }
  section.path("control_socket", service.control_socket);
  if (service.control_socket.size() > 100) {
    section.error("control_socket", "a Unix socket path must be shorter than 100 characters");
  }
  section.text("metrics_listen", service.metrics_listen);
  if (!service.metrics_listen.empty()) {
    std::string address, error;
    std::uint16_t port = 0;
    if (!parse_loopback_listen(service.metrics_listen, address, port, error)) {
      section.error("metrics_listen", error);
    }
  }
  std::string on_stop = "cancel";
  section.text("on_stop", on_stop);
  if (on_stop == "leave") {
    service.on_stop = StopPolicy::kLeaveOrders;
  } else if (on_stop != "cancel") {
    section.error("on_stop",
                  "expected \"cancel\" (cancel resting orders) or \"leave\" (keep them)");
  }
  section.seconds("stop_timeout_s", service.stop_timeout_ns, 1, 3600);
  section.seconds("max_loop_silence_s", service.max_loop_silence_ns, 1, 3600);
  section.seconds("max_market_data_age_s", service.max_market_data_age_ns, 0, 86'400);
  section.seconds("feed_connect_timeout_s", service.feed_connect_timeout_ns, 1, 3600);
  section.seconds("reconcile_timeout_s", service.reconcile_timeout_ns, 1, 86'400);
  section.boolean("record_inputs", service.record_inputs);
  std::int64_t max_age_days = service.inputs.max_age_ns / kNsPerDay;
  section.integer("inputs_max_age_days", max_age_days, 0, 36'500);
  service.inputs.max_age_ns = max_age_days * kNsPerDay;
  auto max_bytes = static_cast<std::int64_t>(service.inputs.max_bytes);
  section.integer("inputs_max_bytes", max_bytes, 0, INT64_MAX);
  service.inputs.max_bytes = static_cast<std::uint64_t>(max_bytes);
  auto segment_bytes = static_cast<std::int64_t>(service.inputs.segment_bytes);
  section.integer("inputs_segment_bytes", segment_bytes, 64 << 10, 1LL << 40);
  service.inputs.segment_bytes = static_cast<std::uint64_t>(segment_bytes);
  section.boolean("allow_core_dumps", service.allow_core_dumps);
  section.boolean("publish_events", service.publish_events);
  ThreadPlacementConfig& threads = service.threads;
  section.integer("core_cpu", threads.core_cpu, 0, CPU_SETSIZE - 1);
  section.integer("io_cpu", threads.io_cpu, 0, CPU_SETSIZE - 1);
  section.boolean("busy_poll", threads.busy_poll);
  std::int64_t io_poll_us = threads.io_poll_ns / 1000;
  section.integer("io_poll_us", io_poll_us, 0, 1'000'000);
  threads.io_poll_ns = io_poll_us * 1000;
  std::int64_t warm_order_path_us = service.warm_order_path_ns / 1000;
  section.integer("warm_order_path_us", warm_order_path_us, 0, 60'000'000);
  service.warm_order_path_ns = warm_order_path_us * 1000;
  if (threads.core_cpu >= 0 && threads.core_cpu == threads.io_cpu) {
    section.error("io_cpu", "must differ from core_cpu: the core thread's CPU is its own");
  }
  if (threads.busy_poll && threads.core_cpu < 0) {
    section.error("busy_poll",
                  "needs core_cpu: a thread that never sleeps must have a CPU of its own");
  }
  section.finish();
}

}  // namespace

std::string missing_section_for(std::string_view command, const AppConfig& config) {
  const auto needs = [&](std::string_view section, std::string_view why) {
    return fmt::format("sigex {} needs a {} section in {} ({}); nothing was started", command,
                       section, config.path, why);
  };
  if (command == "run" && !config.service.present) {
    return needs("[service]",
                 "mode = \"paper\" or \"live\": a backtest file does not say where to trade");
  }
  const std::string market_data = fmt::format("[market_data.{}]", venue_types().front()->name);
  if (command == "run" && !config.market_data.present)
    return needs(market_data, "the live market data");
  if (command == "record" && !config.market_data.present)
    return needs(market_data, "what to record");
  if (command == "relay" && (config.market_data.from_relay || config.signals_from_relay))
    return fmt::format(
        "sigex relay connects to the venues and Token Metrics itself: source = \"nats\" in {} "
        "is for the engines that read it; nothing was started",
        config.path);
  if (command == "relay" && !config.nats.present)
    return needs("[nats]", "the server the relay publishes to");
  if (command == "relay" && !config.market_data.present && !config.token_metrics.enabled) {
    return needs(market_data + " or [token_metrics]", "what the relay publishes");
  }
  if (command == "fetch-history" && !config.token_metrics.enabled) {
    return needs("[token_metrics]", "where the history comes from and where the key is");
  }
  return {};
}

AppConfig load_app_config(const std::string& path, ConfigErrors& errors,
                          const std::vector<std::string>& overrides, std::string* text,
                          ConfigUse use) {
  const auto table = parse_toml_file(path, errors, text);
  bool applied = table != nullptr;
  for (const std::string& assignment : overrides)
    applied = applied && apply_override(*table, assignment, errors);
  return read_app_config(applied ? table.get() : nullptr, path, errors, use);
}

AppConfig load_app_config_text(const std::string& text, const std::string& path,
                               ConfigErrors& errors, ConfigUse use) {
  const auto table = parse_toml_text(text, path, errors);
  if (table && use == ConfigUse::kReplay) table->erase("backtest");
  return read_app_config(table.get(), path, errors);
}

namespace {

// [backtest] exchange_info: the snapshots `sigex fetch-market-data` stored. A [universe]
// selects from the snapshot of its kind; every instrument configured by symbol alone is
// completed from the snapshot of its kind (a file listing perpetuals completes perpetuals).
void complete_from_snapshots(AppConfig& config, ConfigErrors& errors) {
  bool universe_listed = false;
  for (const std::string& file : config.backtest.exchange_info) {
    if (!std::filesystem::exists(file)) continue;  // named by read_backtest
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    auto info = parse_exchange_info(text.str());
    if (!info) {
      errors.add(
          fmt::format("{}: [backtest] exchange_info {}: {}", config.path, file, info.error().what));
      continue;
    }
    const bool perpetuals =
        std::any_of(info->symbols.begin(), info->symbols.end(),
                    [](const SymbolFilters& symbol) { return !symbol.contract_type.empty(); });
    const InstrumentKind kind = perpetuals ? InstrumentKind::kPerpetual : InstrumentKind::kSpot;
    std::string error;
    if (config.universe.present && config.universe.terms.kind == kind && !universe_listed) {
      universe_listed = true;
      if (!expand_universe(config.universe, venue_symbols(*info), config.engine.cash_asset,
                           config.instruments, error)) {
        errors.add(fmt::format("{}: [backtest] exchange_info {}: {}", config.path, file, error));
        continue;
      }
    }
    if (!apply_instrument_rules(config.instruments, kind, *info, config.engine.cash_asset, false,
                                error)) {
      errors.add(fmt::format("{}: [backtest] exchange_info {}: {}", config.path, file, error));
    }
  }
}

// Every instrument is quoted by one configured feed and, when there are live accounts, traded
// by one that trades its kind. An instrument names its venue when there are several.
void check_instrument_venues(const AppConfig& config, ConfigErrors& errors) {
  const auto names = [](const auto& list, auto venue_of) {
    std::string text;
    for (const auto& item : list)
      text += fmt::format("{}\"{}\"", text.empty() ? "" : ", ", venue_of(item));
    return text;
  };
  std::vector<Instrument> checked = config.instruments;
  if (config.universe.present) checked.push_back(config.universe.terms);
  for (const Instrument& instrument : checked) {
    const std::string what = instrument.symbol.empty()
                                 ? std::string("[universe]")
                                 : fmt::format("[[instruments]] {}", instrument.symbol.view());
    if (config.market_data.present && config.market_data.feed_for(instrument) == nullptr) {
      errors.add(fmt::format(
          "{}: {}: {}", config.path, what,
          instrument.venue.empty()
              ? fmt::format(
                    "give venue = one of {} (several market data venues are configured)",
                    names(config.market_data.feeds, [](const auto& feed) { return feed->venue(); }))
              : fmt::format("venue = \"{}\" has no [market_data.{}] table", instrument.venue.view(),
                            instrument.venue.view())));
    }
    if (!config.execution.enabled || config.execution.accounts.empty()) continue;
    const AccountConfig* account = config.execution.account_for(instrument);
    if (account == nullptr) {
      errors.add(fmt::format(
          "{}: {}: {}", config.path, what,
          instrument.venue.empty()
              ? fmt::format("give venue = one of {} (several [execution] venues are configured)",
                            names(config.execution.accounts,
                                  [](const AccountConfig& a) { return a.venue; }))
              : fmt::format("venue = \"{}\" is not one of the [execution] venues",
                            instrument.venue.view())));
      continue;
    }
    if (!account->settings->trades(instrument.kind)) {
      errors.add(fmt::format(
          "{}: {} is {}, which [execution] venue = \"{}\" does not trade ({})", config.path, what,
          instrument.is_perpetual() ? "a perpetual" : "spot", account->venue,
          instrument.is_perpetual() ? "perpetuals trade on venue = \"binance_usdm\""
                                    : "spot trades on venue = \"binance\" or \"coinbase\""));
    }
  }
}

// With instruments on several venues each venue's account has its own cash: [engine.venue_cash]
// names every one of them, and only them.
void check_venue_cash(AppConfig& config, ConfigErrors& errors) {
  std::vector<Instrument> checked = config.instruments;
  if (config.universe.present) checked.push_back(config.universe.terms);  // its venue's symbols
  std::vector<std::string> venues;
  for (const Instrument& instrument : checked) {
    const std::string venue(instrument.venue.view());
    if (!venue.empty() && std::find(venues.begin(), venues.end(), venue) == venues.end())
      venues.push_back(venue);
  }
  std::vector<CashAccount>& accounts = config.engine.venue_cash;
  if (venues.size() < 2) {
    if (!accounts.empty()) {
      errors.add(
          fmt::format("{}: [engine.venue_cash]: the instruments trade on one venue: give [engine] "
                      "starting_cash instead",
                      config.path));
    }
    accounts.clear();
    return;
  }
  for (const std::string& venue : venues) {
    const bool named = std::any_of(accounts.begin(), accounts.end(),
                                   [&](const CashAccount& a) { return a.venue.view() == venue; });
    if (!named) {
      errors.add(fmt::format(
          "{}: [engine.venue_cash] {}: required: the instruments trade on {} venues, each "
          "with its own account's cash (e.g. {} = \"5000\")",
          config.path, venue, venues.size(), venue));
    }
  }
  for (const CashAccount& account : accounts) {
    if (std::find(venues.begin(), venues.end(), account.venue.view()) == venues.end()) {
      errors.add(fmt::format("{}: [engine.venue_cash] {}: no instrument trades on this venue",
                             config.path, account.venue.view()));
    }
  }
}

AppConfig read_app_config(const toml::table* table, const std::string& path, ConfigErrors& errors,
                          ConfigUse use) {
  AppConfig config;
  config.path = path;
  if (table == nullptr) return config;  // the file's problems are already in `errors`
  ConfigSection root(table, "", path, errors);
  read_engine(root.child("engine"), config);
  read_logging(root.child("logging"), config.logging);
  read_service(root.child("service"), config);
  for (auto& section : root.tables("instruments")) read_instrument(section, config);
  config.listed_instruments = config.instruments.size();
  read_universe(root.child("universe"), config.universe);
  if (config.instruments.empty() && !config.universe.present)
    root.error("instruments", "at least one [[instruments]] (or a [universe]) is required");
  read_backtest(root.child("backtest"), config, use);
  ConfigSection venue = root.child("venue");
  read_simulated_venue(venue.child("simulated"), config.simulated_venue);
  venue.finish();
  read_risk(root.child("risk"), config.risk);
  read_market_data(root.child("market_data"), config.market_data);
  read_signals(root.child("signals"), config);
  read_token_metrics(root.child("token_metrics"), config);
  read_execution(root.child("execution"), config);
  read_nats(root.child("nats"), config.nats);
  read_strategies(root.child("strategy"), config);
  root.finish();
  check_instrument_venues(config, errors);
  check_venue_cash(config, errors);
  if ((config.market_data.from_relay || config.signals_from_relay) && !config.nats.present)
    errors.add(path + ": source = \"nats\" needs a [nats] section (where the relay publishes)");
  if (config.signals_from_relay && config.token_metrics.enabled) {
    errors.add(
        path +
        ": [signals] source = \"nats\" takes signals from the relay, which spends the one "
        "Token Metrics budget: remove [token_metrics] here (token ids go in [[instruments]])");
  }
  if (config.service.mode == RunMode::kLive && !config.execution.enabled) {
    errors.add(path +
               ": [service] mode = \"live\" needs an [execution] section (the exchange and where "
               "its keys are)");
  }

  complete_from_snapshots(config, errors);
  for (const auto& input : config.backtest.inputs) {
    if (!input.snapshot_symbol.empty()) {
      bool found = false;
      for (const auto& instrument : config.instruments) {
        found |= instrument.symbol.view() == input.snapshot_symbol;
      }
      if (!found) {
        errors.add(path + ": [backtest.inputs] snapshot_symbol '" + input.snapshot_symbol +
                   "' is not a configured instrument");
      }
    }
  }
  return config;
}

}  // namespace

InstrumentRegistry build_registry(const AppConfig& config) {
  InstrumentRegistry registry;
  for (const auto& instrument : config.instruments) registry.add(instrument);
  return registry;
}

std::vector<InstrumentResolution> instrument_resolution(const AppConfig& config,
                                                        const InstrumentRegistry& instruments) {
  std::vector<InstrumentResolution> by_instrument;
  if (config.execution.accounts.size() < 2) return by_instrument;
  for (InstrumentId id = 0; id < instruments.size(); ++id) {
    const AccountConfig* account = config.execution.account_for(instruments.get(id));
    const DurationNs window =
        account != nullptr ? account->settings->recv_window_ns() : config.resolution.recv_window_ns;
    const DurationNs wait = config.min_resend_wait_written_ns > 0
                                ? config.min_resend_wait_written_ns
                                : default_min_resend_wait(window, config.resolution.settle_ns);
    by_instrument.push_back({window, wait});
  }
  return by_instrument;
}

}  // namespace sigex
