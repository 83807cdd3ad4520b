#include "adapters/webhook/inbox.h"

#include <sqlite3.h>

#include "engine/journal/sqlite_file.h"

namespace sigex {

std::unique_ptr<WebhookInbox> WebhookInbox::open(const std::filesystem::path& state_dir,
                                                 std::string& error) {
  sqlite3* database = open_sqlite_file(
      state_dir, "webhook.db",
      "CREATE TABLE IF NOT EXISTS webhook_requests (nonce TEXT PRIMARY KEY, source TEXT NOT NULL,"
      " timestamp_ns INTEGER NOT NULL, receive_ns INTEGER NOT NULL, body TEXT NOT NULL);"
      "CREATE INDEX IF NOT EXISTS webhook_requests_by_time ON webhook_requests (receive_ns);",
      "the webhook inbox", error);
  if (database == nullptr) return nullptr;
  return std::unique_ptr<WebhookInbox>(new WebhookInbox(database));
}

WebhookInbox::~WebhookInbox() { sqlite3_close(database_); }

WebhookInbox::Admit WebhookInbox::admit(std::string_view nonce, std::string_view source,
                                        TimeNs timestamp_ns, TimeNs receive_ns,
                                        std::string_view body, std::string& error) {
  SqliteStatement insert(
      database_,
      "INSERT INTO webhook_requests (nonce, source, timestamp_ns, receive_ns, body) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (nonce) DO NOTHING");
  insert.text(1, nonce);
  insert.text(2, source);
  insert.integer(3, timestamp_ns);
  insert.integer(4, receive_ns);
  insert.text(5, body);
  if (!insert.step_done()) {
    error = std::string("the webhook inbox cannot write: ") + sqlite3_errmsg(database_);
    return Admit::kFailed;
  }
  return sqlite3_changes(database_) == 1 ? Admit::kAccepted : Admit::kReplayed;
}

void WebhookInbox::withdraw(std::string_view nonce) {
  SqliteStatement remove(database_, "DELETE FROM webhook_requests WHERE nonce = ?");
  remove.text(1, nonce);
  remove.step_done();
}

std::vector<WebhookInbox::Entry> WebhookInbox::since(TimeNs from_ns) const {
  SqliteStatement select(database_,
                         "SELECT nonce, timestamp_ns, receive_ns, body FROM webhook_requests "
                         "WHERE receive_ns >= ? ORDER BY receive_ns, rowid");
  select.integer(1, from_ns);
  std::vector<Entry> entries;
  while (select.step_row()) {
    Entry entry;
    entry.nonce = select.column_text(0);
    entry.timestamp_ns = select.column_integer(1);
    entry.receive_ns = select.column_integer(2);
    entry.body = select.column_text(3);
    entries.push_back(std::move(entry));
  }
  return entries;
}

std::int64_t WebhookInbox::prune(TimeNs before_ns) {
  SqliteStatement remove(database_, "DELETE FROM webhook_requests WHERE receive_ns < ?");
  remove.integer(1, before_ns);
  remove.step_done();
  return sqlite3_changes(database_);
}

}  // namespace sigex
