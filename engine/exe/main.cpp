// sigex: the composition root. Parses the command line, loads and validates the
// configuration, and wires adapters, strategies and the engine together for each subcommand.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "engine/core/calendar.h"
#include "engine/exe/app_config.h"
#include "engine/exe/backtest_command.h"
#include "engine/exe/build_info.h"
#include "engine/exe/ctl_command.h"
#include "engine/exe/fetch_history_command.h"
#include "engine/exe/fetch_market_data_command.h"
#include "engine/exe/import_command.h"
#include "engine/exe/instruments_command.h"
#include "engine/exe/record_command.h"
#include "engine/exe/relay_command.h"
#include "engine/exe/replay_check_command.h"
#include "engine/exe/run_command.h"
#include "engine/exe/signal_command.h"
#include "engine/exe/sweep_command.h"
#include "engine/exe/trading_state_command.h"
#include "engine/logging/log.h"

namespace {

// Exit codes (the README's table): 0 success; 1 a run failed (see the log); 2 a usage or
// configuration error, nothing started; 3 the daemon cannot be reached (ctl).
constexpr int kExitUsage = 2;

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Prints every configuration problem; returns true when there were none.
bool report_config_errors(const sigex::ConfigErrors& errors) {
  for (const auto& message : errors.messages())
    std::fprintf(stderr, "config error: %s\n", message.c_str());
  if (!errors.empty()) {
    std::fprintf(stderr, "%zu configuration problem(s); nothing was started\n",
                 errors.messages().size());
  }
  return errors.empty();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sigex: executes Token Metrics trading signals on crypto exchanges"};
  app.set_version_flag("--version", sigex::kVersion);
  app.require_subcommand(1);

  std::string config_path;
  std::string out_dir;
  bool quiet = false;
  auto* backtest =
      app.add_subcommand("backtest", "replay recorded data and signals through a strategy");
  backtest->add_option("--config", config_path, "configuration file (TOML)")->required();
  backtest->add_option("--out", out_dir, "output directory (overrides [backtest].out_dir)");
  backtest->add_flag("--quiet", quiet, "do not print the summary");
  std::vector<std::string> overrides;
  backtest->add_option("--set", overrides,
                       "override a config key, e.g. --set risk.max_order_notional='\"500\"'");

  std::string record_out;
  double record_duration_s = 0;
  auto* record = app.add_subcommand("record", "record live market data for later backtests");
  record->add_option("--config", config_path, "configuration file (TOML)")->required();
  record
      ->add_option("--out", record_out,
                   "recorded file to write (.gz for gzip); with several market data venues, the "
                   "first venue's (each other's goes beside it: <stem>-<venue>.jsonl.gz)")
      ->required();
  double relay_duration_s = 0;
  auto* relay = app.add_subcommand(
      "relay",
      "own the market data and Token Metrics polling for many engines; publish to NATS JetStream");
  relay->add_option("--config", config_path, "configuration file (TOML) with [nats]")->required();
  relay->add_option("--duration", relay_duration_s, "seconds to run (default: until SIGTERM)")
      ->check(CLI::PositiveNumber);
  std::string record_signals_out;
  record->add_option("--signals-out", record_signals_out,
                     "Token Metrics pages (default: <out>-signals.jsonl.gz)");
  record->add_option("--duration", record_duration_s, "seconds to record (default: until Ctrl-C)")
      ->check(CLI::PositiveNumber);

  std::string history_from, history_to, history_out;
  auto* history = app.add_subcommand(
      "fetch-history", "download Token Metrics signal and grade history for backtests");
  history->add_option("--config", config_path, "configuration file (TOML)")->required();
  history->add_option("--from", history_from, "first UTC day, YYYY-MM-DD")->required();
  history->add_option("--to", history_to, "last UTC day, YYYY-MM-DD (inclusive)")->required();
  history->add_option("--out", history_out, "recorded file to write (.gz for gzip)")->required();
  std::string progress_text = "auto";
  const auto progress_choices = CLI::IsMember({"auto", "always", "never"});
  const char* progress_help = "status line on stderr: auto (only on a terminal), always, never";
  history->add_option("--progress", progress_text, progress_help)->check(progress_choices);
  std::string history_access;
  history
      ->add_option("--access", history_access,
                   "api_key or x402 (pay each call from [token_metrics.x402]'s wallet); default: "
                   "[token_metrics] access")
      ->check(CLI::IsMember({"api_key", "x402"}));
  record->add_option("--progress", progress_text, progress_help)->check(progress_choices);

  sigex::ImportCommandOptions import_options;
  auto* import_command = app.add_subcommand(
      "import",
      "convert CSV market data (Binance archive klines, aggTrades, funding rates; "
      "CryptoDataDownload candles) into the recorded-input format backtests read");
  import_command->add_option("inputs", import_options.inputs, "CSV files (plain or .gz)")
      ->required();
  import_command
      ->add_option("--out", import_options.out_path, "recorded file to write (.gz for gzip)")
      ->required();
  import_command
      ->add_option("--layout", import_options.layout,
                   "auto (default), binance-klines, binance-aggtrades, binance-funding or "
                   "cryptodatadownload")
      ->check(CLI::IsMember({"auto", "binance-klines", "binance-aggtrades", "binance-funding",
                             "cryptodatadownload"}));
  import_command->add_option("--symbol", import_options.symbol,
                             "the instrument's symbol (default: from the file)");
  import_command->add_option("--interval", import_options.interval,
                             "candle interval, 1m ... 1w (default: from the data)");
  import_command->add_flag("--keep-newest", import_options.keep_newest,
                           "CryptoDataDownload: keep the newest row (the candle still forming "
                           "when the file was exported)");
  import_command
      ->add_option("--market", import_options.market,
                   "spot (default) or usdm: the venue the rows come from (for a "
                   ".sigexbin output)")
      ->check(CLI::IsMember({"spot", "usdm"}));
  import_command->add_flag("--mark-price", import_options.mark_price,
                           "the klines are mark-price klines (USD-M markPriceKlines)");
  import_command->add_flag("--quiet", import_options.quiet, "no summary line");

  sigex::InstrumentsCommandOptions instruments_options;
  auto* instruments_command = app.add_subcommand(
      "instruments",
      "print the [[instruments]] tables of symbols with the trading rules the venue publishes");
  instruments_command
      ->add_option("--symbols", instruments_options.symbols, "symbols, e.g. SOLUSDT,ETHUSDT")
      ->delimiter(',')
      ->required();
  instruments_command->add_option("--market", instruments_options.market, "spot (default) or usdm")
      ->check(CLI::IsMember({"spot", "usdm"}));
  instruments_command->add_option(
      "--exchange-info", instruments_options.exchange_info_path,
      "a stored exchange-information snapshot (e.g. from fetch-market-data) instead of the venue");
  instruments_command->add_option("--rest-url", instruments_options.rest_url,
                                  "REST base URL (default api.binance.com / fapi.binance.com)");
  instruments_command->add_option("--tls-ca-file", instruments_options.tls_ca_file,
                                  "CA bundle for https (default: the system's)");
  instruments_command->add_option("--cash-asset", instruments_options.cash_asset,
                                  "the quote asset the instruments must have (default USDT)");
  instruments_command->add_option(
      "--config", instruments_options.config_path,
      "configuration whose cash asset and [token_metrics] resolve Token Metrics token ids");

  sigex::FetchMarketDataOptions market_options;
  auto* market_history = app.add_subcommand(
      "fetch-market-data",
      "download Binance spot / USD-M history (klines, aggTrades, funding rates, mark-price "
      "klines) from the public archives and REST into the recorded-input format");
  market_history->add_option("--market", market_options.market, "spot (default) or usdm")
      ->check(CLI::IsMember({"spot", "usdm"}));
  market_history->add_option("--symbols", market_options.symbols, "symbols, e.g. BTCUSDT,ETHUSDT")
      ->delimiter(',')
      ->required();
  market_history
      ->add_option("--kinds", market_options.kinds,
                   "klines (default), aggTrades, fundingRate, markPriceKlines (comma separated)")
      ->delimiter(',');
  market_history->add_option("--interval", market_options.interval,
                             "kline interval: 1m 3m 5m 15m 30m 1h (default) 2h 4h 6h 8h 12h 1d");
  market_history->add_option("--from", market_options.from, "first UTC day, YYYY-MM-DD")
      ->required();
  market_history->add_option("--to", market_options.to, "last UTC day, YYYY-MM-DD (inclusive)")
      ->required();
  market_history->add_option("--out", market_options.out_dir, "directory to write into")
      ->required();
  market_history
      ->add_option("--format", market_options.format,
                   "text (default: gzip lines) or binary (.sigexbin, fastest replay)")
      ->check(CLI::IsMember({"text", "binary"}));
  market_history->add_option("--jobs", market_options.jobs, "parallel downloads (default 4)")
      ->check(CLI::Range(1, 32));
  market_history
      ->add_option("--max-weight-per-minute", market_options.max_weight_per_minute,
                   "REST request weight used per minute, at most (default 600)")
      ->check(CLI::Range(1, 100000));
  market_history
      ->add_option("--attempts", market_options.attempts,
                   "tries per file for failed or corrupt downloads (default 3)")
      ->check(CLI::Range(1, 20));
  market_history->add_flag("--allow-unverified", market_options.allow_unverified,
                           "accept an archive file whose .CHECKSUM is missing");
  bool no_exchange_info = false;
  market_history->add_flag("--no-exchange-info", no_exchange_info,
                           "do not fetch and store the venue's exchange information");
  market_history->add_option("--archive-url", market_options.archive_url,
                             "archive base URL (default https://data.binance.vision)");
  market_history->add_option(
      "--listing-url", market_options.listing_url,
      "archive listing URL (default https://s3-ap-northeast-1.amazonaws.com/data.binance.vision)");
  market_history->add_option("--rest-url", market_options.rest_url,
                             "REST base URL (default api.binance.com / fapi.binance.com)");
  market_history->add_option("--tls-ca-file", market_options.tls_ca_file,
                             "CA bundle for https (default: the system's)");
  market_history->add_option("--progress", market_options.progress, progress_help)
      ->check(progress_choices);
  market_history->add_flag("--quiet", market_options.quiet, "no summary");

  sigex::TradingStateOptions state_options;
  std::string state_set;
  auto* trading_state = app.add_subcommand(
      "trading-state", "show the journaled trading states, or set one (resume after a halt)");
  trading_state->add_option("--config", config_path, "configuration file (TOML)")->required();
  trading_state->add_option("--state-dir", state_options.state_dir,
                            "journal directory (default: [engine] state_dir)");
  trading_state->add_option("--set", state_set, "ACTIVE, REDUCING or HALTED");
  trading_state->add_option("--scope", state_options.scope,
                            "global (default), instrument:<SYMBOL> or strategy:<tag>");
  trading_state->add_option("--reason", state_options.reason,
                            "why (journaled; required with --set)");

  auto* run = app.add_subcommand("run", "run as a daemon: live or paper trading ([service] mode)");
  run->add_option("--config", config_path, "configuration file (TOML)")->required();
  bool adopt_unknown = false, ignore_unknown = false, new_journal = false;
  auto* adopt_flag = run->add_flag(
      "--adopt-unknown-orders", adopt_unknown,
      "take orders of sigex's strategies that the account shows and the journal does not "
      "know (and their fills) into the journal");
  run->add_flag("--ignore-unknown-orders", ignore_unknown,
                "record such orders as not this journal's and start")
      ->excludes(adopt_flag);
  run->add_flag("--new-journal", new_journal,
                "start a new journal although the state directory shows earlier runs (input logs, "
                "call counter)");

  std::string ctl_socket, ctl_scope = "global", ctl_reason;
  auto* ctl = app.add_subcommand("ctl", "talk to a running daemon through its control socket");
  ctl->add_option("--config", config_path, "configuration file (TOML) of the daemon")->required();
  ctl->add_option("--socket", ctl_socket, "control socket (default: [service] control_socket)");
  ctl->require_subcommand(1);
  bool ctl_json = false;
  auto* ctl_status = ctl->add_subcommand(
      "status", "mode, trading states, feeds, positions, open orders, PnL, Token Metrics budget");
  ctl_status->add_flag("--json", ctl_json,
                       "one JSON object, for scripts (keys documented in the README)");
  auto* ctl_halt =
      ctl->add_subcommand("halt", "stop trading now and cancel resting orders (journaled)");
  auto* ctl_resume = ctl->add_subcommand("resume", "trade again (journaled)");
  auto* ctl_reduce = ctl->add_subcommand("reduce", "only orders that reduce positions (journaled)");
  auto* ctl_flatten =
      ctl->add_subcommand("flatten", "REDUCING, cancel resting orders, sell every position");
  ctl->add_subcommand("reload", "re-read the configuration (as SIGHUP)");
  for (auto* command : {ctl_halt, ctl_resume, ctl_reduce, ctl_flatten}) {
    command->add_option("--reason", ctl_reason, "why (journaled with the change)")->required();
  }
  for (auto* command : {ctl_halt, ctl_resume, ctl_reduce}) {
    command->add_option("--scope", ctl_scope,
                        "global (default), instrument:<SYMBOL> or strategy:<tag>");
  }

  sigex::SweepOptions sweep_options;
  std::string sweep_out;
  auto* sweep =
      app.add_subcommand("sweep", "run a backtest per parameter combination and rank them");
  sweep->add_option("--config", sweep_options.config_path, "base configuration file (TOML)");
  sweep->add_option("--grid", sweep_options.grid_path, "parameter grid (TOML)");
  sweep->add_option("--jobs", sweep_options.jobs, "backtests at a time (default 1)")
      ->check(CLI::Range(1, 256));
  sweep->add_option("--out", sweep_out, "output directory (overrides the grid's out_dir)");
  sweep->add_flag("--quiet", sweep_options.quiet, "do not print the ranking");
  std::string sweep_executor = "local";
  sweep
      ->add_option("--executor", sweep_executor,
                   "local (default: --jobs processes here) or slurm (a job array)")
      ->check(CLI::IsMember({"local", "slurm"}));
  sweep->add_option("--partition", sweep_options.slurm.partition, "slurm: partition");
  sweep->add_option("--cpus-per-task", sweep_options.slurm.cpus_per_task, "slurm: CPUs per task")
      ->check(CLI::Range(1, 4096));
  sweep->add_option("--mem", sweep_options.slurm.memory, "slurm: memory per task (e.g. 2G)");
  sweep->add_option("--time", sweep_options.slurm.time_limit, "slurm: time limit per task");
  sweep->add_option("--account", sweep_options.slurm.account, "slurm: account to charge");
  sweep->add_flag("--wait", sweep_options.wait, "slurm: wait for the array to end, then collect");
  sweep->add_option("--sbatch", sweep_options.sbatch,
                    "slurm: the sbatch program (default: on PATH)");
  std::string collect_dir;
  auto* sweep_collect = sweep->add_subcommand(
      "collect", "rank the runs of a sweep submitted to Slurm, as a local sweep would");
  sweep_collect->add_option("dir", collect_dir, "the sweep's output directory")->required();
  sweep_collect->add_flag("--quiet", sweep_options.quiet, "do not print the ranking");

  sigex::ReplayCheckOptions replay_options;
  std::string replay_out;
  auto* replay_check = app.add_subcommand(
      "replay-check",
      "replay a paper or live session's recorded inputs and compare its decisions order by order");
  replay_check->add_option("--session", replay_options.session_dir, "the session's state directory")
      ->required();
  replay_check->add_option("--out", replay_out, "keep the replay's journal in this directory");

  std::string check_path;
  auto* signal = app.add_subcommand("signal", "push a signal to a running daemon's webhook");
  signal->require_subcommand(1);
  sigex::SignalSendOptions signal_options;
  auto* signal_send = signal->add_subcommand(
      "send", "sign one signal with [signals.webhook]'s secret and post it to the endpoint");
  signal_send->add_option("--config", config_path, "configuration file (TOML) of the daemon")
      ->required();
  signal_send
      ->add_option("--token", signal_options.token,
                   "token symbol (BTC), Token Metrics token id or instrument symbol")
      ->required();
  signal_send->add_option("--signal", signal_options.signal, "1 (bullish), -1 (bearish) or 0")
      ->required();
  signal_send->add_option("--grade", signal_options.grade, "a grade from 0 to 100 sent with it");
  signal_send->add_option("--grade-kind", signal_options.grade_kind,
                          "trader (default), tm or investor");
  signal_send->add_option("--timeframe", signal_options.timeframe, "daily (default) or hourly");
  signal_send->add_option("--time", signal_options.time,
                          "when the signal is dated (UTC date or time; default: now)");
  signal_send->add_option("--url", signal_options.url,
                          "the endpoint (default: from [signals.webhook] listen)");
  signal_send->add_option("--ca-file", signal_options.ca_file,
                          "CA certificate to trust (default: tls_certificate_file)");

  auto* check = app.add_subcommand("check-config", "validate a configuration file and exit");
  std::string check_config_option;
  check->add_option("file", check_path, "configuration file (TOML)");
  check->add_option("--config", check_config_option,
                    "configuration file (TOML), as for every other command");

  // An unknown command is named, with the closest known one.
  if (argc > 1 && argv[1][0] != '-') {
    const std::string given = argv[1];
    std::vector<std::string> names;
    for (const auto* command : app.get_subcommands([](CLI::App*) { return true; }))
      names.push_back(command->get_name());
    if (std::find(names.begin(), names.end(), given) == names.end()) {
      std::string closest;
      std::size_t best = given.size();
      for (const auto& name : names) {
        const std::size_t distance = edit_distance(given, name);
        if (distance < best) best = distance, closest = name;
      }
      std::fprintf(
          stderr, "sigex: unknown command '%s'%s; the commands are:", given.c_str(),
          closest.empty() || best > 3 ? "" : ("; did you mean '" + closest + "'?").c_str());
      for (const auto& name : names) std::fprintf(stderr, " %s", name.c_str());
      std::fprintf(stderr, " (sigex --help)\n");
      return kExitUsage;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForVersion& version) {
    return app.exit(version);
  } catch (const CLI::ParseError& error) {
    // CLI11's own codes (105, 106, 109 ...) are not sigex's: every usage error is 2. An
    // option the command does not know is named too (CLI11 reports only its first problem).
    if (argc > 1) {
      const auto commands =
          app.get_subcommands([&](CLI::App* sub) { return sub->get_name() == argv[1]; });
      if (const CLI::App* command = commands.empty() ? nullptr : commands.front();
          command != nullptr) {
        for (int i = 2; i < argc; ++i) {
          const std::string argument = argv[i];
          if (!argument.starts_with("-") || argument == "-h" || argument == "--help") continue;
          const std::string name = argument.substr(0, argument.find('='));
          if (command->get_option_no_throw(name) == nullptr) {
            std::fprintf(stderr, "sigex %s: unknown option %s\n", command->get_name().c_str(),
                         name.c_str());
          }
        }
      }
    }
    app.exit(error);
    return kExitUsage;
  }
  if (check->parsed()) {
    if (check_path.empty()) check_path = check_config_option;
    if (check_path.empty() || (!check_config_option.empty() && check_config_option != check_path)) {
      std::fprintf(stderr,
                   "sigex check-config: give one configuration file (FILE or --config FILE)\n");
      return kExitUsage;
    }
  }

  if (check->parsed()) {
    sigex::ConfigErrors errors;
    const auto config = sigex::load_app_config(check_path, errors);
    if (!report_config_errors(errors)) return 2;
    // The cash each venue account may spend, so that a split across venues is seen before it
    // trades.
    std::string cash;
    for (const sigex::CashAccount& account : config.engine.cash_accounts()) {
      cash += fmt::format("{}{}{}", cash.empty() ? "" : ", ",
                          account.venue.empty() ? "" : std::string(account.venue.view()) + " ",
                          sigex::format_money(account.starting_cash, 2));
    }
    std::printf("%s: OK (%zu instruments, %zu backtest inputs; cash %s %s)\n", check_path.c_str(),
                config.instruments.size(), config.backtest.inputs.size(), cash.c_str(),
                config.engine.cash_asset.c_str());
    return 0;
  }

  if (replay_check->parsed()) {
    if (!replay_out.empty()) replay_options.out_dir = replay_out;
    sigex::LogConfig quiet_log;
    quiet_log.level = "warn";
    sigex::init_logging(quiet_log);
    const int status = sigex::run_replay_check(replay_options);
    sigex::shutdown_logging();
    return status;
  }

  if (import_command->parsed()) return sigex::run_import(import_options);
  if (instruments_command->parsed()) {
    sigex::LogConfig quiet_log;
    quiet_log.level = "warn";
    sigex::init_logging(quiet_log);
    const int status = sigex::run_instruments(instruments_options);
    sigex::shutdown_logging();
    return status;
  }
  if (market_history->parsed()) {
    market_options.exchange_info = !no_exchange_info;
    return sigex::run_fetch_market_data(market_options);
  }

  if (sweep_collect->parsed()) return sigex::collect_sweep(collect_dir, sweep_options.quiet);
  if (sweep->parsed()) {
    if (sweep_options.config_path.empty() || sweep_options.grid_path.empty()) {
      std::fprintf(stderr, "sweep: --config and --grid are required (or: sweep collect DIR)\n");
      return 2;
    }
    if (!sweep_out.empty()) sweep_options.out_dir = sweep_out;
    if (sweep_executor == "slurm") sweep_options.executor = sigex::SweepExecutor::kSlurm;
    return sigex::run_sweep(sweep_options);
  }

  sigex::ConfigErrors errors;
  std::string config_text;  // `run` records what it runs on
  const auto config =
      sigex::load_app_config(config_path, errors, overrides, &config_text,
                             history->parsed() ? sigex::ConfigUse::kFetch : sigex::ConfigUse::kRun);
  if (ctl->parsed() && !errors.empty()) {
    // Each problem first (a syntax error may hide the control socket setting as well).
    for (const auto& message : errors.messages())
      std::fprintf(stderr, "config error: %s\n", message.c_str());
    // A daemon keeps running on the configuration it validated; ctl only needs the socket.
    std::fprintf(stderr,
                 "sigex ctl: %s has %zu problem(s) (sigex ctl reload would refuse it); "
                 "using its control socket setting\n",
                 config_path.c_str(), errors.messages().size());
  } else if (!report_config_errors(errors)) {
    return 2;
  }
  for (auto* command : {run, record, history, relay}) {
    if (!command->parsed()) continue;
    const std::string missing = sigex::missing_section_for(command->get_name(), config);
    if (!missing.empty()) {
      std::fprintf(stderr, "%s\n", missing.c_str());
      return 2;
    }
  }
  sigex::init_logging(config.logging);
  int status = 0;
  if (backtest->parsed()) {
    sigex::BacktestOptions options;
    if (!out_dir.empty()) options.out_dir = out_dir;
    options.quiet = quiet;
    status = sigex::run_backtest(config, options);
  } else if (history->parsed()) {
    sigex::FetchHistoryOptions options;
    const auto from = sigex::parse_utc_timestamp(history_from);
    const auto to = sigex::parse_utc_timestamp(history_to);
    if (!from || !to) {
      std::fprintf(stderr, "fetch-history: --from and --to must be UTC dates such as 2025-01-31\n");
      status = 2;
    } else {
      options.from_day_ns = *from;
      options.to_day_ns = *to;
      options.out_path = history_out;
      if (!history_access.empty())
        options.access =
            history_access == "x402" ? sigex::TmAccess::kX402 : sigex::TmAccess::kApiKey;
      sigex::parse_progress_mode(progress_text, options.progress);
      status = sigex::run_fetch_history(config, options);
    }
  } else if (trading_state->parsed()) {
    if (!state_set.empty()) state_options.set = state_set;
    status = sigex::run_trading_state(config, state_options);
  } else if (run->parsed()) {
    sigex::RunOptions options;
    options.config_path = config_path;
    options.config_text = config_text;
    options.new_journal = new_journal;
    if (adopt_unknown) options.unknown_orders = sigex::UnknownOrderDecision::kAdopt;
    if (ignore_unknown) options.unknown_orders = sigex::UnknownOrderDecision::kIgnore;
    status = sigex::run_daemon(config, options);
  } else if (ctl->parsed()) {
    const std::string verb = ctl->get_subcommands().front()->get_name();
    std::string request = verb;
    if (verb == "halt" || verb == "resume" || verb == "reduce")
      request += " " + ctl_scope + " " + ctl_reason;
    if (verb == "flatten") request += " " + ctl_reason;
    if (verb == "status" && ctl_json) request += " json";
    status = sigex::run_ctl(config, ctl_socket, request);
  } else if (signal_send->parsed()) {
    status = sigex::run_signal_send(config, signal_options);
  } else if (record->parsed()) {
    sigex::RecordOptions options;
    options.out_path = record_out;
    options.signals_out_path = record_signals_out;
    if (record_duration_s > 0) options.duration_s = record_duration_s;
    sigex::parse_progress_mode(progress_text, options.progress);
    status = sigex::run_record(config, options);
  } else if (relay->parsed()) {
    sigex::RelayOptions options;
    if (relay_duration_s > 0) options.duration_s = relay_duration_s;
    status = sigex::run_relay(config, options);
  }
  sigex::shutdown_logging();
  return status;
}
