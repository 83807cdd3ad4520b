// The binary recorded format: what it replays equals what the text form replays, record for
// record; a truncated or damaged file is refused before anything is read; records of other
// symbols and values an instrument cannot express are counted like text frames. The input
// cache: a text input replays from its entry as from its text.

#include "adapters/recorded/binary_records.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "adapters/recorded/frame_recorder.h"
#include "adapters/recorded/input_cache.h"
#include "adapters/recorded/replay_source.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// Every field of a market record, as text (the structs have padding: no memcmp).
std::string describe(const InboundEvent& event) {
  switch (event.kind) {
    case MarketEventKind::kBar: {
      const Bar& b = event.bar;
      return fmt::format("bar {} {} {} {} {} {} {} {} {} {} {}", b.instrument, b.closed,
                         b.venue_time_ns, b.receive_time_ns, b.open_time_ns, b.close_time_ns,
                         b.open.raw, b.high.raw, b.low.raw, b.close.raw, b.volume.raw);
    }
    case MarketEventKind::kTrade: {
      const TradeTick& t = event.trade;
      return fmt::format("trade {} {} {} {} {} {} {}", t.instrument, static_cast<int>(t.aggressor),
                         t.venue_time_ns, t.receive_time_ns, t.price.raw, t.quantity.raw,
                         t.trade_id);
    }
    case MarketEventKind::kMarkPrice: {
      const MarkPrice& m = event.mark_price;
      return fmt::format("mark {} {} {} {} {} {}", m.instrument, m.venue_time_ns, m.receive_time_ns,
                         m.mark_price.raw, m.funding_rate.raw, m.next_funding_time_ns);
    }
    case MarketEventKind::kFundingRate: {
      const FundingRate& f = event.funding_rate;
      return fmt::format("funding {} {} {} {} {}", f.instrument, f.funding_time_ns,
                         f.receive_time_ns, f.rate.raw, f.mark_price.raw);
    }
    case MarketEventKind::kBestBidOffer: {
      const BestBidOffer& q = event.best_bid_offer;
      return fmt::format("quote {} {} {} {} {} {} {} {}", q.instrument, q.venue_time_ns,
                         q.receive_time_ns, q.bid_price.raw, q.bid_quantity.raw, q.ask_price.raw,
                         q.ask_quantity.raw, q.update_id);
    }
    case MarketEventKind::kDepthLevel: {
      const DepthLevel& d = event.depth;
      return fmt::format("depth {} {} {} {} {} {} {} {} {} {}", d.instrument,
                         static_cast<int>(d.side), d.flags, d.venue_time_ns, d.receive_time_ns,
                         d.price.raw, d.quantity.raw, d.first_update_id, d.last_update_id,
                         d.previous_update_id);
    }
    default:
      return "other";
  }
}

std::vector<ImportedLine> lines_of(const std::vector<CsvText>& texts, bool mark_price = false) {
  CsvImportOptions options;
  options.mark_price = mark_price;
  CsvImport imported;
  std::string error;
  EXPECT_TRUE(import_csv_texts(texts, options, imported, error)) << error;
  return imported.lines;
}

class BinaryRecordsTest : public ::testing::Test {
 protected:
  BinaryRecordsTest() {
    Instrument perpetual;
    perpetual.symbol = Symbol::from("BTCUSDT");
    perpetual.kind = InstrumentKind::kPerpetual;
    perpetual.price_scale = 2;
    perpetual.quantity_scale = 3;
    instruments_.add(perpetual);
    // Candles, aggregated trades, funding rows and mark prices of one perpetual, and candles of
    // a symbol the backtest does not trade.
    lines_ = lines_of({{"BTCUSDT-1h-2024-01.csv",
                        "1704067200000,42000.10,42100.00,41900.00,42050.50,12.500,1704070799999,"
                        "525000.0,100,6.2,260000.0,0\n"
                        "1704070800000,42050.50,42200.00,42000.00,42150.00,8.125,1704074399999,"
                        "342000.0,80,4.0,170000.0,0\n"},
                       {"BTCUSDT-aggTrades-2024-01.csv",
                        "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
                        "is_buyer_maker\n"
                        "1,42000.10,0.015,10,12,1704067260000,true\n"
                        "2,42010.00,0.250,13,13,1704067320000,false\n"},
                       {"BTCUSDT-fundingRate-2024-01.csv",
                        "calc_time,funding_interval_hours,last_funding_rate\n"
                        "1704096000001,8,0.00010000\n"},
                       {"ETHUSDT-1h-2024-01.csv",
                        "1704067200000,2300.00,2310.00,2290.00,2305.00,100.000,1704070799999,"
                        "230000.0,50,50,115000.0,0\n"}});
    const auto marks = lines_of({{"BTCUSDT-1h-2024-01.csv",
                                  "1704067200000,42001.00,42101.00,41901.00,42051.00,0,"
                                  "1704070799999,0,0,0,0,0\n"}},
                                true);
    lines_.insert(lines_.end(), marks.begin(), marks.end());
    std::stable_sort(lines_.begin(), lines_.end(), [](const auto& a, const auto& b) {
      return a.receive_time_ns < b.receive_time_ns;
    });
  }

  std::vector<std::string> replay(const std::string& path, ReplayStats* stats = nullptr,
                                  std::uint64_t* problems = nullptr) {
    ReplaySource source(instruments_, {{path, kNoInstrument, BinanceMarket::kUsdm}}, 0, INT64_MAX);
    std::string error;
    EXPECT_TRUE(source.open(error)) << error;
    std::vector<std::string> events;
    std::vector<InboundEvent> batch;
    while (source.next(batch)) {
      for (const auto& event : batch) events.push_back(describe(event));
    }
    if (stats != nullptr) *stats = source.stats();
    if (problems != nullptr) *problems = source.problems().count();
    return events;
  }

  std::string write_binary() {
    std::string path = (directory_.path() / "records.sigexbin").string();
    std::string error;
    EXPECT_TRUE(write_binary_records(path, BinanceMarket::kUsdm, lines_, error)) << error;
    return path;
  }

  InstrumentRegistry instruments_;
  std::vector<ImportedLine> lines_;
  TemporaryDirectory directory_;
};

TEST_F(BinaryRecordsTest, ReplaysTheSameRecordsAsTheTextForm) {
  const std::string text = (directory_.path() / "records.txt").string();
  FrameRecorder recorder;
  std::string error;
  ASSERT_TRUE(recorder.open(text, error)) << error;
  for (const auto& line : lines_) recorder.record(line.receive_time_ns, line.frame);
  ASSERT_TRUE(recorder.close());

  ReplayStats text_stats, binary_stats;
  const auto from_text = replay(text, &text_stats);
  const auto from_binary = replay(write_binary(), &binary_stats);
  EXPECT_EQ(from_binary, from_text);
  EXPECT_EQ(from_binary.size(), 6u);               // 2 candles, 2 trades, 1 funding, 1 mark price
  EXPECT_EQ(binary_stats.unknown_instrument, 1u);  // ETHUSDT
  EXPECT_EQ(text_stats.unknown_instrument, 1u);
}

TEST_F(BinaryRecordsTest, ATruncatedOrDamagedFileIsRefusedNamingIt) {
  const std::string path = write_binary();
  const std::string whole = [&] {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const auto refused = [&](const std::string& bytes, const std::string& expected) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    BinaryRecordsReader reader(path, instruments_);
    EXPECT_FALSE(reader.open());
    EXPECT_NE(reader.error().find(path), std::string::npos) << reader.error();
    EXPECT_NE(reader.error().find(expected), std::string::npos) << reader.error();
  };
  refused(whole.substr(0, whole.size() - 40), "truncated");
  refused(whole.substr(0, 30), "truncated");
  std::string damaged = whole;
  damaged[damaged.size() / 2] ^= 0x01;
  refused(damaged, "checksum");
  std::string newer = whole;
  newer[8] = 3;  // version 3
  refused(newer, "version 3");
  refused(std::string(200, 'x'), "not a .sigexbin file");
  // A replay refuses it before reading anything.
  ReplaySource source(instruments_, {{path, kNoInstrument, BinanceMarket::kUsdm}}, 0, INT64_MAX);
  std::string error;
  EXPECT_FALSE(source.open(error));
  EXPECT_NE(error.find(path), std::string::npos);
}

TEST_F(BinaryRecordsTest, AValueTheInstrumentCannotExpressIsAnInputProblem) {
  InstrumentRegistry coarse;
  Instrument perpetual = instruments_.get(0);
  perpetual.price_scale = 0;  // 42000.10 has a tenth
  coarse.add(perpetual);
  instruments_ = coarse;
  ReplayStats stats;
  std::uint64_t problems = 0;
  replay(write_binary(), &stats, &problems);
  EXPECT_GT(problems, 0u);
  EXPECT_EQ(stats.frames_rejected, problems);
}

TEST_F(BinaryRecordsTest, TokenMetricsRowsStayInTextFiles) {
  std::vector<ImportedLine> rows{
      {1,
       R"({"success":true,"message":"ok","data":[{"TOKEN_ID":3375,"TOKEN_SYMBOL":"BTC","DATE":"2024-01-01T00:00:00.000Z","TRADING_SIGNAL":1}]})"}};
  std::string error;
  EXPECT_FALSE(write_binary_records((directory_.path() / "t.sigexbin").string(),
                                    BinanceMarket::kSpot, rows, error));
  EXPECT_NE(error.find("record 1: not a Binance market frame; Token Metrics rows"),
            std::string::npos)
      << error;
}

// The input cache: a tick capture (a bare depth snapshot, depth diffs, trades, best bid/offer)
// replayed from its cache entry gives what its text gives, record for record, with the same
// line counts and the same problems, at Binance's scale and at one too coarse for its prices.
class InputCacheTest : public ::testing::Test {
 protected:
  struct Replayed {
    std::vector<std::string> events;
    std::vector<std::size_t> batch_sizes;
    ReplayStats stats;
    std::vector<std::string> problems;
    std::uint64_t problem_count = 0;
  };

  Replayed replay(const InstrumentRegistry& instruments, const std::string& path,
                  InputCache* cache) {
    ReplaySource source(instruments, {{path, 0, BinanceMarket::kSpot}}, 0, INT64_MAX);
    if (cache != nullptr) source.use_input_cache(*cache);
    std::string error;
    EXPECT_TRUE(source.open(error)) << error;
    Replayed replayed;
    std::vector<InboundEvent> batch;
    while (source.next(batch)) {
      replayed.batch_sizes.push_back(batch.size());
      for (const auto& event : batch) replayed.events.push_back(describe(event));
    }
    replayed.stats = source.stats();
    replayed.problems = source.problems().details();
    replayed.problem_count = source.problems().count();
    return replayed;
  }

  static void expect_same(const Replayed& cached, const Replayed& text) {
    EXPECT_EQ(cached.events.size(), text.events.size());
    EXPECT_TRUE(cached.events == text.events);  // not printed: tens of thousands of lines
    EXPECT_TRUE(cached.batch_sizes == text.batch_sizes);
    EXPECT_EQ(cached.stats.lines, text.stats.lines);
    EXPECT_EQ(cached.stats.events, text.stats.events);
    EXPECT_EQ(cached.stats.frames_rejected, text.stats.frames_rejected);
    EXPECT_EQ(cached.stats.unknown_instrument, text.stats.unknown_instrument);
    EXPECT_EQ(cached.problems, text.problems);
    EXPECT_EQ(cached.problem_count, text.problem_count);
  }

  const std::string capture_ =
      std::string(SIGEX_SOURCE_DIR) + "/config/data/binance-spot-capture/btcusdt_20240808.gz";
  TemporaryDirectory directory_;
};

TEST_F(InputCacheTest, ACaptureReplaysFromTheCacheAsFromItsText) {
  const InstrumentRegistry instruments = two_instruments();
  InputCache cache((directory_.path() / "cache").string());
  const Replayed text = replay(instruments, capture_, nullptr);
  const Replayed first = replay(instruments, capture_, &cache);
  EXPECT_EQ(cache.written(), 1u);
  EXPECT_EQ(cache.hits(), 0u);
  const Replayed second = replay(instruments, capture_, &cache);
  EXPECT_EQ(cache.hits(), 1u);  // the second run reads the entry the first wrote
  EXPECT_GT(text.events.size(), 100'000u);
  EXPECT_EQ(text.stats.lines, 41'249u);
  expect_same(first, text);
  expect_same(second, text);

  // Coarser than Binance's decimals: the same lines are refused, with the same words.
  InstrumentRegistry coarse;
  for (Instrument instrument : {btcusdt(), ethusdt()}) {
    instrument.price_scale = 1;
    coarse.add(instrument);
  }
  const Replayed coarse_text = replay(coarse, capture_, nullptr);
  EXPECT_GT(coarse_text.problem_count, 1'000u);
  expect_same(replay(coarse, capture_, &cache), coarse_text);
}

TEST_F(InputCacheTest, AFileWithAProblemOrChangedInPlaceIsNeverReplayedFromAStaleEntry) {
  const InstrumentRegistry instruments = two_instruments();
  InputCache cache((directory_.path() / "cache").string());
  const std::string path = (directory_.path() / "quotes.txt").string();
  const std::string quote =
      R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1.00000000","B":"1.00000000","a":"2.00000000","A":"1.00000000"}})";
  std::ofstream(path) << "10 " << quote << "\nnot a line\n20 " << quote << "\n";
  const Replayed with_problem = replay(instruments, path, &cache);
  EXPECT_EQ(cache.written(), 0u);  // left to the text replay, which reports the bad line
  EXPECT_EQ(with_problem.problem_count, 1u);
  EXPECT_EQ(with_problem.events.size(), 2u);

  std::ofstream(path, std::ios::trunc) << "10 " << quote << "\n";
  EXPECT_EQ(replay(instruments, path, &cache).events.size(), 1u);
  EXPECT_EQ(cache.written(), 1u);
  // The same name, other bytes: a new entry, never the old one.
  std::ofstream(path, std::ios::trunc) << "10 " << quote << "\n30 " << quote << "\n";
  EXPECT_EQ(replay(instruments, path, &cache).events.size(), 2u);
  EXPECT_EQ(cache.written(), 2u);
  EXPECT_EQ(cache.hits(), 0u);
}

}  // namespace
}  // namespace sigex
