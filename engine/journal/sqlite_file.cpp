#include "engine/journal/sqlite_file.h"

#include <sqlite3.h>

namespace sigex {

sqlite3* open_sqlite_file(const std::filesystem::path& state_dir, std::string_view file_name,
                          const char* schema, std::string_view what, std::string& error) {
  std::error_code ignored;
  std::filesystem::create_directories(state_dir, ignored);
  const std::string path = (state_dir / file_name).string();
  sqlite3* database = nullptr;
  if (sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    error = "cannot open " + std::string(what) + " " + path + ": " + sqlite3_errmsg(database);
    sqlite3_close(database);
    return nullptr;
  }
  sqlite3_busy_timeout(database, 5000);
  const std::string pragmas =
      std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;") + schema;
  char* message = nullptr;
  if (sqlite3_exec(database, pragmas.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    error = "cannot prepare " + std::string(what) + " " + path + ": " + (message ? message : "?");
    sqlite3_free(message);
    sqlite3_close(database);
    return nullptr;
  }
  return database;
}

SqliteStatement::SqliteStatement(sqlite3* database, const char* sql) {
  sqlite3_prepare_v2(database, sql, -1, &statement_, nullptr);
}

SqliteStatement::~SqliteStatement() { sqlite3_finalize(statement_); }

void SqliteStatement::text(int index, std::string_view value) {
  sqlite3_bind_text(statement_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
}

void SqliteStatement::integer(int index, std::int64_t value) {
  sqlite3_bind_int64(statement_, index, value);
}

bool SqliteStatement::step_row() { return sqlite3_step(statement_) == SQLITE_ROW; }
bool SqliteStatement::step_done() { return sqlite3_step(statement_) == SQLITE_DONE; }

std::int64_t SqliteStatement::column_integer(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string SqliteStatement::column_text(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

}  // namespace sigex
