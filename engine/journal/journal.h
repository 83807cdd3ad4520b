#pragma once

// The durable record of everything that moves money: order intents (durable before the order
// leaves the process), order events, fills (deduplicated by instrument and trade id),
// positions, risk denials and signals. SQLite in WAL mode, one file in the state directory:
// <state_dir>/journal.db.
//
// The core thread never waits for SQLite. It hands each batch of rows to the journal's writer
// thread over a lock-free queue; the writer commits whatever batches have arrived in one
// transaction (group commit, one fsync) and then publishes the durability watermark. A venue
// holds each new order until the watermark covers its intent, so write-ahead holds while the
// core thread goes on with the next event. A failed write is reported at the next batch
// (trading halts) and releases held orders unsent.
//
// Called by the core thread only (the writer thread is internal).

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <blockingconcurrentqueue.h>

#include "engine/journal/durability.h"
#include "engine/order/order.h"
#include "engine/queue/hand_over_poll.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sigex {

enum class Durability : std::uint8_t {
  kFull,    // synchronous=FULL: every commit is fsynced (live and paper)
  kNormal,  // synchronous=NORMAL: survives a process crash, may lose the tail on power loss
};

struct PositionRow {
  InstrumentId instrument;
  Symbol symbol;
  Quantity quantity;
  Money cost_basis;
  Money realised_pnl;
  Money fees;
  TimeNs time_ns;
};

// A Token Metrics signal or grade as the core received it. `kind` is daily_signal,
// hourly_signal, trader_grade, tm_grade or investor_grade; `value` the signal (-1, 0, 1) or the
// grade in hundredths; `status` delivered (to the strategies) or stale (too old to trade).
struct SignalRow {
  std::string kind;
  std::int64_t token_id;
  std::string symbol;
  TimeNs venue_time_ns;
  std::int64_t value;
  std::int64_t trend;
  TimeNs receive_time_ns;
  std::string status;
};

// A fill as journaled, with its order's side (restart: the portfolio is rebuilt from these).
struct FillRow {
  InstrumentId instrument;
  std::uint64_t trade_id;
  ClientOrderId client_order_id;
  Side side;
  Price price;
  Quantity quantity;
  FillFee fee;
  TimeNs time_ns;
};

// What happened on the account without an order of ours: a funding settlement (event_id = the
// funding time) or a fill of an order the venue placed itself, e.g. a liquidation (event_id =
// the trade id). Kept once per (kind, instrument, event id).
enum class AccountEventKind : std::uint8_t { kFunding, kVenueFill };
struct AccountEventRow {
  AccountEventKind kind;
  InstrumentId instrument;
  std::int64_t event_id;
  ClientOrderId client_order_id;  // venue fills: the venue's id ("autoclose-...")
  Side side;                      // venue fills
  Price price;                    // venue fills
  Quantity quantity;              // venue fills
  Money amount;                   // funding: paid to the account (negative: paid by it)
  Money fee;                      // venue fills: in the cash asset
  TimeNs time_ns;
};

// A trading state as journaled (see engine/risk/trading_state.h): the newest row per scope.
struct TradingStateRow {
  std::string scope;  // global, instrument:<SYMBOL>, strategy:<tag>
  std::string state;  // ACTIVE, REDUCING, HALTED
  std::string reason;
  TimeNs time_ns;
};

struct JournalOpenOptions {
  // The identity a journal created now gets; empty: a random one. A backtest derives it from
  // its run (so its client order ids are the same every time); a replay uses the identity of
  // the journal it checks.
  std::string identity_for_new;
};

class Journal {
 public:
  // Opens or creates the journal, checks its integrity (SQLite's own check, then every table,
  // column and key index, then that orders and fills agree), applies the schema and starts
  // the writer thread. On failure returns nullptr and puts the reason (with the file name and
  // what is wrong) into `error`; a damaged journal is refused, never repaired silently.
  //
  // Every journal has an identity, made when it is created and never reused: six characters
  // of [0-9A-Za-z] that every client order id it mints carries, so that a new journal can
  // never mint an id an earlier one used (ids are unique on Binance only among open orders).
  static std::unique_ptr<Journal> open(const std::filesystem::path& state_dir,
                                       Durability durability, std::string& error,
                                       const JournalOpenOptions& options = {});

  // Whether `state_dir` holds a journal (journal.db, not empty). Commands that only read a
  // journal check this first, so that they never create one.
  static bool exists_in(const std::filesystem::path& state_dir);

  const std::string& identity() const { return identity_; }
  // Whether open() created this journal (there was none, or an empty file).
  bool created() const { return created_; }
  static constexpr std::size_t kIdentityLength = 6;
  static bool is_valid_identity(std::string_view identity);
  // An identity derived from `seed` (a backtest's run): the same seed, the same identity.
  static std::string derive_identity(std::string_view seed);
  // Writes everything handed over, then stops the writer thread.
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Writes are handed to the writer thread and never block. They return false once an
  // earlier write has failed (last_error() says why): the caller must stop trading, since the
  // journal is the source of truth across restarts. Everything after a failed write is
  // dropped.
  // The order row and its "send" event.
  bool record_intent(const Order& order, std::string_view symbol);
  bool record_order_event(const Order& order, OrderEvent event, const ExecutionEvent* cause,
                          TimeNs time_ns);
  // A fill and the position after it. A second fill with the same (instrument, trade id) is
  // not written (duplicate_fills() counts it), and neither is its position.
  bool record_fill(const Order& order, const ExecutionEvent& fill, const PositionRow& position);
  bool record_risk_denial(std::string_view strategy, std::string_view symbol,
                          std::string_view reason, TimeNs time_ns);
  // Identity (kind, token, venue time, value): a second write of the same signal is ignored.
  bool record_signal(const SignalRow& row);
  // Replaces the scope's state; every change is also kept in trading_state_history.
  bool record_trading_state(const TradingStateRow& row);
  // A named value the risk controls need across restarts (the day's start equity, the equity
  // peak); the newest value per name.
  bool record_risk_mark(std::string_view name, std::int64_t value, TimeNs time_ns);
  // A funding settlement or a venue's own fill; a repeat of the same identity is ignored.
  bool record_account_event(const AccountEventRow& row);

  // Writes between begin_batch() and end_batch() commit together or not at all: an order's
  // new state and the fill that caused it are durable together. Batches nest; the outermost
  // end_batch() hands the batch over. A batch with no write costs nothing. Both return false
  // once a write has failed.
  //
  // Intents are numbered as they are written (last_intent_sequence()); after every commit the
  // watermark says up to which number they are durable. A venue holds a new order until then.
  bool begin_batch();
  bool end_batch();
  // Between events, on the core thread: takes the next batch's record vector from the pool
  // now and writes it. The writer thread emptied it last, so its lines sat modified in the
  // other core's cache, and the event's first record waited for them (only prefetching them
  // for writing moved the wait to the next stores: bench/RESULTS.md).
  void ready_next_batch();
  std::uint64_t last_intent_sequence() const { return intent_sequence_; }
  const DurabilityWatermark& watermark() const { return watermark_; }
  // [service] io_poll_us, any thread: after each commit the writer polls for the next batch
  // for `window_ns` before it sleeps, so that the core thread's hand-over needs no wake-up
  // call (HandOverPoll). 0: it sleeps at once.
  void poll_for_batches(const Clock* clock, DurationNs window_ns) {
    hand_overs_.set(clock, window_ns);
  }
  const HandOverPoll& hand_overs() const { return hand_overs_; }

  // Waits until everything handed over (outside an open batch) is committed. False when a
  // write failed.
  bool flush();
  bool failed() const { return failed_.load(std::memory_order_acquire); }

  // Reads see everything handed over before them (they flush first).
  std::vector<SignalRow> load_signals();  // in the order received
  // Fills in the order recorded (restart recovery).
  std::vector<FillRow> load_fills();
  // Orders in the journal, oldest first (restart recovery).
  std::vector<Order> load_orders();
  std::vector<TradingStateRow> load_trading_states();
  // Account events in the order recorded (restart recovery).
  std::vector<AccountEventRow> load_account_events();
  // The mark's value, or `otherwise` when it was never recorded.
  std::int64_t load_risk_mark(std::string_view name, std::int64_t otherwise);
  std::int64_t count_rows(std::string_view table);
  // A consistent copy of the journal as it is now (everything written so far), at `path`
  // (replaced if there). False with the reason.
  bool copy_to(const std::filesystem::path& path, std::string& error);
  // Orders of the exchange account that an operator declared not to be this journal's
  // (sigex run --ignore-unknown-orders): the start-up history check passes them by.
  std::set<std::string, std::less<>> acknowledged_orders();
  bool acknowledge_order(std::string_view client_order_id, std::string_view decision,
                         TimeNs time_ns);

  // Counted by the writer thread.
  std::uint64_t duplicate_fills() const { return duplicate_fills_.load(std::memory_order_relaxed); }
  std::uint64_t commits() const { return commits_.load(std::memory_order_relaxed); }

  std::string last_error() const;
  const std::filesystem::path& path() const { return path_; }

 private:
  struct IntentRecord {
    Order order;
    Symbol symbol;
  };
  struct OrderEventRecord {
    Order order;
    OrderEvent event;
    std::int32_t venue_error;
    TimeNs time_ns;
  };
  struct FillRecord {
    ClientOrderId client_order_id;
    ExecutionEvent fill;
    PositionRow position;
  };
  struct DenialRecord {
    std::string strategy;
    Symbol symbol;
    std::string reason;
    TimeNs time_ns;
  };
  struct RiskMarkRecord {
    std::string name;
    std::int64_t value;
    TimeNs time_ns;
  };
  using Record = std::variant<IntentRecord, OrderEventRecord, FillRecord, DenialRecord, SignalRow,
                              TradingStateRow, RiskMarkRecord, AccountEventRow>;
  struct Batch {
    std::vector<Record> records;
    std::uint64_t number = 0;       // 1, 2, ... in the order handed over
    std::uint64_t last_intent = 0;  // intents up to this number are in this or earlier batches
    bool stop = false;              // the last item ever queued: the writer thread ends
  };

  Journal(sqlite3* database, std::filesystem::path path);
  // Open time, before the writer starts: creates the schema of a new journal, upgrades one
  // written by an earlier sigex, and verifies every journal. False with what is wrong.
  bool prepare_schema(const JournalOpenOptions& options, std::string& error);
  bool verify_tables(std::string& error);
  bool verify_contents(std::string& error);
  std::set<std::string> columns_of(const std::string& table);
  bool has_key_index(const std::string& table);
  std::string read_meta(const char* name);
  // Core thread.
  template <typename Row>
  bool append(Row&& row);
  void hand_over();
  // Writer thread.
  void write_loop();
  void commit_group(const Batch* batches, std::size_t count);
  bool write_batches(const Batch* batches, std::size_t count, std::size_t& failed_at);
  bool write(const Record& record);
  bool write_intent(const IntentRecord& record);
  bool write_order_event(const OrderEventRecord& record);
  bool write_fill(const FillRecord& record);
  bool write_denial(const DenialRecord& record);
  bool write_signal(const SignalRow& row);
  bool write_trading_state(const TradingStateRow& row);
  bool write_risk_mark(const RiskMarkRecord& record);
  bool write_account_event(const AccountEventRow& row);
  bool insert_event(const Order& order, OrderEvent event, std::int32_t venue_error, TimeNs time_ns);
  void written(std::uint64_t batch, std::uint64_t last_intent);
  void fail(std::string why);
  // Either thread (never both at once: reads flush first).
  bool execute(const char* sql);
  bool step_done(sqlite3_stmt* statement);
  sqlite3_stmt* prepare(const char* sql);
  void set_error(std::string why);

  sqlite3* database_;
  std::filesystem::path path_;
  std::string identity_;
  bool created_ = false;

  // Batches in flight at once, and the records one usually holds (an intent, or an order
  // event with its fill), for which record vectors and queue slots are made ready and written
  // at construction (about 0.5 MB resident): a burst of up to 512 orders (two batches each:
  // the event's and the venue answer's), above any venue's order-rate limit, never takes a
  // fresh page on the core thread. Past the pool, a batch reserves its records at once.
  static constexpr std::size_t kSpareBatches = 1024;
  static constexpr std::size_t kRecordsPerSpareBatch = 2;

  // Core thread.
  int batch_depth_ = 0;
  std::vector<Record> current_;
  std::uint64_t batches_handed_over_ = 0;
  std::uint64_t intent_sequence_ = 0;

  // Between the threads.
  moodycamel::BlockingConcurrentQueue<Batch> queue_;
  moodycamel::ConcurrentQueue<std::vector<Record>> spare_;  // emptied record vectors, reused
  // Every batch, the stop marker included, is queued through this one producer, whichever
  // thread queues it (the core thread, then the destructor's, one after the other): the
  // queue keeps order only within a producer, and the writer must see the stop marker last.
  moodycamel::ProducerToken batches_producer_{queue_};
  moodycamel::ConsumerToken spare_consumer_{spare_};  // the core thread's
  DurabilityWatermark watermark_;
  std::atomic<bool> failed_{false};
  std::atomic<std::uint64_t> duplicate_fills_{0};
  std::atomic<std::uint64_t> commits_{0};
  mutable std::mutex mutex_;  // guards the three below
  std::condition_variable written_changed_;
  std::uint64_t batches_written_ = 0;
  std::string last_error_;
  HandOverPoll hand_overs_;  // how the writer waits for the next batch
  std::thread writer_;

  sqlite3_stmt* insert_intent_ = nullptr;
  sqlite3_stmt* update_order_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* insert_fill_ = nullptr;
  sqlite3_stmt* upsert_position_ = nullptr;
  sqlite3_stmt* insert_denial_ = nullptr;
  sqlite3_stmt* insert_signal_ = nullptr;
  sqlite3_stmt* upsert_state_ = nullptr;
  sqlite3_stmt* insert_state_history_ = nullptr;
  sqlite3_stmt* upsert_mark_ = nullptr;
  sqlite3_stmt* insert_account_event_ = nullptr;
};

}  // namespace sigex
