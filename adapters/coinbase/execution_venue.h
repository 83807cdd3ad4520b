#pragma once

// The live Coinbase Advanced Trade venue: the core's ExecutionVenue port over the signed REST
// API (rest_client.h). One I/O thread owns the REST session; commands arrive from the core on
// one lock-free queue and answers go back on another, as plain ExecutionEvents. What it
// guarantees:
//  * An order leaves only once its intent is durable in the journal.
//  * Coinbase's client_order_id is an idempotency key: a create repeated with the same id
//    returns the existing order instead of making a new one. A create whose answer is lost
//    (timeout, reset, 5xx) is therefore sent again with the SAME id, up to create_retries
//    times; only then is the outcome reported unknown, and the OMS's lookup lists the
//    account's orders by client order id. A new id is never minted here.
//  * `success: false` with HTTP 200 is a rejection (final for funds, size and price rules).
//  * The `user` channel pushes every change of an order: the order and its fills are read at
//    once. While the channel is down, open orders are polled (GET the order, then its fills
//    when filled_size grew) every poll_interval, and slowly as a safety net while it is up;
//    when it comes back, the open orders are read back. Fills are handed on once each, keyed
//    by their trade id.
//  * At start-up the products' rules (status, increments, minimums), the balances, the open
//    orders and the order history are read; after a recovered failure the open orders are
//    read again.
//  * The x-ratelimit-* headers and 429s hold requests back; an order that cannot be sent waits
//    (in order) and is given up after max_order_wait (journaled rejected, never sent).

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "adapters/coinbase/config.h"
#include "adapters/coinbase/parse_orders.h"
#include "adapters/coinbase/rest_client.h"
#include "adapters/coinbase/user_stream.h"
#include "adapters/net/signing_rehearsal.h"
#include "adapters/net/venue_queues.h"
#include "engine/journal/durability.h"
#include "engine/ports/live_venue.h"

namespace sigex {

struct CoinbaseVenueCounters {
  std::atomic<std::uint64_t> orders_sent{0};
  std::atomic<std::uint64_t> create_retries{0};  // same id sent again after a lost answer
  std::atomic<std::uint64_t> unknown_outcomes{0};
  std::atomic<std::uint64_t> lookups{0};
  std::atomic<std::uint64_t> polls{0};
  std::atomic<std::uint64_t> reconciliations{0};
  std::atomic<std::uint64_t> orders_waiting{0};
  std::atomic<std::uint64_t> orders_given_up{0};
  std::atomic<std::uint64_t> alerts{0};
};

class CoinbaseExecutionVenue final : public LiveVenue {
 public:
  CoinbaseExecutionVenue(const InstrumentRegistry& instruments, CoinbaseExecutionConfig config,
                         std::unique_ptr<CoinbaseSigner> signer, const Clock& clock,
                         std::unique_ptr<boost::asio::ssl::context> tls,
                         const DurabilityWatermark& durability);
  ~CoinbaseExecutionVenue() override;
  CoinbaseExecutionVenue(const CoinbaseExecutionVenue&) = delete;
  CoinbaseExecutionVenue& operator=(const CoinbaseExecutionVenue&) = delete;

  bool start(std::string& error) override;
  void stop() override;
  void send(const OrderCommand& command) override;
  void poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) override;
  TimeNs next_event_time_ns() const override { return kNever; }
  bool normalize(Side side, OrderType type, Price& price, Quantity& quantity, Price reference,
                 InstrumentId instrument, std::string& why) const override;
  bool wait_for_answers(DurationNs timeout_ns) override;
  const std::vector<AccountOrder>& account_history() const override { return history_orders_; }
  std::vector<ExecutionEvent> history_fills(const AccountOrder& order) override;
  std::vector<HeldQuantity> start_holdings() const override { return start_held_; }
  // What the account held of the cash asset at start-up (available + hold).
  std::vector<HeldCash> start_cash() const override { return start_cash_; }
  DurationNs history_lookback_ns() const override { return config_.history_lookback_ns; }
  void set_wire_latency(LatencyHistogram* histogram) override { wire_latency_ = histogram; }
  void poll_for_commands(DurationNs window_ns) override {
    queues_.poll_for_commands(&clock_, window_ns);
  }
  void rehearse_signing_every(DurationNs every_ns) override { rehearsal_.set_interval(every_ns); }
  // [service] warm_order_path_us: requests built and signed, never sent, so far. Any thread.
  std::uint64_t signing_rehearsals() const { return rehearsal_.count(); }
  bool rotate_keys(VenueKeys keys, std::string& error) override;
  std::string key_fingerprint() const override { return rest_->fingerprint(); }
  std::size_t keys_retiring() const override { return rest_->retiring(); }
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;
  std::uint64_t alerts() const override { return counters_.alerts.load(); }

  const CoinbaseVenueCounters& counters() const { return counters_; }
  bool stream_live() const { return user_stream_ && user_stream_->live(); }
  // Commands the I/O thread has not handled yet (tests drive the core by hand on it).
  std::uint64_t commands_pending() const { return queues_.pending(); }

 private:
  struct Tracked {
    InstrumentId instrument = kNoInstrument;
    std::string order_id;  // Coinbase's UUID
    Side side = Side::kBuy;
    bool accepted = false;
    std::string filled_size = "0";
    std::set<std::uint64_t> trades;  // handed on already
  };
  struct Deferred {
    OrderCommand command;
    TimeNs since_ns;
  };
  enum class Sent : std::uint8_t { kAnswered, kRefused, kLost };

  void run();
  void handle(const OrderCommand& command);
  void place(const OrderCommand& command);
  Sent create(const OrderCommand& command);
  // The JSON body of a new order.
  std::string order_body(const OrderCommand& command) const;
  void send_deferred();
  void look_up(const OrderCommand& command);
  void cancel(const OrderCommand& command);
  void poll_open_orders();
  bool reconcile_open_orders();
  // Brings the OMS up to date with `order` (accepted, new fills, final state); false when its
  // fills could not be read yet.
  bool emit_order(const CoinbaseOrder& order, InstrumentId instrument, const ClientOrderId& id);
  bool emit_fills(Tracked& tracked, const ClientOrderId& id);
  ExecutionEvent fill_event(const CoinbaseFill& fill, InstrumentId instrument,
                            const ClientOrderId& id) const;
  void emit(ExecutionKind kind, InstrumentId instrument, const ClientOrderId& id,
            const std::string& order_id = {}, RejectionKind rejection = RejectionKind::kRetryable);
  // The account's orders matching `client_order_id` (all statuses) since `since_ns`; the
  // first page only holds the newest orders, so pages are followed. nullopt when unreadable.
  std::optional<std::vector<CoinbaseOrder>> list_orders(const std::string& query);
  std::optional<std::vector<CoinbaseFill>> list_fills(const std::string& query);
  // Every page of the account's balances; nullopt with `error` when unreadable.
  std::optional<std::vector<CoinbaseBalance>> read_accounts(std::string& error);
  Money cash_of(const std::vector<CoinbaseBalance>& balances) const;  // available + hold
  bool read_balances(std::string& error);                             // start-up: holdings and cash
  // I/O thread, every balance_interval: the cash asset's balance handed on (kAccountCash).
  void poll_cash();
  bool read_history(std::string& error);
  InstrumentId instrument_of(std::string_view product_id) const;
  void note_failure(const HttpResponse& response);

  std::unique_ptr<boost::asio::ssl::context> tls_;  // first: outlives the session using it
  const InstrumentRegistry& instruments_;
  CoinbaseExecutionConfig config_;
  const Clock& clock_;
  const DurabilityWatermark& durability_;
  std::unique_ptr<CoinbaseRestClient> rest_;
  std::vector<HeldQuantity> start_held_;
  std::vector<HeldCash> start_cash_;
  std::vector<AccountOrder> history_orders_;
  std::map<std::string, std::vector<CoinbaseFill>> history_fills_;  // by order id
  std::map<VenueOrderId, std::string> history_order_ids_;

  VenueQueues queues_;  // commands from the core, answers back
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> key_rotations_{0};
  CoinbaseVenueCounters counters_;
  LatencyHistogram* wire_latency_ = nullptr;
  std::unique_ptr<std::atomic<std::int64_t>[]> holdings_;  // base asset, instrument scale
  std::atomic<TimeNs> holdings_as_of_ns_{0};  // when the balances behind holdings_ were asked
  std::unique_ptr<CoinbaseUserStream> user_stream_;
  std::atomic<bool> poll_now_requested_{false};
  std::atomic<bool> reconcile_requested_{false};

  // I/O thread only.
  std::map<std::string, Tracked, std::less<>> tracked_;  // by client order id
  std::deque<Deferred> deferred_;
  TimeNs next_poll_ns_ = 0;
  TimeNs next_cash_poll_ns_ = 0;
  SigningRehearsal rehearsal_;  // [service] warm_order_path_us
  bool connection_failed_ = false;
};

}  // namespace sigex
