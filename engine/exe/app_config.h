#pragma once

// The whole configuration of one sigex process, loaded from TOML by load_app_config(). The
// structs of adapters and engine components live beside them (adapters/<venue>/config.h,
// RiskConfig, SignalGateConfig, ...); each strategy declares and reads its own table
// (engine/strategy/registry.h). This file gathers them, reads the sections that belong to
// no single component ([engine], [service], [backtest], [[instruments]]) and checks what
// spans sections. Relative paths in the file are resolved against the config file's
// directory.

#include <memory>
#include <string>
#include <vector>

#include "adapters/nats/config.h"
#include "adapters/service/thread_placement.h"
#include "adapters/token_metrics/config.h"
#include "adapters/webhook/config.h"
#include "engine/config/config_reader.h"
#include "engine/core/instrument.h"
#include "engine/core/secret.h"
#include "engine/exe/universe.h"
#include "engine/journal/input_retention.h"
#include "engine/journal/journal.h"
#include "engine/logging/log.h"
#include "engine/oms/order_manager.h"
#include "engine/ports/venue_registry.h"
#include "engine/risk/risk_engine.h"
#include "engine/signals/signal_gate.h"
#include "engine/sim/simulated_venue.h"
#include "engine/strategy/registry.h"

namespace sigex {

struct EngineConfig {
  std::string cash_asset = "USDT";
  // Every account's together (with [engine.venue_cash], the sum of its entries).
  Money starting_cash{10'000LL * 100'000'000};
  // [engine.venue_cash]: what each venue's account starts with, required when instruments
  // trade on several venues; empty with one venue.
  std::vector<CashAccount> venue_cash;
  std::string state_dir = "state";
  Durability durability = Durability::kFull;

  // The portfolio's accounts: one per venue, or one trading everything.
  std::vector<CashAccount> cash_accounts() const {
    if (!venue_cash.empty()) return venue_cash;
    return {CashAccount{VenueName{}, starting_cash}};
  }
};

struct BacktestInputConfig {
  std::string path;
  std::string snapshot_symbol;  // instrument of REST depth snapshots in the file, if any
  bool usdm = false;            // market = "usdm": Binance USD-M streams (perpetuals)
};

struct BacktestConfig {
  std::vector<BacktestInputConfig> inputs;
  // Exchange-information snapshots (`sigex fetch-market-data` stores them) that complete the
  // instruments configured by symbol alone.
  std::vector<std::string> exchange_info;
  TimeNs start_ns = 0;        // inclusive; 0 = from the first line
  TimeNs end_ns = INT64_MAX;  // exclusive
  std::string out_dir = "backtest-out";
  DurationNs equity_interval_ns = kNsPerDay;
  std::size_t queue_capacity = 65'536;
  // Lines that could not be used (malformed, out of order, unparsable frames) a backtest
  // accepts before it fails; a whole input that is unusable (empty, truncated, damaged, of
  // the wrong shape) always fails it.
  std::uint64_t max_input_problems = 0;
  // Where text inputs are kept in the binary format after their first replay, so that later
  // runs on the same files skip JSON (input_cache.h); empty: no cache.
  std::string input_cache_dir;
};

struct MarketDataConfig {
  bool present = false;  // the file has a [market_data] section
  // One feed per [market_data.<venue>] table, in the venue registry's order (Binance's
  // defaults when there is none). Each quotes the instruments it serves (Instrument::venue).
  std::vector<std::shared_ptr<const MarketDataSettings>> feeds;
  std::size_t queue_capacity =
      8'192;  // inbound records per producer; must hold a whole depth snapshot
  // source = "nats": the records come from `sigex relay` over NATS ([nats]); the venue tables
  // then only say which venues (their connection keys are the relay's business).
  bool from_relay = false;

  // The feed of `venue`, or null.
  const MarketDataSettings* feed(std::string_view venue) const {
    for (const auto& settings : feeds) {
      if (settings->venue() == venue) return settings.get();
    }
    return nullptr;
  }
  // The feed that quotes `instrument`, or null.
  const MarketDataSettings* feed_for(const Instrument& instrument) const {
    for (const auto& settings : feeds) {
      if (instrument.served_by(settings->venue(), feeds.size())) return settings.get();
    }
    return nullptr;
  }
};

// [service]: how `sigex run` behaves as a long-running daemon.
enum class RunMode : std::uint8_t { kPaper, kLive };
enum class StopPolicy : std::uint8_t { kCancelOrders, kLeaveOrders };

struct ServiceConfig {
  bool present = false;  // the file has a [service] section
  RunMode mode = RunMode::kPaper;
  std::string control_socket;                     // "" = <state_dir>/control.sock
  std::string metrics_listen = "127.0.0.1:9464";  // loopback only; "" = no endpoint
  StopPolicy on_stop = StopPolicy::kCancelOrders;
  DurationNs stop_timeout_ns = 20 * kNsPerSecond;          // cancels must be answered by then
  DurationNs max_loop_silence_ns = 10 * kNsPerSecond;      // watchdog: the core loop must turn
  DurationNs max_market_data_age_ns = 60 * kNsPerSecond;   // watchdog: market data must flow
  DurationNs feed_connect_timeout_ns = 60 * kNsPerSecond;  // start-up: feeds must connect
  DurationNs reconcile_timeout_ns = 300 * kNsPerSecond;    // start-up: open orders resolved
  bool record_inputs = true;  // <state_dir>/inputs/: what the core consumed, for replay-check
  InputRetention inputs;      // segment size, compression and retention of those files
  // Debugging only: a core dump (or gcore, or ptrace by the same user) would hold the keys.
  bool allow_core_dumps = false;
  // The journal's orders, fills, account events and positions published to NATS JetStream
  // ([nats] says where), for dashboards and risk monitors watching many engines.
  bool publish_events = false;
  // core_cpu, io_cpu, busy_poll: where the core and the I/O threads run (thread_placement.h).
  ThreadPlacementConfig threads;
  // warm_order_path_us: while idle, the core thread rehearses the order path this often
  // (Engine::rehearse_order_path), so that an order made after a quiet spell finds the path's
  // code and data in its caches. 0: never.
  DurationNs warm_order_path_ns = 0;
};

// One live account: the venue, where its keys are and its own settings. Keys are never part
// of the file, only where to find them.
struct AccountConfig {
  std::string venue = "binance";
  SecretSource api_key;  // defaults from the venue's type
  SecretSource api_secret;
  std::shared_ptr<const ExecutionSettings> settings;  // the venue's own keys
};

// [execution] in the configuration file: the live accounts. One venue (venue = "binance", its
// keys in [execution] itself) or several (venues = ["binance", "coinbase"], each in its own
// [execution.<venue>] table). How the OMS resolves unknown outcomes is read from [execution]
// into AppConfig::resolution.
struct ExecutionConfig {
  bool enabled = false;
  std::vector<AccountConfig> accounts;  // at least one when enabled

  // The account that trades `instrument`, or null.
  const AccountConfig* account_for(const Instrument& instrument) const {
    for (const AccountConfig& account : accounts) {
      if (instrument.served_by(account.venue, accounts.size())) return &account;
    }
    return nullptr;
  }
};

struct AppConfig {
  std::string path;
  EngineConfig engine;
  LogConfig logging;
  ServiceConfig service;
  std::vector<Instrument> instruments;
  UniverseConfig universe;  // [universe]: more instruments, selected from the venue's list
  std::size_t listed_instruments = 0;  // written as [[instruments]]: the first ones
  BacktestConfig backtest;
  SimulatedVenueConfig simulated_venue;
  MarketDataConfig market_data;
  RiskConfig risk;
  SignalGateConfig signals;
  TokenMetricsConfig token_metrics;
  WebhookConfig webhook;  // [signals.webhook]
  // [signals] source = "nats": signals and grades from `sigex relay` (its Token Metrics budget)
  // instead of this engine's own polling.
  bool signals_from_relay = false;
  ExecutionConfig execution;
  NatsConfig nats;  // [nats]
  // The OMS's policy with a live venue ([execution] settle_ms, lookup_retry_ms,
  // not_found_confirmations, min_resend_wait_s, foreign_orders); recv_window_ns is always the
  // venue's REST client's (a request older than that cannot be accepted).
  ResolutionPolicy resolution;
  // [execution] min_resend_wait_s as written (0: not written, each venue's default applies).
  DurationNs min_resend_wait_written_ns = 0;
  ForeignOrderPolicy foreign_orders = ForeignOrderPolicy::kReport;
  // [strategy.<name>] tables, in the registry's order (engine/exe/registry.cpp).
  std::vector<std::shared_ptr<const StrategySettings>> strategies;
  // The settings of the configured strategy of type T, or null.
  template <typename T>
  const T* strategy_settings() const {
    for (const auto& settings : strategies) {
      if (const auto* found = dynamic_cast<const T*>(settings.get())) return found;
    }
    return nullptr;
  }
};

// What the configuration is loaded for. kReplay ignores [backtest]: a recorded session's
// inputs are its own, and the backtest files it named may be gone. kFetch ignores
// [[backtest.inputs]]: `sigex fetch-history` writes what they will name.
enum class ConfigUse : std::uint8_t { kRun, kReplay, kFetch };

// Loads and validates everything; every problem goes into `errors` with its location.
// `overrides` are "dotted.key=value" assignments applied to the file first (--set). `text`,
// when given, receives the file's content as read (the daemon records exactly what it runs on).
AppConfig load_app_config(const std::string& path, ConfigErrors& errors,
                          const std::vector<std::string>& overrides = {},
                          std::string* text = nullptr, ConfigUse use = ConfigUse::kRun);

// The same from a file's content already read (a recorded session's configuration).
AppConfig load_app_config_text(const std::string& text, const std::string& path,
                               ConfigErrors& errors, ConfigUse use = ConfigUse::kRun);

InstrumentRegistry build_registry(const AppConfig& config);

// The sections a command needs: "" when `config` has them all, else the message naming the
// first one missing ("sigex run needs a [service] section ...").
std::string missing_section_for(std::string_view command, const AppConfig& config);

// With several accounts, each instrument's own account's request window and least resend wait
// (its venue's recv window; min_resend_wait_s as written, else the larger of its 60 s default
// and the window plus settle_ms), for Engine::set_instrument_resolution. Empty with one account:
// the shared policy is that account's.
std::vector<InstrumentResolution> instrument_resolution(const AppConfig& config,
                                                        const InstrumentRegistry& instruments);

}  // namespace sigex
