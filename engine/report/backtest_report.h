#pragma once

// Collects what a backtest report needs while the engine runs (equity samples, fills, round
// trips, risk denials) and writes summary.json, orders.csv, fills.csv and equity.csv. Every
// file is a pure function of the run's inputs: two runs give byte-identical files.
// Wall-clock figures (events/s) go to timing.json, which is the one file that differs.

#include <array>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/report/performance.h"
#include "engine/runtime/engine.h"

namespace sigex {

struct EquitySample {
  TimeNs time_ns;
  Money equity;
  Money cash;
  Money exposure;
  double benchmark;  // buy-and-hold of the same universe (report figure)
};

struct FillRecord {
  TimeNs time_ns;
  ClientOrderId client_order_id;
  InstrumentId instrument;
  Side side;
  Price price;
  Quantity quantity;
  Money fee;
  Liquidity liquidity;
  std::uint64_t trade_id;
  Money realised_pnl;
};

// One round trip: from a flat position to the first fill, back to flat. A long trip opens
// with buys, a short one (perpetuals) with sells.
struct RoundTrip {
  InstrumentId instrument;
  TimeNs entry_ns;
  TimeNs exit_ns;
  Quantity quantity;             // opened over the trip (bought for a long, sold for a short)
  Price entry_price;             // average price of the opening side
  Price exit_price;              // average price of the closing side
  Money cost;                    // notional of the opening side
  Money pnl_after_fees;          // realised PnL minus every fee of the trip
  std::string_view exit_reason;  // the closing order's reason ("stop_loss", ...; "" if unknown)
};

// Runs with perpetual instruments: both sides of the exposure, funding and margin, separately.
struct PerpetualFigures {
  bool present = false;  // the run has a perpetual instrument
  Money max_long_exposure;
  Money max_short_exposure;
  double long_time_fraction = 0;   // of the equity samples with a long position
  double short_time_fraction = 0;  // ... with a short position
  Money funding_paid;
  Money funding_received;
  std::uint64_t funding_settlements = 0;
  double max_margin_usage = 0;     // initial margin of positions / margin balance, at the samples
  double max_margin_ratio = 0;     // maintenance margin / margin balance (1 = liquidation)
  std::uint64_t liquidations = 0;  // fills of the venue's own orders
};

struct ReportMetrics {
  TimeNs start_ns = 0;
  TimeNs end_ns = 0;
  Money starting_equity;
  Money final_equity;
  double total_return = 0;
  double annualised_return = 0;
  double max_drawdown = 0;
  double sharpe = 0;
  std::uint64_t orders = 0;
  std::uint64_t fills = 0;
  std::uint64_t round_trips = 0;
  std::uint64_t winning_round_trips = 0;
  double win_rate = 0;
  Money fees;
  Money realised_pnl;
  double exposure_time_fraction = 0;
  Performance performance;  // every ratio, drawdown and trade statistic (engine/report)
  // Buy and hold: the starting cash split equally over the instruments, each share bought at
  // the instrument's first input price (its first quote), paying the strategy's taker fee,
  // and held to the end (marked at the last price, not sold).
  Performance benchmark;
  PerpetualFigures perpetual;
};

class BacktestReport final : public EngineObserver, public MarketObserver {
 public:
  // `benchmark_fee_bps`: the taker fee buy-and-hold pays on its one purchase per instrument.
  BacktestReport(const Engine& engine, DurationNs equity_interval_ns,
                 std::int64_t benchmark_fee_bps);

  void on_event_processed(TimeNs now_ns) override;
  void on_fill(const Order& order, const ExecutionEvent& fill, Money realised_pnl) override;
  void on_account_event(const ExecutionEvent& event, Money realised_pnl) override;
  void on_risk_denial(const OrderIntent& intent, RiskDenial reason, TimeNs now_ns) override;
  // Signals (after the gate) for report.html's markers.
  void on_market(const InboundEvent& event) override;

  // Takes the final sample; call once the replay is over.
  void finish(TimeNs end_ns);

  ReportMetrics metrics() const;

  // Per instrument: its round trips, realised PnL and fees, the share of the equity samples
  // with a position in it, and its own buy and hold (bought at its first price with the
  // benchmark's fee, valued at its last).
  struct InstrumentFigures {
    InstrumentId instrument = kNoInstrument;
    std::uint64_t trades = 0;
    std::uint64_t winning_trades = 0;
    Money realised_pnl{0};
    Money fees{0};
    double exposure = 0;
    double buy_and_hold = NAN;  // no price: unknown
  };
  std::vector<InstrumentFigures> instrument_figures() const;

  struct RunFacts {
    std::uint64_t events = 0;
    std::uint64_t input_lines = 0;
    std::uint64_t input_problems = 0;
    std::uint64_t frames_rejected = 0;
    std::uint64_t unknown_instrument_frames = 0;
    std::vector<std::string> problem_details;
    std::vector<std::string> unusable_inputs;  // whole inputs that could not be used
    std::uint64_t max_input_problems = 0;      // what the configuration allows
    std::vector<std::pair<std::string, std::uint64_t>> signal_rejections;
    SignalGateCounters signal_intake;
    // When Token Metrics rows are taken as published, and what live recordings showed.
    struct Publication {
      std::string rows;  // daily_signals, hourly_signals, grades
      DurationNs assumed_delay_ns = 0;
      std::uint64_t observed_rows = 0;  // first appearances in live recordings
      DurationNs observed_min_ns = 0;
      DurationNs observed_median_ns = 0;
      DurationNs observed_max_ns = 0;
    };
    std::vector<Publication> publication;
    std::uint64_t rows_held_until_published = 0;
  };
  // Writes the deterministic outputs into `directory`; false with `error` on I/O failure.
  bool write(const std::filesystem::path& directory, const RunFacts& facts,
             std::string& error) const;
  // report.html's content (also written by write()); `facts` adds the run's assumptions.
  std::string html(const std::string& title, const RunFacts* facts = nullptr) const;

 private:
  void sample(TimeNs time_ns);
  void buy_benchmark();
  double reference_price(const Instrument& instrument) const;
  double benchmark_share() const;

  void write_trades_csv(std::string& out) const;
  void record_fill(const ExecutionEvent& fill, const ClientOrderId& id, InstrumentId instrument,
                   Side side, Money realised_pnl, std::string_view reason);
  std::string perpetual_summary_json(const PerpetualFigures& figures) const;

  const Engine& engine_;
  DurationNs interval_ns_;
  TimeNs next_sample_ns_ = 0;
  TimeNs first_event_ns_ = 0;
  TimeNs last_event_ns_ = 0;
  std::vector<EquitySample> equity_;
  std::int64_t benchmark_fee_bps_;
  std::vector<double> benchmark_units_;      // per instrument; 0 until its first price
  std::vector<std::uint64_t> held_samples_;  // per instrument: samples with a position
  std::size_t benchmark_pending_;            // instruments not bought yet
  std::vector<std::vector<std::pair<TimeNs, double>>> prices_;  // per instrument, at the samples
  std::vector<std::vector<std::pair<TimeNs, int>>> signals_;    // per instrument
  std::vector<FillRecord> fills_;
  std::array<std::uint64_t, static_cast<std::size_t>(RiskDenial::kCount)> denials_{};
  // Open round trip per instrument.
  struct OpenTrip {
    TimeNs entry_ns = 0;
    Side opening = Side::kBuy;  // a sell opens a short (perpetuals)
    Quantity bought, sold;
    Money bought_notional, sold_notional;
    Money pnl;  // realised minus fees so far
  };
  std::vector<OpenTrip> open_trips_;
  std::vector<RoundTrip> round_trip_list_;
  std::uint64_t round_trips_ = 0;
  std::uint64_t winning_round_trips_ = 0;
  std::vector<double> trip_results_;  // net of fees, in the cash asset (report figures)
  double traded_notional_ = 0;
  // Perpetuals, at the equity samples.
  bool has_perpetuals_ = false;
  Money max_long_exposure_{0};
  Money max_short_exposure_{0};
  std::size_t long_samples_ = 0;
  std::size_t short_samples_ = 0;
  double max_margin_usage_ = 0;
  double max_margin_ratio_ = 0;
  std::uint64_t liquidations_ = 0;
};

}  // namespace sigex
