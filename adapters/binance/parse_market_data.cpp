#include "adapters/binance/parse_market_data.h"

#include <cstring>
#include <optional>

#include "adapters/binance/book_ticker_shape.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

using simdjson::ondemand::array;
using simdjson::ondemand::object;
using simdjson::ondemand::value;

enum class StreamKind : std::uint8_t {
  kUnknown,
  kBookTicker,
  kTrade,
  kAggTrade,
  kDepth,
  kKline,
  kMarkPrice,
};

StreamKind kind_from_stream(std::string_view stream) {
  const auto at = stream.find('@');
  if (at == std::string_view::npos) return StreamKind::kUnknown;
  const std::string_view suffix = stream.substr(at + 1);
  if (suffix == "bookTicker") return StreamKind::kBookTicker;
  if (suffix == "trade") return StreamKind::kTrade;
  if (suffix == "aggTrade") return StreamKind::kAggTrade;
  if (suffix.starts_with("depth")) return StreamKind::kDepth;
  if (suffix.starts_with("kline_")) return StreamKind::kKline;
  if (suffix.starts_with("markPrice")) return StreamKind::kMarkPrice;  // @markPrice, @markPrice@1s
  return StreamKind::kUnknown;
}

StreamKind kind_from_event_type(std::string_view type) {
  if (type == "bookTicker") return StreamKind::kBookTicker;  // USD-M sends the event type
  if (type == "trade") return StreamKind::kTrade;
  if (type == "aggTrade") return StreamKind::kAggTrade;
  if (type == "depthUpdate") return StreamKind::kDepth;
  if (type == "kline") return StreamKind::kKline;
  if (type == "markPriceUpdate") return StreamKind::kMarkPrice;
  return StreamKind::kUnknown;
}

// Binance's stream names carry symbols in lower case ("btcusdt@bookTicker"); no locale.
char ascii_upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

// The text of a JSON string field as it stands in the frame, without its quotes and without
// unescaping it into simdjson's buffer: simdjson's structural index already knows where the
// token ends, so nothing is scanned. Escapes are left in; see plain_string.
bool string_token(simdjson::simdjson_result<simdjson::ondemand::value> field,
                  std::string_view& text) {
  simdjson::ondemand::value value;
  if (field.get(value)) return false;
  std::string_view token = value.raw_json_token();  // the string, then spaces up to what follows
  simdjson::ondemand::raw_json_string raw;
  if (value.get_raw_json_string().get(raw)) return false;  // not a string
  while (!token.empty() && token.back() != '"') token.remove_suffix(1);
  if (token.size() < 2) return false;
  text = token.substr(1, token.size() - 2);
  return true;
}

// A string with no escapes (symbols, stream names) read in place; one with an escape is
// refused. Decimals skip the escape check: the decimal parser refuses a backslash anyway.
bool plain_string(simdjson::simdjson_result<simdjson::ondemand::value> field,
                  std::string_view& text) {
  if (!string_token(field, text)) return false;
  for (const char c : text) {
    if (c == '\\') return false;
  }
  return true;
}

// Reads fields of one object in document order. After the first failure every further read
// is skipped (simdjson must not be used past an error) and error() reports the first one.
//
// Every lookup in this parser is ordered (find_field): Binance sends its fields in a fixed
// order, the tests pin it on recorded captures, and simdjson's unordered lookup assumes
// well-formed input when it wraps around (our fuzzer reached undefined behaviour there).
// Fields in another order are rejected as missing and counted, never misread.
class FieldReader {
 public:
  explicit FieldReader(object& payload) : payload_(payload) {}

  std::int64_t decimal(std::string_view key, int scale) {
    const std::string_view text = decimal_text(key);
    if (error_) return 0;
    const auto value = parse_decimal(text, scale);
    return value ? *value : failed(value.error());
  }

  // A decimal field's text, converted by the caller.
  std::string_view decimal_text(std::string_view key) {
    std::string_view text;
    if (error_) return text;
    if (!string_token(payload_.find_field(key), text)) {
      failed({Errc::kMissingField, "missing decimal field"});
    }
    return text;
  }

  std::uint64_t integer(std::string_view key) {
    if (error_) return 0;
    std::uint64_t number = 0;
    if (payload_.find_field(key).get_uint64().get(number))
      return failed({Errc::kMissingField, "missing integer field"});
    return number;
  }

  // A venue time in milliseconds since the epoch, as nanoseconds; refuses values past 2262.
  TimeNs time_ms(std::string_view key) {
    const std::uint64_t milliseconds = integer(key);
    constexpr std::uint64_t kMaxMilliseconds = INT64_MAX / kNsPerMs;
    if (milliseconds > kMaxMilliseconds) return failed({Errc::kOutOfRange, "time out of range"});
    return ms_to_ns(static_cast<std::int64_t>(milliseconds));
  }

  bool boolean(std::string_view key) {
    if (error_) return false;
    bool value = false;
    if (payload_.find_field(key).get_bool().get(value))
      return failed({Errc::kMissingField, "missing boolean field"});
    return value;
  }

  const std::optional<Error>& error() const { return error_; }

 private:
  std::int64_t failed(Error error) {
    error_ = error;
    return 0;
  }

  object& payload_;
  std::optional<Error> error_;
};

Result<std::size_t> parse_levels(array levels, const Instrument& instrument, Side side,
                                 InboundEvent templ, std::vector<InboundEvent>& out) {
  std::size_t count = 0;
  for (auto level_result : levels) {
    array level;
    if (level_result.get_array().get(level))
      return fail(Errc::kWrongType, "depth level not an array");
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

// One bookTicker's record from its fields' text: the conversion the shape scanner and the
// simdjson path share.
Result<BestBidOffer> book_ticker_record(const BookTickerText& text, const Instrument& instrument,
                                        TimeNs receive_time_ns) {
  const auto bid_price = parse_decimal(text.bid_price, instrument.price_scale);
  if (!bid_price) return tl::unexpected(bid_price.error());
  const auto bid_quantity = parse_decimal(text.bid_quantity, instrument.quantity_scale);
  if (!bid_quantity) return tl::unexpected(bid_quantity.error());
  const auto ask_price = parse_decimal(text.ask_price, instrument.price_scale);
  if (!ask_price) return tl::unexpected(ask_price.error());
  const auto ask_quantity = parse_decimal(text.ask_quantity, instrument.quantity_scale);
  if (!ask_quantity) return tl::unexpected(ask_quantity.error());
  if (*bid_price < 0 || *ask_price < 0 || *bid_quantity < 0 || *ask_quantity < 0) {
    return fail(Errc::kOutOfRange, "negative price or quantity");
  }
  return BestBidOffer{instrument.id,           0,
                      receive_time_ns,         Price{*bid_price},
                      Quantity{*bid_quantity}, Price{*ask_price},
                      Quantity{*ask_quantity}, text.update_id};
}

// Marks the first and last record of one depth message; a message without levels becomes a
// single kEmpty record so that its update ids still reach the book.
void frame_message(std::vector<InboundEvent>& out, std::size_t first, InboundEvent templ) {
  if (out.size() == first) {
    templ.depth.flags |= DepthLevel::kEmpty;
    out.push_back(templ);
  }
  out[first].depth.flags |= DepthLevel::kFirstInMessage;
  out.back().depth.flags |= DepthLevel::kLastInMessage;
}

}  // namespace

bool BinanceParser::recognises(std::string_view frame) {
  return frame.starts_with("{\"stream\"") || frame.starts_with("{\"e\"") ||
         frame.starts_with("{\"u\"") || frame.starts_with("{\"lastUpdateId\"") ||
         frame.starts_with("{\"rest\"") || frame.starts_with("{\"symbol\"");
}

Result<const Instrument*> BinanceParser::perpetual_field(simdjson::ondemand::object& payload,
                                                         std::string_view key) {
  std::string_view symbol;
  if (!plain_string(payload.find_field(key), symbol)) return fail(Errc::kMissingField, "symbol");
  const Instrument* instrument = instruments_.find_by_symbol(symbol, InstrumentKind::kPerpetual);
  if (instrument == nullptr) return fail(Errc::kUnknownInstrument, "unknown perpetual symbol");
  return instrument;
}

Result<std::size_t> BinanceParser::parse_funding_row(simdjson::ondemand::object& row,
                                                     TimeNs receive_time_ns,
                                                     std::vector<InboundEvent>& out) {
  // GET /fapi/v1/fundingRate rows: symbol, fundingRate, fundingTime, markPrice (newer rows).
  const auto found = perpetual_field(row, "symbol");
  if (!found) return tl::unexpected(found.error());
  const Instrument& instrument = **found;
  FieldReader fields(row);
  InboundEvent event{};
  event.kind = MarketEventKind::kFundingRate;
  event.funding_rate = FundingRate{};
  FundingRate& funding = event.funding_rate;
  funding.instrument = instrument.id;
  funding.rate = Rate{fields.decimal("fundingRate", kRateScale)};
  funding.funding_time_ns = fields.time_ms("fundingTime");
  funding.receive_time_ns = receive_time_ns;
  if (fields.error()) return tl::unexpected(*fields.error());
  std::string_view mark;
  if (plain_string(row.find_field("markPrice"), mark) && !mark.empty()) {
    const auto value = parse_decimal(mark, instrument.price_scale);
    if (!value) return tl::unexpected(value.error());
    funding.mark_price = Price{*value};
  }
  if (funding.mark_price.raw < 0) return fail(Errc::kOutOfRange, "negative mark price");
  out.push_back(event);
  return std::size_t{1};
}

Result<const Instrument*> BinanceParser::instrument_field(simdjson::ondemand::object& payload) {
  std::string_view symbol;
  if (!plain_string(payload.find_field("s"), symbol))
    return fail(Errc::kMissingField, "symbol (s)");
  const InstrumentId id = resolve(symbol);
  if (id == kNoInstrument) return fail(Errc::kUnknownInstrument, "unknown symbol");
  return &instruments_.get(id);
}

InstrumentId BinanceParser::resolve(std::string_view symbol) {
  if (cached_id_ != kNoInstrument && cached_market_ == market_ &&
      cached_symbol_.size() == symbol.size()) {
    bool same = true;
    for (std::size_t i = 0; i < symbol.size() && same; ++i) {
      same = ascii_upper(symbol[i]) == cached_symbol_[i];
    }
    if (same) return cached_id_;
  }
  const Instrument* instrument =
      market_ == BinanceMarket::kUsdm
          ? instruments_.find_by_symbol(symbol, InstrumentKind::kPerpetual)
          : instruments_.find_by_symbol(symbol);
  if (instrument == nullptr) return kNoInstrument;
  cached_market_ = market_;
  cached_id_ = instrument->id;
  cached_symbol_ = instrument->symbol.view();
  return cached_id_;
}

Result<std::size_t> BinanceParser::parse_snapshot(simdjson::ondemand::object& payload,
                                                  InstrumentId snapshot_instrument,
                                                  TimeNs receive_time_ns,
                                                  std::vector<InboundEvent>& out) {
  const std::size_t original_size = out.size();
  auto rollback = [&](Error error) -> Result<std::size_t> {
    out.resize(original_size);
    return tl::unexpected(error);
  };
  const Instrument& instrument = instruments_.get(snapshot_instrument);
  FieldReader fields(payload);
  const std::uint64_t last_update = fields.integer("lastUpdateId");
  if (fields.error()) return tl::unexpected(*fields.error());
  InboundEvent templ{};
  templ.kind = MarketEventKind::kDepthLevel;
  templ.depth = DepthLevel{};
  templ.depth.instrument = snapshot_instrument;
  templ.depth.flags = DepthLevel::kSnapshot;
  templ.depth.receive_time_ns = receive_time_ns;
  templ.depth.first_update_id = last_update;
  templ.depth.last_update_id = last_update;
  array bids, asks;
  if (payload.find_field("bids").get_array().get(bids))
    return rollback({Errc::kMissingField, "bids"});
  if (auto r = parse_levels(bids, instrument, Side::kBuy, templ, out); !r)
    return rollback(r.error());
  if (payload.find_field("asks").get_array().get(asks))
    return rollback({Errc::kMissingField, "asks"});
  if (auto r = parse_levels(asks, instrument, Side::kSell, templ, out); !r)
    return rollback(r.error());
  frame_message(out, original_size, templ);
  return out.size() - original_size;
}

Result<std::size_t> BinanceParser::parse(std::string_view frame, TimeNs receive_time_ns,
                                         InstrumentId snapshot_instrument,
                                         std::vector<InboundEvent>& out, BinanceMarket market) {
  market_ = market;
  if (shape_scan_ == ShapeScan::kOn && market == BinanceMarket::kSpot) {
    // The busiest stream in its exact layout. What the scan or the conversion refuses is
    // parsed again below, so that every error is the simdjson path's.
    if (const auto text = scan_book_ticker(frame)) {
      if (const InstrumentId id = resolve(text->symbol); id != kNoInstrument) {
        if (const auto quote = book_ticker_record(*text, instruments_.get(id), receive_time_ns)) {
          InboundEvent event{};
          event.kind = MarketEventKind::kBestBidOffer;
          event.best_bid_offer = *quote;
          out.push_back(event);
          return std::size_t{1};
        }
      }
    }
  }
  const std::size_t original_size = out.size();
  auto rollback = [&](Error error) -> Result<std::size_t> {
    out.resize(original_size);
    return tl::unexpected(error);
  };

  simdjson::ondemand::document document;
  if (parser_.iterate(frame.data(), frame.size(), frame.size() + simdjson::SIMDJSON_PADDING)
          .get(document)) {
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
    if (!plain_string(root.find_field("stream"), stream))
      return fail(Errc::kMissingField, "stream");
    kind = kind_from_stream(stream);
    stream_symbol = stream.substr(0, stream.find('@'));
    if (root.find_field("data").get_object().get(payload)) return fail(Errc::kMissingField, "data");
  } else if (frame.starts_with("{\"rest\"")) {
    // sigex's recording of a REST response: {"rest":"<request target>","data":<raw body>}.
    std::string_view target;
    if (root.find_field("rest").get_string().get(target)) return fail(Errc::kMissingField, "rest");
    if (!target.starts_with("/api/v3/depth") && !target.starts_with("/fapi/v1/depth"))
      return fail(Errc::kUnsupported, "unsupported REST record");
    const auto symbol_at = target.find("symbol=");
    if (symbol_at == std::string_view::npos)
      return fail(Errc::kMissingField, "symbol in REST target");
    std::string_view symbol = target.substr(symbol_at + 7);
    symbol = symbol.substr(0, symbol.find('&'));
    const InstrumentId id = resolve(symbol);
    if (id == kNoInstrument) return fail(Errc::kUnknownInstrument, "unknown symbol");
    if (root.find_field("data").get_object().get(payload)) return fail(Errc::kMissingField, "data");
    return parse_snapshot(payload, id, receive_time_ns, out);
  } else if (frame.starts_with("{\"symbol\"")) {
    return parse_funding_row(root, receive_time_ns, out);
  } else if (frame.starts_with("{\"lastUpdateId\"")) {
    is_snapshot = true;
    payload = root;
  } else {
    payload = root;
    std::string_view type;
    if (frame.starts_with("{\"e\"")) {
      if (payload.find_field("e").get_string().get(type)) return fail(Errc::kMissingField, "e");
      kind = kind_from_event_type(type);
    } else {
      kind = StreamKind::kBookTicker;
    }
  }

  if (is_snapshot) {
    if (snapshot_instrument == kNoInstrument) {
      return fail(Errc::kUnknownInstrument, "depth snapshot without an instrument");
    }
    return parse_snapshot(payload, snapshot_instrument, receive_time_ns, out);
  }

  InboundEvent event{};
  FieldReader fields(payload);
  switch (kind) {
    case StreamKind::kBookTicker: {
      BookTickerText text;
      text.update_id = fields.integer("u");
      if (fields.error()) return tl::unexpected(*fields.error());
      const auto found = instrument_field(payload);
      if (!found) return tl::unexpected(found.error());
      text.bid_price = fields.decimal_text("b");
      text.bid_quantity = fields.decimal_text("B");
      text.ask_price = fields.decimal_text("a");
      text.ask_quantity = fields.decimal_text("A");
      if (fields.error()) return tl::unexpected(*fields.error());
      auto quote = book_ticker_record(text, **found, receive_time_ns);
      if (!quote) return tl::unexpected(quote.error());
      if (market == BinanceMarket::kUsdm) {  // USD-M adds the transaction and event times
        fields.integer("T");
        quote->venue_time_ns = fields.time_ms("E");
        if (fields.error()) return tl::unexpected(*fields.error());
      }
      event.kind = MarketEventKind::kBestBidOffer;
      event.best_bid_offer = *quote;
      out.push_back(event);
      return std::size_t{1};
    }
    case StreamKind::kTrade:
    case StreamKind::kAggTrade: {
      const TimeNs event_time_ns = fields.time_ms("E");
      if (fields.error()) return tl::unexpected(*fields.error());
      const auto found = instrument_field(payload);
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      const std::uint64_t trade_id = fields.integer(kind == StreamKind::kTrade ? "t" : "a");
      const Price price{fields.decimal("p", instrument.price_scale)};
      const Quantity quantity{fields.decimal("q", instrument.quantity_scale)};
      const bool buyer_is_maker = fields.boolean("m");
      if (fields.error()) return tl::unexpected(*fields.error());
      if (price.raw <= 0 || quantity.raw <= 0) return fail(Errc::kOutOfRange, "non-positive trade");
      event.kind = MarketEventKind::kTrade;
      event.trade =
          TradeTick{instrument.id, buyer_is_maker ? AggressorSide::kSeller : AggressorSide::kBuyer,
                    event_time_ns, receive_time_ns,
                    price,         quantity,
                    trade_id};
      out.push_back(event);
      return std::size_t{1};
    }
    case StreamKind::kDepth: {
      const TimeNs event_time_ns = fields.time_ms("E");
      if (fields.error()) return tl::unexpected(*fields.error());
      const auto found = instrument_field(payload);
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      InboundEvent templ{};
      templ.kind = MarketEventKind::kDepthLevel;
      templ.depth = DepthLevel{};
      templ.depth.instrument = instrument.id;
      templ.depth.venue_time_ns = event_time_ns;
      templ.depth.receive_time_ns = receive_time_ns;
      templ.depth.first_update_id = fields.integer("U");
      templ.depth.last_update_id = fields.integer("u");
      if (market == BinanceMarket::kUsdm) templ.depth.previous_update_id = fields.integer("pu");
      if (fields.error()) return tl::unexpected(*fields.error());
      array bids, asks;
      if (payload.find_field("b").get_array().get(bids))
        return rollback({Errc::kMissingField, "b"});
      if (auto r = parse_levels(bids, instrument, Side::kBuy, templ, out); !r)
        return rollback(r.error());
      if (payload.find_field("a").get_array().get(asks))
        return rollback({Errc::kMissingField, "a"});
      if (auto r = parse_levels(asks, instrument, Side::kSell, templ, out); !r)
        return rollback(r.error());
      frame_message(out, original_size, templ);
      return out.size() - original_size;
    }
    case StreamKind::kKline: {
      const TimeNs event_time_ns = fields.time_ms("E");
      if (fields.error()) return tl::unexpected(*fields.error());
      object k;
      if (payload.find_field("k").get_object().get(k)) return fail(Errc::kMissingField, "k");
      FieldReader bar_fields(k);
      const TimeNs open_time_ns = bar_fields.time_ms("t");
      const TimeNs close_time_ns = bar_fields.time_ms("T");
      if (bar_fields.error()) return tl::unexpected(*bar_fields.error());
      const auto found = instrument_field(k);
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      Bar& bar = event.bar;
      event.kind = MarketEventKind::kBar;
      bar = Bar{};
      bar.instrument = instrument.id;
      bar.venue_time_ns = event_time_ns;
      bar.receive_time_ns = receive_time_ns;
      bar.open_time_ns = open_time_ns;
      bar.close_time_ns = close_time_ns;
      bar.open = Price{bar_fields.decimal("o", instrument.price_scale)};
      bar.close = Price{bar_fields.decimal("c", instrument.price_scale)};
      bar.high = Price{bar_fields.decimal("h", instrument.price_scale)};
      bar.low = Price{bar_fields.decimal("l", instrument.price_scale)};
      bar.volume = Quantity{bar_fields.decimal("v", instrument.quantity_scale)};
      bar.closed = bar_fields.boolean("x");
      if (bar_fields.error()) return tl::unexpected(*bar_fields.error());
      if (bar.low.raw <= 0 || bar.low > bar.high || bar.open < bar.low || bar.open > bar.high ||
          bar.close < bar.low || bar.close > bar.high || bar.volume.raw < 0) {
        return fail(Errc::kOutOfRange, "inconsistent kline");
      }
      out.push_back(event);
      return std::size_t{1};
    }
    case StreamKind::kMarkPrice: {
      // e, E, s, p (mark), i (index), P (estimated settle), r (funding rate), T (next funding)
      const TimeNs event_time_ns = fields.time_ms("E");
      if (fields.error()) return tl::unexpected(*fields.error());
      const auto found = perpetual_field(payload, "s");
      if (!found) return tl::unexpected(found.error());
      const Instrument& instrument = **found;
      event.kind = MarketEventKind::kMarkPrice;
      event.mark_price = MarkPrice{};
      MarkPrice& mark = event.mark_price;
      mark.instrument = instrument.id;
      mark.venue_time_ns = event_time_ns;
      mark.receive_time_ns = receive_time_ns;
      mark.mark_price = Price{fields.decimal("p", instrument.price_scale)};
      mark.funding_rate = Rate{fields.decimal("r", kRateScale)};
      mark.next_funding_time_ns = fields.time_ms("T");
      if (fields.error()) return tl::unexpected(*fields.error());
      if (mark.mark_price.raw <= 0) return fail(Errc::kOutOfRange, "non-positive mark price");
      out.push_back(event);
      return std::size_t{1};
    }
    case StreamKind::kUnknown:
      break;
  }
  return fail(Errc::kUnsupported, "unsupported stream");
}

}  // namespace sigex
