#pragma once

// What `sigex relay` publishes: the plain records the core consumes, in a versioned binary
// payload. One NATS message carries one venue message's records (a depth update's levels, one
// trade, one signal), all of one kind and one subject:
//
//   offset  size  field
//   0       4     magic "SGXR"
//   4       2     wire version (kRelayWireVersion), little-endian like every field
//   6       1     record kind (MarketEventKind)
//   7       1     record size in bytes: a build whose record layout differs is refused
//   8       8     epoch: the relay's start time (ns); a new epoch starts a new sequence
//   16      8     sequence of this message on its subject within the epoch, from 1
//   24      8     receive time (ns) of the venue message at the relay
//   32      4     record count n
//   36      n×s   the records, as the core holds them
//
// A record's instrument id is the relay's own: a subscriber replaces it with its own id of the
// instrument the subject names. Every record keeps its receive time, so the engine's input log
// and replay-check see what the relay received.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "engine/events/events.h"

namespace sigex {

inline constexpr std::uint16_t kRelayWireVersion = 1;
inline constexpr std::size_t kRelayHeaderSize = 36;

struct RelayMessage {
  MarketEventKind kind = MarketEventKind::kBestBidOffer;
  std::uint64_t epoch = 0;
  std::uint64_t sequence = 0;
  TimeNs receive_time_ns = 0;
  std::vector<InboundEvent> events;  // every one of `kind`
};

// The size of one record of `kind` on the wire.
std::size_t relay_record_size(MarketEventKind kind);

// The instrument a record names (every record begins with it), read and replaced whatever
// its kind: a subscriber puts its own id where the relay's was.
InstrumentId record_instrument(const InboundEvent& event);
void set_record_instrument(InboundEvent& event, InstrumentId instrument);

// Appends the message's bytes to `out` (cleared first).
void encode_relay_message(const RelayMessage& message, std::string& out);

// The message, or what is wrong with the bytes (short, not a relay message, another wire
// version or record layout, a kind this build does not know).
tl::expected<RelayMessage, std::string> decode_relay_message(std::string_view bytes);

}  // namespace sigex
