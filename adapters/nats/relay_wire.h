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
//   36      1     price scale: decimals of the instrument's prices at the relay (0: signals)
//   37      1     quantity scale: decimals of its quantities (0: signals)
//   38      n×s   the records, as the core holds them
//
// A record's instrument id is the relay's own: a subscriber replaces it with its own id of the
// instrument the subject names, and refuses records whose scales are not its instrument's (a
// relay and an engine configured with different price_scale or quantity_scale would
// otherwise read prices orders of magnitude off). Every record keeps its receive time, so the
// engine's input log and replay-check see what the relay received.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "engine/core/instrument.h"
#include "engine/events/events.h"

namespace sigex {

inline constexpr std::uint16_t kRelayWireVersion = 2;
inline constexpr std::size_t kRelayHeaderSize = 38;

struct RelayMessage {
  MarketEventKind kind = MarketEventKind::kBestBidOffer;
  std::uint64_t epoch = 0;
  std::uint64_t sequence = 0;
  TimeNs receive_time_ns = 0;
  std::vector<InboundEvent> events;  // every one of `kind`
  std::uint8_t price_scale = 0;      // the instrument's at the relay; 0 for signals and grades
  std::uint8_t quantity_scale = 0;
};

// "" when the message's records can be read as `instrument`'s (the same scales, or a signal),
// else what differs, for the operator.
std::string relay_scale_mismatch(const RelayMessage& message, const Instrument& instrument);

// One subject's place in the relay's sequence, as a subscriber (or a replay of a recording
// made from the relay) follows it: each message must carry the epoch and sequence after the
// last one's, else what came between was lost.
class RelaySequence {
 public:
  enum class Step : std::uint8_t {
    kFirst,       // nothing seen since the start or the last forget(): the book starts over
    kInSequence,  // the message after the last one
    kGap,         // a message (or more) was lost
    kNewEpoch,    // the relay restarted
  };
  Step accept(const RelayMessage& message) {
    const Step step = epoch_ == 0                 ? Step::kFirst
                      : message.epoch != epoch_   ? Step::kNewEpoch
                      : message.sequence != next_ ? Step::kGap
                                                  : Step::kInSequence;
    epoch_ = message.epoch;
    next_ = message.sequence + 1;
    return step;
  }
  void forget() { epoch_ = 0; }  // e.g. the connection was lost
  bool following() const { return epoch_ != 0; }
  std::uint64_t next() const { return next_; }

 private:
  std::uint64_t epoch_ = 0;
  std::uint64_t next_ = 0;
};

// The size of one record of `kind` on the wire.
std::size_t relay_record_size(MarketEventKind kind);

// The instrument a record names (every record begins with it), read and replaced whatever
// its kind: a subscriber puts its own id where the relay's was.
InstrumentId record_instrument(const InboundEvent& event);
void set_record_instrument(InboundEvent& event, InstrumentId instrument);
// The Token Metrics token a signal or grade record is about (0 for any other record): what
// a subscriber or a replay finds its own instrument by.
TokenId record_token(const InboundEvent& event);

// Appends the message's bytes to `out` (cleared first).
void encode_relay_message(const RelayMessage& message, std::string& out);

// The message, or what is wrong with the bytes (short, not a relay message, another wire
// version or record layout, a kind this build does not know).
tl::expected<RelayMessage, std::string> decode_relay_message(std::string_view bytes);

}  // namespace sigex
