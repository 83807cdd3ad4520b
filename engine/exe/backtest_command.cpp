#include "engine/exe/backtest_command.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "adapters/recorded/input_cache.h"
#include "adapters/recorded/recorded_file.h"
#include "adapters/recorded/replay_source.h"
#include "adapters/token_metrics/signal_poller.h"
#include "engine/core/calendar.h"
#include "engine/core/simulated_clock.h"
#include "engine/exe/intake_setup.h"
#include "engine/logging/log.h"
#include "engine/queue/event_queue.h"
#include "engine/report/backtest_report.h"
#include "engine/runtime/core_driver.h"
#include "engine/runtime/engine.h"
#include "engine/sim/simulated_venue.h"

namespace sigex {
namespace {

// Buy and hold pays the taker fee of what it buys: the futures schedule when every instrument
// is a perpetual.
std::int64_t benchmark_fee_bps(const AppConfig& config) {
  const bool all_perpetual =
      std::all_of(config.instruments.begin(), config.instruments.end(),
                  [](const Instrument& instrument) { return instrument.is_perpetual(); });
  return all_perpetual ? config.simulated_venue.perpetual_taker_fee_bps
                       : config.simulated_venue.taker_fee_bps;
}

constexpr DurationNs kSettleAfterInputNs = 60 * kNsPerSecond;

// Shown on stderr only when it is a terminal; never part of the outputs.
class ProgressBar {
 public:
  ProgressBar() : enabled_(isatty(STDERR_FILENO) == 1) {}
  void update(double fraction) {
    if (!enabled_) return;
    const int percent = static_cast<int>(fraction * 100.0);
    if (percent == last_percent_) return;
    last_percent_ = percent;
    const int filled = percent / 4;
    std::fprintf(stderr, "\r[%-25s] %3d%%",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(), percent);
  }
  void done() {
    if (enabled_ && last_percent_ >= 0) std::fprintf(stderr, "\r%40s\r", "");
  }

 private:
  bool enabled_;
  int last_percent_ = -1;
};

void remove_previous_journal(const std::filesystem::path& state_dir) {
  for (const char* name : {"journal.db", "journal.db-wal", "journal.db-shm"}) {
    std::error_code ignored;
    std::filesystem::remove(state_dir / name, ignored);
  }
}

// [universe] top N in a backtest: ranked by each token's latest grade received before the
// run's start in the inputs themselves (no look-ahead; market caps have no history here).
bool rank_universe_from_inputs(const AppConfig& config, std::vector<Instrument>& instrument_list,
                               std::string& error) {
  const UniverseConfig& universe = config.universe;
  if (!universe.present || universe.top <= 0) return true;
  if (universe.rank_by == UniverseRank::kMarketCap) {
    error =
        "[universe] rank_by = \"market_cap\" has no history to rank a backtest by (today's "
        "market caps would pick the survivors); use rank_by = \"grade\" or a strategy's top_k";
    return false;
  }
  if (config.backtest.start_ns <= 0) {
    error =
        "[universe] top ranks by the grades known at the run's start: set [backtest] start "
        "after the first grades in the inputs";
    return false;
  }
  InstrumentRegistry candidates;
  for (const Instrument& instrument : instrument_list) candidates.add(instrument);
  TokenMetricsParser parser(candidates);
  std::map<TokenId, double> scores;
  std::vector<InboundEvent> events;
  for (const auto& input : config.backtest.inputs) {
    if (is_binary_records_path(input.path)) continue;  // market records only
    RecordedFile file(input.path);
    InputProblems problems;
    RecordedLine line;
    while (file.next(line, problems) && line.receive_time_ns < config.backtest.start_ns) {
      if (!TokenMetricsParser::recognises(line.frame)) continue;
      events.clear();
      if (!parser.parse(line.frame, line.receive_time_ns, events)) continue;
      for (const InboundEvent& event : events) {
        if (event.kind != MarketEventKind::kGrade || event.grade.kind != universe.grade) continue;
        scores[event.grade.token_id] = static_cast<double>(event.grade.hundredths);
      }
    }
  }
  keep_top(universe, config.listed_instruments, scores, instrument_list);
  return true;
}

}  // namespace

int run_backtest(const AppConfig& config, const BacktestOptions& options) {
  for (const Instrument& instrument : config.instruments) {
    if (!instrument.awaits_venue_rules()) continue;
    log_error(
        "[[instruments]] {} has no trading rules: set [backtest] exchange_info to the "
        "exchange-info.json that sigex fetch-market-data stored with the data (or give "
        "base_asset, quote_asset, tick_size, step_size, min_quantity and min_notional)",
        instrument.symbol.view());
    return 2;
  }
  const std::filesystem::path out_dir = options.out_dir.value_or(config.backtest.out_dir);
  // Token ids of instruments given by token symbol: from the state directory's cache (written
  // by sigex run and fetch-history), never from the API, so a backtest stays offline.
  std::vector<Instrument> instrument_list = config.instruments;
  resolve_token_ids_from_cache(instrument_list, token_cache_path(config));
  std::string ranking_error;
  if (!rank_universe_from_inputs(config, instrument_list, ranking_error)) {
    log_error("{}", ranking_error);
    return 2;
  }
  InstrumentRegistry instruments;
  for (const Instrument& instrument : instrument_list) instruments.add(instrument);

  // A backtest always starts from an empty journal of its own inside the output directory.
  const std::filesystem::path state_dir = out_dir / "state";
  remove_previous_journal(state_dir);
  // Its identity is derived from the run's period and instruments (never a path), so the
  // same backtest mints the same client order ids wherever, whenever and from whichever copy
  // of the data it runs.
  std::string seed =
      fmt::format("backtest|{}|{}", config.backtest.start_ns, config.backtest.end_ns);
  for (const auto& instrument : instrument_list)
    seed += "|" + std::string(instrument.symbol.view());
  std::string error;
  auto journal =
      Journal::open(state_dir, config.engine.durability, error, {Journal::derive_identity(seed)});
  if (!journal) {
    log_error("{}", error);
    return 1;
  }

  std::vector<ReplayInput> inputs;
  for (const auto& input : config.backtest.inputs) {
    // A USD-M file's snapshots are the perpetual's.
    const Instrument* snapshot =
        input.snapshot_symbol.empty() ? nullptr
        : input.usdm ? instruments.find_by_symbol(input.snapshot_symbol, InstrumentKind::kPerpetual)
                     : instruments.find_by_symbol(input.snapshot_symbol);
    inputs.push_back(ReplayInput{input.path, snapshot ? snapshot->id : kNoInstrument,
                                 input.usdm ? BinanceMarket::kUsdm : BinanceMarket::kSpot});
  }
  ReplaySource source(instruments, inputs, config.backtest.start_ns, config.backtest.end_ns);
  PublicationDelays publication;
  const TmPollConfig* polls[] = {&config.token_metrics.daily_signals,
                                 &config.token_metrics.hourly_signals,
                                 &config.token_metrics.grades};
  for (std::size_t i = 0; i < std::size(polls); ++i) {
    publication.rules[i] = {polls[i]->publication_delay_ns, polls[i]->interval_ns,
                            polls[i]->offset_ns};
  }
  source.hold_until_published(publication);
  std::optional<InputCache> input_cache;
  if (!config.backtest.input_cache_dir.empty()) {
    input_cache.emplace(config.backtest.input_cache_dir);
    source.use_input_cache(*input_cache);
  }
  if (!source.open(error)) {
    log_error("cannot open backtest inputs:\n{}", error);
    return 2;
  }
  if (input_cache) {
    for (const std::string& note : source.cache_notes()) log_info("input cache: {}", note);
    log_info("input cache {}: {} input(s) from the cache, {} converted now",
             input_cache->directory(), input_cache->hits(), input_cache->written());
  }

  SimulatedClock clock;
  SimulatedVenue venue(instruments, config.simulated_venue, config.engine.cash_accounts());
  Engine engine(instruments, clock, *journal, venue, config.risk, config.engine.cash_accounts());
  engine.add_market_observer(&venue);
  SignalGate signal_gate(config.signals, *journal, instruments);
  engine.set_signal_gate(&signal_gate);
  const std::vector<const Strategy*> strategies = add_configured_strategies(config, engine);
  BacktestReport report(engine, config.backtest.equity_interval_ns, benchmark_fee_bps(config));
  engine.add_observer(&report);
  engine.add_market_observer(&report);
  engine.start();
  CoreDriver driver(engine, &clock);  // the paper daemon and replay-check move time the same way

  // The replay thread reads and parses; the core thread (this one) drains and trades. They
  // meet only at the queue. A full queue makes the replay thread wait: a backtest never drops.
  EventQueue<InboundEvent> queue(config.backtest.queue_capacity, 1);
  std::atomic<bool> replay_done{false};
  std::atomic<std::uint64_t> progress_permille{0};
  const auto started = std::chrono::steady_clock::now();
  std::thread replay([&] {
    EventQueue<InboundEvent>::Producer producer(queue);
    std::vector<InboundEvent> batch;
    batch.reserve(8192);
    std::uint64_t frames = 0;
    while (source.next(batch)) {
      std::size_t offset = 0;
      while (offset < batch.size()) {
        const std::size_t count = std::min<std::size_t>(batch.size() - offset, 256);
        if (producer.try_push_bulk(batch.data() + offset, count)) {
          offset += count;
        } else {
          std::this_thread::yield();
        }
      }
      if ((++frames & 0x3FFF) == 0) {
        progress_permille.store(static_cast<std::uint64_t>(source.progress() * 1000),
                                std::memory_order_relaxed);
      }
    }
    replay_done.store(true, std::memory_order_release);
  });

  ProgressBar progress;
  std::vector<InboundEvent> drained(1024);
  std::uint64_t drained_total = 0;
  while (true) {
    const bool done = replay_done.load(std::memory_order_acquire);
    const std::size_t count = queue.drain(drained.data(), drained.size());
    if (count == 0) {
      if (done) break;
      std::this_thread::yield();
      continue;
    }
    for (std::size_t i = 0; i < count; ++i) driver.process(drained[i]);
    drained_total += count;
    if ((drained_total & 0xFFFF) < count) {
      progress.update(static_cast<double>(progress_permille.load(std::memory_order_relaxed)) /
                      1000.0);
    }
  }
  replay.join();
  // Let in-flight answers land, and timers due shortly after the last input; a strategy's
  // schedule (e.g. hourly) does not stretch the backtest past its data.
  const TimeNs settle_until = clock.now_ns() + kSettleAfterInputNs;
  for (int round = 0; round < 1000 && engine.next_due_time_ns() <= settle_until; ++round) {
    clock.advance_to(engine.next_due_time_ns());
    engine.run_due();
  }
  report.finish(clock.now_ns());
  progress.done();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  BacktestReport::RunFacts facts;
  facts.events = engine.counters().events;
  facts.input_lines = source.stats().lines;
  facts.input_problems = source.problems().count();
  facts.frames_rejected = source.stats().frames_rejected;
  facts.unknown_instrument_frames = source.stats().unknown_instrument;
  facts.problem_details = source.problems().details();
  facts.unusable_inputs = source.fatal_problems();
  facts.max_input_problems = config.backtest.max_input_problems;
  facts.rows_held_until_published = source.rows_held_until_published();
  for (std::size_t i = 0; i < static_cast<std::size_t>(PublishedRow::kCount); ++i) {
    const auto row = static_cast<PublishedRow>(i);
    const ObservedDelays observed = source.publication_observations().of(row);
    facts.publication.push_back({std::string(to_string(row)), publication.of(row).delay_ns,
                                 observed.rows, observed.min_ns, observed.median_ns,
                                 observed.max_ns});
  }
  for (std::size_t i = 0; i < static_cast<std::size_t>(SignalRejection::kCount); ++i) {
    const auto reason = static_cast<SignalRejection>(i);
    facts.signal_rejections.emplace_back(std::string(to_string(reason)),
                                         source.token_metrics_parser().rejected(reason));
  }
  facts.signal_intake = signal_gate.counters();
  if (!report.write(out_dir, facts, error)) {
    log_error("{}", error);
    return 1;
  }
  const double events_per_second = seconds > 0 ? static_cast<double>(facts.events) / seconds : 0;
  {
    std::FILE* timing = std::fopen((out_dir / "timing.json").c_str(), "w");
    if (timing != nullptr) {
      std::fprintf(timing, "{\n  \"wall_seconds\": %.6f,\n  \"events_per_second\": %.0f\n}\n",
                   seconds, events_per_second);
      std::fclose(timing);
    }
  }

  for (const auto& detail : source.problems().details()) log_warn("input problem: {}", detail);
  if (source.problems().count() > source.problems().details().size()) {
    log_warn("{} more input problems not shown",
             source.problems().count() - source.problems().details().size());
  }
  if (engine.halted()) log_error("trading halted during the backtest: {}", engine.halt_reason());
  // Bad input never passes silently: the outputs are written (with the problems in
  // summary.json), but the run fails.
  int status = 0;
  for (const auto& unusable : source.fatal_problems()) {
    log_error("unusable input: {}", unusable);
    status = 1;
  }
  if (facts.input_problems > config.backtest.max_input_problems) {
    log_error(
        "{} input problem(s), more than [backtest] max_input_problems = {} allows: the results are "
        "not of the "
        "whole input (details above and in summary.json)",
        facts.input_problems, config.backtest.max_input_problems);
    status = 1;
  }

  if (!options.quiet) {
    const ReportMetrics m = report.metrics();
    std::string denials;
    for (std::size_t i = 1; i < static_cast<std::size_t>(RiskDenial::kCount); ++i) {
      const auto reason = static_cast<RiskDenial>(i);
      if (engine.risk().denials(reason) > 0) {
        denials += fmt::format(" {}={}", to_string(reason), engine.risk().denials(reason));
      }
    }
    // Figures that need a month of data are "n/a" before it, never extrapolated.
    const auto annualised = [](double value, const char* format) {
      return std::isfinite(value) ? fmt::format(fmt::runtime(format), value)
                                  : std::string("n/a (< 30 days)");
    };
    const Performance& p = m.performance;
    const Money realised_after_fees = m.realised_pnl - m.fees;
    std::printf(
        "%s",
        fmt::format(
            "sigex backtest: {} -> {}\n"
            "  equity        {} -> {} {} ({:+.2f} %, annualised {})\n"
            "  max drawdown  {:.2f} %   longest drawdown {}   exposure {:.1f} % of samples\n"
            "{}\n"
            "  profit factor {}   turnover {:.1f}x\n"
            "  buy and hold  {:+.2f} %   max drawdown {:.2f} %   sharpe {} (same instruments, "
            "equal shares, "
            "bought at the first price with a {} bps taker fee)\n"
            "  orders {}   fills {}   trades {} (won {}, win rate {:.1f} %)   fees {} {}\n"
            "  realised pnl  {} {} before fees, {} {} after fees\n"
            "  risk denials {}\n"
            "  events {} from {} lines ({} input problems) in {:.2f} s = {:.0f} events/s\n"
            "  report written to {}\n",
            format_utc_timestamp(m.start_ns), format_utc_timestamp(m.end_ns),
            format_money(m.starting_equity, 2), format_money(m.final_equity, 2),
            config.engine.cash_asset, m.total_return * 100,
            annualised(m.annualised_return * 100, "{:+.2f} %"), m.max_drawdown * 100,
            format_duration(p.max_drawdown_duration_ns), m.exposure_time_fraction * 100,
            std::isfinite(p.sharpe)
                ? fmt::format("  sharpe {:.2f}   sortino {:.2f}   volatility {:.1f} %   calmar {}",
                              p.sharpe, p.sortino, p.volatility * 100,
                              annualised(p.calmar, "{:.2f}"))
                : std::string("  sharpe, sortino, volatility, calmar: not meaningful for less than "
                              "30 days of data"),
            std::isfinite(p.profit_factor) ? fmt::format("{:.2f}", p.profit_factor) : "n/a",
            p.turnover, m.benchmark.total_return * 100, m.benchmark.max_drawdown * 100,
            annualised(m.benchmark.sharpe, "{:.2f}"), benchmark_fee_bps(config), m.orders, m.fills,
            m.round_trips, m.winning_round_trips, m.win_rate * 100, format_money(m.fees, 2),
            config.engine.cash_asset, format_money(m.realised_pnl, 2), config.engine.cash_asset,
            format_money(realised_after_fees, 2), config.engine.cash_asset,
            denials.empty() ? " none" : denials, facts.events, facts.input_lines,
            facts.input_problems, seconds, events_per_second, out_dir.string())
            .c_str());
    if (m.perpetual.present) {
      const PerpetualFigures& f = m.perpetual;
      std::printf(
          "%s",
          fmt::format("  perpetuals    long max {} ({:.1f} % of samples), short max {} ({:.1f} %)\n"
                      "                funding paid {} {}, received {} {} ({} settlements)\n"
                      "                margin usage max {:.1f} %, margin ratio max {:.1f} %, "
                      "liquidations {}\n",
                      format_money(f.max_long_exposure, 2), f.long_time_fraction * 100,
                      format_money(f.max_short_exposure, 2), f.short_time_fraction * 100,
                      format_money(f.funding_paid, 2), config.engine.cash_asset,
                      format_money(f.funding_received, 2), config.engine.cash_asset,
                      f.funding_settlements, f.max_margin_usage * 100, f.max_margin_ratio * 100,
                      f.liquidations)
              .c_str());
    }
    const Portfolio& portfolio = engine.portfolio();
    if (portfolio.accounts().size() > 1) {
      // Each venue account's cash: what its own instruments' trades left it.
      std::string accounts;
      for (std::size_t account = 0; account < portfolio.accounts().size(); ++account) {
        accounts += fmt::format("{}{} {} (from {})", accounts.empty() ? "" : ", ",
                                portfolio.accounts()[account].venue.view(),
                                format_money(portfolio.cash(account), 2),
                                format_money(portfolio.accounts()[account].starting_cash, 2));
      }
      std::printf(
          "%s", fmt::format("  cash          {} {}\n", accounts, config.engine.cash_asset).c_str());
    }
    if (instruments.size() > 1) {
      // Per instrument: trades, realised PnL and fees, time in the market, its buy and hold.
      std::string table =
          fmt::format("  {:<14} {:>7} {:>5} {:>16} {:>12} {:>9} {:>13}\n", "instrument", "trades",
                      "won", "realised pnl", "fees", "exposure", "buy and hold");
      for (const auto& own : report.instrument_figures()) {
        table += fmt::format(
            "  {:<14} {:>7} {:>5} {:>16} {:>12} {:>8.1f}% {:>13}\n",
            instruments.get(own.instrument).symbol.view(), own.trades, own.winning_trades,
            format_money(own.realised_pnl, 2), format_money(own.fees, 2), own.exposure * 100,
            std::isfinite(own.buy_and_hold) ? fmt::format("{:+.2f} %", own.buy_and_hold * 100)
                                            : std::string("n/a"));
      }
      std::printf("%s", table.c_str());
    }
    for (const auto& [scope, status] : engine.trading_states().all()) {
      if (status.state == TradingState::kActive) continue;
      std::printf(
          "%s", fmt::format("  trading state {} {} since {}: {}\n", scope, to_string(status.state),
                            format_utc_timestamp(status.since_ns), status.reason)
                    .c_str());
    }
    std::string published;
    for (const auto& publication : facts.publication) {
      published += fmt::format("{}{} {} after their date", published.empty() ? "" : ", ",
                               publication.rows, format_duration(publication.assumed_delay_ns));
      if (publication.observed_rows > 0) {
        published +=
            fmt::format(" (as recorded: {} rows, first seen {} .. {} after, median {})",
                        publication.observed_rows, format_duration(publication.observed_min_ns),
                        format_duration(publication.observed_max_ns),
                        format_duration(publication.observed_median_ns));
      }
    }
    std::printf(
        "%s", fmt::format(
                  "  token metrics rows taken as published: {}; {} rows recorded earlier were held "
                  "until then\n",
                  published, facts.rows_held_until_published)
                  .c_str());
    for (const Strategy* strategy : strategies) {
      if (const std::string line = strategy->summary(); !line.empty())
        std::printf("  %s\n", line.c_str());
    }
  }
  if (status != 0)
    std::fprintf(stderr, "sigex backtest: the input had problems (see above); exit 1\n");
  return engine.halted() ? 1 : status;
}

}  // namespace sigex
