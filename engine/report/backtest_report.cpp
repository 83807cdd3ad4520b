#include "engine/report/backtest_report.h"

#include <cmath>
#include <fstream>
#include <limits>

#include <fmt/format.h>

#include "engine/core/calendar.h"
#include "engine/core/decimal.h"
#include "engine/core/json_text.h"
#include "engine/report/html_report.h"
#include "engine/report/output_files.h"

namespace sigex {
namespace {

// How many decimals a step of `raw` at `scale` needs: 0.01 at scale 8 -> 2.
int decimals_of(std::int64_t raw, int scale) {
  int decimals = scale;
  while (decimals > 0 && raw > 0 && raw % 10 == 0) {
    raw /= 10;
    --decimals;
  }
  return decimals;
}

double ratio(Money numerator, Money denominator) {
  if (denominator.raw == 0) return 0.0;
  return static_cast<double>(numerator.raw) / static_cast<double>(denominator.raw);
}

std::string number_text(double value) {
  if (!std::isfinite(value)) return "null";
  std::string text = fmt::format("{:.6f}", value);
  return text == "-0.000000" ? "0.000000" : text;
}

}  // namespace

BacktestReport::BacktestReport(const Engine& engine, DurationNs equity_interval_ns,
                               std::int64_t benchmark_fee_bps)
    : engine_(engine),
      interval_ns_(equity_interval_ns),
      benchmark_fee_bps_(benchmark_fee_bps),
      benchmark_units_(engine.instruments().size(), 0.0),
      benchmark_pending_(engine.instruments().size()),
      open_trips_(engine.instruments().size()) {
  for (const Instrument& instrument : engine.instruments().all()) {
    has_perpetuals_ = has_perpetuals_ || instrument.is_perpetual();
  }
}

double BacktestReport::reference_price(const Instrument& instrument) const {
  return static_cast<double>(engine_.quotes().quote(instrument.id).reference().raw) /
         static_cast<double>(pow10(instrument.price_scale));
}

double BacktestReport::benchmark_share() const {
  const std::size_t count = engine_.instruments().size();
  return count == 0 ? 0.0
                    : static_cast<double>(engine_.portfolio().starting_cash().raw) / 1e8 /
                          static_cast<double>(count);
}

void BacktestReport::buy_benchmark() {
  const double share = benchmark_share();
  for (const Instrument& instrument : engine_.instruments().all()) {
    double& units = benchmark_units_[instrument.id];
    const double price = reference_price(instrument);
    if (units > 0 || price <= 0) continue;
    // The share is spent at the first price the input gives, less the strategy's taker fee.
    units = share * (1.0 - static_cast<double>(benchmark_fee_bps_) / 10'000.0) / price;
    --benchmark_pending_;
  }
}

std::vector<BacktestReport::InstrumentFigures> BacktestReport::instrument_figures() const {
  const InstrumentRegistry& instruments = engine_.instruments();
  std::vector<InstrumentFigures> figures(instruments.size());
  for (const Instrument& instrument : instruments.all()) {
    InstrumentFigures& own = figures[instrument.id];
    own.instrument = instrument.id;
    const Position& position = engine_.portfolio().position(instrument.id);
    own.realised_pnl = position.realised_pnl;
    own.fees = position.fees;
    if (!equity_.empty() && instrument.id < held_samples_.size()) {
      own.exposure =
          static_cast<double>(held_samples_[instrument.id]) / static_cast<double>(equity_.size());
    }
    if (instrument.id < prices_.size() && !prices_[instrument.id].empty()) {
      const double first = prices_[instrument.id].front().second;
      const double last = prices_[instrument.id].back().second;
      own.buy_and_hold =
          last / first * (1.0 - static_cast<double>(benchmark_fee_bps_) / 10'000.0) - 1.0;
    }
  }
  for (const RoundTrip& trip : round_trip_list_) {
    InstrumentFigures& own = figures[trip.instrument];
    ++own.trades;
    if (trip.pnl_after_fees.raw > 0) ++own.winning_trades;
  }
  return figures;
}

void BacktestReport::sample(TimeNs time_ns) {
  const Portfolio& portfolio = engine_.portfolio();
  const QuoteBook& quotes = engine_.quotes();
  const InstrumentRegistry& instruments = engine_.instruments();
  const double share = benchmark_share();
  double benchmark = 0;
  prices_.resize(instruments.size());
  for (const Instrument& instrument : instruments.all()) {
    const double price = reference_price(instrument);
    if (price > 0) prices_[instrument.id].emplace_back(time_ns, price);
    const double units = benchmark_units_[instrument.id];
    benchmark += units > 0 ? units * price : share;
  }
  held_samples_.resize(instruments.size());
  for (const Instrument& instrument : instruments.all()) {
    if (portfolio.position(instrument.id).quantity.raw != 0) ++held_samples_[instrument.id];
  }
  equity_.push_back(EquitySample{time_ns, portfolio.equity(quotes), portfolio.cash(),
                                 portfolio.gross_exposure(quotes), benchmark});
  if (!has_perpetuals_) return;
  const Money long_exposure = portfolio.long_exposure(quotes);
  const Money short_exposure = portfolio.short_exposure(quotes);
  max_long_exposure_ = std::max(max_long_exposure_, long_exposure);
  max_short_exposure_ = std::max(max_short_exposure_, short_exposure);
  long_samples_ += long_exposure.raw > 0 ? 1 : 0;
  short_samples_ += short_exposure.raw > 0 ? 1 : 0;
  const AccountMargin margin = portfolio.account_margin(quotes);
  if (margin.margin_balance.raw > 0) {
    max_margin_usage_ =
        std::max(max_margin_usage_, ratio(margin.initial_margin, margin.margin_balance));
  }
  max_margin_ratio_ =
      std::max(max_margin_ratio_, static_cast<double>(margin.margin_ratio_bps) / 10'000.0);
}

void BacktestReport::on_event_processed(TimeNs now_ns) {
  if (benchmark_pending_ > 0) buy_benchmark();
  if (first_event_ns_ == 0) {
    first_event_ns_ = now_ns;
    next_sample_ns_ = (now_ns / interval_ns_ + 1) * interval_ns_;
    sample(now_ns);
  }
  last_event_ns_ = now_ns;
  if (now_ns >= next_sample_ns_) {
    // Stamp the sample with the boundary it closes, so intervals line up across runs.
    sample(now_ns / interval_ns_ * interval_ns_);
    next_sample_ns_ = (now_ns / interval_ns_ + 1) * interval_ns_;
  }
}

void BacktestReport::on_fill(const Order& order, const ExecutionEvent& fill, Money realised_pnl) {
  record_fill(fill, order.client_order_id, order.instrument, order.side, realised_pnl,
              order.reason);
}

void BacktestReport::on_account_event(const ExecutionEvent& event, Money realised_pnl) {
  if (event.kind != ExecutionKind::kVenueFill) return;  // funding: the portfolio totals it
  ++liquidations_;
  record_fill(event, event.client_order_id, event.instrument, event.side, realised_pnl,
              "liquidation");
}

void BacktestReport::record_fill(const ExecutionEvent& fill, const ClientOrderId& id,
                                 InstrumentId instrument_id, Side side, Money realised_pnl,
                                 std::string_view reason) {
  fills_.push_back(FillRecord{fill.receive_time_ns, id, instrument_id, side, fill.price,
                              fill.quantity, fill.fee, fill.liquidity, fill.trade_id,
                              realised_pnl});
  const Instrument& instrument = engine_.instruments().get(instrument_id);
  const Money value = notional(fill.price, instrument.price_scale, fill.quantity,
                               instrument.quantity_scale, Rounding::kDown)
                          .value_or(Money{0});
  traded_notional_ += static_cast<double>(value.raw) / 1e8;
  OpenTrip& trip = open_trips_[instrument_id];
  if (trip.entry_ns == 0) {
    trip.entry_ns = fill.receive_time_ns;
    trip.opening = side;
  }
  if (side == Side::kBuy) {
    trip.bought += fill.quantity;
    trip.bought_notional += value;
  } else {
    trip.sold += fill.quantity;
    trip.sold_notional += value;
  }
  trip.pnl += realised_pnl - fill.fee;
  if (engine_.portfolio().position(instrument_id).quantity.raw == 0) {
    ++round_trips_;
    if (trip.pnl.raw > 0) ++winning_round_trips_;
    trip_results_.push_back(static_cast<double>(trip.pnl.raw) / 1e8);
    const auto average = [&](Money total, Quantity quantity) {
      if (quantity.raw <= 0) return Price{0};
      return average_price(total, quantity, instrument.price_scale, instrument.quantity_scale,
                           Rounding::kDown)
          .value_or(Price{0});
    };
    const bool long_trip = trip.opening == Side::kBuy;
    const Price bought_at = average(trip.bought_notional, trip.bought);
    const Price sold_at = average(trip.sold_notional, trip.sold);
    round_trip_list_.push_back(RoundTrip{
        instrument_id, trip.entry_ns, fill.receive_time_ns, long_trip ? trip.bought : trip.sold,
        long_trip ? bought_at : sold_at, long_trip ? sold_at : bought_at,
        long_trip ? trip.bought_notional : trip.sold_notional, trip.pnl, reason});
    trip = OpenTrip{};
  }
}

void BacktestReport::on_market(const InboundEvent& event) {
  if (event.kind != MarketEventKind::kTradingSignal) return;
  const TradingSignal& signal = event.trading_signal;
  if (signal.signal == 0) return;
  if (signals_.size() <= signal.instrument) signals_.resize(signal.instrument + 1);
  signals_[signal.instrument].emplace_back(event.receive_time_ns(), signal.signal > 0 ? 1 : -1);
}

void BacktestReport::on_risk_denial(const OrderIntent&, RiskDenial reason, TimeNs) {
  ++denials_[static_cast<std::size_t>(reason)];
}

void BacktestReport::finish(TimeNs end_ns) {
  if (first_event_ns_ == 0) return;
  last_event_ns_ = std::max(last_event_ns_, end_ns);
  if (equity_.empty() || equity_.back().time_ns != last_event_ns_) sample(last_event_ns_);
}

ReportMetrics BacktestReport::metrics() const {
  ReportMetrics metrics;
  metrics.start_ns = first_event_ns_;
  metrics.end_ns = last_event_ns_;
  metrics.starting_equity = engine_.portfolio().starting_cash();
  metrics.final_equity = equity_.empty() ? metrics.starting_equity : equity_.back().equity;
  metrics.total_return = ratio(metrics.final_equity, metrics.starting_equity) - 1.0;
  Money peak{0};
  std::size_t exposed = 0;
  for (const EquitySample& point : equity_) {
    peak = std::max(peak, point.equity);
    if (peak.raw > 0)
      metrics.max_drawdown = std::max(metrics.max_drawdown, 1.0 - ratio(point.equity, peak));
    if (point.exposure.raw > 0) ++exposed;
  }
  metrics.exposure_time_fraction =
      equity_.empty() ? 0.0 : static_cast<double>(exposed) / static_cast<double>(equity_.size());
  metrics.orders = engine_.orders().orders().size();
  metrics.fills = fills_.size();
  metrics.round_trips = round_trips_;
  metrics.winning_round_trips = winning_round_trips_;
  metrics.win_rate = round_trips_ == 0 ? 0.0
                                       : static_cast<double>(winning_round_trips_) /
                                             static_cast<double>(round_trips_);
  metrics.fees = engine_.portfolio().total_fees();
  metrics.realised_pnl = engine_.portfolio().total_realised_pnl();
  PerformanceInput input;
  for (const EquitySample& point : equity_) {
    input.equity.push_back({point.time_ns, static_cast<double>(point.equity.raw) / 1e8});
  }
  input.period_ns = interval_ns_;
  input.trade_results = trip_results_;
  input.traded_notional = traded_notional_;
  metrics.performance = compute_performance(input);
  metrics.annualised_return = metrics.performance.annualised_return;
  metrics.sharpe = metrics.performance.sharpe;
  PerformanceInput benchmark;
  // It starts with the starting cash, the instant before its purchase pays the fee.
  if (!equity_.empty())
    benchmark.equity.push_back(
        {equity_.front().time_ns,
         benchmark_share() * static_cast<double>(engine_.instruments().size())});
  for (const EquitySample& point : equity_)
    benchmark.equity.push_back({point.time_ns, point.benchmark});
  benchmark.period_ns = interval_ns_;
  metrics.benchmark = compute_performance(benchmark);
  PerpetualFigures& perpetual = metrics.perpetual;
  perpetual.present = has_perpetuals_;
  if (has_perpetuals_) {
    const double samples = equity_.empty() ? 1.0 : static_cast<double>(equity_.size());
    perpetual.max_long_exposure = max_long_exposure_;
    perpetual.max_short_exposure = max_short_exposure_;
    perpetual.long_time_fraction = static_cast<double>(long_samples_) / samples;
    perpetual.short_time_fraction = static_cast<double>(short_samples_) / samples;
    perpetual.funding_paid = engine_.portfolio().funding_paid();
    perpetual.funding_received = engine_.portfolio().funding_received();
    perpetual.funding_settlements = engine_.counters().funding_settlements;
    perpetual.max_margin_usage = max_margin_usage_;
    perpetual.max_margin_ratio = max_margin_ratio_;
    perpetual.liquidations = liquidations_;
  }
  return metrics;
}

bool BacktestReport::write(const std::filesystem::path& directory, const RunFacts& facts,
                           std::string& error) const {
  std::error_code create_error;
  std::filesystem::create_directories(directory, create_error);
  if (create_error) {
    error = "cannot create " + directory.string() + ": " + create_error.message();
    return false;
  }
  const InstrumentRegistry& instruments = engine_.instruments();
  const ReportMetrics m = metrics();

  std::string summary = "{\n";
  summary += fmt::format("  \"start\": \"{}\",\n", format_utc_timestamp(m.start_ns));
  summary += fmt::format("  \"end\": \"{}\",\n", format_utc_timestamp(m.end_ns));
  summary += fmt::format("  \"starting_equity\": \"{}\",\n", money_text(m.starting_equity));
  summary += fmt::format("  \"final_equity\": \"{}\",\n", money_text(m.final_equity));
  summary += fmt::format("  \"total_return\": {},\n", number_text(m.total_return));
  summary += fmt::format("  \"annualised_return\": {},\n", number_text(m.annualised_return));
  summary += fmt::format("  \"max_drawdown\": {},\n", number_text(m.max_drawdown));
  summary += fmt::format("  \"sharpe\": {},\n", number_text(m.sharpe));
  summary += fmt::format("  \"orders\": {},\n", m.orders);
  summary += fmt::format("  \"fills\": {},\n", m.fills);
  summary += fmt::format("  \"trades\": {},\n", m.round_trips);
  summary += fmt::format("  \"winning_trades\": {},\n", m.winning_round_trips);
  summary += fmt::format("  \"win_rate\": {},\n", number_text(m.win_rate));
  summary += fmt::format("  \"fees\": \"{}\",\n", money_text(m.fees));
  // realised_pnl is before fees (fees are their own line); the net figure is beside it.
  summary += fmt::format("  \"realised_pnl\": \"{}\",\n", money_text(m.realised_pnl));
  summary +=
      fmt::format("  \"realised_pnl_after_fees\": \"{}\",\n", money_text(m.realised_pnl - m.fees));
  summary += fmt::format("  \"exposure\": {},\n", number_text(m.exposure_time_fraction));
  const Performance& p = m.performance;
  summary += fmt::format("  \"volatility\": {},\n", number_text(p.volatility));
  summary += fmt::format("  \"sortino\": {},\n", number_text(p.sortino));
  summary += fmt::format("  \"calmar\": {},\n", number_text(p.calmar));
  summary += fmt::format("  \"max_drawdown_duration_days\": {},\n",
                         number_text(static_cast<double>(p.max_drawdown_duration_ns) /
                                     static_cast<double>(kNsPerDay)));
  summary += fmt::format("  \"profit_factor\": {},\n", number_text(p.profit_factor));
  summary += fmt::format("  \"average_win\": {},\n", number_text(p.average_win));
  summary += fmt::format("  \"average_loss\": {},\n", number_text(p.average_loss));
  summary += fmt::format("  \"expectancy\": {},\n", number_text(p.expectancy));
  summary += fmt::format("  \"best_trade\": {},\n", number_text(p.best_trade));
  summary += fmt::format("  \"worst_trade\": {},\n", number_text(p.worst_trade));
  summary += fmt::format("  \"longest_winning_streak\": {},\n", p.longest_winning_streak);
  summary += fmt::format("  \"longest_losing_streak\": {},\n", p.longest_losing_streak);
  summary += fmt::format("  \"turnover\": {},\n", number_text(p.turnover));
  if (m.perpetual.present) summary += perpetual_summary_json(m.perpetual);
  const Performance& b = m.benchmark;
  summary +=
      fmt::format("  \"annualised_figures\": \"{}\",\n",
                  m.end_ns - m.start_ns >= static_cast<DurationNs>(kMinDaysToAnnualise) * kNsPerDay
                      ? "computed"
                      : "not meaningful: less than 30 days of data");
  summary += fmt::format(
      "  \"buy_and_hold\": {{\"fee_bps\": {}, \"total_return\": {}, \"annualised_return\": {}, "
      "\"max_drawdown\": {}, "
      "\"max_drawdown_duration_days\": {}, \"volatility\": {}, \"sharpe\": {}, \"sortino\": {}, "
      "\"calmar\": {}}},\n",
      benchmark_fee_bps_, number_text(b.total_return), number_text(b.annualised_return),
      number_text(b.max_drawdown),
      number_text(static_cast<double>(b.max_drawdown_duration_ns) / static_cast<double>(kNsPerDay)),
      number_text(b.volatility), number_text(b.sharpe), number_text(b.sortino),
      number_text(b.calmar));
  // No row is acted on before its assumed publication: the assumption and the evidence.
  summary += fmt::format("  \"token_metrics_publication\": {{\"rows_held_until_published\": {}",
                         facts.rows_held_until_published);
  for (const RunFacts::Publication& publication : facts.publication) {
    summary +=
        fmt::format(", \"{}\": {{\"assumed_delay_s\": {}, \"observed_rows\": {}", publication.rows,
                    publication.assumed_delay_ns / kNsPerSecond, publication.observed_rows);
    if (publication.observed_rows > 0) {
      summary += fmt::format(", \"observed_delay_s\": {{\"min\": {}, \"median\": {}, \"max\": {}}}",
                             publication.observed_min_ns / kNsPerSecond,
                             publication.observed_median_ns / kNsPerSecond,
                             publication.observed_max_ns / kNsPerSecond);
    }
    summary += "}";
  }
  summary += "},\n";
  summary += fmt::format("  \"events_processed\": {},\n", facts.events);
  summary += fmt::format("  \"input_lines\": {},\n", facts.input_lines);
  summary += fmt::format("  \"input_problems\": {},\n", facts.input_problems);
  summary += fmt::format("  \"max_input_problems\": {},\n", facts.max_input_problems);
  summary += "  \"unusable_inputs\": [";
  for (std::size_t i = 0; i < facts.unusable_inputs.size(); ++i) {
    summary += fmt::format("{}\"{}\"", i == 0 ? "" : ", ", json_escape(facts.unusable_inputs[i]));
  }
  summary += "],\n";
  summary += fmt::format("  \"frames_rejected\": {},\n", facts.frames_rejected);
  summary += fmt::format("  \"frames_for_other_symbols\": {},\n", facts.unknown_instrument_frames);
  summary += "  \"risk_denials\": {";
  bool first = true;
  for (std::size_t i = 1; i < denials_.size(); ++i) {
    if (denials_[i] == 0) continue;
    summary += fmt::format("{}\"{}\": {}", first ? "" : ", ", to_string(static_cast<RiskDenial>(i)),
                           denials_[i]);
    first = false;
  }
  summary += "},\n  \"trading_states\": {";
  first = true;
  for (const auto& [scope, status] : engine_.trading_states().all()) {
    summary += fmt::format("{}\"{}\": \"{}\"", first ? "" : ", ", scope, to_string(status.state));
    first = false;
  }
  summary += "},\n  \"signal_rejections\": {";
  first = true;
  for (const auto& [reason, count] : facts.signal_rejections) {
    if (count == 0) continue;
    summary += fmt::format("{}\"{}\": {}", first ? "" : ", ", reason, count);
    first = false;
  }
  summary += fmt::format(
      "}},\n  \"signal_intake\": {{\"delivered\": {}, \"duplicates\": {}, \"outdated\": {}, "
      "\"stale\": {}}}",
      facts.signal_intake.delivered, facts.signal_intake.duplicates, facts.signal_intake.outdated,
      facts.signal_intake.stale);
  summary += ",\n  \"positions\": [";
  first = true;
  const std::vector<InstrumentFigures> figures = instrument_figures();
  for (const auto& instrument : instruments.all()) {
    const Position& position = engine_.portfolio().position(instrument.id);
    const BookSync& book = engine_.book(instrument.id);
    const BookCounters& counters = book.counters();
    const InstrumentFigures& own = figures[instrument.id];
    summary += fmt::format(
        "{}\n    {{\"symbol\": \"{}\", \"quantity\": \"{}\", \"realised_pnl\": \"{}\", "
        "\"fees\": \"{}\", \"trades\": {}, \"winning_trades\": {}, \"exposure\": {:.6f}, "
        "\"buy_and_hold_return\": {}, "
        "\"book\": {{\"status\": \"{}\", \"last_update_id\": {}, "
        "\"messages_applied\": {}, \"snapshots\": {}, \"gaps\": {}, \"out_of_order\": {}, "
        "\"crossed\": {}, \"resyncs_requested\": {}}}}}",
        first ? "" : ",", instrument.symbol.view(),
        format_decimal(position.quantity.raw, instrument.quantity_scale),
        money_text(position.realised_pnl), money_text(position.fees), own.trades,
        own.winning_trades, own.exposure,
        std::isfinite(own.buy_and_hold) ? fmt::format("{:.6f}", own.buy_and_hold) : "null",
        to_string(book.status()), book.last_update_id(), counters.messages_applied,
        counters.snapshots, counters.gaps, counters.out_of_order, counters.crossed,
        counters.resyncs_requested);
    first = false;
  }
  summary += "\n  ],\n  \"input_problem_details\": [";
  first = true;
  for (const auto& detail : facts.problem_details) {
    summary += fmt::format("{}\n    \"{}\"", first ? "" : ",", json_escape(detail));
    first = false;
  }
  summary += facts.problem_details.empty() ? "]\n}\n" : "\n  ]\n}\n";

  std::string orders =
      "created,client_order_id,symbol,side,type,time_in_force,price,quantity,state,"
      "filled_quantity,average_price,fees\n";
  for (const Order& order : engine_.orders().orders()) {
    const Instrument& instrument = instruments.get(order.instrument);
    std::string average;
    if (order.filled_quantity.raw > 0) {
      const auto price =
          average_price(order.filled_notional, order.filled_quantity, instrument.price_scale,
                        instrument.quantity_scale, Rounding::kDown);
      average = format_decimal(price.value_or(Price{0}).raw, instrument.price_scale);
    }
    orders += fmt::format(
        "{},{},{},{},{},{},{},{},{},{},{},{}\n", format_utc_timestamp(order.created_time_ns),
        order.client_order_id.view(), instrument.symbol.view(), to_string(order.side),
        to_string(order.type), to_string(order.time_in_force),
        format_decimal(order.price.raw, instrument.price_scale),
        format_decimal(order.quantity.raw, instrument.quantity_scale), to_string(order.state),
        format_decimal(order.filled_quantity.raw, instrument.quantity_scale), average,
        money_text(order.fees));
  }

  std::string fills =
      "time,client_order_id,symbol,side,price,quantity,fee,liquidity,trade_id,"
      "realised_pnl\n";
  for (const FillRecord& fill : fills_) {
    const Instrument& instrument = instruments.get(fill.instrument);
    fills +=
        fmt::format("{},{},{},{},{},{},{},{},{},{}\n", format_utc_timestamp(fill.time_ns),
                    fill.client_order_id.view(), instrument.symbol.view(), to_string(fill.side),
                    format_decimal(fill.price.raw, instrument.price_scale),
                    format_decimal(fill.quantity.raw, instrument.quantity_scale),
                    money_text(fill.fee), fill.liquidity == Liquidity::kMaker ? "MAKER" : "TAKER",
                    fill.trade_id, money_text(fill.realised_pnl));
  }

  std::string equity = "time,equity,cash,exposure,buy_and_hold\n";
  for (const EquitySample& point : equity_) {
    equity += fmt::format("{},{},{},{},{:.2f}\n", format_utc_timestamp(point.time_ns),
                          money_text(point.equity), money_text(point.cash),
                          money_text(point.exposure), point.benchmark);
  }

  std::string trades;
  write_trades_csv(trades);
  const std::string report = html("sigex backtest", &facts);
  return write_output_files(directory,
                            {{"summary.json", &summary},
                             {"orders.csv", &orders},
                             {"fills.csv", &fills},
                             {"trades.csv", &trades},
                             {"equity.csv", &equity},
                             {"report.html", &report}},
                            error);
}

std::string BacktestReport::perpetual_summary_json(const PerpetualFigures& figures) const {
  return fmt::format(
      "  \"perpetuals\": {{\"max_long_exposure\": \"{}\", \"max_short_exposure\": \"{}\", "
      "\"long_time\": {}, \"short_time\": {}, \"funding_paid\": \"{}\", "
      "\"funding_received\": \"{}\", \"funding_settlements\": {}, \"max_margin_usage\": {}, "
      "\"max_margin_ratio\": {}, \"liquidations\": {}}},\n",
      money_text(figures.max_long_exposure), money_text(figures.max_short_exposure),
      number_text(figures.long_time_fraction), number_text(figures.short_time_fraction),
      money_text(figures.funding_paid), money_text(figures.funding_received),
      figures.funding_settlements, number_text(figures.max_margin_usage),
      number_text(figures.max_margin_ratio), figures.liquidations);
}

void BacktestReport::write_trades_csv(std::string& out) const {
  out =
      "entry_time,exit_time,symbol,quantity,entry_price,exit_price,return,pnl_after_fees,duration_"
      "s,exit_reason\n";
  for (const RoundTrip& trip : round_trip_list_) {
    const Instrument& instrument = engine_.instruments().get(trip.instrument);
    out += fmt::format("{},{},{},{},{},{},{},{},{},{}\n", format_utc_timestamp(trip.entry_ns),
                       format_utc_timestamp(trip.exit_ns), instrument.symbol.view(),
                       format_decimal(trip.quantity.raw, instrument.quantity_scale),
                       format_decimal(trip.entry_price.raw, instrument.price_scale),
                       format_decimal(trip.exit_price.raw, instrument.price_scale),
                       number_text(ratio(trip.pnl_after_fees, trip.cost)),
                       money_text(trip.pnl_after_fees),
                       (trip.exit_ns - trip.entry_ns) / kNsPerSecond, trip.exit_reason);
  }
}

std::string BacktestReport::html(const std::string& title, const RunFacts* facts) const {
  const ReportMetrics m = metrics();
  const InstrumentRegistry& instruments = engine_.instruments();
  HtmlReportData data;
  data.title = title;
  data.cash_asset =
      std::string(instruments.size() > 0 ? instruments.get(0).quote_asset.view() : "");
  data.start_ns = m.start_ns;
  data.end_ns = m.end_ns;
  data.starting_equity = static_cast<double>(m.starting_equity.raw) / 1e8;
  data.final_equity = static_cast<double>(m.final_equity.raw) / 1e8;
  data.fees = static_cast<double>(m.fees.raw) / 1e8;
  data.exposure_time_fraction = m.exposure_time_fraction;
  data.orders = m.orders;
  data.fills = m.fills;
  data.strategy = m.performance;
  data.buy_and_hold = m.benchmark;
  if (m.perpetual.present) {
    const PerpetualFigures& f = m.perpetual;
    const std::string cash = data.cash_asset;
    data.perpetual_figures = {
        {"Long exposure, largest", format_money(f.max_long_exposure, 2) + " " + cash},
        {"Short exposure, largest", format_money(f.max_short_exposure, 2) + " " + cash},
        {"Samples long / short", fmt::format("{:.1f} % / {:.1f} %", f.long_time_fraction * 100,
                                             f.short_time_fraction * 100)},
        {"Funding paid", format_money(f.funding_paid, 2) + " " + cash},
        {"Funding received", format_money(f.funding_received, 2) + " " + cash},
        {"Funding settlements", std::to_string(f.funding_settlements)},
        {"Fees", format_money(m.fees, 2) + " " + cash},
        {"Margin usage, largest (initial margin / margin balance)",
         fmt::format("{:.1f} %", f.max_margin_usage * 100)},
        {"Margin ratio, largest (100 % = liquidation)",
         fmt::format("{:.1f} %", f.max_margin_ratio * 100)},
        {"Liquidations", std::to_string(f.liquidations)}};
  }
  if (facts != nullptr) {
    data.assumptions = "Token Metrics rows are taken as published";
    for (const RunFacts::Publication& publication : facts->publication) {
      data.assumptions += fmt::format(
          "{} {} after their date ({})", &publication == &facts->publication.front() ? "" : ",",
          format_duration(publication.assumed_delay_ns), publication.rows);
    }
    data.assumptions += fmt::format(
        ", then at the next poll; no decision used a row before then ({} rows recorded "
        "earlier were held).",
        facts->rows_held_until_published);
  }
  for (const EquitySample& point : equity_) {
    data.samples.push_back({point.time_ns, static_cast<double>(point.equity.raw) / 1e8,
                            point.benchmark, static_cast<double>(point.exposure.raw) / 1e8});
  }
  for (const Instrument& instrument : instruments.all()) {
    HtmlReportData::Series series;
    series.symbol = std::string(instrument.symbol.view());
    if (instrument.id < prices_.size()) series.prices = prices_[instrument.id];
    if (instrument.id < signals_.size()) series.signals = signals_[instrument.id];
    data.instruments.push_back(std::move(series));
  }
  for (const FillRecord& fill : fills_) {
    const Instrument& instrument = instruments.get(fill.instrument);
    const double price =
        static_cast<double>(fill.price.raw) / static_cast<double>(pow10(instrument.price_scale));
    auto& series = data.instruments[fill.instrument];
    (fill.side == Side::kBuy ? series.buys : series.sells).emplace_back(fill.time_ns, price);
  }
  for (const RoundTrip& trip : round_trip_list_) {
    const Instrument& instrument = instruments.get(trip.instrument);
    // Prices to the instrument's tick, not to 8 decimals: what a trader reads.
    const int tick_decimals = decimals_of(instrument.tick_size.raw, instrument.price_scale);
    const auto price_text = [&](Price price) {
      return format_decimal(price.raw / pow10(instrument.price_scale - tick_decimals),
                            tick_decimals);
    };
    data.round_trips.push_back({trip.entry_ns, trip.exit_ns, std::string(instrument.symbol.view()),
                                format_decimal(trip.quantity.raw, instrument.quantity_scale),
                                price_text(trip.entry_price), price_text(trip.exit_price),
                                trip.exit_reason.empty() ? "-" : std::string(trip.exit_reason),
                                static_cast<double>(trip.pnl_after_fees.raw) / 1e8,
                                ratio(trip.pnl_after_fees, trip.cost)});
  }
  for (std::size_t i = 1; i < denials_.size(); ++i) {
    if (denials_[i] > 0)
      data.denials.emplace_back(std::string(to_string(static_cast<RiskDenial>(i))), denials_[i]);
  }
  return render_html_report(data);
}

}  // namespace sigex
