// The input log of a run: what is written is read back in order, a run cut short by a crash is
// read up to its last whole record, and a file that is not an input log is named as such.

#include "engine/journal/input_log.h"
#include "engine/journal/input_retention.h"

#include <fstream>

#include <gtest/gtest.h>

#include "engine/core/live_clock.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using sigex::testing::TemporaryDirectory;

RunStart sample_start() {
  RunStart start;
  start.start_ns = 1'700'000'000'000'000'000;
  start.paper = true;
  start.journal_orders = 3;
  start.config_path = "/etc/sigex/sigex.toml";
  start.config_text = "[engine]\nstarting_cash = \"10000\"\n";
  Instrument eth;
  eth.id = 0;
  eth.symbol.assign("ETHUSDT");
  eth.token_id = 3306;
  start.instruments = {eth};
  return start;
}

InboundEvent sample_quote(TimeNs receive_ns) {
  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer.instrument = 0;
  event.best_bid_offer.receive_time_ns = receive_ns;
  event.best_bid_offer.bid_price = Price{250'000};
  event.best_bid_offer.ask_price = Price{250'001};
  return event;
}

TEST(InputLog, WhatIsWrittenIsReadBackInOrder) {
  TemporaryDirectory directory;
  std::string error;
  std::filesystem::path path;
  {
    auto writer = InputLogWriter::create(directory.path() / "inputs", sample_start(), error);
    ASSERT_TRUE(writer) << error;
    path = writer->path();
    writer->event(sample_quote(100));
    writer->tick(200);
    writer->control({ControlKind::kSetTradingState, "global", "HALTED", "operator: test"});
    writer->event(sample_quote(300));
    writer->end(400);
    EXPECT_FALSE(writer->failed());
  }
  EXPECT_EQ(list_input_logs(directory.path() / "inputs"), std::vector<std::filesystem::path>{path});
  auto reader = InputLogReader::open(path, error);
  ASSERT_TRUE(reader) << error;
  EXPECT_EQ(reader->start().start_ns, sample_start().start_ns);
  EXPECT_EQ(reader->start().journal_orders, 3);
  EXPECT_EQ(reader->start().config_text, sample_start().config_text);
  ASSERT_EQ(reader->start().instruments.size(), 1u);
  EXPECT_EQ(reader->start().instruments[0].symbol.view(), "ETHUSDT");
  EXPECT_EQ(reader->start().instruments[0].token_id, 3306u);

  InputRecord record;
  ASSERT_TRUE(reader->next(record, error));
  ASSERT_TRUE(std::holds_alternative<InboundEvent>(record));
  EXPECT_EQ(std::get<InboundEvent>(record).receive_time_ns(), 100);
  EXPECT_EQ(std::get<InboundEvent>(record).best_bid_offer.ask_price, Price{250'001});
  ASSERT_TRUE(reader->next(record, error));
  EXPECT_EQ(std::get<ClockTick>(record).time_ns, 200);
  ASSERT_TRUE(reader->next(record, error));
  const auto& action = std::get<ControlAction>(record);
  EXPECT_EQ(action.kind, ControlKind::kSetTradingState);
  EXPECT_EQ(action.scope, "global");
  EXPECT_EQ(action.state, "HALTED");
  EXPECT_EQ(action.text, "operator: test");
  ASSERT_TRUE(reader->next(record, error));
  EXPECT_EQ(std::get<InboundEvent>(record).receive_time_ns(), 300);
  ASSERT_TRUE(reader->next(record, error));
  EXPECT_EQ(std::get<RunEnd>(record).time_ns, 400);
  EXPECT_FALSE(reader->next(record, error));
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_FALSE(reader->truncated());
}

TEST(InputLog, ARunCutShortIsReadUpToItsLastWholeRecord) {
  TemporaryDirectory directory;
  std::string error;
  std::filesystem::path path;
  {
    auto writer = InputLogWriter::create(directory.path(), sample_start(), error);
    ASSERT_TRUE(writer) << error;
    path = writer->path();
    writer->event(sample_quote(100));
    writer->event(sample_quote(200));
    writer->flush();
  }  // no end(): the process died
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 10);  // mid-record
  auto reader = InputLogReader::open(path, error);
  ASSERT_TRUE(reader) << error;
  InputRecord record;
  ASSERT_TRUE(reader->next(record, error));
  EXPECT_EQ(std::get<InboundEvent>(record).receive_time_ns(), 100);
  EXPECT_FALSE(reader->next(record, error));
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_TRUE(reader->truncated());
}

TEST(InputLog, AnotherRunsFileIsNeverOverwrittenAndForeignFilesAreNamed) {
  TemporaryDirectory directory;
  std::string error;
  auto first = InputLogWriter::create(directory.path(), sample_start(), error);
  ASSERT_TRUE(first) << error;
  EXPECT_FALSE(InputLogWriter::create(directory.path(), sample_start(), error));
  EXPECT_NE(error.find("cannot create " + first->path().string()), std::string::npos) << error;

  const auto foreign = directory.path() / "run-0000000000000000001.sigexin";
  std::ofstream(foreign) << "not an input log at all";
  EXPECT_FALSE(InputLogReader::open(foreign, error));
  EXPECT_NE(error.find(foreign.string() + ": not a sigex input log"), std::string::npos) << error;
  // Listed oldest first (by the start time in the name).
  const auto listed = list_input_logs(directory.path());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0], foreign);

  // A record whose length is absurd is reported with its offset, not read.
  const auto corrupt = directory.path() / "run-0000000000000000002.sigexin";
  {
    auto writer = InputLogWriter::create(directory.path() / "sub", sample_start(), error);
    ASSERT_TRUE(writer) << error;
    writer->flush();
    std::filesystem::copy_file(writer->path(), corrupt);
  }
  {
    std::ofstream out(corrupt, std::ios::app | std::ios::binary);
    const char record[5] = {2, '\xff', '\xff', '\xff', '\x7f'};
    out.write(record, sizeof(record));
  }
  auto reader = InputLogReader::open(corrupt, error);
  ASSERT_TRUE(reader) << error;
  InputRecord record;
  EXPECT_FALSE(reader->next(record, error));
  EXPECT_NE(error.find("is corrupt"), std::string::npos) << error;
  EXPECT_NE(error.find(corrupt.string() + ": byte "), std::string::npos) << error;
}

// A long run is cut into segments at record boundaries; each closed one is handed over (to be
// compressed) and the chain reads back whole, compressed or not, in order.
TEST(InputLog, ALongRunIsCutIntoSegmentsThatReadBackAsOneStream) {
  TemporaryDirectory directory;
  std::string error;
  std::vector<std::filesystem::path> closed;
  {
    auto writer =
        InputLogWriter::create(directory.path(), sample_start(), error, 1000,
                               [&](const std::filesystem::path& path) { closed.push_back(path); });
    ASSERT_TRUE(writer) << error;
    for (int i = 0; i < 40; ++i) writer->event(sample_quote(1000 + i));  // 101 bytes a record
    writer->end(2000);
  }
  const std::vector<std::filesystem::path> segments = list_input_logs(directory.path());
  ASSERT_GE(segments.size(), 4u);
  EXPECT_EQ(closed, segments);  // every segment, the last one at the end of the run
  // The housekeeping compresses closed segments: the reader does not mind.
  ASSERT_TRUE(compress_segment(segments[1], error)) << error;
  EXPECT_FALSE(std::filesystem::exists(segments[1]));
  const std::vector<std::filesystem::path> listed = list_input_logs(directory.path());
  ASSERT_EQ(listed.size(), segments.size());
  EXPECT_EQ(listed[1], segments[1].string() + ".gz");
  std::vector<TimeNs> times;
  bool ended = false;
  for (std::size_t i = 0; i < listed.size(); ++i) {
    auto reader = InputLogReader::open(listed[i], error);
    ASSERT_TRUE(reader) << error;
    EXPECT_EQ(reader->segment(), i);
    EXPECT_EQ(reader->start().start_ns, sample_start().start_ns);
    InputRecord record;
    while (reader->next(record, error)) {
      if (const auto* event = std::get_if<InboundEvent>(&record))
        times.push_back(event->receive_time_ns());
      ended |= std::holds_alternative<RunEnd>(record);
    }
    EXPECT_TRUE(error.empty()) << error;
    EXPECT_FALSE(reader->truncated());
  }
  ASSERT_EQ(times.size(), 40u);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(times[static_cast<std::size_t>(i)], 1000 + i);
  EXPECT_TRUE(ended);
}

// Whole runs go, oldest first, by size or age; the current run never, even over the limit.
TEST(InputRetention, RemovesWholeOldRunsAndNeverTheCurrentOne) {
  TemporaryDirectory directory;
  const auto write = [&](const std::string& name, std::size_t bytes) {
    std::ofstream(directory.path() / name, std::ios::binary) << std::string(bytes, 'x');
  };
  const TimeNs day = kNsPerDay;
  const TimeNs runs[] = {1 * day, 2 * day, 3 * day};
  for (const TimeNs start : runs) {
    write(input_log_file_name(start, 0) + ".gz", 1000);
    write(input_log_file_name(start, 1) + ".gz", 1000);
    write(run_start_snapshot(directory.path(), start).filename().string(), 100);
  }
  write("notes.txt", 5000);  // not sigex's: never touched
  const TimeNs now = LiveClock().now_ns();
  // Under both limits: nothing goes.
  EXPECT_TRUE(apply_retention(directory.path(), runs[2], InputRetention{0, 10'000, 0}, now)
                  .removed.empty());
  // 6300 bytes with 4300 allowed: the oldest run (2100 bytes) goes, with its snapshot.
  RetentionOutcome outcome =
      apply_retention(directory.path(), runs[2], InputRetention{0, 4'300, 0}, now);
  EXPECT_EQ(outcome.removed.size(), 3u);
  EXPECT_FALSE(
      std::filesystem::exists(directory.path() / (input_log_file_name(runs[0], 0) + ".gz")));
  EXPECT_FALSE(std::filesystem::exists(run_start_snapshot(directory.path(), runs[0])));
  EXPECT_EQ(outcome.bytes_kept, 4200u);
  // By age: the files were written just now, so a day ahead nothing is a day old; ten days
  // ahead, every run but the current one is.
  EXPECT_TRUE(apply_retention(directory.path(), runs[2], InputRetention{2 * day, 0, 0}, now + day)
                  .removed.empty());
  outcome =
      apply_retention(directory.path(), runs[2], InputRetention{2 * day, 0, 0}, now + 10 * day);
  EXPECT_EQ(outcome.removed.size(), 3u);
  EXPECT_TRUE(
      std::filesystem::exists(directory.path() / (input_log_file_name(runs[2], 1) + ".gz")));
  // The current run alone over the limit: kept, and said.
  outcome = apply_retention(directory.path(), runs[2], InputRetention{0, 10, 0}, now);
  EXPECT_TRUE(outcome.removed.empty());
  EXPECT_TRUE(outcome.current_run_over_limit);
  EXPECT_EQ(outcome.current_run_bytes, 2100u);
  EXPECT_TRUE(std::filesystem::exists(directory.path() / "notes.txt"));
}

}  // namespace
}  // namespace sigex
