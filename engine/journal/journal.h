#pragma once

// The durable record of everything that moves money: order intents (written and fsynced before
// the order leaves the process), order events, fills (deduplicated by instrument and trade id)
// and positions. SQLite in WAL mode, one file in the state directory: <state_dir>/journal.db.
// Owned and called by the core thread only.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/journal/durability.h"
#include "engine/oms/order.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sigex {

enum class Durability : std::uint8_t {
  kFull,    // synchronous=FULL: every commit is fsynced (live and paper)
  kNormal,  // synchronous=NORMAL: survives a process crash, may lose the tail on power loss
};

struct PositionRow {
  InstrumentId instrument;
  std::string symbol;
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
  Money fee;
  TimeNs time_ns;
};

class Journal {
 public:
  // Opens or creates the journal, checks its integrity and applies the schema. On failure
  // returns nullptr and puts the reason (with the file name) into `error`.
  static std::unique_ptr<Journal> open(const std::filesystem::path& state_dir,
                                       Durability durability, std::string& error);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Every write returns false on failure; last_error() says why. A failed write means the
  // caller must stop trading: the journal is the source of truth across restarts.
  // The order row and its "send" event, in one commit.
  bool record_intent(const Order& order, std::string_view symbol);
  bool record_order_event(const Order& order, OrderEvent event, const ExecutionEvent* cause,
                          TimeNs time_ns);
  // Returns false on failure; sets `duplicate` when the (instrument, trade id) was seen already.
  bool record_fill(const Order& order, const ExecutionEvent& fill, const PositionRow& position,
                   bool& duplicate);
  bool record_risk_denial(std::string_view strategy, std::string_view symbol,
                          std::string_view reason, TimeNs time_ns);

  // Identity (kind, token, venue time, value): a second write of the same signal is ignored.
  bool record_signal(const SignalRow& row);
  std::vector<SignalRow> load_signals();  // in the order received

  // Writes between begin_batch() and end_batch() commit together (one fsync): an order's new
  // state and the fill that caused it are durable together or not at all. end_batch() rolls
  // everything back when any write inside failed. Batches nest; a batch with no write costs
  // nothing.
  //
  // Intents are numbered as they are written (last_intent_sequence()); after every commit the
  // watermark says up to which number they are durable. A venue holds a new order until then.
  bool begin_batch();
  bool end_batch();
  std::uint64_t last_intent_sequence() const { return intent_sequence_; }
  const DurabilityWatermark& watermark() const { return watermark_; }

  // Fills in the order recorded (restart recovery).
  std::vector<FillRow> load_fills();
  // Orders in the journal, oldest first (restart recovery).
  std::vector<Order> load_orders();
  std::int64_t count_rows(std::string_view table);

  const std::string& last_error() const { return last_error_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  Journal(sqlite3* database, std::filesystem::path path);
  bool execute(const char* sql);
  bool step_done(sqlite3_stmt* statement);
  sqlite3_stmt* prepare(const char* sql);
  bool begin_write();
  bool end_write(bool ok);
  bool write_intent(const Order& order, std::string_view symbol);
  bool insert_event(const Order& order, OrderEvent event, std::int32_t venue_error, TimeNs time_ns);
  bool flush_pending_intents();
  struct PendingIntent {
    Order order;
    Symbol symbol;  // fixed size: queuing an intent allocates nothing
  };
  std::vector<PendingIntent> pending_intents_;

  sqlite3* database_;
  std::filesystem::path path_;
  std::string last_error_;
  int batch_depth_ = 0;
  bool batch_failed_ = false;
  bool batch_open_ = false;  // BEGIN issued for the current batch
  std::uint64_t intent_sequence_ = 0;
  DurabilityWatermark watermark_;
  void committed();
  sqlite3_stmt* insert_intent_ = nullptr;
  sqlite3_stmt* update_order_ = nullptr;
  sqlite3_stmt* insert_event_ = nullptr;
  sqlite3_stmt* insert_fill_ = nullptr;
  sqlite3_stmt* upsert_position_ = nullptr;
  sqlite3_stmt* insert_denial_ = nullptr;
  sqlite3_stmt* insert_signal_ = nullptr;
};

}  // namespace sigex
