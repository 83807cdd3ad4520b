#include "engine/journal/journal.h"

#include <sqlite3.h>

#include <utility>

#include "engine/core/check.h"

namespace sigex {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS orders (
  client_order_id TEXT PRIMARY KEY,
  strategy INTEGER NOT NULL,
  instrument INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  type TEXT NOT NULL,
  time_in_force TEXT NOT NULL,
  price INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  intent_key INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  state TEXT NOT NULL,
  filled_quantity INTEGER NOT NULL DEFAULT 0,
  filled_notional INTEGER NOT NULL DEFAULT 0,
  fees INTEGER NOT NULL DEFAULT 0,
  venue_order_id INTEGER NOT NULL DEFAULT 0,
  created_ns INTEGER NOT NULL,
  updated_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS order_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  client_order_id TEXT NOT NULL,
  event TEXT NOT NULL,
  state TEXT NOT NULL,
  venue_error INTEGER NOT NULL,
  time_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS fills (
  instrument INTEGER NOT NULL,
  trade_id INTEGER NOT NULL,
  client_order_id TEXT NOT NULL,
  price INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  fee INTEGER NOT NULL,
  liquidity TEXT NOT NULL,
  time_ns INTEGER NOT NULL,
  PRIMARY KEY (instrument, trade_id)
);
CREATE TABLE IF NOT EXISTS positions (
  instrument INTEGER PRIMARY KEY,
  symbol TEXT NOT NULL,
  quantity INTEGER NOT NULL,
  cost_basis INTEGER NOT NULL,
  realised_pnl INTEGER NOT NULL,
  fees INTEGER NOT NULL,
  time_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS signals (
  kind TEXT NOT NULL,
  token_id INTEGER NOT NULL,
  symbol TEXT NOT NULL,
  venue_time_ns INTEGER NOT NULL,
  value INTEGER NOT NULL,
  trend INTEGER NOT NULL,
  receive_time_ns INTEGER NOT NULL,
  status TEXT NOT NULL,
  PRIMARY KEY (kind, token_id, venue_time_ns, value)
);
CREATE TABLE IF NOT EXISTS risk_denials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  strategy TEXT NOT NULL,
  symbol TEXT NOT NULL,
  reason TEXT NOT NULL,
  time_ns INTEGER NOT NULL
);
)sql";

void bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string_view column_text(sqlite3_stmt* statement, int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, index));
  return text == nullptr ? std::string_view() : std::string_view(text);
}

}  // namespace

std::unique_ptr<Journal> Journal::open(const std::filesystem::path& state_dir,
                                       Durability durability, std::string& error) {
  std::error_code filesystem_error;
  std::filesystem::create_directories(state_dir, filesystem_error);
  if (filesystem_error) {
    error = "cannot create state directory " + state_dir.string() + ": " +
            filesystem_error.message();
    return nullptr;
  }
  const auto path = state_dir / "journal.db";
  sqlite3* database = nullptr;
  if (sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    error = "cannot open journal " + path.string() + ": " +
            (database ? sqlite3_errmsg(database) : "out of memory");
    sqlite3_close(database);
    return nullptr;
  }
  std::unique_ptr<Journal> journal(new Journal(database, path));
  sqlite3_busy_timeout(database, 0);
  const char* synchronous =
      durability == Durability::kFull ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;";
  if (!journal->execute("PRAGMA journal_mode=WAL;") || !journal->execute(synchronous)) {
    error = "cannot configure journal " + path.string() + ": " + journal->last_error();
    return nullptr;
  }
  sqlite3_stmt* check = journal->prepare("PRAGMA quick_check;");
  if (check == nullptr || sqlite3_step(check) != SQLITE_ROW ||
      column_text(check, 0) != "ok") {
    error = "journal " + path.string() + " failed its integrity check: " +
            (check ? std::string(column_text(check, 0)) : journal->last_error());
    sqlite3_finalize(check);
    return nullptr;
  }
  sqlite3_finalize(check);
  if (!journal->execute(kSchema)) {
    error = "cannot create journal schema in " + path.string() + ": " + journal->last_error();
    return nullptr;
  }
  journal->insert_intent_ = journal->prepare(
      "INSERT INTO orders (client_order_id, strategy, instrument, symbol, side, type, "
      "time_in_force, price, quantity, intent_key, sequence, state, created_ns, updated_ns) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13);");
  journal->update_order_ = journal->prepare(
      "UPDATE orders SET state = ?2, filled_quantity = ?3, filled_notional = ?4, fees = ?5, "
      "venue_order_id = ?6, updated_ns = ?7 WHERE client_order_id = ?1;");
  journal->insert_event_ = journal->prepare(
      "INSERT INTO order_events (client_order_id, event, state, venue_error, time_ns) "
      "VALUES (?1, ?2, ?3, ?4, ?5);");
  journal->insert_fill_ = journal->prepare(
      "INSERT OR IGNORE INTO fills (instrument, trade_id, client_order_id, price, quantity, fee, "
      "liquidity, time_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);");
  journal->upsert_position_ = journal->prepare(
      "INSERT INTO positions (instrument, symbol, quantity, cost_basis, realised_pnl, fees, "
      "time_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(instrument) DO UPDATE SET "
      "quantity = excluded.quantity, cost_basis = excluded.cost_basis, "
      "realised_pnl = excluded.realised_pnl, fees = excluded.fees, time_ns = excluded.time_ns;");
  journal->insert_denial_ = journal->prepare(
      "INSERT INTO risk_denials (strategy, symbol, reason, time_ns) VALUES (?1, ?2, ?3, ?4);");
  journal->insert_signal_ = journal->prepare(
      "INSERT OR IGNORE INTO signals (kind, token_id, symbol, venue_time_ns, value, trend, "
      "receive_time_ns, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8);");
  if (!journal->insert_intent_ || !journal->update_order_ || !journal->insert_event_ ||
      !journal->insert_fill_ || !journal->upsert_position_ || !journal->insert_denial_ ||
      !journal->insert_signal_) {
    error = "cannot prepare journal statements for " + path.string() + ": " +
            journal->last_error();
    return nullptr;
  }
  return journal;
}

Journal::Journal(sqlite3* database, std::filesystem::path path)
    : database_(database), path_(std::move(path)) {}

Journal::~Journal() {
  for (auto* statement : {insert_intent_, update_order_, insert_event_, insert_fill_,
                          upsert_position_, insert_denial_, insert_signal_}) {
    sqlite3_finalize(statement);
  }
  sqlite3_close(database_);
}

bool Journal::execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(database_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    last_error_ = message ? message : sqlite3_errmsg(database_);
    sqlite3_free(message);
    return false;
  }
  return true;
}

sqlite3_stmt* Journal::prepare(const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(database_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    last_error_ = sqlite3_errmsg(database_);
    return nullptr;
  }
  return statement;
}

bool Journal::step_done(sqlite3_stmt* statement) {
  const int status = sqlite3_step(statement);
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  if (status != SQLITE_DONE) {
    last_error_ = sqlite3_errmsg(database_);
    return false;
  }
  return true;
}

bool Journal::record_intent(const Order& order, std::string_view symbol) {
  ++intent_sequence_;
  if (batch_depth_ > 0) {
    // Written at the batch's first other write or at its commit, whichever comes first: the
    // core thread hands the order on without waiting for SQLite; the venue waits for the commit.
    if (batch_failed_) return false;
    pending_intents_.push_back({order, Symbol::from(symbol)});
    return true;
  }
  if (!begin_write()) return false;
  return end_write(write_intent(order, symbol));
}

bool Journal::write_intent(const Order& order, std::string_view symbol) {
  sqlite3_stmt* s = insert_intent_;
  bind_text(s, 1, order.client_order_id.view());
  sqlite3_bind_int(s, 2, order.strategy);
  sqlite3_bind_int(s, 3, order.instrument);
  bind_text(s, 4, symbol);
  bind_text(s, 5, to_string(order.side));
  bind_text(s, 6, to_string(order.type));
  bind_text(s, 7, to_string(order.time_in_force));
  sqlite3_bind_int64(s, 8, order.price.raw);
  sqlite3_bind_int64(s, 9, order.quantity.raw);
  sqlite3_bind_int64(s, 10, static_cast<std::int64_t>(order.intent.value));
  sqlite3_bind_int64(s, 11, order.sequence);
  bind_text(s, 12, to_string(order.state));
  sqlite3_bind_int64(s, 13, order.created_time_ns);
  return step_done(s) && insert_event(order, OrderEvent::kSend, 0, order.created_time_ns);
}

bool Journal::flush_pending_intents() {
  for (const auto& pending : pending_intents_) {
    if (!write_intent(pending.order, pending.symbol.view())) {
      pending_intents_.clear();
      return false;
    }
  }
  pending_intents_.clear();
  return true;
}

bool Journal::begin_write() {
  if (batch_depth_ > 0) {
    if (batch_failed_) return false;
    if (!batch_open_) {
      if (!execute("BEGIN IMMEDIATE;")) {
        batch_failed_ = true;
        return false;
      }
      batch_open_ = true;
    }
    // Intents first: every later row of the batch may refer to them.
    if (!pending_intents_.empty() && !flush_pending_intents()) {
      batch_failed_ = true;
      return false;
    }
    return true;
  }
  return execute("BEGIN IMMEDIATE;");
}

bool Journal::end_write(bool ok) {
  if (batch_depth_ > 0) {
    if (!ok) batch_failed_ = true;
    return ok;
  }
  if (!ok) {
    const std::string why = last_error_;
    execute("ROLLBACK;");
    last_error_ = why;
    watermark_.fail();
    return false;
  }
  if (!execute("COMMIT;")) {
    watermark_.fail();
    return false;
  }
  committed();
  return true;
}

void Journal::committed() { watermark_.publish(intent_sequence_); }

bool Journal::begin_batch() {
  if (batch_depth_++ > 0) return !batch_failed_;
  batch_failed_ = false;
  batch_open_ = false;
  return true;
}

bool Journal::end_batch() {
  SIGEX_CHECK(batch_depth_ > 0, "journal batch ended twice");
  if (--batch_depth_ > 0) return !batch_failed_;
  if (!batch_failed_ && !pending_intents_.empty()) {
    ++batch_depth_;  // open the transaction (and write the intents) as part of this batch
    begin_write();
    --batch_depth_;
  }
  pending_intents_.clear();
  const bool open = std::exchange(batch_open_, false);
  if (batch_failed_) {
    const std::string why = last_error_;
    if (open) execute("ROLLBACK;");
    last_error_ = why;
    watermark_.fail();
    return false;
  }
  if (!open) return true;
  if (!execute("COMMIT;")) {
    watermark_.fail();
    return false;
  }
  committed();
  return true;
}

bool Journal::record_order_event(const Order& order, OrderEvent event,
                                 const ExecutionEvent* cause, TimeNs time_ns) {
  if (!begin_write()) return false;
  sqlite3_stmt* u = update_order_;
  bind_text(u, 1, order.client_order_id.view());
  bind_text(u, 2, to_string(order.state));
  sqlite3_bind_int64(u, 3, order.filled_quantity.raw);
  sqlite3_bind_int64(u, 4, order.filled_notional.raw);
  sqlite3_bind_int64(u, 5, order.fees.raw);
  sqlite3_bind_int64(u, 6, static_cast<std::int64_t>(order.venue_order_id));
  sqlite3_bind_int64(u, 7, time_ns);
  return end_write(step_done(u) &&
                   insert_event(order, event, cause ? cause->venue_error_code : 0, time_ns));
}

bool Journal::insert_event(const Order& order, OrderEvent event, std::int32_t venue_error,
                           TimeNs time_ns) {
  sqlite3_stmt* e = insert_event_;
  bind_text(e, 1, order.client_order_id.view());
  bind_text(e, 2, to_string(event));
  bind_text(e, 3, to_string(order.state));
  sqlite3_bind_int(e, 4, venue_error);
  sqlite3_bind_int64(e, 5, time_ns);
  return step_done(e);
}

bool Journal::record_fill(const Order& order, const ExecutionEvent& fill,
                          const PositionRow& position, bool& duplicate) {
  duplicate = false;
  if (!begin_write()) return false;
  sqlite3_stmt* f = insert_fill_;
  sqlite3_bind_int(f, 1, fill.instrument);
  sqlite3_bind_int64(f, 2, static_cast<std::int64_t>(fill.trade_id));
  bind_text(f, 3, order.client_order_id.view());
  sqlite3_bind_int64(f, 4, fill.price.raw);
  sqlite3_bind_int64(f, 5, fill.quantity.raw);
  sqlite3_bind_int64(f, 6, fill.fee.raw);
  bind_text(f, 7, fill.liquidity == Liquidity::kMaker ? "MAKER" : "TAKER");
  sqlite3_bind_int64(f, 8, fill.venue_time_ns);
  if (!step_done(f)) return end_write(false);
  if (sqlite3_changes(database_) == 0) {
    duplicate = true;
    return end_write(true);
  }
  sqlite3_stmt* p = upsert_position_;
  sqlite3_bind_int(p, 1, position.instrument);
  bind_text(p, 2, position.symbol);
  sqlite3_bind_int64(p, 3, position.quantity.raw);
  sqlite3_bind_int64(p, 4, position.cost_basis.raw);
  sqlite3_bind_int64(p, 5, position.realised_pnl.raw);
  sqlite3_bind_int64(p, 6, position.fees.raw);
  sqlite3_bind_int64(p, 7, position.time_ns);
  return end_write(step_done(p));
}

bool Journal::record_risk_denial(std::string_view strategy, std::string_view symbol,
                                 std::string_view reason, TimeNs time_ns) {
  sqlite3_stmt* s = insert_denial_;
  bind_text(s, 1, strategy);
  bind_text(s, 2, symbol);
  bind_text(s, 3, reason);
  sqlite3_bind_int64(s, 4, time_ns);
  return step_done(s);
}

bool Journal::record_signal(const SignalRow& row) {
  sqlite3_stmt* s = insert_signal_;
  bind_text(s, 1, row.kind);
  sqlite3_bind_int64(s, 2, row.token_id);
  bind_text(s, 3, row.symbol);
  sqlite3_bind_int64(s, 4, row.venue_time_ns);
  sqlite3_bind_int64(s, 5, row.value);
  sqlite3_bind_int64(s, 6, row.trend);
  sqlite3_bind_int64(s, 7, row.receive_time_ns);
  bind_text(s, 8, row.status);
  return step_done(s);
}

std::vector<SignalRow> Journal::load_signals() {
  std::vector<SignalRow> rows;
  sqlite3_stmt* s = prepare(
      "SELECT kind, token_id, symbol, venue_time_ns, value, trend, receive_time_ns, status "
      "FROM signals ORDER BY rowid;");
  if (s == nullptr) return rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    rows.push_back({std::string(column_text(s, 0)), sqlite3_column_int64(s, 1),
                    std::string(column_text(s, 2)), sqlite3_column_int64(s, 3),
                    sqlite3_column_int64(s, 4), sqlite3_column_int64(s, 5),
                    sqlite3_column_int64(s, 6), std::string(column_text(s, 7))});
  }
  sqlite3_finalize(s);
  return rows;
}

std::vector<Order> Journal::load_orders() {
  std::vector<Order> orders;
  sqlite3_stmt* s = prepare(
      "SELECT client_order_id, strategy, instrument, side, type, time_in_force, price, quantity, "
      "intent_key, sequence, state, filled_quantity, filled_notional, fees, venue_order_id, "
      "created_ns, updated_ns FROM orders ORDER BY created_ns, rowid;");
  if (s == nullptr) return orders;
  while (sqlite3_step(s) == SQLITE_ROW) {
    Order order;
    order.client_order_id = ClientOrderId::from(column_text(s, 0));
    order.strategy = static_cast<StrategyId>(sqlite3_column_int(s, 1));
    order.instrument = static_cast<InstrumentId>(sqlite3_column_int(s, 2));
    order.side = column_text(s, 3) == "BUY" ? Side::kBuy : Side::kSell;
    order.type = column_text(s, 4) == "MARKET" ? OrderType::kMarket : OrderType::kLimit;
    order.time_in_force = column_text(s, 5) == "GTC" ? TimeInForce::kGoodTillCancel
                                                      : TimeInForce::kImmediateOrCancel;
    order.price = Price{sqlite3_column_int64(s, 6)};
    order.quantity = Quantity{sqlite3_column_int64(s, 7)};
    order.intent = IntentKey{static_cast<std::uint64_t>(sqlite3_column_int64(s, 8))};
    order.sequence = static_cast<std::uint32_t>(sqlite3_column_int64(s, 9));
    const auto state = order_state_from_string(column_text(s, 10));
    SIGEX_CHECK(state.has_value(), "journal holds an unknown order state");
    order.state = *state;
    order.filled_quantity = Quantity{sqlite3_column_int64(s, 11)};
    order.filled_notional = Money{sqlite3_column_int64(s, 12)};
    order.fees = Money{sqlite3_column_int64(s, 13)};
    order.venue_order_id = static_cast<VenueOrderId>(sqlite3_column_int64(s, 14));
    order.created_time_ns = sqlite3_column_int64(s, 15);
    order.updated_time_ns = sqlite3_column_int64(s, 16);
    orders.push_back(order);
  }
  sqlite3_finalize(s);
  return orders;
}

std::vector<FillRow> Journal::load_fills() {
  std::vector<FillRow> fills;
  sqlite3_stmt* s = prepare(
      "SELECT f.instrument, f.trade_id, f.client_order_id, o.side, f.price, f.quantity, f.fee, "
      "f.time_ns FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id "
      "ORDER BY f.rowid;");
  if (s == nullptr) return fills;
  while (sqlite3_step(s) == SQLITE_ROW) {
    FillRow row;
    row.instrument = static_cast<InstrumentId>(sqlite3_column_int(s, 0));
    row.trade_id = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
    row.client_order_id = ClientOrderId::from(column_text(s, 2));
    row.side = column_text(s, 3) == "BUY" ? Side::kBuy : Side::kSell;
    row.price = Price{sqlite3_column_int64(s, 4)};
    row.quantity = Quantity{sqlite3_column_int64(s, 5)};
    row.fee = Money{sqlite3_column_int64(s, 6)};
    row.time_ns = sqlite3_column_int64(s, 7);
    fills.push_back(row);
  }
  sqlite3_finalize(s);
  return fills;
}

std::int64_t Journal::count_rows(std::string_view table) {
  const std::string sql = "SELECT COUNT(*) FROM " + std::string(table) + ";";
  sqlite3_stmt* s = prepare(sql.c_str());
  if (s == nullptr) return -1;
  std::int64_t count = -1;
  if (sqlite3_step(s) == SQLITE_ROW) count = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return count;
}

}  // namespace sigex
