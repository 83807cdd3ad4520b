// Real recorded Binance payloads from other projects (see tests/data/README.md): every field
// variant they contain must parse, and the cryptofeed capture's REST snapshots plus its diff
// stream must build gap-free books for all four of its symbols.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "adapters/binance/parse_market_data.h"
#include "engine/book/order_book.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

std::string fixture(const std::string& name) {
  std::ifstream file(std::string(SIGEX_SOURCE_DIR) + "/tests/data/" + name);
  EXPECT_TRUE(file) << name;
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

// The nautilus fixtures are pretty-printed; Binance sends compact JSON.
std::string compact(const std::string& json) {
  std::string out;
  bool in_string = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (c == '"' && (i == 0 || json[i - 1] != '\\')) in_string = !in_string;
    if (!in_string && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) continue;
    out += c;
  }
  return out;
}

Result<std::size_t> parse(BinanceParser& parser, std::string frame, InstrumentId snapshot,
                          std::vector<InboundEvent>& out) {
  frame.reserve(frame.size() + simdjson::SIMDJSON_PADDING);
  return parser.parse(frame, 1, snapshot, out);
}

TEST(BinanceFixtures, NautilusTradeWithRetiredOrderIdFields) {
  const InstrumentRegistry instruments = two_instruments();
  BinanceParser parser(instruments);
  std::vector<InboundEvent> out;
  ASSERT_TRUE(parse(parser, compact(fixture("nautilus/ws_spot_trade.json")), kNoInstrument, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].trade.instrument, 1);
  EXPECT_EQ(out[0].trade.price, price("4149.74"));
  EXPECT_EQ(out[0].trade.quantity, quantity("0.4387"));
  EXPECT_EQ(out[0].trade.trade_id, 705291099u);
  out.clear();
  ASSERT_TRUE(
      parse(parser, compact(fixture("nautilus/ws_spot_agg_trade.json")), kNoInstrument, out));
  EXPECT_EQ(out[0].kind, MarketEventKind::kTrade);
}

TEST(BinanceFixtures, NautilusRestDepthSnapshot) {
  const InstrumentRegistry instruments = two_instruments();
  BinanceParser parser(instruments);
  std::vector<InboundEvent> out;
  ASSERT_TRUE(parse(parser, compact(fixture("nautilus/http_spot_market_depth.json")), 0, out));
  ASSERT_EQ(out.size(), 20u);
  EXPECT_EQ(out[0].depth.last_update_id, 14527958487u);
  EXPECT_EQ(out[0].depth.price, price("60650"));
  BookSync sync;
  for (const auto& event : out) sync.on_level(event.depth);
  EXPECT_EQ(sync.status(), BookStatus::kSynced);
  EXPECT_EQ(sync.book().depth(Side::kBuy), 10u);
  EXPECT_FALSE(sync.book().crossed());
}

TEST(BinanceFixtures, CryptofeedCaptureBuildsGapFreeBooksForEverySymbol) {
  InstrumentRegistry instruments;
  for (const char* symbol : {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"}) {
    Instrument instrument;
    instrument.symbol = Symbol::from(symbol);
    instruments.add(instrument);
  }
  BinanceParser parser(instruments);
  std::vector<BookSync> books(instruments.size());
  std::map<MarketEventKind, int> frames_by_kind;
  std::vector<InboundEvent> out;

  // Websocket frames: "<unix seconds>: <frame>" after a header line.
  std::istringstream ws(fixture("cryptofeed/BINANCE.ws.1.0"));
  std::string line;
  std::getline(ws, line);
  std::vector<std::string> frames;
  while (std::getline(ws, line)) {
    if (!line.empty()) frames.push_back(line.substr(line.find(": ") + 2));
  }
  // REST snapshots: "<url> -> <unix seconds>: <body>", taken during the capture.
  std::istringstream http(fixture("cryptofeed/BINANCE.http.0.0"));
  std::map<std::string, std::string> snapshots;
  while (std::getline(http, line)) {
    if (line.empty()) continue;
    const auto symbol_at = line.find("symbol=") + 7;
    snapshots[line.substr(symbol_at, line.find('&', symbol_at) - symbol_at)] =
        line.substr(line.find(": ") + 2);
  }
  ASSERT_EQ(snapshots.size(), 4u);

  std::size_t processed = 0;
  for (const auto& frame : frames) {
    out.clear();
    const auto parsed = parse(parser, frame, kNoInstrument, out);
    ASSERT_TRUE(parsed) << frame.substr(0, 120) << ": " << parsed.error().what;
    ++frames_by_kind[out.front().kind];
    for (const auto& event : out) {
      if (event.kind == MarketEventKind::kDepthLevel)
        books[event.depth.instrument].on_level(event.depth);
    }
    // Deliver each snapshot after the first few diffs have been buffered, as live trading does.
    if (++processed == 20) {
      for (const auto& [symbol, body] : snapshots) {
        const InstrumentId id = instruments.find_by_symbol(symbol)->id;
        out.clear();
        ASSERT_TRUE(parse(parser, body, id, out)) << symbol;
        for (const auto& event : out) books[id].on_level(event.depth);
      }
    }
  }
  EXPECT_EQ(frames_by_kind[MarketEventKind::kDepthLevel], 177);
  EXPECT_EQ(frames_by_kind[MarketEventKind::kBestBidOffer], 84);
  EXPECT_EQ(frames_by_kind[MarketEventKind::kTrade], 2);
  EXPECT_EQ(frames_by_kind[MarketEventKind::kBar], 2);
  for (const auto& instrument : instruments.all()) {
    const BookSync& book = books[instrument.id];
    EXPECT_EQ(book.counters().gaps, 0u) << instrument.symbol.view();
    EXPECT_EQ(book.counters().crossed, 0u) << instrument.symbol.view();
    EXPECT_NE(book.status(), BookStatus::kInvalid) << instrument.symbol.view();
  }
}

}  // namespace
}  // namespace sigex
