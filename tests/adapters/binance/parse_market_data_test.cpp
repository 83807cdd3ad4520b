#include "adapters/binance/parse_market_data.h"

#include <gtest/gtest.h>

#include <array>
#include <fstream>
#include <random>
#include <sstream>
#include <tuple>

#include "adapters/binance/book_ticker_shape.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// simdjson needs readable padding after the frame.
class Padded {
 public:
  explicit Padded(std::string text) : text_(std::move(text)) {
    text_.reserve(text_.size() + simdjson::SIMDJSON_PADDING);
  }
  std::string_view view() const { return text_; }

 private:
  std::string text_;
};

class BinanceParserTest : public ::testing::Test {
 protected:
  BinanceParserTest() : instruments_(two_instruments()), parser_(instruments_) {}

  Result<std::size_t> parse(std::string frame, InstrumentId snapshot = kNoInstrument) {
    out_.clear();
    Padded padded(std::move(frame));
    return parser_.parse(padded.view(), 123, snapshot, out_);
  }

  InstrumentRegistry instruments_;
  BinanceParser parser_;
  std::vector<InboundEvent> out_;
};

// Frames below are verbatim lines of the real capture in config/data/binance-spot-capture.
TEST_F(BinanceParserTest, BookTickerFromTheCapture) {
  ASSERT_TRUE(parse(
      R"({"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}})"));
  ASSERT_EQ(out_.size(), 1u);
  const BestBidOffer& quote = out_[0].best_bid_offer;
  EXPECT_EQ(out_[0].kind, MarketEventKind::kBestBidOffer);
  EXPECT_EQ(quote.instrument, 0);
  EXPECT_EQ(quote.bid_price, price("61837.63"));
  EXPECT_EQ(quote.bid_quantity, quantity("3.78826"));
  EXPECT_EQ(quote.ask_price, price("61837.64"));
  EXPECT_EQ(quote.update_id, 50093239212u);
  EXPECT_EQ(quote.receive_time_ns, 123);
  EXPECT_EQ(quote.venue_time_ns, 0);  // spot bookTicker has no event time
}

TEST_F(BinanceParserTest, TradeFromTheCapture) {
  ASSERT_TRUE(parse(
      R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1723161255343,"s":"BTCUSDT","t":3735683259,"p":"61837.63000000","q":"0.02000000","T":1723161255342,"m":true,"M":true}})"));
  ASSERT_EQ(out_.size(), 1u);
  const TradeTick& trade = out_[0].trade;
  EXPECT_EQ(trade.price, price("61837.63"));
  EXPECT_EQ(trade.quantity, quantity("0.02"));
  EXPECT_EQ(trade.trade_id, 3735683259u);
  EXPECT_EQ(trade.venue_time_ns, 1723161255343LL * kNsPerMs);
  EXPECT_EQ(trade.aggressor, AggressorSide::kSeller);
}

TEST_F(BinanceParserTest, DepthUpdateBecomesOneRecordPerLevel) {
  ASSERT_TRUE(parse(
      R"({"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1723161255308,"s":"BTCUSDT","U":50093239203,"u":50093239207,"b":[["55653.87000000","0.00000000"]],"a":[["61838.04000000","0.32332000"],["61844.30000000","0.40163000"]]}})"));
  ASSERT_EQ(out_.size(), 3u);
  EXPECT_EQ(out_[0].depth.side, Side::kBuy);
  EXPECT_EQ(out_[0].depth.quantity.raw, 0);  // level removed
  EXPECT_EQ(out_[2].depth.side, Side::kSell);
  EXPECT_EQ(out_[2].depth.first_update_id, 50093239203u);
  EXPECT_EQ(out_[2].depth.last_update_id, 50093239207u);
  EXPECT_TRUE(out_[2].depth.flags & DepthLevel::kLastInMessage);
  EXPECT_FALSE(out_[1].depth.flags & DepthLevel::kLastInMessage);
}

TEST_F(BinanceParserTest, RestSnapshotNeedsTheCallerToNameTheInstrument) {
  const std::string snapshot =
      R"({"lastUpdateId":1027024,"bids":[["4.00000000","431.00000000"]],"asks":[["4.00000200","12.00000000"]]})";
  EXPECT_EQ(parse(snapshot).error().code, Errc::kUnknownInstrument);
  ASSERT_TRUE(parse(snapshot, 1));
  ASSERT_EQ(out_.size(), 2u);
  EXPECT_TRUE(out_[0].depth.flags & DepthLevel::kSnapshot);
  EXPECT_EQ(out_[0].depth.instrument, 1);
  EXPECT_EQ(out_[1].depth.price, price("4.000002"));
}

TEST_F(BinanceParserTest, AggTradeWithExtraFieldsAndKline) {
  // nautilus ws_spot_agg_trade.json carries an undocumented "st" field: tolerated.
  ASSERT_TRUE(parse(
      R"({"stream":"ethusdt@aggTrade","data":{"e":"aggTrade","E":1675759520848,"s":"ETHUSDT","a":226532,"p":"1632.46000000","q":"0.34600000","f":228153,"l":228153,"T":1675759520847,"m":false,"M":true,"st":1}})"));
  EXPECT_EQ(out_[0].trade.instrument, 1);
  EXPECT_EQ(out_[0].trade.aggressor, AggressorSide::kBuyer);
  ASSERT_TRUE(parse(
      R"({"e":"kline","E":1503014400000,"s":"BTCUSDT","k":{"t":1502928000000,"T":1503014399999,"s":"BTCUSDT","i":"1d","o":"4469.93","c":"4285.08","h":"4485.39","l":"4200.74","v":"647.86","n":0,"x":true}})"));
  const Bar& bar = out_[0].bar;
  EXPECT_TRUE(bar.closed);
  EXPECT_EQ(bar.open, price("4469.93"));
  EXPECT_EQ(bar.low, price("4200.74"));
  EXPECT_EQ(bar.volume, quantity("647.86"));
  EXPECT_EQ(bar.close_time_ns, 1503014399999LL * kNsPerMs);
}

TEST_F(BinanceParserTest, MalformedFramesAreErrorsAndLeaveNothingBehind) {
  EXPECT_EQ(
      parse(
          R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"abc","q":"1","m":true}})")
          .error()
          .code,
      Errc::kSyntax);
  EXPECT_EQ(
      parse(
          R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT","t":1,"p":"-5","q":"1","m":true}})")
          .error()
          .code,
      Errc::kOutOfRange);
  EXPECT_EQ(
      parse(R"({"stream":"btcusdt@trade","data":{"e":"trade","E":1,"s":"BTCUSDT"})").error().code,
      Errc::kMissingField);
  EXPECT_EQ(
      parse(
          R"({"stream":"solusdt@trade","data":{"e":"trade","E":1,"s":"SOLUSDT","t":1,"p":"1","q":"1","m":true}})")
          .error()
          .code,
      Errc::kUnknownInstrument);
  EXPECT_EQ(parse(R"({"stream":"btcusdt@ticker","data":{}})").error().code, Errc::kUnsupported);
  EXPECT_FALSE(parse(
      R"({"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1.00","1"]],"a":[["x","1"]]}})"));
  EXPECT_TRUE(out_.empty());  // the good bid level was rolled back
  EXPECT_FALSE(parse(R"({"stream":"btcusdt@trade","data":{"e":"tra)"));
  EXPECT_FALSE(parse("[]"));
}

TEST_F(BinanceParserTest, EveryLineOfTheCryptofeedCaptureIsHandledWithoutCrashing) {
  // Other symbols (NKNUSDT, ...) are not configured: they must come back as unknown
  // instruments, never as crashes or garbage records.
  std::ifstream file(std::string(SIGEX_SOURCE_DIR) + "/tests/data/binance_ws_other_symbols.txt");
  ASSERT_TRUE(file);
  std::string line;
  int lines = 0;
  while (std::getline(file, line)) {
    ++lines;
    const auto result = parse(line);
    ASSERT_FALSE(result) << line;
    EXPECT_TRUE(result.error().code == Errc::kUnknownInstrument ||
                result.error().code == Errc::kUnsupported);
  }
  EXPECT_GT(lines, 10);
}

// Verbatim bookTicker lines of the capture in config/data/binance-spot-capture.
constexpr std::array<std::string_view, 4> kCapturedBookTickers = {
    R"({"stream":"btcusdt@bookTicker","data":{"u":50093239212,"s":"BTCUSDT","b":"61837.63000000","B":"3.78826000","a":"61837.64000000","A":"1.54698000"}})",
    R"({"stream":"ethusdt@bookTicker","data":{"u":35346671867,"s":"ETHUSDT","b":"2682.50000000","B":"2.54580000","a":"2682.51000000","A":"50.97390000"}})",
    R"({"stream":"ethusdt@bookTicker","data":{"u":35346674404,"s":"ETHUSDT","b":"2682.59000000","B":"11.04730000","a":"2682.60000000","A":"19.78160000"}})",
    R"({"stream":"btcusdt@bookTicker","data":{"u":50093460079,"s":"BTCUSDT","b":"61659.23000000","B":"0.08108000","a":"61659.24000000","A":"0.06488000"}})",
};

TEST(BookTickerShape, ReadsBinancesLayoutAndLeavesEveryOtherToSimdjson) {
  const auto text = scan_book_ticker(kCapturedBookTickers[0]);
  ASSERT_TRUE(text);
  EXPECT_EQ(text->update_id, 50093239212u);
  EXPECT_EQ(text->symbol, "BTCUSDT");
  EXPECT_EQ(text->bid_price, "61837.63000000");
  EXPECT_EQ(text->bid_quantity, "3.78826000");
  EXPECT_EQ(text->ask_price, "61837.64000000");
  EXPECT_EQ(text->ask_quantity, "1.54698000");
  const auto raw = scan_book_ticker(
      R"({"u":7,"s":"BTCUSDT","b":"1.00000000","B":"2.00000000","a":"3.00000000","A":"4.00000000"})");
  ASSERT_TRUE(raw);  // a raw stream: the payload alone
  EXPECT_EQ(raw->update_id, 7u);
  for (
      const std::string_view other : {
          // a space, another field order, an extra field, an escape, a trailing newline
          R"({"stream":"btcusdt@bookTicker","data":{"u": 1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"}})",
          R"({"stream":"btcusdt@bookTicker","data":{"s":"BTCUSDT","u":1,"b":"1","B":"1","a":"1","A":"1"}})",
          R"({"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1","x":1}})",
          R"({"stream":"btc\u0075sdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"}})",
          "{\"u\":1,\"s\":\"BTCUSDT\",\"b\":\"1\",\"B\":\"1\",\"a\":\"1\",\"A\":\"1\"}\n",
          // another stream, a leading zero, an id of 16 digits, a negative id, a cut frame
          R"({"stream":"btcusdt@trade","data":{"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"}})",
          R"({"u":01,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"})",
          R"({"u":1234567890123456,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"})",
          R"({"u":-1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1"})",
          R"({"u":1,"s":"BTCUSDT","b":"1","B":"1","a":"1","A":"1")",
      }) {
    EXPECT_FALSE(scan_book_ticker(other)) << other;
  }
}

// The shape scanner must be invisible: on the captured frames, on frames a byte away from them
// and on ones whose numbers are changed, the parser with the scanner and the parser without it
// (every frame through simdjson) give the same records or the same error. Both instrument
// scales that matter: Binance's eight decimals, and coarser ones that drop zeros or refuse.
TEST(BookTickerShape, ScannerAndSimdjsonGiveTheSameRecordOrTheSameErrorOnEveryFrame) {
  InstrumentRegistry eight = two_instruments();
  InstrumentRegistry coarse;
  for (Instrument instrument : {btcusdt(), ethusdt()}) {
    instrument.price_scale = 2;
    instrument.quantity_scale = 5;
    coarse.add(instrument);
  }
  std::mt19937_64 random(25);
  const std::string alphabet = "0123456789.-\"\\ ,:{}[]eE+abBsSuU@\x01\x80\xff";
  std::size_t scanned = 0;
  std::size_t compared = 0;
  for (const InstrumentRegistry* instruments : {&eight, &coarse}) {
    BinanceParser with_scan(*instruments);
    BinanceParser simdjson_only(*instruments, BinanceParser::ShapeScan::kOff);
    std::vector<InboundEvent> fast, reference;
    for (int round = 0; round < 30'000; ++round) {
      std::string frame(kCapturedBookTickers[random() % kCapturedBookTickers.size()]);
      const int edits = round == 0 ? 0 : 1 + static_cast<int>(random() % 3);
      for (int edit = 0; edit < edits && !frame.empty(); ++edit) {
        const std::size_t at = random() % frame.size();
        const char byte = alphabet[random() % alphabet.size()];
        switch (random() % 4) {
          case 0:
            frame[at] = byte;
            break;
          case 1:
            frame.insert(frame.begin() + static_cast<std::ptrdiff_t>(at), byte);
            break;
          case 2:
            frame.erase(at, 1);
            break;
          default:  // a digit for a digit: a different number in the same layout
            if (frame[at] >= '0' && frame[at] <= '9')
              frame[at] = static_cast<char>('0' + random() % 10);
        }
      }
      // Now and then the payload alone (a raw stream), without the envelope's closing brace.
      if (const auto data = frame.find(",\"data\":");
          data != std::string::npos && random() % 8 == 0) {
        frame = frame.substr(data + 8, frame.size() - data - 9);
      }
      frame.reserve(frame.size() + simdjson::SIMDJSON_PADDING);
      scanned += scan_book_ticker(frame) ? 1 : 0;
      fast.clear();
      reference.clear();
      const auto a = with_scan.parse(frame, 9, kNoInstrument, fast);
      const auto b = simdjson_only.parse(frame, 9, kNoInstrument, reference);
      ASSERT_EQ(a.has_value(), b.has_value()) << frame;
      ++compared;
      if (!a) {
        EXPECT_EQ(a.error().code, b.error().code) << frame;
        EXPECT_EQ(a.error().what, b.error().what) << frame;
        continue;
      }
      ASSERT_EQ(fast.size(), reference.size()) << frame;
      for (std::size_t i = 0; i < fast.size(); ++i) {
        ASSERT_EQ(fast[i].kind, reference[i].kind) << frame;
        if (fast[i].kind != MarketEventKind::kBestBidOffer) continue;
        const BestBidOffer& x = fast[i].best_bid_offer;
        const BestBidOffer& y = reference[i].best_bid_offer;
        EXPECT_EQ(std::tie(x.instrument, x.venue_time_ns, x.receive_time_ns, x.bid_price,
                           x.bid_quantity, x.ask_price, x.ask_quantity, x.update_id),
                  std::tie(y.instrument, y.venue_time_ns, y.receive_time_ns, y.bid_price,
                           y.bid_quantity, y.ask_price, y.ask_quantity, y.update_id))
            << frame;
      }
    }
  }
  EXPECT_EQ(compared, 60'000u);
  EXPECT_GT(scanned, 5'000u);  // the scanner took a good share, not only the refusals
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

// USD-M records: the spot pair and the perpetual share the symbol; mark prices and funding go
// to the perpetual, everything else to the spot pair when both are configured.
class UsdmParserTest : public ::testing::Test {
 protected:
  UsdmParserTest() : parser_(instruments_) {}
  static InstrumentRegistry both() {
    InstrumentRegistry registry;
    registry.add(btcusdt());
    Instrument perpetual = btcusdt_perpetual();
    perpetual.token_id = 0;
    registry.add(perpetual);
    return registry;
  }
  Result<std::size_t> parse(std::string frame) {
    out_.clear();
    frame.reserve(frame.size() + simdjson::SIMDJSON_PADDING);
    return parser_.parse(frame, 123, kNoInstrument, out_);
  }
  InstrumentRegistry instruments_ = both();
  BinanceParser parser_;
  std::vector<InboundEvent> out_;
};

TEST_F(UsdmParserTest, MarkPriceUpdateCarriesTheAnnouncedFunding) {
  ASSERT_TRUE(parse(
      R"({"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}})"));
  ASSERT_EQ(out_.size(), 1u);
  ASSERT_EQ(out_[0].kind, MarketEventKind::kMarkPrice);
  const MarkPrice& mark = out_[0].mark_price;
  EXPECT_EQ(mark.instrument, 1);  // the perpetual
  EXPECT_EQ(mark.mark_price, price("11794.15"));
  EXPECT_EQ(mark.funding_rate, Rate{38'167});
  EXPECT_EQ(mark.next_funding_time_ns, 1'562'306'400'000 * kNsPerMs);
  EXPECT_EQ(mark.venue_time_ns, 1'562'305'380'000 * kNsPerMs);
}

TEST_F(UsdmParserTest, FundingRateRowsWithAndWithoutAMarkPrice) {
  ASSERT_TRUE(
      parse(R"({"symbol":"BTCUSDT","fundingRate":"-0.00300000","fundingTime":1584086400000})"));
  ASSERT_EQ(out_.size(), 1u);
  ASSERT_EQ(out_[0].kind, MarketEventKind::kFundingRate);
  EXPECT_EQ(out_[0].funding_rate.instrument, 1);
  EXPECT_EQ(out_[0].funding_rate.rate, Rate{-300'000});
  EXPECT_EQ(out_[0].funding_rate.funding_time_ns, 1'584'086'400'000 * kNsPerMs);
  EXPECT_EQ(out_[0].funding_rate.mark_price, Price{0});
  ASSERT_TRUE(parse(
      R"({"symbol":"BTCUSDT","fundingRate":"0.00010000","fundingTime":1698768000000,"markPrice":"34287.54619963"})"));
  EXPECT_EQ(out_[0].funding_rate.mark_price, price("34287.54619963"));
}

TEST_F(UsdmParserTest, FundingForASymbolWithoutAPerpetualIsUnknown) {
  const auto result =
      parse(R"({"symbol":"ETHUSDT","fundingRate":"0.0001","fundingTime":1698768000000})");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::kUnknownInstrument);
  const auto bad = parse(R"({"symbol":"BTCUSDT","fundingRate":"1e-4","fundingTime":1})");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(out_.empty());
}

}  // namespace
}  // namespace sigex
