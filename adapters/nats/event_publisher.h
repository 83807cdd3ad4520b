#pragma once

// [service] publish_events: this engine's journal — order events, fills, account events
// (funding, the venue's own fills) and positions — published to a JetStream stream, so that one
// dashboard or risk monitor can watch every engine of a desk.
//
// It never blocks the core and never decides anything: a thread of its own reads the journal
// (the source of truth) through its own read-only SQLite connection and publishes what is new.
// While NATS is down nothing is lost: the journal keeps everything and the publisher catches up
// when the server is back. Each message names its journal row (header Sigex-Row) and has the
// message id <engine>.<kind>.<row>; after a restart the publisher resumes after the last row the
// stream holds for this engine, and a message sent twice inside the stream's duplicate window is
// dropped by the server, so a watcher sees each event once.
//
//   <events_subject>.<engine>.order     {"engine","row","client_order_id","event","state",...}
//   <events_subject>.<engine>.fill      {"engine","row","client_order_id","symbol","price",...}
//   <events_subject>.<engine>.account   {"engine","row","kind","symbol","amount",...}
//   <events_subject>.<engine>.position  {"engine","symbol","quantity","realised_pnl",...}
//
// Prices and quantities are decimal strings at the instrument's scale, money at 8 decimals.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/nats/config.h"
#include "engine/core/instrument.h"
#include "engine/ports/reporting_component.h"

struct sqlite3;

namespace sigex {

class NatsConnection;

struct EventPublisherCounters {
  std::atomic<std::uint64_t> published{0};   // messages the stream acknowledged
  std::atomic<std::uint64_t> duplicates{0};  // ... of which it had already (resent after an outage)
  std::atomic<std::uint64_t> failures{0};    // publishes or connections that failed
  std::atomic<bool> connected{false};
  std::atomic<TimeNs> last_published_ns{0};
};

class EventPublisher final : public ReportingComponent {
 public:
  // `engine`: this engine's name in subjects (config.engine, or the journal's identity).
  EventPublisher(NatsConfig config, std::filesystem::path journal_path, std::string engine,
                 std::vector<Instrument> instruments);
  ~EventPublisher() override;
  EventPublisher(const EventPublisher&) = delete;
  EventPublisher& operator=(const EventPublisher&) = delete;

  // Opens the journal read-only and starts the thread; false with the reason (a NATS server
  // that does not answer is not one: the thread connects when it can).
  bool start(std::string& error);
  // Publishes what the journal holds now (when connected), then stops the thread.
  void stop();
  // Waits at most `timeout_ns` until `count` messages were acknowledged since start (tests and
  // tools that hand the journal rows and wait for them to be out); true when they were.
  bool wait_for_published(std::uint64_t count, DurationNs timeout_ns);
  // The same for the first failure to connect or publish (a server down at start).
  bool wait_for_failure(DurationNs timeout_ns);

  const EventPublisherCounters& counters() const { return counters_; }
  const std::string& engine() const { return engine_; }

  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;

 private:
  struct Table;
  void run();
  // Wakes the waiters of wait_for_published() and wait_for_failure() after a turn.
  void end_turn();
  bool connect(std::string& error);
  // Publishes every row past the table's cursor; false when NATS failed.
  bool publish_new(Table& table, std::string& error);
  bool publish_positions(bool all, std::string& error);
  std::string subject(std::string_view kind) const;

  NatsConfig config_;
  std::filesystem::path journal_path_;
  std::string engine_;
  std::vector<Instrument> instruments_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<NatsConnection> nats_;
  std::vector<std::unique_ptr<Table>> tables_;
  std::map<std::int64_t, std::int64_t> positions_published_;  // instrument -> time_ns
  EventPublisherCounters counters_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable published_;  // after each turn of the thread
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sigex
