#pragma once

// The small SQLite files that live next to the journal, each written by one thread of its own
// so that the journal never waits on their locks: the Token Metrics call budget
// (api_calls.db), the webhook inbox (webhook.db) and the x402 payments (x402_payments.db).
// Each is opened the same way (WAL, synchronous = FULL: a committed row survives a power
// loss) and read through prepared statements that finalize themselves.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace sigex {

// Opens (creating the directory and the file) `state_dir`/`file_name` and runs `schema`
// (CREATE TABLE IF NOT EXISTS ...). nullptr with `error` naming `what` and the path.
sqlite3* open_sqlite_file(const std::filesystem::path& state_dir, std::string_view file_name,
                          const char* schema, std::string_view what, std::string& error);

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* database, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  sqlite3_stmt* get() const { return statement_; }
  void text(int index, std::string_view value);
  void integer(int index, std::int64_t value);
  bool step_row();   // true while a row is there
  bool step_done();  // true when the statement completed
  std::int64_t column_integer(int column) const;
  std::string column_text(int column) const;  // "" for NULL

 private:
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace sigex
