#include "adapters/token_metrics/call_budget.h"

#include <sqlite3.h>

#include "engine/journal/sqlite_file.h"

#include "engine/core/calendar.h"
#include "engine/logging/log.h"

namespace sigex {

std::string utc_month(TimeNs time_ns) { return format_utc_date(time_ns).substr(0, 7); }

std::unique_ptr<CallBudget> CallBudget::open(const std::filesystem::path& state_dir,
                                             std::string provider, std::int64_t monthly_limit,
                                             int warn_percent, std::string& error) {
  // A file of its own: the poller thread writes it while the core writes the journal, and
  // the journal must never wait on a lock.
  sqlite3* database = open_sqlite_file(
      state_dir, "api_calls.db",
      "CREATE TABLE IF NOT EXISTS api_calls (provider TEXT NOT NULL, month TEXT NOT NULL,"
      " calls INTEGER NOT NULL, PRIMARY KEY (provider, month));",
      "call budget in", error);
  if (database == nullptr) return nullptr;
  return std::unique_ptr<CallBudget>(
      new CallBudget(database, std::move(provider), monthly_limit, warn_percent));
}

CallBudget::CallBudget(sqlite3* database, std::string provider, std::int64_t limit,
                       int warn_percent)
    : database_(database),
      provider_(std::move(provider)),
      limit_(limit),
      warn_percent_(warn_percent) {}

CallBudget::~CallBudget() { sqlite3_close(database_); }

std::int64_t CallBudget::used(TimeNs now_ns) {
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(database_, "SELECT calls FROM api_calls WHERE provider = ? AND month = ?", -1,
                     &statement, nullptr);
  const std::string month = utc_month(now_ns);
  sqlite3_bind_text(statement, 1, provider_.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 2, month.c_str(), -1, SQLITE_TRANSIENT);
  std::int64_t calls = 0;
  if (sqlite3_step(statement) == SQLITE_ROW) calls = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  return calls;
}

bool CallBudget::try_spend(TimeNs now_ns) {
  const std::string month = utc_month(now_ns);
  const std::int64_t calls = used(now_ns);
  if (calls >= limit_) {
    last_error_ = "the monthly Token Metrics call budget (" + std::to_string(limit_) +
                  " calls) is used up for " + month + "; no more calls until next month";
    return false;
  }
  sqlite3_stmt* statement = nullptr;
  sqlite3_prepare_v2(database_,
                     "INSERT INTO api_calls (provider, month, calls) VALUES (?, ?, 1) "
                     "ON CONFLICT (provider, month) DO UPDATE SET calls = calls + 1",
                     -1, &statement, nullptr);
  sqlite3_bind_text(statement, 1, provider_.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(statement, 2, month.c_str(), -1, SQLITE_TRANSIENT);
  const int status = sqlite3_step(statement);
  sqlite3_finalize(statement);
  if (status != SQLITE_DONE) {
    last_error_ = std::string("cannot count a Token Metrics call: ") + sqlite3_errmsg(database_);
    return false;
  }
  if ((calls + 1) * 100 >= limit_ * warn_percent_ && warned_month_ != month) {
    warned_month_ = month;
    log_warn("Token Metrics call budget: {} of {} calls used in {} ({}%)", calls + 1, limit_, month,
             (calls + 1) * 100 / limit_);
  }
  return true;
}

}  // namespace sigex
