// The relay's wire format: records come back exactly as they went in, and anything that is not
// a message of this build's format is refused with what is wrong.

#include "adapters/nats/relay_wire.h"

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
  EXPECT_NE(refused(other).find("relay wire version 9, this sigex reads version 1"),
            std::string::npos);
  other = bytes;
  other[6] = 60;  // a kind from the future
  EXPECT_NE(refused(other).find("record kind 60 is unknown"), std::string::npos);
  other = bytes;
  other[7] = static_cast<char>(sizeof(TradeTick) + 8);  // another build's record layout
  EXPECT_NE(refused(other).find("the relay runs another build"), std::string::npos);
}

}  // namespace
}  // namespace sigex
