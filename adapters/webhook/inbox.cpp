#include "adapters/webhook/inbox.h"

#include <sqlite3.h>

namespace sigex {
namespace {

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* database, const char* sql) {
    sqlite3_prepare_v2(database, sql, -1, &statement_, nullptr);
  }
  ~Statement() { sqlite3_finalize(statement_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  sqlite3_stmt* get() const { return statement_; }
  void text(int index, std::string_view value) {
    sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                      SQLITE_TRANSIENT);
  }
  void integer(int index, std::int64_t value) { sqlite3_bind_int64(statement_, index, value); }

 private:
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace

std::unique_ptr<WebhookInbox> WebhookInbox::open(const std::filesystem::path& state_dir,
                                                 std::string& error) {
  std::error_code ignored;
  std::filesystem::create_directories(state_dir, ignored);
  const std::string path = (state_dir / "webhook.db").string();
  sqlite3* database = nullptr;
  if (sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    error = "cannot open the webhook inbox " + path + ": " + sqlite3_errmsg(database);
    sqlite3_close(database);
    return nullptr;
  }
  sqlite3_busy_timeout(database, 5000);
  char* message = nullptr;
  const char* schema =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS webhook_requests (nonce TEXT PRIMARY KEY, source TEXT NOT NULL,"
      " timestamp_ns INTEGER NOT NULL, receive_ns INTEGER NOT NULL, body TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS webhook_requests_by_time ON webhook_requests (receive_ns);";
  if (sqlite3_exec(database, schema, nullptr, nullptr, &message) != SQLITE_OK) {
    error = "cannot prepare the webhook inbox " + path + ": " + (message ? message : "?");
    sqlite3_free(message);
    sqlite3_close(database);
    return nullptr;
  }
  return std::unique_ptr<WebhookInbox>(new WebhookInbox(database));
}

WebhookInbox::~WebhookInbox() { sqlite3_close(database_); }

WebhookInbox::Admit WebhookInbox::admit(std::string_view nonce, std::string_view source,
                                        TimeNs timestamp_ns, TimeNs receive_ns,
                                        std::string_view body, std::string& error) {
  Statement insert(database_,
                   "INSERT INTO webhook_requests (nonce, source, timestamp_ns, receive_ns, body) "
                   "VALUES (?, ?, ?, ?, ?) ON CONFLICT (nonce) DO NOTHING");
  insert.text(1, nonce);
  insert.text(2, source);
  insert.integer(3, timestamp_ns);
  insert.integer(4, receive_ns);
  insert.text(5, body);
  if (sqlite3_step(insert.get()) != SQLITE_DONE) {
    error = std::string("the webhook inbox cannot write: ") + sqlite3_errmsg(database_);
    return Admit::kFailed;
  }
  return sqlite3_changes(database_) == 1 ? Admit::kAccepted : Admit::kReplayed;
}

void WebhookInbox::withdraw(std::string_view nonce) {
  Statement remove(database_, "DELETE FROM webhook_requests WHERE nonce = ?");
  remove.text(1, nonce);
  sqlite3_step(remove.get());
}

std::vector<WebhookInbox::Entry> WebhookInbox::since(TimeNs from_ns) const {
  Statement select(database_,
                   "SELECT nonce, timestamp_ns, receive_ns, body FROM webhook_requests "
                   "WHERE receive_ns >= ? ORDER BY receive_ns, rowid");
  select.integer(1, from_ns);
  std::vector<Entry> entries;
  while (sqlite3_step(select.get()) == SQLITE_ROW) {
    Entry entry;
    entry.nonce = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 0));
    entry.timestamp_ns = sqlite3_column_int64(select.get(), 1);
    entry.receive_ns = sqlite3_column_int64(select.get(), 2);
    entry.body = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 3));
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::int64_t WebhookInbox::prune(TimeNs before_ns) {
  Statement remove(database_, "DELETE FROM webhook_requests WHERE receive_ns < ?");
  remove.integer(1, before_ns);
  sqlite3_step(remove.get());
  return sqlite3_changes(database_);
}

std::int64_t WebhookInbox::size() const {
  Statement count(database_, "SELECT COUNT(*) FROM webhook_requests");
  return sqlite3_step(count.get()) == SQLITE_ROW ? sqlite3_column_int64(count.get(), 0) : 0;
}

}  // namespace sigex
