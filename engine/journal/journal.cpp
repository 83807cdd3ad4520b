#include "engine/journal/journal.h"

#include <sqlite3.h>

#include <cstdlib>
#include <optional>
#include <random>
#include <set>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include "engine/core/check.h"

namespace sigex {
namespace {

// The journal's format. 1: before journal identities and fee assets; 2: with them; 3: with
// reduce-only orders and account events (funding, venue fills). Kept in journal_meta
// ('schema_version') and PRAGMA user_version.
constexpr int kSchemaVersion = 3;

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
  updated_ns INTEGER NOT NULL,
  reduce_only INTEGER NOT NULL DEFAULT 0
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
  fee_kind TEXT NOT NULL DEFAULT 'QUOTE',
  fee_asset TEXT NOT NULL DEFAULT '',
  fee_quantity INTEGER NOT NULL DEFAULT 0,
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
CREATE TABLE IF NOT EXISTS trading_states (
  scope TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  time_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS trading_state_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scope TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL,
  time_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS risk_marks (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL,
  time_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS risk_denials (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  strategy TEXT NOT NULL,
  symbol TEXT NOT NULL,
  reason TEXT NOT NULL,
  time_ns INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS account_events (
  kind TEXT NOT NULL,
  instrument INTEGER NOT NULL,
  event_id INTEGER NOT NULL,
  client_order_id TEXT NOT NULL,
  side TEXT NOT NULL,
  price INTEGER NOT NULL,
  quantity INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  fee INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  PRIMARY KEY (kind, instrument, event_id)
);
CREATE TABLE IF NOT EXISTS journal_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// Every table and column the journal needs, and which tables need their primary key index
// (deduplication and look-ups rely on it). A journal missing any of them is damaged.
struct ExpectedTable {
  const char* name;
  std::vector<const char*> columns;
  bool keyed;  // has a PRIMARY KEY index (not a rowid alias)
};
const std::vector<ExpectedTable>& expected_tables() {
  static const std::vector<ExpectedTable> tables = {
      {"orders",
       {"client_order_id", "strategy", "instrument", "symbol", "side", "type", "time_in_force",
        "price", "quantity", "intent_key", "sequence", "state", "filled_quantity",
        "filled_notional", "fees", "venue_order_id", "created_ns", "updated_ns", "reduce_only"},
       true},
      {"order_events",
       {"id", "client_order_id", "event", "state", "venue_error", "time_ns"},
       false},
      {"fills",
       {"instrument", "trade_id", "client_order_id", "price", "quantity", "fee", "liquidity",
        "time_ns", "fee_kind", "fee_asset", "fee_quantity"},
       true},
      {"positions",
       {"instrument", "symbol", "quantity", "cost_basis", "realised_pnl", "fees", "time_ns"},
       false},
      {"signals",
       {"kind", "token_id", "symbol", "venue_time_ns", "value", "trend", "receive_time_ns",
        "status"},
       true},
      {"trading_states", {"scope", "state", "reason", "time_ns"}, true},
      {"trading_state_history", {"id", "scope", "state", "reason", "time_ns"}, false},
      {"risk_marks", {"name", "value", "time_ns"}, true},
      {"risk_denials", {"id", "strategy", "symbol", "reason", "time_ns"}, false},
      {"account_events",
       {"kind", "instrument", "event_id", "client_order_id", "side", "price", "quantity", "amount",
        "fee", "time_ns"},
       true},
      {"journal_meta", {"name", "value"}, true},
  };
  return tables;
}

// Columns added since the first journal format, with their definitions: a journal written by
// an earlier sigex gets them (and journal_meta) when it is opened.
struct AddedColumn {
  const char* table;
  const char* column;
  const char* definition;
};
constexpr AddedColumn kAddedColumns[] = {
    {"fills", "fee_kind", "TEXT NOT NULL DEFAULT 'QUOTE'"},
    {"fills", "fee_asset", "TEXT NOT NULL DEFAULT ''"},
    {"fills", "fee_quantity", "INTEGER NOT NULL DEFAULT 0"},
    {"orders", "reduce_only", "INTEGER NOT NULL DEFAULT 0"},
};

std::string_view fee_kind_text(FeeAsset asset) {
  switch (asset) {
    case FeeAsset::kQuote:
      return "QUOTE";
    case FeeAsset::kBase:
      return "BASE";
    case FeeAsset::kOther:
      return "OTHER";
  }
  return "QUOTE";
}

std::optional<FeeAsset> fee_kind_from_text(std::string_view text) {
  if (text == "QUOTE") return FeeAsset::kQuote;
  if (text == "BASE") return FeeAsset::kBase;
  if (text == "OTHER") return FeeAsset::kOther;
  return std::nullopt;
}

void bind_text(sqlite3_stmt* statement, int index, std::string_view text) {
  sqlite3_bind_text(statement, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

std::string_view column_text(sqlite3_stmt* statement, int index) {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, index));
  return text == nullptr ? std::string_view() : std::string_view(text);
}

}  // namespace

std::unique_ptr<Journal> Journal::open(const std::filesystem::path& state_dir,
                                       Durability durability, std::string& error,
                                       const JournalOpenOptions& options) {
  std::error_code filesystem_error;
  std::filesystem::create_directories(state_dir, filesystem_error);
  if (filesystem_error) {
    error =
        "cannot create state directory " + state_dir.string() + ": " + filesystem_error.message();
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
  if (check == nullptr || sqlite3_step(check) != SQLITE_ROW || column_text(check, 0) != "ok") {
    error = "journal " + path.string() + " failed its integrity check: " +
            (check ? std::string(column_text(check, 0)) : journal->last_error());
    sqlite3_finalize(check);
    return nullptr;
  }
  sqlite3_finalize(check);
  if (!journal->prepare_schema(options, error)) {
    error = "journal " + path.string() +
            (journal->created_ ? ": cannot create its schema: " : " is damaged: ") + error +
            (journal->created_
                 ? ""
                 : "; sigex does not start on a damaged journal (restore it from a backup, or move "
                   "it away and start with --new-journal after checking the account)");
    return nullptr;
  }
  journal->insert_intent_ = journal->prepare(
      "INSERT INTO orders (client_order_id, strategy, instrument, symbol, side, type, "
      "time_in_force, price, quantity, intent_key, sequence, state, created_ns, updated_ns, "
      "reduce_only) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14);");
  journal->update_order_ = journal->prepare(
      "UPDATE orders SET state = ?2, filled_quantity = ?3, filled_notional = ?4, fees = ?5, "
      "venue_order_id = ?6, updated_ns = ?7 WHERE client_order_id = ?1;");
  journal->insert_event_ = journal->prepare(
      "INSERT INTO order_events (client_order_id, event, state, venue_error, time_ns) "
      "VALUES (?1, ?2, ?3, ?4, ?5);");
  journal->insert_fill_ = journal->prepare(
      "INSERT OR IGNORE INTO fills (instrument, trade_id, client_order_id, price, quantity, fee, "
      "liquidity, time_ns, fee_kind, fee_asset, fee_quantity) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11);");
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
  journal->upsert_state_ = journal->prepare(
      "INSERT INTO trading_states (scope, state, reason, time_ns) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT(scope) DO UPDATE SET state = excluded.state, reason = excluded.reason, "
      "time_ns = excluded.time_ns;");
  journal->insert_state_history_ = journal->prepare(
      "INSERT INTO trading_state_history (scope, state, reason, time_ns) VALUES (?1, ?2, ?3, ?4);");
  journal->insert_account_event_ = journal->prepare(
      "INSERT OR IGNORE INTO account_events (kind, instrument, event_id, client_order_id, side, "
      "price, quantity, amount, fee, time_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10);");
  journal->upsert_mark_ = journal->prepare(
      "INSERT INTO risk_marks (name, value, time_ns) VALUES (?1, ?2, ?3) ON CONFLICT(name) DO "
      "UPDATE SET value = excluded.value, time_ns = excluded.time_ns;");
  if (!journal->insert_intent_ || !journal->update_order_ || !journal->insert_event_ ||
      !journal->insert_fill_ || !journal->upsert_position_ || !journal->insert_denial_ ||
      !journal->insert_signal_ || !journal->upsert_state_ || !journal->insert_state_history_ ||
      !journal->upsert_mark_ || !journal->insert_account_event_) {
    error = "cannot prepare journal statements for " + path.string() + ": " + journal->last_error();
    return nullptr;
  }
  Journal* writer = journal.get();
  journal->writer_ = std::thread([writer] { writer->write_loop(); });
  return journal;
}

bool Journal::exists_in(const std::filesystem::path& state_dir) {
  std::error_code ignored;
  const auto path = state_dir / "journal.db";
  return std::filesystem::is_regular_file(path, ignored) &&
         std::filesystem::file_size(path, ignored) > 0;
}

bool Journal::is_valid_identity(std::string_view identity) {
  if (identity.size() != kIdentityLength) return false;
  return std::all_of(identity.begin(), identity.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  });
}

namespace {

constexpr std::string_view kIdentityAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

std::string identity_from(std::uint64_t bits) {
  std::string identity;
  for (std::size_t i = 0; i < Journal::kIdentityLength; ++i) {
    identity += kIdentityAlphabet[bits % kIdentityAlphabet.size()];
    bits /= kIdentityAlphabet.size();
  }
  return identity;
}

// A new journal's identity: 36 random bits from the system's entropy source.
std::string random_identity() {
  std::random_device entropy;
  return identity_from(static_cast<std::uint64_t>(entropy()) << 32 | entropy());
}

}  // namespace

std::string Journal::derive_identity(std::string_view seed) {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a
  for (const char c : seed) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return identity_from(hash);
}

std::string Journal::read_meta(const char* name) {
  sqlite3_stmt* s = prepare("SELECT value FROM journal_meta WHERE name = ?1;");
  if (s == nullptr) return {};
  bind_text(s, 1, name);
  std::string value;
  if (sqlite3_step(s) == SQLITE_ROW) value = std::string(column_text(s, 0));
  sqlite3_finalize(s);
  return value;
}

std::set<std::string> Journal::columns_of(const std::string& table) {
  std::set<std::string> columns;
  sqlite3_stmt* s = prepare(("PRAGMA table_info(" + table + ");").c_str());
  if (s == nullptr) return columns;
  while (sqlite3_step(s) == SQLITE_ROW) columns.emplace(column_text(s, 1));
  sqlite3_finalize(s);
  return columns;
}

bool Journal::has_key_index(const std::string& table) {
  sqlite3_stmt* s = prepare(("PRAGMA index_list(" + table + ");").c_str());
  if (s == nullptr) return false;
  bool found = false;
  while (sqlite3_step(s) == SQLITE_ROW) found |= column_text(s, 3) == "pk";
  sqlite3_finalize(s);
  return found;
}

bool Journal::prepare_schema(const JournalOpenOptions& options, std::string& error) {
  sqlite3_stmt* count = prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table';");
  if (count == nullptr || sqlite3_step(count) != SQLITE_ROW) {
    sqlite3_finalize(count);
    error = last_error();
    return false;
  }
  created_ = sqlite3_column_int64(count, 0) == 0;
  sqlite3_finalize(count);
  if (created_) {
    identity_ = options.identity_for_new.empty() ? random_identity() : options.identity_for_new;
    if (!is_valid_identity(identity_)) {
      error = "journal identity '" + identity_ + "' is not six characters of [0-9A-Za-z]";
      return false;
    }
    const std::string meta = fmt::format(
        "INSERT INTO journal_meta (name, value) VALUES ('identity', '{}'), ('schema_version', "
        "'{}');"
        "PRAGMA user_version = {};",
        identity_, kSchemaVersion, kSchemaVersion);
    if (!execute("BEGIN;") || !execute(kSchema) || !execute(meta.c_str()) || !execute("COMMIT;")) {
      error = last_error();
      return false;
    }
    return true;
  }
  const bool before_meta = columns_of("journal_meta").empty() && !columns_of("orders").empty();
  const std::string written_version = before_meta ? "1" : read_meta("schema_version");
  if (before_meta ||
      (!written_version.empty() && std::atoi(written_version.c_str()) < kSchemaVersion)) {
    // Written by an earlier sigex (schema 1: no journal identity nor fee assets; 2: no
    // reduce-only orders nor account events). A copy is kept beside it first; then the new
    // columns, tables and (schema 1) identity are added in one transaction.
    const std::string backup = path_.string() + ".before-schema-" + std::to_string(kSchemaVersion);
    std::error_code ignored;
    std::filesystem::remove(backup, ignored);
    const std::string vacuum = fmt::format("VACUUM INTO '{}';", backup);
    if (!execute(vacuum.c_str())) {
      error = "cannot keep a copy before upgrading it (" + backup + "): " + last_error();
      return false;
    }
    std::string sql = "BEGIN;";
    for (const AddedColumn& added : kAddedColumns) {
      const auto columns = columns_of(added.table);
      if (columns.empty() || columns.contains(added.column)) continue;
      sql += fmt::format("ALTER TABLE {} ADD COLUMN {} {};", added.table, added.column,
                         added.definition);
    }
    sql += kSchema;  // the tables added since (CREATE TABLE IF NOT EXISTS)
    if (before_meta) {
      sql += fmt::format("INSERT INTO journal_meta (name, value) VALUES ('identity', '{}');",
                         random_identity());
    }
    sql += fmt::format(
        "INSERT OR REPLACE INTO journal_meta (name, value) VALUES ('schema_version', '{}');"
        "PRAGMA user_version = {};COMMIT;",
        kSchemaVersion, kSchemaVersion);
    if (!execute(sql.c_str())) {
      error = last_error();
      execute("ROLLBACK;");
      return false;
    }
  }
  const std::string version = read_meta("schema_version");
  if (!version.empty() && version != std::to_string(kSchemaVersion) &&
      std::atoi(version.c_str()) > kSchemaVersion) {
    error = fmt::format(
        "it was written by a newer sigex (journal schema {}; this sigex knows up to {}): run the "
        "sigex that wrote it, or a newer one",
        version, kSchemaVersion);
    return false;
  }
  if (!verify_tables(error)) return false;
  identity_ = read_meta("identity");
  if (!is_valid_identity(identity_)) {
    error = "its identity (journal_meta 'identity') is missing or malformed";
    return false;
  }
  return verify_contents(error);
}

bool Journal::verify_tables(std::string& error) {
  for (const ExpectedTable& table : expected_tables()) {
    if (std::string_view(table.name) == "journal_meta" && columns_of("journal_meta").empty() &&
        !columns_of("orders").empty()) {
      continue;  // an earlier sigex's journal, being upgraded
    }
    const auto columns = columns_of(table.name);
    if (columns.empty()) {
      error = fmt::format("table {} is missing", table.name);
      return false;
    }
    for (const char* column : table.columns) {
      if (!columns.contains(column)) {
        error = fmt::format("table {} has no column {}", table.name, column);
        return false;
      }
    }
    if (table.keyed && !has_key_index(table.name)) {
      error = fmt::format("table {} has lost its primary key index", table.name);
      return false;
    }
  }
  return true;
}

bool Journal::verify_contents(std::string& error) {
  // Every order in a state, side, type and time in force that exists.
  sqlite3_stmt* s = prepare(
      "SELECT client_order_id, state, side, type, time_in_force, quantity, filled_quantity "
      "FROM orders;");
  if (s == nullptr) {
    error = last_error();
    return false;
  }
  while (sqlite3_step(s) == SQLITE_ROW) {
    const std::string id(column_text(s, 0));
    const std::string_view state = column_text(s, 1), side = column_text(s, 2),
                           type = column_text(s, 3), tif = column_text(s, 4);
    std::string problem;
    if (!order_state_from_string(state))
      problem = fmt::format("state '{}' does not exist", state);
    else if (side != "BUY" && side != "SELL")
      problem = fmt::format("side '{}' does not exist", side);
    else if (type != "LIMIT" && type != "MARKET")
      problem = fmt::format("type '{}' does not exist", type);
    else if (tif != "GTC" && tif != "IOC")
      problem = fmt::format("time in force '{}' does not exist", tif);
    else if (sqlite3_column_int64(s, 5) <= 0 || sqlite3_column_int64(s, 6) < 0 ||
             sqlite3_column_int64(s, 6) > sqlite3_column_int64(s, 5)) {
      problem = fmt::format("filled quantity {} does not fit its quantity {}",
                            sqlite3_column_int64(s, 6), sqlite3_column_int64(s, 5));
    }
    if (!problem.empty()) {
      sqlite3_finalize(s);
      error = fmt::format("order {}: {}", id, problem);
      return false;
    }
  }
  sqlite3_finalize(s);
  // Every fill belongs to a journaled order, and every order's filled quantity is the sum of
  // its fills (they are written in the same commit).
  s = prepare(
      "SELECT f.client_order_id FROM fills f LEFT JOIN orders o ON o.client_order_id = "
      "f.client_order_id "
      "WHERE o.client_order_id IS NULL LIMIT 1;");
  if (s != nullptr && sqlite3_step(s) == SQLITE_ROW) {
    error =
        fmt::format("fill of order {} has no such order in the orders table", column_text(s, 0));
    sqlite3_finalize(s);
    return false;
  }
  sqlite3_finalize(s);
  s = prepare(
      "SELECT o.client_order_id, o.filled_quantity, COALESCE(SUM(f.quantity), 0) FROM orders o "
      "LEFT JOIN fills f ON f.client_order_id = o.client_order_id GROUP BY o.client_order_id "
      "HAVING o.filled_quantity != COALESCE(SUM(f.quantity), 0) LIMIT 1;");
  if (s != nullptr && sqlite3_step(s) == SQLITE_ROW) {
    error = fmt::format("order {} shows a filled quantity of {} but its fills add up to {}",
                        column_text(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2));
    sqlite3_finalize(s);
    return false;
  }
  sqlite3_finalize(s);
  s = prepare(
      "SELECT client_order_id, fee_kind FROM fills WHERE fee_kind NOT IN ('QUOTE', 'BASE', "
      "'OTHER') LIMIT 1;");
  if (s != nullptr && sqlite3_step(s) == SQLITE_ROW) {
    error = fmt::format("fill of order {}: fee kind '{}' does not exist", column_text(s, 0),
                        column_text(s, 1));
    sqlite3_finalize(s);
    return false;
  }
  sqlite3_finalize(s);
  return true;
}

Journal::Journal(sqlite3* database, std::filesystem::path path)
    : database_(database), path_(std::move(path)), queue_(kSpareBatches) {
  // Record vectors for the batches of a burst, allocated and written now: while the writer
  // catches up, each batch takes one of these instead of growing a new vector on the core
  // thread (fresh heap pages fault in there one by one; on a VM whose host backs memory
  // lazily, each costs microseconds). Emptied vectors come back here. The queue's slots are
  // written once too, by passing empty batches through it before the writer starts.
  for (std::size_t i = 0; i < kSpareBatches; ++i) {
    std::vector<Record> records(kRecordsPerSpareBatch);  // constructed: the pages are touched
    records.clear();
    spare_.enqueue(std::move(records));
    queue_.enqueue(batches_producer_, Batch{});
  }
  Batch drained;
  while (queue_.try_dequeue(drained)) {
  }
}

Journal::~Journal() {
  if (writer_.joinable()) {
    hand_over();
    Batch stop;
    stop.stop = true;
    queue_.enqueue(batches_producer_, std::move(stop));
    writer_.join();
  }
  for (auto* statement : {insert_intent_, update_order_, insert_event_, insert_fill_,
                          upsert_position_, insert_denial_, insert_signal_, upsert_state_,
                          insert_state_history_, upsert_mark_, insert_account_event_}) {
    sqlite3_finalize(statement);
  }
  sqlite3_close(database_);
}

void Journal::set_error(std::string why) {
  std::lock_guard lock(mutex_);
  last_error_ = std::move(why);
}

std::string Journal::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

bool Journal::execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(database_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    set_error(message ? message : sqlite3_errmsg(database_));
    sqlite3_free(message);
    return false;
  }
  return true;
}

sqlite3_stmt* Journal::prepare(const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(database_, sql, -1, &statement, nullptr) != SQLITE_OK) {
    set_error(sqlite3_errmsg(database_));
    return nullptr;
  }
  return statement;
}

bool Journal::step_done(sqlite3_stmt* statement) {
  const int status = sqlite3_step(statement);
  sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  if (status != SQLITE_DONE) {
    set_error(sqlite3_errmsg(database_));
    return false;
  }
  return true;
}

// ---- core thread ----

bool Journal::begin_batch() {
  ++batch_depth_;
  return !failed();
}

void Journal::ready_next_batch() {
  if (batch_depth_ != 0 || current_.capacity() != 0) return;
  if (!spare_.try_dequeue(spare_consumer_, current_)) return;
  current_.resize(current_.capacity());  // written here: the lines are this core's now
  current_.clear();
}

bool Journal::end_batch() {
  SIGEX_CHECK(batch_depth_ > 0, "journal batch ended twice");
  if (--batch_depth_ == 0) hand_over();
  return !failed();
}

template <typename Row>
bool Journal::append(Row&& row) {
  if (current_.capacity() == 0 && !spare_.try_dequeue(spare_consumer_, current_)) {
    current_.reserve(kRecordsPerSpareBatch);  // the pool is dry: one allocation, not several
  }
  current_.emplace_back(std::forward<Row>(row));  // the record built in place, not copied in
  if (batch_depth_ == 0) hand_over();
  return !failed();
}

void Journal::hand_over() {
  if (current_.empty()) return;
  Batch batch;
  batch.records = std::move(current_);
  current_ = {};
  batch.number = ++batches_handed_over_;
  batch.last_intent = intent_sequence_;
  queue_.enqueue(batches_producer_, std::move(batch));
}

bool Journal::flush() {
  SIGEX_CHECK(batch_depth_ == 0, "journal flushed inside a batch");
  hand_over();
  std::unique_lock lock(mutex_);
  written_changed_.wait(lock,
                        [this] { return batches_written_ >= batches_handed_over_ || failed(); });
  return !failed();
}

bool Journal::record_intent(const Order& order, std::string_view symbol) {
  ++intent_sequence_;
  return append(IntentRecord{order, Symbol::from(symbol)});
}

bool Journal::record_order_event(const Order& order, OrderEvent event, const ExecutionEvent* cause,
                                 TimeNs time_ns) {
  return append(OrderEventRecord{order, event, cause ? cause->venue_error_code : 0, time_ns});
}

bool Journal::record_fill(const Order& order, const ExecutionEvent& fill,
                          const PositionRow& position) {
  return append(FillRecord{order.client_order_id, fill, position});
}

bool Journal::record_risk_denial(std::string_view strategy, std::string_view symbol,
                                 std::string_view reason, TimeNs time_ns) {
  return append(
      DenialRecord{std::string(strategy), Symbol::from(symbol), std::string(reason), time_ns});
}

bool Journal::record_signal(const SignalRow& row) { return append(row); }

bool Journal::record_trading_state(const TradingStateRow& row) { return append(row); }

bool Journal::record_account_event(const AccountEventRow& row) { return append(row); }

bool Journal::record_risk_mark(std::string_view name, std::int64_t value, TimeNs time_ns) {
  return append(RiskMarkRecord{std::string(name), value, time_ns});
}

// ---- writer thread ----

void Journal::write_loop() {
  constexpr std::size_t kMaxGroup = 256;  // batches per commit
  std::vector<Batch> group(kMaxGroup);
  moodycamel::ProducerToken returned(spare_);
  for (;;) {
    std::size_t count = 0;
    hand_overs_.next(
        [&] { return (count = queue_.try_dequeue_bulk(group.begin(), group.size())) > 0; },
        [&](DurationNs) {
          return (count = queue_.wait_dequeue_bulk(group.begin(), group.size())) > 0;
        });
    // The stop marker is the last item ever queued.
    const bool stop = group[count - 1].stop;
    if (stop) --count;
    if (count > 0) commit_group(group.data(), count);
    for (std::size_t i = 0; i < count; ++i) {
      group[i].records.clear();
      spare_.enqueue(returned, std::move(group[i].records));
      group[i].records = {};
    }
    if (stop) return;
  }
}

void Journal::commit_group(const Batch* batches, std::size_t count) {
  const Batch& last = batches[count - 1];
  if (failed()) {
    written(last.number, 0);  // dropped: flush() must not wait for them
    return;
  }
  std::size_t failed_at = 0;
  if (write_batches(batches, count, failed_at)) {
    written(last.number, last.last_intent);
    return;
  }
  // Batches before the failing one were good: as if each had been committed on its own.
  std::string why = last_error();
  std::size_t ignored = 0;
  if (failed_at > 0 && write_batches(batches, failed_at, ignored)) {
    written(batches[failed_at - 1].number, batches[failed_at - 1].last_intent);
  }
  fail(std::move(why));
  written(last.number, 0);
}

bool Journal::write_batches(const Batch* batches, std::size_t count, std::size_t& failed_at) {
  failed_at = 0;
  if (!execute("BEGIN IMMEDIATE;")) return false;
  for (std::size_t i = 0; i < count; ++i) {
    for (const Record& record : batches[i].records) {
      if (write(record)) continue;
      failed_at = i;
      const std::string why = last_error();
      execute("ROLLBACK;");
      set_error(why);
      return false;
    }
  }
  if (!execute("COMMIT;")) {
    const std::string why = last_error();
    execute("ROLLBACK;");
    set_error(why);
    return false;
  }
  commits_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void Journal::written(std::uint64_t batch, std::uint64_t last_intent) {
  if (last_intent > 0) watermark_.publish(last_intent);
  {
    std::lock_guard lock(mutex_);
    batches_written_ = batch;
  }
  written_changed_.notify_all();
}

void Journal::fail(std::string why) {
  {
    std::lock_guard lock(mutex_);
    last_error_ = std::move(why);
    failed_.store(true, std::memory_order_release);
  }
  watermark_.fail();
  written_changed_.notify_all();
}

bool Journal::write(const Record& record) {
  return std::visit(
      [this](const auto& row) {
        using Row = std::decay_t<decltype(row)>;
        if constexpr (std::is_same_v<Row, IntentRecord>) return write_intent(row);
        if constexpr (std::is_same_v<Row, OrderEventRecord>) return write_order_event(row);
        if constexpr (std::is_same_v<Row, FillRecord>) return write_fill(row);
        if constexpr (std::is_same_v<Row, DenialRecord>) return write_denial(row);
        if constexpr (std::is_same_v<Row, SignalRow>) return write_signal(row);
        if constexpr (std::is_same_v<Row, TradingStateRow>) return write_trading_state(row);
        if constexpr (std::is_same_v<Row, RiskMarkRecord>) return write_risk_mark(row);
        if constexpr (std::is_same_v<Row, AccountEventRow>) return write_account_event(row);
      },
      record);
}

bool Journal::write_intent(const IntentRecord& record) {
  const Order& order = record.order;
  sqlite3_stmt* s = insert_intent_;
  bind_text(s, 1, order.client_order_id.view());
  sqlite3_bind_int(s, 2, order.strategy);
  sqlite3_bind_int(s, 3, order.instrument);
  bind_text(s, 4, record.symbol.view());
  bind_text(s, 5, to_string(order.side));
  bind_text(s, 6, to_string(order.type));
  bind_text(s, 7, to_string(order.time_in_force));
  sqlite3_bind_int64(s, 8, order.price.raw);
  sqlite3_bind_int64(s, 9, order.quantity.raw);
  sqlite3_bind_int64(s, 10, static_cast<std::int64_t>(order.intent.value));
  sqlite3_bind_int64(s, 11, order.sequence);
  bind_text(s, 12, to_string(order.state));
  sqlite3_bind_int64(s, 13, order.created_time_ns);
  sqlite3_bind_int(s, 14, order.reduce_only ? 1 : 0);
  return step_done(s) && insert_event(order, OrderEvent::kSend, 0, order.created_time_ns);
}

bool Journal::write_order_event(const OrderEventRecord& record) {
  const Order& order = record.order;
  sqlite3_stmt* u = update_order_;
  bind_text(u, 1, order.client_order_id.view());
  bind_text(u, 2, to_string(order.state));
  sqlite3_bind_int64(u, 3, order.filled_quantity.raw);
  sqlite3_bind_int64(u, 4, order.filled_notional.raw);
  sqlite3_bind_int64(u, 5, order.fees.raw);
  sqlite3_bind_int64(u, 6, static_cast<std::int64_t>(order.venue_order_id));
  sqlite3_bind_int64(u, 7, record.time_ns);
  return step_done(u) && insert_event(order, record.event, record.venue_error, record.time_ns);
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

bool Journal::write_fill(const FillRecord& record) {
  const ExecutionEvent& fill = record.fill;
  sqlite3_stmt* f = insert_fill_;
  sqlite3_bind_int(f, 1, fill.instrument);
  sqlite3_bind_int64(f, 2, static_cast<std::int64_t>(fill.trade_id));
  bind_text(f, 3, record.client_order_id.view());
  sqlite3_bind_int64(f, 4, fill.price.raw);
  sqlite3_bind_int64(f, 5, fill.quantity.raw);
  sqlite3_bind_int64(f, 6, fill.fee.raw);
  bind_text(f, 7, fill.liquidity == Liquidity::kMaker ? "MAKER" : "TAKER");
  sqlite3_bind_int64(f, 8, fill.venue_time_ns);
  bind_text(f, 9, fee_kind_text(fill.fee_asset));
  bind_text(f, 10,
            fill.fee_asset == FeeAsset::kOther ? fill.fee_asset_code.view() : std::string_view(""));
  sqlite3_bind_int64(f, 11, fill.fee_asset == FeeAsset::kQuote ? 0 : fill.fee_quantity.raw);
  if (!step_done(f)) return false;
  if (sqlite3_changes(database_) == 0) {
    duplicate_fills_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  const PositionRow& position = record.position;
  sqlite3_stmt* p = upsert_position_;
  sqlite3_bind_int(p, 1, position.instrument);
  bind_text(p, 2, position.symbol.view());
  sqlite3_bind_int64(p, 3, position.quantity.raw);
  sqlite3_bind_int64(p, 4, position.cost_basis.raw);
  sqlite3_bind_int64(p, 5, position.realised_pnl.raw);
  sqlite3_bind_int64(p, 6, position.fees.raw);
  sqlite3_bind_int64(p, 7, position.time_ns);
  return step_done(p);
}

bool Journal::write_denial(const DenialRecord& record) {
  sqlite3_stmt* s = insert_denial_;
  bind_text(s, 1, record.strategy);
  bind_text(s, 2, record.symbol.view());
  bind_text(s, 3, record.reason);
  sqlite3_bind_int64(s, 4, record.time_ns);
  return step_done(s);
}

bool Journal::write_signal(const SignalRow& row) {
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

bool Journal::write_trading_state(const TradingStateRow& row) {
  for (sqlite3_stmt* s : {upsert_state_, insert_state_history_}) {
    bind_text(s, 1, row.scope);
    bind_text(s, 2, row.state);
    bind_text(s, 3, row.reason);
    sqlite3_bind_int64(s, 4, row.time_ns);
    if (!step_done(s)) return false;
  }
  return true;
}

bool Journal::write_account_event(const AccountEventRow& row) {
  sqlite3_stmt* s = insert_account_event_;
  bind_text(s, 1, row.kind == AccountEventKind::kFunding ? "FUNDING" : "VENUE_FILL");
  sqlite3_bind_int(s, 2, row.instrument);
  sqlite3_bind_int64(s, 3, row.event_id);
  bind_text(s, 4, row.client_order_id.view());
  bind_text(s, 5, to_string(row.side));
  sqlite3_bind_int64(s, 6, row.price.raw);
  sqlite3_bind_int64(s, 7, row.quantity.raw);
  sqlite3_bind_int64(s, 8, row.amount.raw);
  sqlite3_bind_int64(s, 9, row.fee.raw);
  sqlite3_bind_int64(s, 10, row.time_ns);
  return step_done(s);
}

bool Journal::write_risk_mark(const RiskMarkRecord& record) {
  sqlite3_stmt* s = upsert_mark_;
  bind_text(s, 1, record.name);
  sqlite3_bind_int64(s, 2, record.value);
  sqlite3_bind_int64(s, 3, record.time_ns);
  return step_done(s);
}

// ---- reads (core thread, writer idle) ----

std::vector<TradingStateRow> Journal::load_trading_states() {
  flush();
  std::vector<TradingStateRow> rows;
  sqlite3_stmt* s =
      prepare("SELECT scope, state, reason, time_ns FROM trading_states ORDER BY scope;");
  if (s == nullptr) return rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    rows.push_back({std::string(column_text(s, 0)), std::string(column_text(s, 1)),
                    std::string(column_text(s, 2)), sqlite3_column_int64(s, 3)});
  }
  sqlite3_finalize(s);
  return rows;
}

std::vector<AccountEventRow> Journal::load_account_events() {
  flush();
  std::vector<AccountEventRow> rows;
  sqlite3_stmt* s = prepare(
      "SELECT kind, instrument, event_id, client_order_id, side, price, quantity, amount, fee, "
      "time_ns FROM account_events ORDER BY rowid;");
  if (s == nullptr) return rows;
  while (sqlite3_step(s) == SQLITE_ROW) {
    AccountEventRow row{};
    row.kind =
        column_text(s, 0) == "FUNDING" ? AccountEventKind::kFunding : AccountEventKind::kVenueFill;
    row.instrument = static_cast<InstrumentId>(sqlite3_column_int(s, 1));
    row.event_id = sqlite3_column_int64(s, 2);
    row.client_order_id = ClientOrderId::from(column_text(s, 3));
    row.side = column_text(s, 4) == "BUY" ? Side::kBuy : Side::kSell;
    row.price = Price{sqlite3_column_int64(s, 5)};
    row.quantity = Quantity{sqlite3_column_int64(s, 6)};
    row.amount = Money{sqlite3_column_int64(s, 7)};
    row.fee = Money{sqlite3_column_int64(s, 8)};
    row.time_ns = sqlite3_column_int64(s, 9);
    rows.push_back(row);
  }
  sqlite3_finalize(s);
  return rows;
}

std::int64_t Journal::load_risk_mark(std::string_view name, std::int64_t otherwise) {
  flush();
  sqlite3_stmt* s = prepare("SELECT value FROM risk_marks WHERE name = ?1;");
  if (s == nullptr) return otherwise;
  bind_text(s, 1, name);
  std::int64_t value = otherwise;
  if (sqlite3_step(s) == SQLITE_ROW) value = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return value;
}

std::vector<SignalRow> Journal::load_signals() {
  std::vector<SignalRow> rows;
  flush();
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
  flush();
  sqlite3_stmt* s = prepare(
      "SELECT client_order_id, strategy, instrument, side, type, time_in_force, price, quantity, "
      "intent_key, sequence, state, filled_quantity, filled_notional, fees, venue_order_id, "
      "created_ns, updated_ns, reduce_only FROM orders ORDER BY created_ns, rowid;");
  if (s == nullptr) return orders;
  while (sqlite3_step(s) == SQLITE_ROW) {
    Order order;
    order.client_order_id = ClientOrderId::from(column_text(s, 0));
    order.strategy = static_cast<StrategyId>(sqlite3_column_int(s, 1));
    order.instrument = static_cast<InstrumentId>(sqlite3_column_int(s, 2));
    order.side = column_text(s, 3) == "BUY" ? Side::kBuy : Side::kSell;
    order.type = column_text(s, 4) == "MARKET" ? OrderType::kMarket : OrderType::kLimit;
    order.time_in_force =
        column_text(s, 5) == "GTC" ? TimeInForce::kGoodTillCancel : TimeInForce::kImmediateOrCancel;
    order.price = Price{sqlite3_column_int64(s, 6)};
    order.quantity = Quantity{sqlite3_column_int64(s, 7)};
    order.intent = IntentKey{static_cast<std::uint64_t>(sqlite3_column_int64(s, 8))};
    order.sequence = static_cast<std::uint32_t>(sqlite3_column_int64(s, 9));
    // open() refused a journal with an order in a state that does not exist.
    order.state = order_state_from_string(column_text(s, 10)).value_or(OrderState::kUnknown);
    order.filled_quantity = Quantity{sqlite3_column_int64(s, 11)};
    order.filled_notional = Money{sqlite3_column_int64(s, 12)};
    order.fees = Money{sqlite3_column_int64(s, 13)};
    order.venue_order_id = static_cast<VenueOrderId>(sqlite3_column_int64(s, 14));
    order.created_time_ns = sqlite3_column_int64(s, 15);
    order.updated_time_ns = sqlite3_column_int64(s, 16);
    order.reduce_only = sqlite3_column_int64(s, 17) != 0;
    orders.push_back(order);
  }
  sqlite3_finalize(s);
  return orders;
}

std::vector<FillRow> Journal::load_fills() {
  std::vector<FillRow> fills;
  flush();
  sqlite3_stmt* s = prepare(
      "SELECT f.instrument, f.trade_id, f.client_order_id, o.side, f.price, f.quantity, f.fee, "
      "f.time_ns, f.fee_kind, f.fee_asset, f.fee_quantity FROM fills f JOIN orders o "
      "ON o.client_order_id = f.client_order_id ORDER BY f.rowid;");
  if (s == nullptr) return fills;
  while (sqlite3_step(s) == SQLITE_ROW) {
    FillRow row;
    row.instrument = static_cast<InstrumentId>(sqlite3_column_int(s, 0));
    row.trade_id = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
    row.client_order_id = ClientOrderId::from(column_text(s, 2));
    row.side = column_text(s, 3) == "BUY" ? Side::kBuy : Side::kSell;
    row.price = Price{sqlite3_column_int64(s, 4)};
    row.quantity = Quantity{sqlite3_column_int64(s, 5)};
    row.fee.value = Money{sqlite3_column_int64(s, 6)};
    row.time_ns = sqlite3_column_int64(s, 7);
    row.fee.asset = fee_kind_from_text(column_text(s, 8)).value_or(FeeAsset::kQuote);
    row.fee.other_asset = AssetCode::from(column_text(s, 9).substr(0, 12));
    row.fee.quantity = Quantity{sqlite3_column_int64(s, 10)};
    fills.push_back(row);
  }
  sqlite3_finalize(s);
  return fills;
}

std::set<std::string, std::less<>> Journal::acknowledged_orders() {
  flush();
  std::set<std::string, std::less<>> ids;
  sqlite3_stmt* s =
      prepare("SELECT substr(name, 14) FROM journal_meta WHERE name LIKE 'acknowledged:%';");
  if (s == nullptr) return ids;
  while (sqlite3_step(s) == SQLITE_ROW) ids.emplace(column_text(s, 0));
  sqlite3_finalize(s);
  return ids;
}

bool Journal::acknowledge_order(std::string_view client_order_id, std::string_view decision,
                                TimeNs time_ns) {
  if (!flush()) return false;  // the writer is idle from here: this connection is ours
  sqlite3_stmt* s = prepare("INSERT OR REPLACE INTO journal_meta (name, value) VALUES (?1, ?2);");
  if (s == nullptr) return false;
  bind_text(s, 1, "acknowledged:" + std::string(client_order_id));
  bind_text(s, 2, fmt::format("{} at {}", decision, time_ns));
  const bool done = sqlite3_step(s) == SQLITE_DONE;
  if (!done) set_error(sqlite3_errmsg(database_));
  sqlite3_finalize(s);
  return done;
}

bool Journal::copy_to(const std::filesystem::path& path, std::string& error) {
  if (!flush()) {
    error = "journal: " + last_error();
    return false;
  }
  std::error_code ignored;
  std::filesystem::remove(path, ignored);
  std::string quoted;
  for (const char c : path.string()) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  if (!execute(fmt::format("VACUUM INTO '{}';", quoted).c_str())) {
    error = "cannot copy the journal to " + path.string() + ": " + last_error();
    return false;
  }
  return true;
}

std::int64_t Journal::count_rows(std::string_view table) {
  flush();
  const std::string sql = "SELECT COUNT(*) FROM " + std::string(table) + ";";
  sqlite3_stmt* s = prepare(sql.c_str());
  if (s == nullptr) return -1;
  std::int64_t count = -1;
  if (sqlite3_step(s) == SQLITE_ROW) count = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  return count;
}

}  // namespace sigex
