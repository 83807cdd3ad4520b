#include "engine/exe/replay_check_command.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include <fmt/core.h>
#include <fmt/format.h>

#include "adapters/service/instance_lock.h"
#include "engine/core/calendar.h"
#include "engine/core/decimal.h"
#include "engine/exe/session_core.h"
#include "engine/journal/input_log.h"
#include "engine/journal/input_retention.h"
#include "engine/runtime/core_driver.h"

namespace sigex {
namespace {

struct RunReplay {
  std::string file;
  TimeNs start_ns = 0;
  bool paper = true;
  std::uint64_t events = 0;
  std::uint64_t ticks = 0;
  std::uint64_t actions = 0;
  bool clean_end = false;
  bool truncated = false;
};

// The instruments of the last run, for naming them in differences.
std::string symbol_of(const std::vector<Instrument>& instruments, InstrumentId id) {
  return id < instruments.size() ? std::string(instruments[id].symbol.view())
                                 : fmt::format("instrument#{}", id);
}

std::string describe(const Order& order, const std::vector<Instrument>& instruments) {
  const Instrument* instrument =
      order.instrument < instruments.size() ? &instruments[order.instrument] : nullptr;
  const int price_scale = instrument != nullptr ? instrument->price_scale : 8;
  const int quantity_scale = instrument != nullptr ? instrument->quantity_scale : 8;
  return fmt::format(
      "{} {} {} {} @ {} ({})", symbol_of(instruments, order.instrument), to_string(order.side),
      to_string(order.type), format_decimal(order.quantity.raw, quantity_scale),
      order.type == OrderType::kMarket ? std::string("market")
                                       : format_decimal(order.price.raw, price_scale),
      order.client_order_id.view());
}

// Names the fields that differ, in order: "price, quantity"; empty when none does.
class DifferingFields {
 public:
  DifferingFields& check(bool differs, const char* name) {
    if (differs) text_ += text_.empty() ? name : std::string(", ") + name;
    return *this;
  }
  std::string text() const { return text_; }

 private:
  std::string text_;
};

std::string differing_fields(const Order& session, const Order& replay) {
  return DifferingFields()
      .check(session.client_order_id.view() != replay.client_order_id.view(), "client order id")
      .check(session.instrument != replay.instrument, "instrument")
      .check(session.side != replay.side, "side")
      .check(session.type != replay.type, "type")
      .check(session.price != replay.price, "price")
      .check(session.quantity != replay.quantity, "quantity")
      .text();
}

std::string describe(const FillRow& fill, const std::vector<Instrument>& instruments) {
  const Instrument* instrument =
      fill.instrument < instruments.size() ? &instruments[fill.instrument] : nullptr;
  return fmt::format(
      "{} {} {} @ {} fee {} trade {} ({})", symbol_of(instruments, fill.instrument),
      to_string(fill.side),
      format_decimal(fill.quantity.raw, instrument != nullptr ? instrument->quantity_scale : 8),
      format_decimal(fill.price.raw, instrument != nullptr ? instrument->price_scale : 8),
      format_decimal(fill.fee.value.raw, kMoneyScale), fill.trade_id, fill.client_order_id.view());
}

std::string differing_fields(const FillRow& session, const FillRow& replay) {
  return DifferingFields()
      .check(session.client_order_id.view() != replay.client_order_id.view(), "client order id")
      .check(session.instrument != replay.instrument, "instrument")
      .check(session.trade_id != replay.trade_id, "trade id")
      .check(session.side != replay.side, "side")
      .check(session.price != replay.price, "price")
      .check(session.quantity != replay.quantity, "quantity")
      .check(session.fee != replay.fee, "fee")
      .text();
}

std::string describe(const AccountEventRow& event, const std::vector<Instrument>& instruments) {
  const Instrument* instrument =
      event.instrument < instruments.size() ? &instruments[event.instrument] : nullptr;
  if (event.kind == AccountEventKind::kFunding) {
    return fmt::format("{} funding at {}: {}", symbol_of(instruments, event.instrument),
                       format_utc_timestamp(event.event_id), money_text(event.amount));
  }
  return fmt::format(
      "{} venue fill {} {} @ {} fee {} trade {} ({})", symbol_of(instruments, event.instrument),
      to_string(event.side),
      format_decimal(event.quantity.raw, instrument != nullptr ? instrument->quantity_scale : 8),
      format_decimal(event.price.raw, instrument != nullptr ? instrument->price_scale : 8),
      money_text(event.fee), event.event_id, event.client_order_id.view());
}

std::string differing_fields(const AccountEventRow& session, const AccountEventRow& replay) {
  return DifferingFields()
      .check(session.kind != replay.kind, "kind")
      .check(session.instrument != replay.instrument, "instrument")
      .check(session.event_id != replay.event_id, "time or trade id")
      .check(session.side != replay.side, "side")
      .check(session.price != replay.price, "price")
      .check(session.quantity != replay.quantity, "quantity")
      .check(session.amount != replay.amount, "amount")
      .check(session.fee != replay.fee, "fee")
      .text();
}

// The session's rows against the replay's, one by one: every row only one side has, and every
// row whose fields differ, named `what` and its position.
template <typename Row>
void compare_rows(const char* what, const std::vector<Row>& session, const std::vector<Row>& replay,
                  const std::vector<Instrument>& instruments,
                  std::vector<std::string>& differences) {
  for (std::size_t i = 0; i < std::max(session.size(), replay.size()); ++i) {
    if (i >= replay.size()) {
      differences.push_back(
          fmt::format("{} {}: session only: {}", what, i + 1, describe(session[i], instruments)));
    } else if (i >= session.size()) {
      differences.push_back(
          fmt::format("{} {}: replay only: {}", what, i + 1, describe(replay[i], instruments)));
    } else if (const std::string fields = differing_fields(session[i], replay[i]);
               !fields.empty()) {
      differences.push_back(fmt::format("{} {}: {} differ: session {}; replay {}", what, i + 1,
                                        fields, describe(session[i], instruments),
                                        describe(replay[i], instruments)));
    }
  }
}

// Replays one run into `journal`, as the daemon ran it: rebuilt from the journal, then every
// recorded input, tick and operator action in order, segment after segment.
bool replay_run(const std::vector<std::filesystem::path>& segments, Journal& journal,
                RunReplay& run, std::vector<Instrument>& instruments, std::string& error) {
  auto reader = InputLogReader::open(segments.front(), error);
  if (!reader) return false;
  const RunStart& start = reader->start();
  ConfigErrors errors;
  const AppConfig config =
      load_app_config_text(start.config_text, start.config_path, errors, ConfigUse::kReplay);
  if (!errors.empty()) {
    error = fmt::format("{}: the run's recorded configuration ({}) is invalid for this build: {}",
                        reader->path().string(), start.config_path, errors.messages().front());
    return false;
  }
  InstrumentRegistry registry;
  for (const Instrument& instrument : start.instruments) registry.add(instrument);
  instruments = start.instruments;
  SimulatedClock clock(start.start_ns);
  const std::unique_ptr<SimulatedVenue> venue = restore_paper_venue(config, registry, journal);
  SessionCore core = compose_session_core(config, registry, clock, journal, *venue, venue.get());
  core.engine->start();
  CoreDriver driver(*core.engine, &clock);
  InputRecord record;
  for (std::size_t segment = 0; segment < segments.size(); ++segment) {
    if (segment > 0) {
      reader = InputLogReader::open(segments[segment], error);
      if (!reader) return false;
      if (reader->segment() != segment) {
        error = fmt::format("{}: segment {} of the run is missing (found segment {})",
                            segments[segment].string(), segment, reader->segment());
        return false;
      }
    }
    while (reader->next(record, error)) {
      if (const auto* event = std::get_if<InboundEvent>(&record)) {
        driver.process(*event);
        ++run.events;
      } else if (const auto* tick = std::get_if<ClockTick>(&record)) {
        driver.tick(tick->time_ns);
        ++run.ticks;
      } else if (const auto* action = std::get_if<ControlAction>(&record)) {
        apply_control(core, *action, clock);
        ++run.actions;
      } else if (std::holds_alternative<RunEnd>(record)) {
        run.clean_end = true;
        break;
      } else {
        error = fmt::format("{}: a second run header inside the file", reader->path().string());
        return false;
      }
    }
    if (!error.empty() || run.clean_end) break;
  }
  run.truncated = reader->truncated();
  if (!error.empty()) return false;
  if (!journal.flush()) {
    error = "replay journal: " + journal.last_error();
    return false;
  }
  return true;
}

}  // namespace

int run_replay_check(const ReplayCheckOptions& options) {
  const std::filesystem::path session = options.session_dir;
  std::string error;
  if (!std::filesystem::exists(session / "journal.db")) {
    std::fprintf(stderr,
                 "sigex replay-check: %s has no journal.db: not the state directory of a sigex run "
                 "session\n",
                 session.c_str());
    return 2;
  }
  // A running daemon is still writing both the journal and its inputs.
  InstanceLock lock;
  if (!lock.acquire(session.string(), error)) {
    std::fprintf(stderr,
                 "sigex replay-check: %s (stop the daemon, or check a copy of the directory)\n",
                 error.c_str());
    return 2;
  }
  const std::vector<std::filesystem::path> files = list_input_logs(session / "inputs");
  if (files.empty()) {
    std::fprintf(
        stderr,
        "sigex replay-check: %s has no recorded inputs (run-*.sigexin); the session ran with "
        "[service] record_inputs = false, or before sigex recorded its inputs\n",
        (session / "inputs").c_str());
    return 2;
  }

  // The replay's own journal, beside nothing of the session's.
  std::filesystem::path out_dir;
  if (options.out_dir) {
    out_dir = *options.out_dir;
    std::error_code ignored;
    for (const char* name : {"journal.db", "journal.db-wal", "journal.db-shm"})
      std::filesystem::remove(out_dir / name, ignored);
  } else {
    std::string pattern = (std::filesystem::temp_directory_path() / "sigex-replay-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "sigex replay-check: cannot create a temporary directory\n");
      return 2;
    }
    out_dir = pattern;
  }
  struct Cleanup {
    std::filesystem::path path;
    ~Cleanup() {
      std::error_code ignored;
      if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
  } cleanup{options.out_dir ? std::filesystem::path() : out_dir};

  // The session's journal first: the replay mints its ids with the session journal's identity.
  if (!Journal::exists_in(session)) {
    std::fprintf(stderr, "sigex replay-check: there is no journal in %s; nothing was created\n",
                 session.c_str());
    return 2;
  }
  auto session_journal = Journal::open(session, Durability::kFull, error);
  if (!session_journal) {
    std::fprintf(stderr, "sigex replay-check: %s\n", error.c_str());
    return 2;
  }
  auto replay_journal =
      Journal::open(out_dir, Durability::kNormal, error, {session_journal->identity()});
  if (!replay_journal) {
    std::fprintf(stderr, "sigex replay-check: %s\n", error.c_str());
    return 2;
  }
  // Segments grouped by run, in order.
  std::vector<std::vector<std::filesystem::path>> run_files;
  TimeNs previous_start = -1;
  for (const auto& file : files) {
    const TimeNs start_ns = parse_input_log_name(file.filename().string())->run_start_ns;
    if (start_ns != previous_start) run_files.emplace_back();
    run_files.back().push_back(file);
    previous_start = start_ns;
  }
  std::vector<RunReplay> runs;
  std::vector<Instrument> instruments;
  bool all_paper = true;
  for (std::size_t i = 0; i < run_files.size(); ++i) {
    const auto& segments = run_files[i];
    if (parse_input_log_name(segments.front().filename().string())->segment != 0) {
      std::fprintf(
          stderr, "sigex replay-check: the run of %s misses its first segment (removed by hand?)\n",
          segments.front().c_str());
      return 2;
    }
    auto reader = InputLogReader::open(segments.front(), error);
    if (!reader) {
      std::fprintf(stderr, "sigex replay-check: %s\n", error.c_str());
      return 2;
    }
    if (i == 0 && reader->start().journal_orders != 0) {
      // Older runs were removed by the retention (or never recorded): start from the journal
      // as this run found it, if its copy is there.
      const std::filesystem::path snapshot =
          run_start_snapshot(session / "inputs", reader->start().start_ns);
      std::error_code missing;
      if (!std::filesystem::exists(snapshot, missing)) {
        std::fprintf(
            stderr,
            "sigex replay-check: the first recorded run (%s) started with %lld order(s) already "
            "journaled and %s (the journal as it found it) is not there: the runs before it were "
            "not "
            "recorded, so the session cannot be replayed from its start\n",
            segments.front().c_str(), static_cast<long long>(reader->start().journal_orders),
            snapshot.c_str());
        return 2;
      }
      replay_journal.reset();
      std::error_code copy_error;
      for (const char* name : {"journal.db-wal", "journal.db-shm"})
        std::filesystem::remove(out_dir / name, copy_error);
      std::filesystem::copy_file(snapshot, out_dir / "journal.db",
                                 std::filesystem::copy_options::overwrite_existing, copy_error);
      if (copy_error) {
        std::fprintf(stderr, "sigex replay-check: cannot copy %s: %s\n", snapshot.c_str(),
                     copy_error.message().c_str());
        return 2;
      }
      replay_journal =
          Journal::open(out_dir, Durability::kNormal, error, {session_journal->identity()});
      if (!replay_journal) {
        std::fprintf(stderr, "sigex replay-check: %s\n", error.c_str());
        return 2;
      }
      fmt::print(
          "note: runs before {} were removed by the input retention; the replay starts from the "
          "journal "
          "as that run found it ({} order(s))\n",
          segments.front().filename().string(), reader->start().journal_orders);
    }
    const std::int64_t replayed_orders = replay_journal->count_rows("orders");
    RunReplay run;
    run.file = segments.front().filename().string();
    run.start_ns = reader->start().start_ns;
    run.paper = reader->start().paper;
    all_paper &= run.paper;
    if (reader->start().journal_orders != replayed_orders) {
      fmt::print("note: run {} started with {} journaled order(s); the replay had {} by then\n",
                 run.file, reader->start().journal_orders, replayed_orders);
    }
    reader.reset();
    if (!replay_run(segments, *replay_journal, run, instruments, error)) {
      std::fprintf(stderr, "sigex replay-check: %s\n", error.c_str());
      return 2;
    }
    runs.push_back(run);
  }

  const std::vector<Order> session_orders = session_journal->load_orders();
  const std::vector<Order> replay_orders = replay_journal->load_orders();
  std::vector<std::string> differences;
  compare_rows("order", session_orders, replay_orders, instruments, differences);
  // On the simulated venue the fills follow from the decisions and the market: they must match too.
  const std::vector<FillRow> session_fills = session_journal->load_fills();
  const std::vector<FillRow> replay_fills = replay_journal->load_fills();
  if (all_paper) compare_rows("fill", session_fills, replay_fills, instruments, differences);
  // Funding and the venue's own fills (perpetuals) follow from the market on the simulated
  // venue as well.
  if (all_paper) {
    compare_rows("account event", session_journal->load_account_events(),
                 replay_journal->load_account_events(), instruments, differences);
  }

  fmt::print("sigex replay-check: {} ({} session, {} run(s))\n", session.string(),
             all_paper ? "paper" : "live", runs.size());
  for (const RunReplay& run : runs) {
    fmt::print("  run {} {}: {} inputs, {} clock ticks, {} operator action(s){}\n",
               format_utc_timestamp(run.start_ns), run.paper ? "paper" : "live", run.events,
               run.ticks, run.actions,
               run.clean_end   ? ", stopped cleanly"
               : run.truncated ? ", ended mid-record (the process died while writing)"
                               : ", ended without a clean stop (the process died)");
  }
  fmt::print("  orders: session {}, replay {}; fills: session {}, replay {}{}\n",
             session_orders.size(), replay_orders.size(), session_fills.size(), replay_fills.size(),
             all_paper ? "" : " (live fills come from the exchange: not compared)");
  for (const std::string& difference : differences) std::printf("  %s\n", difference.c_str());
  if (differences.empty()) {
    std::printf("  0 differences: every decision replays identically\n");
  } else {
    fmt::print("  {} difference(s)\n", differences.size());
  }
  if (options.out_dir) std::printf("  the replay's journal is in %s\n", out_dir.c_str());
  return differences.empty() ? 0 : 1;
}

}  // namespace sigex
