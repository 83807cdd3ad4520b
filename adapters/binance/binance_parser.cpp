#include "adapters/binance/binance_parser.h"

#include <cctype>

#include "engine/core/decimal.h"

namespace sigex {
namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

enum class StreamKind : std::uint8_t { kUnknown, kBookTicker, kTrade, kAggTrade, kDepth, kKline };

StreamKind kind_from_stream(std::string_view stream) {
  const auto at = stream.find('@');
  if (at == std::string_view::npos) return StreamKind::kUnknown;
  const std::string_view suffix = stream.substr(at + 1);
  if (suffix == "bookTicker") return StreamKind::kBookTicker;
  if (suffix == "trade") return StreamKind::kTrade;
  if (suffix == "aggTrade") return StreamKind::kAggTrade;
  if (suffix.starts_with("depth")) return StreamKind::kDepth;
  if (suffix.starts_with("kline_")) return StreamKind::kKline;
  return StreamKind::kUnknown;
}

StreamKind kind_from_event_type(std::string_view type) {
  if (type == "trade") return StreamKind::kTrade;
  if (type == "aggTrade") return StreamKind::kAggTrade;
  if (type == "depthUpdate") return StreamKind::kDepth;
  if (type == "kline") return StreamKind::kKline;
  return StreamKind::kUnknown;
}

Result<std::int64_t> decimal_field(object& payload, std::string_view key, int scale) {
  std::string_view text;
  if (payload[key].get_string().get(text)) return fail(Errc::kMissingField, "missing decimal field");
  return parse_decimal(text, scale);
}

Result<std::uint64_t> integer_field(object& payload, std::string_view key) {
  std::uint64_t number = 0;
  if (payload[key].get_uint64().get(number)) return fail(Errc::kMissingField, "missing integer field");
  return number;
}

Result<std::size_t> parse_levels(array levels, const Instrument& instrument, Side side,
                                 InboundEvent templ, std::vector<InboundEvent>& out) {
  std::size_t count = 0;
  for (auto level_result : levels) {
    array level;
    if (level_result.get_array().get(level)) return fail(Errc::kWrongType, "depth level not an array");
    std::string_view price_text, quantity_text;
    auto it = level.begin();
    if (it == level.end() || (*it).get_string().get(price_text)) {
      return fail(Errc::kWrongType, "depth level price");
    }
    ++it;
    if (it == level.end() || (*it).get_string().get(quantity_text)) {
      return fail(Errc::kWrongType, "depth level quantity");
    }
    const auto price = parse_decimal(price_text, instrument.price_scale);
    if (!price) return tl::unexpected(price.error());
    const auto quantity = parse_decimal(quantity_text, instrument.quantity_scale);
    if (!quantity) return tl::unexpected(quantity.error());
    if (*price <= 0 || *quantity < 0) return fail(Errc::kOutOfRange, "depth level out of range");
    templ.depth.side = side;
    templ.depth.price = Price{*price};
    templ.depth.quantity = Quantity{*quantity};
    out.push_back(templ);
    ++count;
  }
  return count;
}

}  // namespace

bool BinanceParser::recognises(std::string_view frame) {
  return frame.starts_with("{\"stream\"") || frame.starts_with("{\"e\"") ||
         frame.starts_with("{\"u\"") || frame.starts_with("{\"lastUpdateId\"");
}

Result<const Instrument*> BinanceParser::instrument_field(simdjson::ondemand::object& payload) {
  std::string_view symbol;
  if (payload["s"].get_string().get(symbol)) return fail(Errc::kMissingField, "symbol (s)");
  const InstrumentId id = resolve(symbol);
  if (id == kNoInstrument) return fail(Errc::kUnknownInstrument, "unknown symbol");
  return &instruments_.get(id);
}

InstrumentId BinanceParser::resolve(std::string_view symbol) {
  if (cached_id_ != kNoInstrument && cached_symbol_.size() == symbol.size()) {
    bool same = true;
    for (std::size_t i = 0; i < symbol.size() && same; ++i) {
      same = std::toupper(static_cast<unsigned char>(symbol[i])) == cached_symbol_[i];
    }
    if (same) return cached_id_;
  }
  const Instrument* instrument = instruments_.find_by_symbol(symbol);
  if (instrument == nullptr) return kNoInstrument;
  cached_id_ = instrument->id;
  cached_symbol_ = instrument->symbol.view();
  return cached_id_;
}

Result<std::size_t> BinanceParser::parse(std::string_view frame, TimeNs receive_time_ns,
                                         InstrumentId snapshot_instrument,
                                         std::vector<InboundEvent>& out) {
  const std::size_t original_size = out.size();
  auto rollback = [&](Error error) -> Result<std::size_t> {
    out.resize(original_size);
    return tl::unexpected(error);
  };

  simdjson::ondemand::document document;
  if (parser_.iterate(frame.data(), frame.size(), frame.size() + simdjson::SIMDJSON_PADDING).get(document)) {
    return fail(Errc::kSyntax, "not JSON");
  }
  object root;
  if (const auto error = document.get_object().get(root); error != simdjson::SUCCESS) {
    return error == simdjson::INCORRECT_TYPE ? fail(Errc::kWrongType, "frame is not an object")
                                             : fail(Errc::kSyntax, "truncated or malformed JSON");
  }

  object payload;
  StreamKind kind = StreamKind::kUnknown;
  std::string_view stream_symbol;
  bool is_snapshot = false;
  if (frame.starts_with("{\"stream\"")) {
    std::string_view stream;
    if (root["stream"].get_string().get(stream)) return fail(Errc::kMissingField, "stream");
    kind = kind_from_stream(stream);
    stream_symbol = stream.substr(0, stream.find('@'));
    if (root["data"].get_object().get(payload)) return fail(Errc::kMissingField, "data");
  } else if (frame.starts_with("{\"lastUpdateId\"")) {
    is_snapshot = true;
    payload = root;
  } else {
    payload = root;
    std::string_view type;
    if (frame.starts_with("{\"e\"")) {
      if (payload["e"].get_string().get(type)) return fail(Errc::kMissingField, "e");
      kind = kind_from_event_type(type);
    } else {
      kind = StreamKind::kBookTicker;
    }
  }

  if (is_snapshot) {
    if (snapshot_instrument == kNoInstrument) {
      return fail(Errc::kUnknownInstrument, "depth snapshot without an instrument");
    }
    const Instrument& instrument = instruments_.get(snapshot_instrument);
    const auto last_update = integer_field(payload, "lastUpdateId");
    if (!last_update) return tl::unexpected(last_update.error());
    if (!last_update) return rollback(last_update.error());
    InboundEvent templ{};
    templ.kind = MarketEventKind::kDepthLevel;
    templ.depth = DepthLevel{};
    templ.depth.instrument = snapshot_instrument;
    templ.depth.flags = DepthLevel::kSnapshot;
    templ.depth.receive_time_ns = receive_time_ns;
    templ.depth.first_update_id = *last_update;
    templ.depth.last_update_id = *last_update;
    array bids, asks;
    if (payload["bids"].get_array().get(bids)) return rollback({Errc::kMissingField, "bids"});
    if (auto r = parse_levels(bids, instrument, Side::kBuy, templ, out); !r) return rollback(r.error());
    if (payload["asks"].get_array().get(asks)) return rollback({Errc::kMissingField, "asks"});
    if (auto r = parse_levels(asks, instrument, Side::kSell, templ, out); !r) return rollback(r.error());
    if (out.size() > original_size) out.back().depth.flags |= DepthLevel::kLastInMessage;
    return out.size() - original_size;
  }

  InboundEvent event{};
  switch (kind) {
    case StreamKind::kBookTicker: {
      const auto update_id = integer_field(payload, "u");
      if (!update_id) return tl::unexpected(update_id.error());
      const auto found = instrument_field(payload);
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      const InstrumentId id = instrument.id;
      const auto bid = decimal_field(payload, "b", instrument.price_scale);
      if (!bid) return tl::unexpected(bid.error());
      const auto bid_quantity = decimal_field(payload, "B", instrument.quantity_scale);
      if (!bid_quantity) return tl::unexpected(bid_quantity.error());
      const auto ask = decimal_field(payload, "a", instrument.price_scale);
      if (!ask) return tl::unexpected(ask.error());
      const auto ask_quantity = decimal_field(payload, "A", instrument.quantity_scale);
      if (!ask_quantity) return tl::unexpected(ask_quantity.error());
      if (*bid < 0 || *ask < 0 || *bid_quantity < 0 || *ask_quantity < 0) {
        return fail(Errc::kOutOfRange, "negative price or quantity");
      }
      event.kind = MarketEventKind::kBestBidOffer;
      event.best_bid_offer = BestBidOffer{id, 0, receive_time_ns, Price{*bid},
                                          Quantity{*bid_quantity}, Price{*ask},
                                          Quantity{*ask_quantity}, *update_id};
      out.push_back(event);
      return std::size_t{1};
    }
    case StreamKind::kTrade:
    case StreamKind::kAggTrade: {
      const auto event_time = integer_field(payload, "E");
      if (!event_time) return tl::unexpected(event_time.error());
      const auto found = instrument_field(payload);
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      const InstrumentId id = instrument.id;
      const auto trade_id = integer_field(payload, kind == StreamKind::kTrade ? "t" : "a");
      if (!trade_id) return tl::unexpected(trade_id.error());
      const auto price = decimal_field(payload, "p", instrument.price_scale);
      if (!price) return tl::unexpected(price.error());
      const auto quantity = decimal_field(payload, "q", instrument.quantity_scale);
      if (!quantity) return tl::unexpected(quantity.error());
      bool buyer_is_maker = false;
      if (payload["m"].get_bool().get(buyer_is_maker)) return fail(Errc::kMissingField, "m");
      if (*price <= 0 || *quantity <= 0) return fail(Errc::kOutOfRange, "non-positive trade");
      event.kind = MarketEventKind::kTrade;
      event.trade = TradeTick{id,
                              buyer_is_maker ? AggressorSide::kSeller : AggressorSide::kBuyer,
                              ms_to_ns(static_cast<std::int64_t>(*event_time)),
                              receive_time_ns,
                              Price{*price},
                              Quantity{*quantity},
                              *trade_id};
      out.push_back(event);
      return std::size_t{1};
    }
    case StreamKind::kDepth: {
      const auto event_time = integer_field(payload, "E");
      if (!event_time) return tl::unexpected(event_time.error());
      const auto found = instrument_field(payload);
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      const InstrumentId id = instrument.id;
      const auto first = integer_field(payload, "U");
      if (!first) return tl::unexpected(first.error());
      const auto last = integer_field(payload, "u");
      if (!last) return tl::unexpected(last.error());
      InboundEvent templ{};
      templ.kind = MarketEventKind::kDepthLevel;
      templ.depth = DepthLevel{};
      templ.depth.instrument = id;
      templ.depth.venue_time_ns = ms_to_ns(static_cast<std::int64_t>(*event_time));
      templ.depth.receive_time_ns = receive_time_ns;
      templ.depth.first_update_id = *first;
      templ.depth.last_update_id = *last;
      array bids, asks;
      if (payload["b"].get_array().get(bids)) return rollback({Errc::kMissingField, "b"});
      if (auto r = parse_levels(bids, instrument, Side::kBuy, templ, out); !r) return rollback(r.error());
      if (payload["a"].get_array().get(asks)) return rollback({Errc::kMissingField, "a"});
      if (auto r = parse_levels(asks, instrument, Side::kSell, templ, out); !r) return rollback(r.error());
      if (out.size() > original_size) out.back().depth.flags |= DepthLevel::kLastInMessage;
      return out.size() - original_size;
    }
    case StreamKind::kKline: {
      const auto event_time = integer_field(payload, "E");
      if (!event_time) return tl::unexpected(event_time.error());
      object k;
      if (payload["k"].get_object().get(k)) return fail(Errc::kMissingField, "k");
      const auto open_time = integer_field(k, "t");
      if (!open_time) return tl::unexpected(open_time.error());
      const auto close_time = integer_field(k, "T");
      if (!close_time) return tl::unexpected(close_time.error());
      const auto found = instrument_field(k);
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      const InstrumentId id = instrument.id;
      const auto open = decimal_field(k, "o", instrument.price_scale);
      if (!open) return tl::unexpected(open.error());
      const auto close = decimal_field(k, "c", instrument.price_scale);
      if (!close) return tl::unexpected(close.error());
      const auto high = decimal_field(k, "h", instrument.price_scale);
      if (!high) return tl::unexpected(high.error());
      const auto low = decimal_field(k, "l", instrument.price_scale);
      if (!low) return tl::unexpected(low.error());
      const auto volume = decimal_field(k, "v", instrument.quantity_scale);
      if (!volume) return tl::unexpected(volume.error());
      bool closed = false;
      if (k["x"].get_bool().get(closed)) return fail(Errc::kMissingField, "k.x");
      if (*low <= 0 || *low > *high || *open < *low || *open > *high || *close < *low ||
          *close > *high || *volume < 0) {
        return fail(Errc::kOutOfRange, "inconsistent kline");
      }
      event.kind = MarketEventKind::kBar;
      event.bar = Bar{id,
                      closed,
                      ms_to_ns(static_cast<std::int64_t>(*event_time)),
                      receive_time_ns,
                      ms_to_ns(static_cast<std::int64_t>(*open_time)),
                      ms_to_ns(static_cast<std::int64_t>(*close_time)),
                      Price{*open},
                      Price{*high},
                      Price{*low},
                      Price{*close},
                      Quantity{*volume}};
      out.push_back(event);
      return std::size_t{1};
    }
    case StreamKind::kUnknown:
      break;
  }
  return fail(Errc::kUnsupported, "unsupported stream");
}

}  // namespace sigex
