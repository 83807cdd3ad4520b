// The relay's wire format: records come back exactly as they went in, and anything that is not
// a message of this build's format is refused with what is wrong.

#include "adapters/nats/relay_wire.h"

#include "adapters/nats/relay_frame.h"

#include <gtest/gtest.h>

namespace sigex {
namespace {

InboundEvent depth_level(std::uint8_t flags, std::int64_t price) {
  InboundEvent event;
  event.kind = MarketEventKind::kDepthLevel;
  event.depth = DepthLevel{7,
                           Side::kSell,
                           flags,
                           1'700'000'000'000'000'000,
                           1'700'000'000'000'500'000,
                           Price{price},
                           Quantity{25'000},
                           100,
                           102,
                           0};
  return event;
}

TEST(RelayWire, RecordsRoundTripWithTheirHeader) {
  RelayMessage message;
  message.kind = MarketEventKind::kDepthLevel;
  message.epoch = 1'765'000'000'000'000'000;
  message.sequence = 42;
  message.receive_time_ns = 1'700'000'000'000'500'000;
  message.events = {depth_level(DepthLevel::kFirstInMessage, 300'000'000'000),
                    depth_level(DepthLevel::kLastInMessage, 300'100'000'000)};
  std::string bytes;
  encode_relay_message(message, bytes);
  EXPECT_EQ(bytes.size(), kRelayHeaderSize + 2 * sizeof(DepthLevel));
  EXPECT_EQ(bytes.substr(0, 4), "SGXR");
  const auto decoded = decode_relay_message(bytes);
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->kind, MarketEventKind::kDepthLevel);
  EXPECT_EQ(decoded->epoch, message.epoch);
  EXPECT_EQ(decoded->sequence, 42u);
  EXPECT_EQ(decoded->receive_time_ns, message.receive_time_ns);
  ASSERT_EQ(decoded->events.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(decoded->events[i].kind, MarketEventKind::kDepthLevel);
    const DepthLevel& back = decoded->events[i].depth;
    const DepthLevel& sent = message.events[i].depth;
    EXPECT_EQ(back.instrument, sent.instrument);
    EXPECT_EQ(back.side, sent.side);
    EXPECT_EQ(back.flags, sent.flags);
    EXPECT_EQ(back.venue_time_ns, sent.venue_time_ns);
    EXPECT_EQ(back.receive_time_ns, sent.receive_time_ns);
    EXPECT_EQ(back.price.raw, sent.price.raw);
    EXPECT_EQ(back.quantity.raw, sent.quantity.raw);
    EXPECT_EQ(back.first_update_id, sent.first_update_id);
    EXPECT_EQ(back.last_update_id, sent.last_update_id);
    EXPECT_EQ(back.previous_update_id, sent.previous_update_id);
  }
  // A signal, one record.
  RelayMessage signal{MarketEventKind::kTradingSignal, 1, 1, 5, {}};
  InboundEvent event;
  event.kind = MarketEventKind::kTradingSignal;
  event.trading_signal = TradingSignal{3, SignalTimeframe::kDaily, -1, 1, 3306, 4, 5};
  signal.events.push_back(event);
  encode_relay_message(signal, bytes);
  const auto signal_back = decode_relay_message(bytes);
  ASSERT_TRUE(signal_back) << signal_back.error();
  EXPECT_EQ(signal_back->events.front().trading_signal.signal, -1);
  EXPECT_EQ(signal_back->events.front().trading_signal.token_id, 3306);
}

TEST(RelayWire, AnythingElseIsRefusedSayingWhy) {
  RelayMessage message{MarketEventKind::kTrade, 1, 1, 1, {}};
  InboundEvent trade;
  trade.kind = MarketEventKind::kTrade;
  trade.trade = TradeTick{1, AggressorSide::kBuyer, 1, 2, Price{3}, Quantity{4}, 5};
  message.events = {trade};
  std::string bytes;
  encode_relay_message(message, bytes);
  const auto refused = [](std::string_view data) {
    const auto decoded = decode_relay_message(data);
    return decoded ? std::string("accepted") : decoded.error();
  };
  EXPECT_NE(refused(bytes.substr(0, 10)).find("shorter than a relay message header"),
            std::string::npos);
  EXPECT_NE(refused(bytes.substr(0, bytes.size() - 1)).find("truncated or padded"),
            std::string::npos);
  EXPECT_NE(refused(bytes + "x").find("truncated or padded"), std::string::npos);
  std::string other = bytes;
  other[0] = '{';
  EXPECT_NE(refused(other).find("not a sigex relay message"), std::string::npos);
  other = bytes;
  other[4] = 9;  // version 9
  EXPECT_NE(refused(other).find("relay wire version 9, this sigex reads version 2"),
            std::string::npos);
  other = bytes;
  other[6] = 60;  // a kind from the future
  EXPECT_NE(refused(other).find("record kind 60 is unknown"), std::string::npos);
  other = bytes;
  other[7] = static_cast<char>(sizeof(TradeTick) + 8);  // another build's record layout
  EXPECT_NE(refused(other).find("the relay runs another build"), std::string::npos);
}

InstrumentRegistry eth_registry(int price_scale) {
  InstrumentRegistry registry;
  Instrument eth;
  eth.symbol = Symbol::from("ETHUSDT");
  eth.price_scale = price_scale;
  eth.quantity_scale = 4;
  eth.token_id = 3306;
  registry.add(eth);
  return registry;
}

RelayMessage bbo_message(std::uint64_t epoch, std::uint64_t sequence, std::int64_t bid) {
  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer.instrument = 5;  // the relay's id: replaced by the reader's
  event.best_bid_offer.receive_time_ns = 1'000 + static_cast<TimeNs>(sequence);
  event.best_bid_offer.bid_price = Price{bid};
  RelayMessage message{MarketEventKind::kBestBidOffer, epoch, sequence, 1'000, {event}};
  message.price_scale = 2;
  message.quantity_scale = 4;
  return message;
}

std::string line_of(const RelayMessage& message, std::string_view subject) {
  std::string bytes;
  encode_relay_message(message, bytes);
  return relay_frame(subject, bytes);
}

TEST(RelayWire, ScalesTravelAndAnInstrumentConfiguredOtherwiseIsRefused) {
  std::string bytes;
  encode_relay_message(bbo_message(1, 1, 300'000), bytes);
  const auto decoded = decode_relay_message(bytes);
  ASSERT_TRUE(decoded) << decoded.error();
  EXPECT_EQ(decoded->price_scale, 2);
  EXPECT_EQ(decoded->quantity_scale, 4);
  const InstrumentRegistry alike = eth_registry(2);
  const InstrumentRegistry other = eth_registry(3);
  EXPECT_EQ(relay_scale_mismatch(*decoded, alike.get(0)), "");
  EXPECT_NE(relay_scale_mismatch(*decoded, other.get(0))
                .find("the relay's ETHUSDT has 2 price and 4 quantity decimals, this "
                      "configuration's 3 and 4"),
            std::string::npos);
  // Signals carry no instrument scale and go to any instrument of their token.
  RelayMessage signal{MarketEventKind::kTradingSignal, 1, 1, 5, {}};
  EXPECT_EQ(relay_scale_mismatch(signal, other.get(0)), "");
}

// A recording made from a relay replays as the subscriber handed it on: the reader's
// instrument ids, the relay's receive times, and a book reset where the recording starts and
// wherever the relay's sequence broke (a lost message, a relay restart).
TEST(RelayFrame, RecordedLinesReplayWithResetsWhereTheRelaySequenceBreaks) {
  const InstrumentRegistry registry = eth_registry(2);
  RelayFrameParser parser(registry);
  const std::string subject = "sigex.market.binance.ETHUSDT";
  std::vector<InboundEvent> out;
  const auto parse = [&](const RelayMessage& message, TimeNs line_time) {
    out.clear();
    const std::string line = line_of(message, subject);
    EXPECT_TRUE(RelayFrameParser::recognises(line)) << line;
    const auto parsed = parser.parse(line, line_time, out);
    EXPECT_TRUE(parsed) << (parsed ? "" : parsed.error().what);
    std::vector<MarketEventKind> kinds;
    for (const InboundEvent& event : out) kinds.push_back(event.kind);
    return kinds;
  };
  using K = MarketEventKind;
  EXPECT_EQ(parse(bbo_message(7, 1, 300'000), 2'000),
            (std::vector<K>{K::kMarketDataReset, K::kBestBidOffer}));
  EXPECT_EQ(out[0].reset.instrument, 0u);
  EXPECT_EQ(out[0].reset.reason, FeedResetReason::kSubscribed);
  EXPECT_EQ(out[0].reset.receive_time_ns, 2'000);
  EXPECT_EQ(out[1].best_bid_offer.instrument, 0u);
  EXPECT_EQ(out[1].best_bid_offer.receive_time_ns, 1'001);  // the relay's
  EXPECT_EQ(out[1].best_bid_offer.bid_price.raw, 300'000);
  EXPECT_EQ(parse(bbo_message(7, 2, 300'100), 2'001), (std::vector<K>{K::kBestBidOffer}));
  EXPECT_EQ(parse(bbo_message(7, 4, 300'200), 2'002),  // 3 was lost
            (std::vector<K>{K::kMarketDataReset, K::kBestBidOffer}));
  EXPECT_EQ(out[0].reset.reason, FeedResetReason::kSequenceGap);
  EXPECT_EQ(parse(bbo_message(9, 1, 300'300), 2'003),  // the relay restarted
            (std::vector<K>{K::kMarketDataReset, K::kBestBidOffer}));

  // Not read: another configuration's decimals, a symbol not configured, broken lines.
  const InstrumentRegistry other = eth_registry(3);
  RelayFrameParser strict(other);
  std::vector<InboundEvent> none;
  const auto refused = strict.parse(line_of(bbo_message(7, 1, 1), subject), 1, none);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::kOutOfRange);
  const auto unknown =
      parser.parse(line_of(bbo_message(7, 1, 1), "sigex.market.binance.SOLUSDT"), 1, none);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::kUnknownInstrument);
  for (const std::string& broken :
       {std::string("{\"relay\":\"x\"}"), std::string("{\"relay\":\"x\",\"data\":\"!!\"}"),
        std::string("{\"relay\":\"x\",\"data\":\"") + "c2lnZXg=" + "\"}"}) {
    const auto parsed = parser.parse(broken, 1, none);
    EXPECT_FALSE(parsed) << broken;
  }
  EXPECT_TRUE(none.empty());

  // A signal goes to the instrument of its token, whatever the subject.
  InboundEvent event;
  event.kind = MarketEventKind::kTradingSignal;
  event.trading_signal = TradingSignal{3, SignalTimeframe::kDaily, 1, 1, 3306, 4, 5};
  RelayMessage signal{MarketEventKind::kTradingSignal, 1, 1, 5, {event}};
  std::string bytes;
  encode_relay_message(signal, bytes);
  out.clear();
  ASSERT_TRUE(parser.parse(relay_frame("sigex.signals.trading_signal_daily.3306", bytes), 3, out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].trading_signal.instrument, 0u);
}

}  // namespace
}  // namespace sigex
