#include "adapters/nats/relay_wire.h"

#include <cstddef>
#include <cstring>

#include <fmt/format.h>

namespace sigex {
namespace {

constexpr char kMagic[4] = {'S', 'G', 'X', 'R'};
constexpr std::uint8_t kKinds = static_cast<std::uint8_t>(MarketEventKind::kFundingRate) + 1;

template <typename T>
void put(std::string& out, T value) {
  static_assert(std::is_integral_v<T>);
  for (std::size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<char>(static_cast<std::uint64_t>(value) >> (8 * i) & 0xff));
}

template <typename T>
T get(std::string_view bytes, std::size_t offset) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i)
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return static_cast<T>(value);
}

// The record of `kind` inside the event's union.
void* record_of(InboundEvent& event) {
  switch (event.kind) {
    case MarketEventKind::kBestBidOffer:
      return &event.best_bid_offer;
    case MarketEventKind::kTrade:
      return &event.trade;
    case MarketEventKind::kDepthLevel:
      return &event.depth;
    case MarketEventKind::kBar:
      return &event.bar;
    case MarketEventKind::kTradingSignal:
      return &event.trading_signal;
    case MarketEventKind::kGrade:
      return &event.grade;
    case MarketEventKind::kMarketDataReset:
      return &event.reset;
    case MarketEventKind::kMarkPrice:
      return &event.mark_price;
    case MarketEventKind::kFundingRate:
      return &event.funding_rate;
  }
  return nullptr;
}

const void* record_of(const InboundEvent& event) {
  return record_of(const_cast<InboundEvent&>(event));
}

// Every record starts with its instrument: what record_instrument() relies on.
static_assert(offsetof(BestBidOffer, instrument) == 0 && offsetof(TradeTick, instrument) == 0 &&
              offsetof(DepthLevel, instrument) == 0 && offsetof(Bar, instrument) == 0 &&
              offsetof(TradingSignal, instrument) == 0 && offsetof(Grade, instrument) == 0 &&
              offsetof(MarketDataReset, instrument) == 0 && offsetof(MarkPrice, instrument) == 0 &&
              offsetof(FundingRate, instrument) == 0);

}  // namespace

InstrumentId record_instrument(const InboundEvent& event) {
  InstrumentId instrument = 0;
  std::memcpy(&instrument, record_of(event), sizeof instrument);
  return instrument;
}

void set_record_instrument(InboundEvent& event, InstrumentId instrument) {
  std::memcpy(record_of(event), &instrument, sizeof instrument);
}

TokenId record_token(const InboundEvent& event) {
  if (event.kind == MarketEventKind::kTradingSignal) return event.trading_signal.token_id;
  if (event.kind == MarketEventKind::kGrade) return event.grade.token_id;
  return 0;
}

std::size_t relay_record_size(MarketEventKind kind) {
  switch (kind) {
    case MarketEventKind::kBestBidOffer:
      return sizeof(BestBidOffer);
    case MarketEventKind::kTrade:
      return sizeof(TradeTick);
    case MarketEventKind::kDepthLevel:
      return sizeof(DepthLevel);
    case MarketEventKind::kBar:
      return sizeof(Bar);
    case MarketEventKind::kTradingSignal:
      return sizeof(TradingSignal);
    case MarketEventKind::kGrade:
      return sizeof(Grade);
    case MarketEventKind::kMarketDataReset:
      return sizeof(MarketDataReset);
    case MarketEventKind::kMarkPrice:
      return sizeof(MarkPrice);
    case MarketEventKind::kFundingRate:
      return sizeof(FundingRate);
  }
  return 0;
}

void encode_relay_message(const RelayMessage& message, std::string& out) {
  const std::size_t size = relay_record_size(message.kind);
  out.clear();
  out.reserve(kRelayHeaderSize + size * message.events.size());
  out.append(kMagic, sizeof kMagic);
  put<std::uint16_t>(out, kRelayWireVersion);
  put<std::uint8_t>(out, static_cast<std::uint8_t>(message.kind));
  put<std::uint8_t>(out, static_cast<std::uint8_t>(size));
  put<std::uint64_t>(out, message.epoch);
  put<std::uint64_t>(out, message.sequence);
  put<std::int64_t>(out, message.receive_time_ns);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(message.events.size()));
  put<std::uint8_t>(out, message.price_scale);
  put<std::uint8_t>(out, message.quantity_scale);
  for (const InboundEvent& event : message.events)
    out.append(static_cast<const char*>(record_of(event)), size);
}

std::string relay_scale_mismatch(const RelayMessage& message, const Instrument& instrument) {
  if (message.price_scale == 0 && message.quantity_scale == 0) return {};
  if (message.price_scale == instrument.price_scale &&
      message.quantity_scale == instrument.quantity_scale) {
    return {};
  }
  return fmt::format(
      "the relay's {} has {} price and {} quantity decimals, this configuration's {} and {}: "
      "configure price_scale and quantity_scale as on the relay",
      instrument.symbol.view(), message.price_scale, message.quantity_scale, instrument.price_scale,
      instrument.quantity_scale);
}

tl::expected<RelayMessage, std::string> decode_relay_message(std::string_view bytes) {
  if (bytes.size() < kRelayHeaderSize)
    return tl::unexpected(
        fmt::format("{} bytes: shorter than a relay message header", bytes.size()));
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    return tl::unexpected(std::string("not a sigex relay message (no SGXR magic)"));
  const auto version = get<std::uint16_t>(bytes, 4);
  if (version != kRelayWireVersion) {
    return tl::unexpected(fmt::format(
        "relay wire version {}, this sigex reads version {}: run the same release on the relay "
        "and the engines",
        version, kRelayWireVersion));
  }
  const auto kind_code = get<std::uint8_t>(bytes, 6);
  if (kind_code >= kKinds)
    return tl::unexpected(fmt::format("record kind {} is unknown to this sigex", kind_code));
  RelayMessage message;
  message.kind = static_cast<MarketEventKind>(kind_code);
  const std::size_t size = relay_record_size(message.kind);
  if (get<std::uint8_t>(bytes, 7) != size) {
    return tl::unexpected(fmt::format(
        "records of kind {} are {} bytes on the wire and {} here: the relay runs another build",
        kind_code, get<std::uint8_t>(bytes, 7), size));
  }
  message.epoch = get<std::uint64_t>(bytes, 8);
  message.sequence = get<std::uint64_t>(bytes, 16);
  message.receive_time_ns = get<std::int64_t>(bytes, 24);
  const auto count = get<std::uint32_t>(bytes, 32);
  message.price_scale = get<std::uint8_t>(bytes, 36);
  message.quantity_scale = get<std::uint8_t>(bytes, 37);
  if (bytes.size() != kRelayHeaderSize + static_cast<std::size_t>(count) * size) {
    return tl::unexpected(fmt::format("{} bytes for {} record(s) of {} bytes: truncated or padded",
                                      bytes.size(), count, size));
  }
  message.events.resize(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    InboundEvent& event = message.events[i];
    event.kind = message.kind;
    std::memcpy(record_of(event), bytes.data() + kRelayHeaderSize + i * size, size);
  }
  return message;
}

}  // namespace sigex
