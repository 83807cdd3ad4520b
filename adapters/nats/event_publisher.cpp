#include "adapters/nats/event_publisher.h"

#include <sqlite3.h>

#include <chrono>
#include <functional>

#include <fmt/format.h>

#include "adapters/nats/connection.h"
#include "engine/core/decimal.h"
#include "engine/core/json_text.h"
#include "engine/core/money.h"
#include "engine/logging/log.h"
#include "engine/status/daemon_status.h"

namespace sigex {
namespace {

constexpr int kBatchRows = 256;

std::string text_column(sqlite3_stmt* statement, int column) {
  const unsigned char* text = sqlite3_column_text(statement, column);
  return text == nullptr ? std::string() : reinterpret_cast<const char*>(text);
}

}  // namespace

// One journal table published row by row: its kind, the query of the rows past a cursor
// (the cursor bound as ?1, the row number as column 0) and the JSON of one row.
struct EventPublisher::Table {
  std::string kind;
  std::string query;
  std::function<std::string(sqlite3_stmt*)> json;
  std::int64_t cursor = 0;  // the last row published
};

EventPublisher::EventPublisher(NatsConfig config, std::filesystem::path journal_path,
                               std::string engine, std::vector<Instrument> instruments)
    : config_(std::move(config)),
      journal_path_(std::move(journal_path)),
      engine_(std::move(engine)),
      instruments_(std::move(instruments)) {
  const auto instrument = [this](std::int64_t id) -> const Instrument* {
    return id >= 0 && static_cast<std::size_t>(id) < instruments_.size() ? &instruments_[id]
                                                                         : nullptr;
  };
  const auto price = [instrument](std::int64_t id, std::int64_t raw) {
    const Instrument* found = instrument(id);
    return format_decimal(raw, found ? found->price_scale : 8);
  };
  const auto quantity = [instrument](std::int64_t id, std::int64_t raw) {
    const Instrument* found = instrument(id);
    return format_decimal(raw, found ? found->quantity_scale : 8);
  };
  const auto symbol = [instrument](std::int64_t id) {
    const Instrument* found = instrument(id);
    return found ? std::string(found->symbol.view()) : std::to_string(id);
  };
  auto order = std::make_unique<Table>();
  order->kind = "order";
  order->query =
      "SELECT e.id, e.client_order_id, e.event, e.state, e.venue_error, e.time_ns, "
      "o.instrument, o.side, o.type, o.price, o.quantity, o.filled_quantity "
      "FROM order_events e LEFT JOIN orders o ON o.client_order_id = e.client_order_id "
      "WHERE e.id > ?1 ORDER BY e.id LIMIT 256";
  order->json = [this, price, quantity, symbol](sqlite3_stmt* row) {
    const std::int64_t id = sqlite3_column_int64(row, 6);
    return fmt::format(
        R"({{"engine":"{}","row":{},"client_order_id":"{}","event":"{}","state":"{}",)"
        R"("venue_error":{},"time_ns":{},"symbol":"{}","side":"{}","type":"{}","price":"{}",)"
        R"("quantity":"{}","filled_quantity":"{}"}})",
        json_escape(engine_), sqlite3_column_int64(row, 0), json_escape(text_column(row, 1)),
        json_escape(text_column(row, 2)), json_escape(text_column(row, 3)),
        sqlite3_column_int64(row, 4), sqlite3_column_int64(row, 5), json_escape(symbol(id)),
        json_escape(text_column(row, 7)), json_escape(text_column(row, 8)),
        price(id, sqlite3_column_int64(row, 9)), quantity(id, sqlite3_column_int64(row, 10)),
        quantity(id, sqlite3_column_int64(row, 11)));
  };
  auto fill = std::make_unique<Table>();
  fill->kind = "fill";
  fill->query =
      "SELECT rowid, instrument, trade_id, client_order_id, price, quantity, fee, liquidity, "
      "time_ns, fee_kind, fee_asset, fee_quantity FROM fills WHERE rowid > ?1 ORDER BY rowid "
      "LIMIT 256";
  fill->json = [this, price, quantity, symbol](sqlite3_stmt* row) {
    const std::int64_t id = sqlite3_column_int64(row, 1);
    return fmt::format(
        R"({{"engine":"{}","row":{},"symbol":"{}","trade_id":{},"client_order_id":"{}",)"
        R"("price":"{}","quantity":"{}","fee":"{}","liquidity":"{}","time_ns":{},)"
        R"("fee_kind":"{}","fee_asset":"{}","fee_quantity":"{}"}})",
        json_escape(engine_), sqlite3_column_int64(row, 0), json_escape(symbol(id)),
        sqlite3_column_int64(row, 2), json_escape(text_column(row, 3)),
        price(id, sqlite3_column_int64(row, 4)), quantity(id, sqlite3_column_int64(row, 5)),
        format_decimal(sqlite3_column_int64(row, 6), kMoneyScale), json_escape(text_column(row, 7)),
        sqlite3_column_int64(row, 8), json_escape(text_column(row, 9)),
        json_escape(text_column(row, 10)), format_decimal(sqlite3_column_int64(row, 11), 8));
  };
  auto account = std::make_unique<Table>();
  account->kind = "account";
  account->query =
      "SELECT rowid, kind, instrument, event_id, client_order_id, side, price, quantity, amount, "
      "fee, time_ns FROM account_events WHERE rowid > ?1 ORDER BY rowid LIMIT 256";
  account->json = [this, price, quantity, symbol](sqlite3_stmt* row) {
    const std::int64_t id = sqlite3_column_int64(row, 2);
    return fmt::format(
        R"({{"engine":"{}","row":{},"kind":"{}","symbol":"{}","event_id":{},)"
        R"("client_order_id":"{}","side":"{}","price":"{}","quantity":"{}","amount":"{}",)"
        R"("fee":"{}","time_ns":{}}})",
        json_escape(engine_), sqlite3_column_int64(row, 0), json_escape(text_column(row, 1)),
        json_escape(symbol(id)), sqlite3_column_int64(row, 3), json_escape(text_column(row, 4)),
        json_escape(text_column(row, 5)), price(id, sqlite3_column_int64(row, 6)),
        quantity(id, sqlite3_column_int64(row, 7)),
        format_decimal(sqlite3_column_int64(row, 8), kMoneyScale),
        format_decimal(sqlite3_column_int64(row, 9), kMoneyScale), sqlite3_column_int64(row, 10));
  };
  tables_.push_back(std::move(order));
  tables_.push_back(std::move(fill));
  tables_.push_back(std::move(account));
}

EventPublisher::~EventPublisher() {
  stop();
  if (db_ != nullptr) sqlite3_close(db_);
}

bool EventPublisher::start(std::string& error) {
  const int opened = sqlite3_open_v2(journal_path_.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr);
  if (opened != SQLITE_OK) {
    error = fmt::format("publish_events: cannot read the journal {}: {}", journal_path_.string(),
                        db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(opened));
    return false;
  }
  sqlite3_busy_timeout(db_, 1000);
  thread_ = std::thread([this] { run(); });
  return true;
}

void EventPublisher::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool EventPublisher::wait_for_published(std::uint64_t count, DurationNs timeout_ns) {
  std::unique_lock lock(mutex_);
  return published_.wait_for(lock, std::chrono::nanoseconds(timeout_ns),
                             [&] { return counters_.published.load() >= count; });
}

bool EventPublisher::wait_for_failure(DurationNs timeout_ns) {
  std::unique_lock lock(mutex_);
  return published_.wait_for(lock, std::chrono::nanoseconds(timeout_ns),
                             [&] { return counters_.failures.load() >= 1; });
}

std::string EventPublisher::subject(std::string_view kind) const {
  return fmt::format("{}.{}.{}", config_.events_subject, engine_, kind);
}

bool EventPublisher::connect(std::string& error) {
  nats_ = NatsConnection::connect(config_, error);
  if (!nats_) return false;
  if (!nats_->ensure_stream(config_.events_stream, {config_.events_subject + ".>"},
                            config_.duplicate_window_ns, config_.events_max_age_ns, error)) {
    nats_.reset();
    return false;
  }
  // Resume after the last row the stream holds for this engine.
  for (auto& table : tables_) {
    const auto last =
        nats_->last_header(config_.events_stream, subject(table->kind), "Sigex-Row", error);
    if (!last && !error.empty()) {
      nats_.reset();
      return false;
    }
    table->cursor = last ? std::stoll(*last) : 0;
  }
  positions_published_.clear();
  return true;
}

bool EventPublisher::publish_new(Table& table, std::string& error) {
  for (;;) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, table.query.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      error = fmt::format("publish_events: journal {}: {}", table.kind, sqlite3_errmsg(db_));
      sqlite3_finalize(statement);
      return true;  // a journal being created or migrated: read again at the next turn
    }
    sqlite3_bind_int64(statement, 1, table.cursor);
    int rows = 0;
    bool ok = true;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      ++rows;
      const std::int64_t row = sqlite3_column_int64(statement, 0);
      bool duplicate = false;
      if (!nats_->publish(subject(table.kind), table.json(statement),
                          fmt::format("{}.{}.{}", engine_, table.kind, row),
                          {{"Sigex-Row", std::to_string(row)}}, duplicate, error)) {
        ok = false;
        break;
      }
      table.cursor = row;
      counters_.published.fetch_add(1, std::memory_order_relaxed);
      if (duplicate) counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
    }
    sqlite3_finalize(statement);
    if (!ok) return false;
    if (rows < kBatchRows) return true;
  }
}

bool EventPublisher::publish_positions(bool all, std::string& error) {
  sqlite3_stmt* statement = nullptr;
  const char* query =
      "SELECT instrument, symbol, quantity, cost_basis, realised_pnl, fees, time_ns FROM positions";
  if (sqlite3_prepare_v2(db_, query, -1, &statement, nullptr) != SQLITE_OK) {
    sqlite3_finalize(statement);
    return true;
  }
  bool ok = true;
  while (sqlite3_step(statement) == SQLITE_ROW) {
    const std::int64_t id = sqlite3_column_int64(statement, 0);
    const std::int64_t time_ns = sqlite3_column_int64(statement, 6);
    const auto published = positions_published_.find(id);
    if (!all && published != positions_published_.end() && published->second == time_ns) continue;
    const int scale = id >= 0 && static_cast<std::size_t>(id) < instruments_.size()
                          ? instruments_[id].quantity_scale
                          : 8;
    const std::string json = fmt::format(
        R"({{"engine":"{}","symbol":"{}","quantity":"{}","cost_basis":"{}","realised_pnl":"{}",)"
        R"("fees":"{}","time_ns":{}}})",
        json_escape(engine_), json_escape(text_column(statement, 1)),
        format_decimal(sqlite3_column_int64(statement, 2), scale),
        format_decimal(sqlite3_column_int64(statement, 3), kMoneyScale),
        format_decimal(sqlite3_column_int64(statement, 4), kMoneyScale),
        format_decimal(sqlite3_column_int64(statement, 5), kMoneyScale), time_ns);
    bool duplicate = false;
    if (!nats_->publish(subject("position"), json,
                        fmt::format("{}.position.{}.{}", engine_, id, time_ns), {}, duplicate,
                        error)) {
      ok = false;
      break;
    }
    positions_published_[id] = time_ns;
    counters_.published.fetch_add(1, std::memory_order_relaxed);
    if (duplicate) counters_.duplicates.fetch_add(1, std::memory_order_relaxed);
  }
  sqlite3_finalize(statement);
  return ok;
}

void EventPublisher::end_turn() {
  {
    std::lock_guard lock(mutex_);  // a waiter checks under the lock: no wake-up is lost
  }
  published_.notify_all();
}

void EventPublisher::run() {
  // The client keeps per-thread memory (its error stack, filled by a failed connect): released
  // when this thread ends, or it would outlive it.
  struct ThreadMemory {
    ~ThreadMemory() { nats_ReleaseThreadMemory(); }
  } release_at_exit;
  std::string last_problem;
  bool positions_all = true;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, std::chrono::nanoseconds(config_.poll_interval_ns),
                     [this] { return stopping_; });
      stopping = stopping_;
    }
    std::string error;
    if (!nats_ || !nats_->connected()) {
      if (nats_ && !nats_->connected()) {
        // The client reconnects by itself; its cursors stay right meanwhile.
      } else if (!connect(error)) {
        counters_.failures.fetch_add(1, std::memory_order_relaxed);
        if (error != last_problem) log_warn("publish_events: {}; retrying", error);
        last_problem = error;
        counters_.connected.store(false);
        end_turn();
        if (stopping) return;
        continue;
      } else {
        positions_all = true;
        log_info("publish_events: publishing to {} on {} as engine {}", config_.events_stream,
                 config_.url, engine_);
      }
    }
    counters_.connected.store(nats_ && nats_->connected());
    bool ok = nats_ && nats_->connected();
    for (auto& table : tables_) {
      if (ok) ok = publish_new(*table, error);
    }
    if (ok) ok = publish_positions(positions_all, error);
    if (ok) {
      positions_all = false;
      last_problem.clear();
      counters_.last_published_ns.store(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
    } else if (!error.empty()) {
      counters_.failures.fetch_add(1, std::memory_order_relaxed);
      if (error != last_problem) log_warn("publish_events: {}; publishing again later", error);
      last_problem = error;
      // The stream is asked again where it stands once the connection is back.
      nats_.reset();
    }
    end_turn();
    if (stopping) return;
  }
}

void EventPublisher::write_metrics(MetricsExposition& out, TimeNs) const {
  out.single("sigex_events_connected", "gauge",
             "1 while the event publisher is connected to NATS ([service] publish_events).",
             counters_.connected.load() ? 1 : 0);
  out.single("sigex_events_published_total", "counter",
             "Journal events published to the NATS events stream (acknowledged by it).",
             static_cast<double>(counters_.published.load()));
  out.single("sigex_events_duplicates_total", "counter",
             "Of those, messages the stream already had (sent again after an outage).",
             static_cast<double>(counters_.duplicates.load()));
  out.single("sigex_events_failures_total", "counter",
             "Connections to NATS or publishes that failed (the journal keeps the events).",
             static_cast<double>(counters_.failures.load()));
}

void EventPublisher::write_status(DaemonStatus& status, TimeNs) const {
  status.events_publisher = fmt::format("{} to {} as {}, {} published",
                                        counters_.connected.load() ? "connected" : "NOT connected",
                                        config_.events_stream, engine_, counters_.published.load());
}

}  // namespace sigex
