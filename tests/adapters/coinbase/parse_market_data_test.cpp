// The Coinbase market data parser: every channel's records, the maker side turned into the
// aggressor, and the level2 book kept by BookSync from the parser's records checked against a
// reference book built independently here from the same frames (std::map over the JSON).

#include "adapters/coinbase/parse_market_data.h"

#include <map>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include "engine/book/order_book.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

InstrumentRegistry registry() {
  InstrumentRegistry instruments;
  for (const char* symbol : {"BTC-USD", "ETH-USD"}) {
    Instrument instrument;
    instrument.symbol = Symbol::from(symbol);
    instrument.base_asset = AssetCode::from(std::string_view(symbol).substr(0, 3));
    instrument.quote_asset = AssetCode::from("USD");
    instrument.price_scale = 2;
    instrument.quantity_scale = 8;
    instruments.add(instrument);
  }
  return instruments;
}

class Parsing : public ::testing::Test {
 protected:
  Result<std::size_t> parse(const std::string& frame) {
    padded_ = frame;
    padded_.append(simdjson::SIMDJSON_PADDING, ' ');
    out_.clear();
    return parser_.parse(std::string_view(padded_.data(), frame.size()), 7, out_);
  }
  InstrumentRegistry instruments_ = registry();
  CoinbaseParser parser_{instruments_};
  std::vector<InboundEvent> out_;
  std::string padded_;
};

std::string envelope(std::string_view channel, std::uint64_t sequence, std::string_view events) {
  return fmt::format(
      R"({{"channel":"{}","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":{},"events":[{}]}})",
      channel, sequence, events);
}

TEST_F(Parsing, ReadsTheReferenceSamplesOfEveryChannel) {
  // exchange-apis.md §3.4's samples.
  ASSERT_TRUE(parse(
      R"({"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":0,
 "events":[{"type":"snapshot","product_id":"BTC-USD","updates":[
   {"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.73","new_quantity":"0.06317902"},
   {"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.3","new_quantity":"0.02"}]}]})"));
  ASSERT_EQ(out_.size(), 2u);
  const DepthLevel& first = out_[0].depth;
  EXPECT_EQ(first.side, Side::kBuy);
  EXPECT_EQ(first.price.raw, 2192173);
  EXPECT_EQ(first.quantity.raw, 6317902);
  EXPECT_EQ(first.flags, DepthLevel::kSnapshot | DepthLevel::kFirstInMessage);
  EXPECT_EQ(out_[1].depth.flags, DepthLevel::kSnapshot | DepthLevel::kLastInMessage);
  EXPECT_EQ(first.last_update_id, 1u);  // sequence_num + 1
  EXPECT_EQ(first.venue_time_ns, 1675974770714964855);

  ASSERT_TRUE(parse(
      R"({"channel":"ticker","client_id":"","timestamp":"2023-02-09T20:30:37.167359596Z","sequence_num":1,
 "events":[{"type":"snapshot","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"21932.98",
   "volume_24_h":"16038.28770938","low_24_h":"21835.29","high_24_h":"23011.18","low_52_w":"15460",
   "high_52_w":"48240","price_percent_chg_24_h":"-4.15775596190603","best_bid":"21931.98",
   "best_bid_quantity":"8000.21","best_ask":"21933.98","best_ask_quantity":"8038.07770938"}]}]})"));
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].kind, MarketEventKind::kBestBidOffer);
  EXPECT_EQ(out_[0].best_bid_offer.bid_price.raw, 2193198);
  EXPECT_EQ(out_[0].best_bid_offer.ask_quantity.raw, 803807770938);

  ASSERT_TRUE(parse(
      R"({"channel":"market_trades","client_id":"","timestamp":"2023-02-09T20:19:35.39625135Z","sequence_num":2,
 "events":[{"type":"snapshot","trades":[{"trade_id":"000000000","product_id":"ETH-USD","price":"1260.01",
   "size":"0.3","side":"BUY","time":"2019-08-14T20:42:27.265Z"}]}]})"));
  ASSERT_EQ(out_.size(), 1u);
  EXPECT_EQ(out_[0].trade.aggressor, AggressorSide::kSeller);  // the maker bought
  EXPECT_EQ(out_[0].trade.instrument, 1);
  EXPECT_EQ(out_[0].trade.price.raw, 126001);
  EXPECT_EQ(out_[0].trade.venue_time_ns, 1565815347265000000);

  EXPECT_TRUE(parse(
      envelope("heartbeats", 3,
               R"({"current_time":"2023-02-09 20:30:37.1 +0000 UTC","heartbeat_counter":"3"})")));
  EXPECT_TRUE(out_.empty());
  EXPECT_TRUE(parse(envelope("subscriptions", 4, R"({"subscriptions":{"level2":["BTC-USD"]}})")));
  EXPECT_EQ(parser_.counters().sequence_gaps, 0u);
}

TEST_F(Parsing, BadFramesNameWhatIsWrongAndUnknownProductsAreNotFaults) {
  EXPECT_EQ(parse("{\"channel\":").error().code, Errc::kSyntax);
  EXPECT_EQ(parse(R"({"type":"error","message":"authentication failure"})").error().code,
            Errc::kUnsupported);
  EXPECT_EQ(
      parse(
          envelope(
              "market_trades", 0,
              R"({"trades":[{"trade_id":"1","product_id":"DOGE-USD","price":"1","size":"1","side":"BUY","time":"2023-01-01T00:00:00Z"}]})"))
          .error()
          .code,
      Errc::kUnknownInstrument);
  EXPECT_EQ(
      parse(
          envelope(
              "market_trades", 1,
              R"({"trades":[{"trade_id":"1","product_id":"BTC-USD","price":"1.001","size":"1","side":"BUY","time":"2023-01-01T00:00:00Z"}]})"))
          .error()
          .code,
      Errc::kTooPrecise);
  EXPECT_EQ(
      parse(
          envelope(
              "market_trades", 2,
              R"({"trades":[{"trade_id":"1","product_id":"BTC-USD","price":"1","size":"1","side":"HOLD","time":"2023-01-01T00:00:00Z"}]})"))
          .error()
          .code,
      Errc::kUnsupported);
  EXPECT_EQ(
      parse(R"({"channel":"ticker","client_id":"","timestamp":"2023","events":[]})").error().code,
      Errc::kMissingField);
}

// The reference: one std::map per side and product, built from the JSON text alone.
struct ReferenceBooks {
  std::map<std::string, std::map<std::int64_t, std::int64_t>> bids, asks;
  void apply(const std::string& frame) {
    simdjson::dom::parser json;
    const simdjson::dom::element root = json.parse(frame);
    if (std::string_view(root["channel"]) != "l2_data") return;
    for (simdjson::dom::element event : root["events"]) {
      const std::string product{std::string_view(event["product_id"])};
      if (std::string_view(event["type"]) == "snapshot") {
        bids[product].clear();
        asks[product].clear();
      }
      for (simdjson::dom::element update : event["updates"]) {
        auto& side = std::string_view(update["side"]) == "bid" ? bids[product] : asks[product];
        const std::int64_t price = *parse_decimal(std::string_view(update["price_level"]), 2);
        const std::int64_t quantity = *parse_decimal(std::string_view(update["new_quantity"]), 8);
        if (quantity == 0) {
          side.erase(price);
        } else {
          side[price] = quantity;
        }
      }
    }
  }
};

void expect_same(const OrderBook& book, const std::map<std::int64_t, std::int64_t>& bids,
                 const std::map<std::int64_t, std::int64_t>& asks, std::size_t frame) {
  ASSERT_EQ(book.depth(Side::kBuy), bids.size()) << "frame " << frame;
  ASSERT_EQ(book.depth(Side::kSell), asks.size()) << "frame " << frame;
  std::size_t index = 0;
  for (auto it = bids.rbegin(); it != bids.rend(); ++it, ++index) {
    ASSERT_EQ(book.level(Side::kBuy, index).price.raw, it->first) << "frame " << frame;
    ASSERT_EQ(book.level(Side::kBuy, index).quantity.raw, it->second) << "frame " << frame;
  }
  index = 0;
  for (auto it = asks.begin(); it != asks.end(); ++it, ++index) {
    ASSERT_EQ(book.level(Side::kSell, index).price.raw, it->first) << "frame " << frame;
    ASSERT_EQ(book.level(Side::kSell, index).quantity.raw, it->second) << "frame " << frame;
  }
}

// Random level2 traffic for two products, interleaved with heartbeats, tickers and trades.
std::vector<std::string> random_session(std::uint64_t seed, std::size_t messages) {
  std::mt19937_64 random(seed);
  std::vector<std::string> frames;
  std::uint64_t sequence = 0;
  std::uint64_t heartbeat = 0;
  auto level = [&](bool bid, int price_cents, int quantity) {
    return fmt::format(
        R"({{"side":"{}","event_time":"2023-02-09T20:32:50.1Z","price_level":"{}.{:02}","new_quantity":"{}"}})",
        bid ? "bid" : "offer", price_cents / 100, price_cents % 100,
        quantity == 0 ? std::string("0") : fmt::format("0.{:08}", quantity));
  };
  for (const char* product : {"BTC-USD", "ETH-USD"}) {
    std::string updates;
    for (int i = 0; i < 20; ++i) {
      if (!updates.empty()) updates += ',';
      updates += level(i < 10, i < 10 ? 10000 - i : 10001 + (i - 10), 1 + i);
    }
    frames.push_back(
        envelope("l2_data", sequence++,
                 fmt::format(R"({{"type":"snapshot","product_id":"{}","updates":[{}]}})", product,
                             updates)));
  }
  for (std::size_t m = 0; m < messages; ++m) {
    const auto kind = random() % 10;
    if (kind == 0) {
      frames.push_back(
          envelope("heartbeats", sequence++,
                   fmt::format(R"({{"current_time":"x","heartbeat_counter":{}}})", heartbeat++)));
      continue;
    }
    const char* product = random() % 2 ? "BTC-USD" : "ETH-USD";
    std::string updates;
    const auto count = 1 + random() % 4;
    for (std::size_t i = 0; i < count; ++i) {
      if (!updates.empty()) updates += ',';
      const bool bid = random() % 2;
      const int price =
          bid ? 9990 + static_cast<int>(random() % 11) : 10001 + static_cast<int>(random() % 11);
      updates += level(bid, price, random() % 3 == 0 ? 0 : static_cast<int>(1 + random() % 1000));
    }
    frames.push_back(envelope(
        "l2_data", sequence++,
        fmt::format(R"({{"type":"update","product_id":"{}","updates":[{}]}})", product, updates)));
  }
  return frames;
}

TEST_F(Parsing, TheLevel2BookMatchesAReferenceBuiltFromTheSameFrames) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    CoinbaseParser parser(instruments_);
    std::vector<BookSync> books(2);
    ReferenceBooks reference;
    const auto frames = random_session(seed, 2000);
    for (std::size_t f = 0; f < frames.size(); ++f) {
      padded_ = frames[f];
      padded_.append(simdjson::SIMDJSON_PADDING, ' ');
      out_.clear();
      ASSERT_TRUE(parser.parse(std::string_view(padded_.data(), frames[f].size()), 1, out_))
          << frames[f];
      for (const InboundEvent& event : out_) {
        if (event.kind == MarketEventKind::kDepthLevel) {
          ASSERT_FALSE(books[event.depth.instrument].on_level(event.depth)) << "frame " << f;
        }
      }
      reference.apply(frames[f]);
      for (InstrumentId id = 0; id < 2 && f > 0; ++id) {  // both snapshots are in
        const std::string product(instruments_.get(id).symbol.view());
        ASSERT_EQ(books[id].status(), BookStatus::kSynced);
        expect_same(books[id].book(), reference.bids[product], reference.asks[product], f);
      }
    }
    EXPECT_EQ(parser.counters().sequence_gaps, 0u);
  }
}

TEST_F(Parsing, ALostMessageBreaksEveryBookUntilItsNextSnapshot) {
  const auto frames = random_session(9, 200);
  std::vector<BookSync> books(2);
  std::size_t resets = 0;
  auto feed = [&](const std::string& frame) {
    ASSERT_TRUE(parse(frame)) << frame;
    for (const InboundEvent& event : out_) {
      if (event.kind == MarketEventKind::kMarketDataReset) {
        resets += event.reset.reason == FeedResetReason::kSequenceGap;
        books[event.reset.instrument].invalidate();
      } else if (event.kind == MarketEventKind::kDepthLevel) {
        books[event.depth.instrument].on_level(event.depth);
      }
    }
  };
  for (std::size_t f = 0; f < 100; ++f) feed(frames[f]);
  ASSERT_EQ(books[0].status(), BookStatus::kSynced);
  // Message 100 is lost: both books break at once, before any further update applies.
  for (std::size_t f = 101; f < 150; ++f) feed(frames[f]);
  EXPECT_EQ(resets, 2u);
  EXPECT_EQ(parser_.counters().sequence_gaps, 1u);
  EXPECT_NE(books[0].status(), BookStatus::kSynced);
  EXPECT_NE(books[1].status(), BookStatus::kSynced);
  // A new connection (its sequence starts again): its snapshots make the books whole again.
  const auto fresh = random_session(10, 50);
  for (const auto& frame : fresh) feed(frame);
  EXPECT_EQ(books[0].status(), BookStatus::kSynced);
  EXPECT_EQ(books[1].status(), BookStatus::kSynced);
}

TEST_F(Parsing, AHeartbeatThatSkipsIsAGapAndAnUnreadableLevel2MessageToo) {
  const auto frames = random_session(3, 0);
  std::size_t resets = 0;
  for (const auto& frame : frames) ASSERT_TRUE(parse(frame));
  ASSERT_TRUE(parse(envelope("heartbeats", 2, R"({"current_time":"x","heartbeat_counter":10})")));
  ASSERT_TRUE(parse(envelope("heartbeats", 3, R"({"current_time":"x","heartbeat_counter":12})")));
  for (const InboundEvent& event : out_) resets += event.kind == MarketEventKind::kMarketDataReset;
  EXPECT_EQ(resets, 2u);
  EXPECT_EQ(parser_.counters().heartbeat_gaps, 1u);
  // Books again, then a level2 message that cannot be read: its resets still arrive.
  parser_.new_connection();
  for (const auto& frame : frames) ASSERT_TRUE(parse(frame));
  auto parsed = parse(envelope(
      "l2_data", 2,
      R"({"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","price_level":"x","new_quantity":"1"}]})"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(out_.size(), 2u);
  EXPECT_EQ(out_[0].kind, MarketEventKind::kMarketDataReset);
}

}  // namespace
}  // namespace sigex
