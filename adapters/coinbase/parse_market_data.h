#pragma once

// Coinbase Advanced Trade market data frames -> engine records (exchange-apis.md §3.4). The
// only place Coinbase's decimal strings become fixed point and its RFC 3339 times become
// nanoseconds. Every message has the envelope
//   {"channel":…,"client_id":"","timestamp":"<RFC 3339>","sequence_num":<n>,"events":[…]}
// and is one of:
//  * l2_data (subscribed as level2): a `snapshot` event then `update`s per product; each level
//    {"side":"bid"|"offer","price_level","new_quantity"} with new_quantity the absolute size,
//    "0" removing the level -> DepthLevel records;
//  * ticker: best bid and ask with their sizes -> BestBidOffer (ticker_batch carries no best
//    bid/ask: nothing);
//  * market_trades: trades whose `side` is the MAKER's -> TradeTick with the aggressor as the
//    opposite side;
//  * heartbeats (heartbeat_counter), subscriptions (the acknowledgement): no records.
//
// Gap detection. sequence_num counts every message of one connection (all channels): a jump
// means messages were lost, possibly of any product's level2. The parser then emits a
// MarketDataReset (kSequenceGap) for every product whose book it has seen on the connection,
// so the core invalidates those books and asks for a fresh snapshot (the feed resubscribes).
// A heartbeat_counter that skips is a gap too. A sequence_num lower than the last one starts a
// new connection (as in a recording that spans reconnects): the books seen are reset
// (kSubscribed) as the live feed resets them when it connects; new_connection() says so live.
// Depth records carry Coinbase's ordering in the engine's update ids: each level2 message of a
// product has id sequence_num + 1 and, as previous id, the id of that product's previous
// level2 message on the connection (its snapshot's first), the continuity rule BookSync
// already applies to Binance USD-M; an update with no snapshot before it on the connection
// names itself as previous, which no book accepts.
//
// The parser keeps that per-connection order state and a DOM parser it reuses (no allocation
// in steady state). `frame` must be followed by SIMDJSON_PADDING readable bytes.

#include <cstdint>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "engine/core/instrument.h"
#include "engine/core/result.h"
#include "engine/events/events.h"

namespace sigex {

struct CoinbaseParseCounters {
  std::uint64_t sequence_gaps = 0;   // sequence_num jumped
  std::uint64_t heartbeat_gaps = 0;  // heartbeat_counter skipped
  std::uint64_t connections = 0;     // sequences that started again
};

class CoinbaseParser {
 public:
  explicit CoinbaseParser(const InstrumentRegistry& instruments);

  // Appends the frame's records to `out`. Errors leave `out` as it was (a frame that named
  // only products we do not trade is kUnknownInstrument).
  Result<std::size_t> parse(std::string_view frame, TimeNs receive_time_ns,
                            std::vector<InboundEvent>& out);
  // The next frame starts a new connection (its sequence starts again; books wait for their
  // snapshots).
  void new_connection();

  // Whether this looks like a Coinbase Advanced Trade message (cheap prefix check).
  static bool recognises(std::string_view frame);

  const CoinbaseParseCounters& counters() const { return counters_; }

 private:
  struct ProductState {
    std::uint64_t last_l2_id = 0;  // 0: no snapshot on this connection
  };
  Result<std::size_t> parse_level2(simdjson::dom::array events, std::uint64_t id, TimeNs time_ns,
                                   TimeNs receive_time_ns, std::vector<InboundEvent>& out);
  Result<std::size_t> parse_ticker(simdjson::dom::array events, std::uint64_t id, TimeNs time_ns,
                                   TimeNs receive_time_ns, std::vector<InboundEvent>& out);
  Result<std::size_t> parse_trades(simdjson::dom::array events, TimeNs receive_time_ns,
                                   std::vector<InboundEvent>& out);
  Result<std::size_t> check_heartbeats(simdjson::dom::array events);
  // Emits the gap's resets (every product with a book on the connection) and forgets them.
  void on_gap(TimeNs receive_time_ns, std::vector<InboundEvent>& out, FeedResetReason reason);
  const Instrument* resolve(std::string_view product_id);

  const InstrumentRegistry& instruments_;
  simdjson::dom::parser parser_;
  std::vector<ProductState> products_;  // by instrument id
  bool have_sequence_ = false;
  std::uint64_t last_sequence_ = 0;
  bool have_heartbeat_ = false;
  std::uint64_t last_heartbeat_ = 0;
  CoinbaseParseCounters counters_;
};

}  // namespace sigex
