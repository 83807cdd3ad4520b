#pragma once

// A relay message as one line of a recording, so that `sigex record` from a relay
// ([market_data] source = "nats") writes a file `sigex backtest` replays like any other:
//
//   <receive_time_ns> {"relay":"<subject>","data":"<the message, standard base64>"}
//
// The message is the relay's wire payload (relay_wire.h) unchanged: its epoch and sequence
// travel with it, so a replay sees the same gaps the live subscriber saw, and resets the book
// just as it did.

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/nats/relay_wire.h"
#include "engine/core/instrument.h"
#include "engine/core/result.h"
#include "engine/events/events.h"

namespace sigex {

std::string relay_frame(std::string_view subject, std::string_view message);

// A recording's relay lines back into records, as NatsMarketDataFeed turned them live.
class RelayFrameParser {
 public:
  explicit RelayFrameParser(const InstrumentRegistry& instruments) : instruments_(instruments) {}

  static bool recognises(std::string_view frame) { return frame.starts_with("{\"relay\":\""); }

  // Appends the message's records with this configuration's instrument (of the subject's
  // symbol, or of a signal's token) and the relay's receive times, as the live engine saw
  // them; first, for market records, a MarketDataReset (at the line's time) when the
  // subject's sequence starts, jumps or the relay restarted. kUnknownInstrument for a symbol
  // or token not configured here; kOutOfRange when the instrument is configured with other
  // decimals than the relay's.
  Result<std::size_t> parse(std::string_view frame, TimeNs receive_time_ns,
                            std::vector<InboundEvent>& out);

 private:
  // A market subject's instrument (null: not configured here) and place in the relay's
  // sequence; resolved once per subject, then found by hash without allocating.
  struct Subject {
    const Instrument* instrument = nullptr;
    RelaySequence sequence;
  };
  Subject& subject(std::string_view name);
  const Instrument* instrument_of(std::string_view subject) const;
  Result<std::size_t> parse_signals(RelayMessage& message, std::vector<InboundEvent>& out) const;

  const InstrumentRegistry& instruments_;
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, Subject, NameHash, std::equal_to<>> subjects_;
};

}  // namespace sigex
