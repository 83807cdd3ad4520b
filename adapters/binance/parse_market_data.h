#pragma once

// Binance spot wire frames -> engine records. The only place Binance's strings become fixed
// point and its milliseconds become nanoseconds. Accepts:
//  * combined-stream envelopes {"stream":"btcusdt@trade","data":{...}} for @bookTicker,
//    @trade, @aggTrade, @depth / @depth@100ms and @kline_<interval>;
//  * the same payloads without the envelope (single raw streams);
//  * REST GET /api/v3/depth snapshots {"lastUpdateId":..,"bids":..,"asks":..}, which carry no
//    symbol: the caller names the instrument;
//  * sigex's recording of such a snapshot, {"rest":"/api/v3/depth?symbol=BTCUSDT&limit=1000",
//    "data":<raw body>}, whose target names the symbol;
//  * USD-M perpetuals: @markPrice / @markPrice@1s (markPriceUpdate: mark price, funding rate,
//    next funding time), futures bookTicker (`e`, `T`, `E`), depth diffs with `pu`, REST
//    /fapi/v1/depth snapshots, and rows of GET /fapi/v1/fundingRate ({"symbol","fundingRate",
//    "fundingTime"[,"markPrice"]}: a settled funding), both for the perpetual of that symbol.
// One parser per thread; it reuses its simdjson parser, so steady-state parsing does not
// allocate. `frame` must be followed by SIMDJSON_PADDING readable bytes.

#include <cstdint>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "adapters/binance/market.h"
#include "engine/core/instrument.h"
#include "engine/core/result.h"
#include "engine/events/events.h"

namespace sigex {

class BinanceParser {
 public:
  // kOn: a spot bookTicker frame in Binance's exact byte layout is read by a scanner of that
  // layout (book_ticker_shape.h) before any JSON parsing; every other frame goes to simdjson.
  // kOff: every frame goes to simdjson, the reference the scanner is tested and fuzzed against.
  enum class ShapeScan : std::uint8_t { kOn, kOff };

  explicit BinanceParser(const InstrumentRegistry& instruments,
                         ShapeScan shape_scan = ShapeScan::kOn)
      : instruments_(instruments), shape_scan_(shape_scan) {}

  // Appends the frame's records to `out`. `snapshot_instrument` names the instrument of a REST
  // depth snapshot (kNoInstrument if none is expected). Errors leave `out` as it was. Spot
  // frames go to the spot instrument of their symbol (or its perpetual when no spot one is
  // configured); USD-M frames only to the perpetual.
  Result<std::size_t> parse(std::string_view frame, TimeNs receive_time_ns,
                            InstrumentId snapshot_instrument, std::vector<InboundEvent>& out,
                            BinanceMarket market = BinanceMarket::kSpot);

  // Whether this looks like a frame this parser owns (cheap prefix check).
  static bool recognises(std::string_view frame);

 private:
  InstrumentId resolve(std::string_view symbol);
  Result<std::size_t> parse_snapshot(simdjson::ondemand::object& payload, InstrumentId instrument,
                                     TimeNs receive_time_ns, std::vector<InboundEvent>& out);
  // Reads a symbol field and maps it to the configured perpetual of that symbol.
  Result<const Instrument*> perpetual_field(simdjson::ondemand::object& payload,
                                            std::string_view key);
  Result<std::size_t> parse_funding_row(simdjson::ondemand::object& row, TimeNs receive_time_ns,
                                        std::vector<InboundEvent>& out);
  // Reads the "s" field and maps it to a configured instrument.
  Result<const Instrument*> instrument_field(simdjson::ondemand::object& payload);

  const InstrumentRegistry& instruments_;
  ShapeScan shape_scan_;
  simdjson::ondemand::parser parser_;
  InstrumentId cached_id_ = kNoInstrument;
  std::string_view cached_symbol_;
  BinanceMarket market_ = BinanceMarket::kSpot;  // of the frame being parsed
  BinanceMarket cached_market_ = BinanceMarket::kSpot;
};

}  // namespace sigex
