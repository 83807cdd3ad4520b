#pragma once

// The live Binance venue (spot here; USD-M perpetuals in adapters/binance_usdm/, which
// overrides the account hooks below): the core's ExecutionVenue port over the signed REST client.
// One I/O thread owns the REST session; commands arrive from the core on one lock-free queue
// and answers go back on another, as plain ExecutionEvents. What it guarantees:
//  * Answers are turned into engine events exactly as the venue states them: accepted, each
//    fill with its trade id (from the FULL answer or GET /api/v3/myTrades), then the final
//    state. A timeout, 5xx, -1007, 429 or 418 becomes kUnknown; the OMS resolves it by lookup.
//  * -2010 "Duplicate order sent." means the order exists: it is looked up and adopted.
//  * Open orders are polled (order status, then trades when the executed quantity grew) until
//    final, so fills are never missed while no user data stream delivers them.
//  * At start-up and after every recovered connection failure the account's open orders are
//    fetched and handed to the OMS: its own are brought up to date, others are reported.
//  * The server clock is checked at start-up and periodically; orders stop while the skew is
//    over the limit. HTTP 418 stops every request until the ban ends and raises an alert.

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/binance/exchange_filters.h"
#include "adapters/binance/rest_client.h"
#include "adapters/binance/user_stream.h"
#include "adapters/net/signing_rehearsal.h"
#include "adapters/net/venue_queues.h"
#include "engine/journal/durability.h"
#include "engine/metrics/latency_histogram.h"
#include "engine/oms/account_history.h"
#include "engine/oms/order_manager.h"
#include "engine/portfolio/balance_check.h"
#include "engine/ports/execution_venue.h"
#include "engine/ports/live_venue.h"

namespace sigex {

struct VenueCounters {
  std::atomic<std::uint64_t> orders_sent{0};
  std::atomic<std::uint64_t> unknown_outcomes{0};
  std::atomic<std::uint64_t> duplicates_adopted{0};
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> polls{0};
  std::atomic<std::uint64_t> reconciliations{0};
  std::atomic<std::uint64_t> stream_reports{0};
  std::atomic<std::uint64_t> alerts{0};           // bans and other conditions an operator must see
  std::atomic<std::uint64_t> orders_waiting{0};   // refused here, waiting to be sent (gauge)
  std::atomic<std::uint64_t> orders_given_up{0};  // waited too long, never sent
  std::atomic<std::uint64_t> proofs{0};           // proof-of-absence searches
  std::atomic<std::uint64_t> unproven_absences{0};  // searches that found a trace: never resent
};

class BinanceExecutionVenue : public LiveVenue {
 public:
  // `durability`: the journal's watermark; a new order leaves only once its intent is durable.
  BinanceExecutionVenue(const InstrumentRegistry& instruments, BinanceExecutionConfig config,
                        Secret api_key, std::unique_ptr<RequestSigner> signer, const Clock& clock,
                        boost::asio::ssl::context& tls, const DurabilityWatermark& durability);
  // The same, owning its TLS context.
  BinanceExecutionVenue(const InstrumentRegistry& instruments, BinanceExecutionConfig config,
                        Secret api_key, std::unique_ptr<RequestSigner> signer, const Clock& clock,
                        std::unique_ptr<boost::asio::ssl::context> tls,
                        const DurabilityWatermark& durability);
  ~BinanceExecutionVenue() override;
  BinanceExecutionVenue(const BinanceExecutionVenue&) = delete;
  BinanceExecutionVenue& operator=(const BinanceExecutionVenue&) = delete;

  // Before trading, on the caller's thread: server clock, exchange info (every instrument must
  // be TRADING and its scales must express the venue's tick and step), balances and open
  // orders; then the I/O thread starts. False with the reason.
  bool start(std::string& error) override;
  void stop() override;

  void send(const OrderCommand& command) override;
  void poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) override;
  TimeNs next_event_time_ns() const override { return kNever; }
  bool normalize(Side side, OrderType type, Price& price, Quantity& quantity, Price reference,
                 InstrumentId instrument, std::string& why) const override;

  // Core thread: waits at most `timeout_ns` for an answer; true when one is waiting.
  bool wait_for_answers(DurationNs timeout_ns) override;
  // Commands sent that the I/O thread has not handled yet (an order deferred by a local
  // refusal counts as handled: its refusal is decided). Tests and tools that drive the core by
  // hand wait for 0 before moving simulated time on, so a busy machine changes nothing.
  std::uint64_t commands_pending() const { return queues_.pending(); }

  // The account's orders on the instruments over the history lookback, read at start-up.
  const std::vector<AccountOrder>& account_history() const override { return history_orders_; }
  DurationNs history_lookback_ns() const override { return config_.history_lookback_ns; }
  // The fills of an order in account_history() as engine fill events (fees converted as for
  // any fill), oldest first.
  std::vector<ExecutionEvent> history_fills(const AccountOrder& order) override;
  // What the account held of each instrument's base asset at start-up (free + locked), for
  // the engine to compare with its positions (compare_with_account).
  std::vector<HeldQuantity> start_holdings() const override;
  // What the account held of the cash asset at start-up (free + locked; USD-M: the wallet).
  std::vector<HeldCash> start_cash() const override { return start_cash_; }
  const VenueCounters& counters() const { return counters_; }
  // Decision -> order on the wire (after the journal made it durable, just before the
  // request is written), recorded on the I/O thread. Before start().
  void set_wire_latency(LatencyHistogram* histogram) override { wire_latency_ = histogram; }
  void poll_for_commands(DurationNs window_ns) override {
    queues_.poll_for_commands(&clock_, window_ns);
  }
  void rehearse_signing_every(DurationNs every_ns) override { rehearsal_.set_interval(every_ns); }
  // [service] warm_order_path_us: requests built and signed, never sent, so far. Any thread.
  std::uint64_t signing_rehearsals() const { return rehearsal_.count(); }
  bool rotate_keys(VenueKeys keys, std::string& error) override;
  std::string key_fingerprint() const override { return rest_.credentials()->fingerprint; }
  std::size_t keys_retiring() const override { return rest_.retiring(); }
  std::uint64_t key_rotations() const { return key_rotations_.load(); }
  bool banned() const { return banned_.load(); }
  // Why orders wait to be sent ("" when none does). Any thread.
  std::string waiting_reason() const;
  bool stream_live() const { return user_stream_ && user_stream_->live(); }
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;  // core thread
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;
  std::uint64_t alerts() const override { return counters_.alerts.load(); }

 protected:
  // What differs between Binance's markets, each called on the thread named:
  // Whether this venue trades `instrument` (spot: spot instruments; USD-M: perpetuals).
  bool handles(const Instrument& instrument) const;
  bool check_listing_kind(const Instrument& instrument, std::string& error) const;
  // start(): the listing is fit for the instrument (beyond status and scales); false with why.
  virtual bool check_listing(const Instrument& instrument, const SymbolFilters& filters,
                             std::string& error);
  // start(): reads (and on USD-M sets up) the account: holdings_ and start_held_.
  virtual bool read_account(std::string& error);
  // start(): the private stream, or nullptr when none is configured (error set when invalid).
  virtual std::unique_ptr<UserStreamChannel> make_user_stream(std::string& error);
  // I/O thread: what the account holds of the instrument now (venue decimals, signed on
  // USD-M); nullopt when it cannot be read.
  virtual std::optional<std::int64_t> read_holding(const Instrument& instrument);
  // I/O thread: after a definite rejection with `code`.
  virtual void after_rejection(std::int32_t code);
  // I/O thread: after the venue answers again following a failure, or the stream is back.
  virtual void after_recovery() {}
  // I/O thread, every balance_interval: the account's cash-asset balance read and handed on
  // (spot: refresh_balances(); USD-M: the wallet).
  virtual void poll_cash() { refresh_balances(); }
  // I/O thread: once per loop turn (`now_ns`), for market-specific polling.
  virtual void periodic(TimeNs /*now_ns*/) {}
  // Whether a filter failure is the venue's to waive (USD-M: reduce-only under the minimum
  // notional). `quantity` at venue decimals.
  virtual bool waives(FilterFailure /*failure*/, Side /*side*/, Quantity /*quantity*/,
                      InstrumentId /*instrument*/) const {
    return false;
  }

 protected:  // the state below is shared with the market-specific subclasses
  struct Tracked {
    InstrumentId instrument = kNoInstrument;
    VenueOrderId order_id = 0;
    Quantity executed{0};  // at the venue's scale, as far as fills were handed on
    bool accepted = false;
    std::set<std::uint64_t> trades;  // handed on already
  };

  void run();
  void handle(const OrderCommand& command);
  void place(const OrderCommand& command);
  // Sends a new order and hands on the answer; false when it was refused here (nothing sent).
  bool send_new_order(const OrderCommand& command);
  void defer(const OrderCommand& command, const std::string& reason);
  void send_deferred();
  void set_waiting_reason(const std::string& reason);
  void check_ban();
  void look_up(const OrderCommand& command);
  // Answers a proof-of-absence query: kNotFound (proven) only when the order history, the
  // trades and the balances show no trace; kUnknown (unproven, alert) when they show one.
  void prove_absence(const OrderCommand& command);
  void cancel(const OrderCommand& command);
  void poll_open_orders();
  // Reads each followed or doubted order on `instrument` (every instrument: kNoInstrument) back
  // from the venue and hands on what changed: fills a stream or a poll has not delivered yet.
  // False when a read failed (what it would have handed on is still unknown).
  bool query_tracked(InstrumentId instrument);
  // Whether an order of ours on `instrument` has an outcome this venue last called unknown (a
  // lost answer, a lookup that failed) for less than `at_most_ns`: its fills, if any, are not
  // known yet. (One in doubt for longer has been through the lookups and the proof of absence
  // and raised its own alert: it no longer explains anything.)
  bool has_orders_in_doubt(InstrumentId instrument, DurationNs at_most_ns) const;
  void set_in_doubt(const OrderCommand& command, bool in_doubt);
  // The next poll of the orders within the fast poll_interval, whatever the stream's state.
  void read_back_soon();
  bool reconcile_open_orders();
  bool read_history(std::string& error);
  void check_clock();
  void after_call(const HttpResponse* response, const OrderAnswer* answer);
  // Hands on what a venue report says; false when its fills could not be fetched yet.
  bool emit_report(const VenueOrderReport& report, InstrumentId instrument);
  bool emit_fills(const VenueOrderReport& report, Tracked& tracked);
  void emit(ExecutionKind kind, InstrumentId instrument, const ClientOrderId& id,
            VenueOrderId venue_order_id = 0, std::int32_t error_code = 0,
            RejectionKind rejection = RejectionKind::kRetryable);
  // Any thread: the last price of `asset` in `quote` (for fees paid in a third asset), 0 when
  // not known yet; an unknown one is fetched by the I/O thread.
  Money third_asset_price(const std::string& asset, const std::string& quote);
  void refresh_third_asset_prices();  // I/O thread
  // I/O thread: reads the account's balances again (after an insufficient-balance refusal, and
  // every balance_interval) and hands the cash asset's on.
  void refresh_balances();
  // Any thread: what the account holds of the cash asset (venue decimals), handed to the
  // engine as kAccountCash (Engine::report_account_cash).
  void report_cash(std::int64_t held);
  void on_stream_balances(const std::vector<VenueBalance>& balances);  // the stream's thread
  // Each instrument's base-asset holding from the account's balances.
  void set_holdings(const std::vector<VenueBalance>& balances);
  // Any thread: a venue fill as an engine fill event (prices and fees converted).
  ExecutionEvent fill_event(const VenueFill& fill, Side side, InstrumentId instrument,
                            const ClientOrderId& id, VenueOrderId order_id, TimeNs fallback_time_ns,
                            bool book_holdings = true);
  void on_stream_report(const UserExecutionReport& report);  // the stream's I/O thread

 protected:
  void on_stream_liveness(bool live);  // the stream's I/O thread
  void wake();

  std::unique_ptr<boost::asio::ssl::context> owned_tls_;  // first: outlives everything that uses it
  const InstrumentRegistry& instruments_;
  BinanceExecutionConfig config_;
  const Clock& clock_;
  const DurabilityWatermark& durability_;
  BinanceRestClient rest_;
  std::vector<SymbolFilters> filters_;    // by instrument id
  std::vector<HeldQuantity> start_held_;  // read_account()
  std::vector<HeldCash> start_cash_;      // read_account()
  // The cash asset every instrument of this venue is quoted in, and the instrument its
  // kAccountCash reports name (the engine maps it to the venue's account); set by start().
  std::string cash_asset_;
  InstrumentId cash_instrument_ = kNoInstrument;
  std::vector<AccountOrder> history_orders_;
  std::map<VenueOrderId, std::vector<std::pair<VenueFill, Side>>> history_trades_;
  std::vector<VenueOrderReport> start_open_orders_;

  VenueQueues queues_;  // commands from the core, answers back
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> key_rotations_{0};
  std::atomic<bool> banned_{false};
  std::atomic<bool> reconcile_requested_{false};
  std::atomic<bool> poll_now_requested_{false};
  std::atomic<bool> warned_commission_{false};
  VenueCounters counters_;
  boost::asio::ssl::context& tls_;
  std::unique_ptr<UserStreamChannel> user_stream_;
  LatencyHistogram* wire_latency_ = nullptr;

  std::unique_ptr<std::atomic<std::int64_t>[]> holdings_;  // by instrument, venue decimals
  std::mutex holdings_mutex_;
  std::set<std::pair<InstrumentId, std::uint64_t>> booked_trades_;  // trades in holdings_
  // The venue's time when the account behind holdings_ was asked for: older trades are in it.
  std::atomic<TimeNs> holdings_as_of_ns_{0};
  std::mutex prices_mutex_;
  std::map<std::string, std::pair<Money, TimeNs>, std::less<>>
      third_prices_;  // "BNBUSDT" -> price, when
  std::set<std::string, std::less<>> wanted_prices_;

  mutable std::mutex status_mutex_;
  std::string waiting_reason_;

  // I/O thread only.
  struct Deferred {
    OrderCommand command;
    TimeNs since_ns;
  };
  std::deque<Deferred> deferred_;
  std::string last_refusal_;
  std::map<std::string, Tracked, std::less<>> tracked_;
  // Orders whose outcome this venue last called unknown, by client order id, with when they
  // first were (I/O thread).
  struct InDoubt {
    InstrumentId instrument = kNoInstrument;
    TimeNs since_ns = 0;
  };
  std::map<std::string, InDoubt, std::less<>> in_doubt_;
  TimeNs next_poll_ns_ = 0;
  TimeNs next_clock_check_ns_ = 0;
  TimeNs next_cash_poll_ns_ = 0;
  SigningRehearsal rehearsal_;  // [service] warm_order_path_us
  std::string rehearsal_body_;  // what a rehearsal builds and signs, never sent
  bool connection_failed_ = false;
  bool clock_ok_ = true;
  TimeNs clock_logged_ns_ = 0;
};

}  // namespace sigex
