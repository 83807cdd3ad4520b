// The input log of a run: what is written is read back in order, a run cut short by a crash is
// read up to its last whole record, and a file that is not an input log is named as such.

#include "engine/journal/input_log.h"

#include <fstream>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sigex
