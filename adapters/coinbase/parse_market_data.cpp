#include "adapters/coinbase/parse_market_data.h"

#include <charconv>

#include "engine/core/calendar.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

enum class Channel : std::uint8_t {
  kUnknown,
  kLevel2,
  kTicker,
  kTickerBatch,
  kTrades,
  kHeartbeats,
  kSubscriptions
};

Channel channel_of(std::string_view name) {
  if (name == "l2_data") return Channel::kLevel2;
  if (name == "ticker") return Channel::kTicker;
  if (name == "ticker_batch") return Channel::kTickerBatch;
  if (name == "market_trades") return Channel::kTrades;
  if (name == "heartbeats") return Channel::kHeartbeats;
  if (name == "subscriptions") return Channel::kSubscriptions;
  return Channel::kUnknown;
}

// An unsigned integer sent as a number or as a string of digits ("heartbeat_counter": "3",
// "trade_id": "000000000").
bool read_counter(element value, std::uint64_t& out) {
  if (value.get_uint64().get(out) == simdjson::SUCCESS) return true;
  std::string_view text;
  if (value.get_string().get(text) || text.empty() || text.size() > 19) return false;
  const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), out);
  return code == std::errc() && end == text.data() + text.size();
}

Result<std::int64_t> decimal_field(object item, std::string_view key, int scale) {
  std::string_view text;
  if (item[key].get_string().get(text)) return fail(Errc::kMissingField, "missing decimal field");
  return parse_decimal(text, scale);
}

Result<TimeNs> time_field(object item, std::string_view key) {
  std::string_view text;
  if (item[key].get_string().get(text)) return fail(Errc::kMissingField, "missing time field");
  // RFC 3339 in UTC ("2023-02-09T20:32:50.714964855Z"); parse_utc_timestamp reads it.
  return parse_utc_timestamp(text);
}

}  // namespace

CoinbaseParser::CoinbaseParser(const InstrumentRegistry& instruments)
    : instruments_(instruments), products_(instruments.size()) {}

bool CoinbaseParser::recognises(std::string_view frame) {
  return frame.starts_with("{\"channel\":");
}

void CoinbaseParser::new_connection() {
  for (ProductState& product : products_) product = ProductState{};
  have_sequence_ = false;
  have_heartbeat_ = false;
  ++counters_.connections;
}

const Instrument* CoinbaseParser::resolve(std::string_view product_id) {
  const Instrument* instrument = instruments_.find_by_symbol(product_id, InstrumentKind::kSpot);
  if (instrument == nullptr || instrument->id >= products_.size()) return nullptr;
  return instrument;
}

void CoinbaseParser::on_gap(TimeNs receive_time_ns, std::vector<InboundEvent>& out,
                            FeedResetReason reason) {
  for (std::size_t id = 0; id < products_.size(); ++id) {
    if (products_[id].last_l2_id == 0) continue;
    products_[id] = ProductState{};
    InboundEvent event;
    event.kind = MarketEventKind::kMarketDataReset;
    event.reset = MarketDataReset{static_cast<InstrumentId>(id), reason, receive_time_ns};
    out.push_back(event);
  }
}

Result<std::size_t> CoinbaseParser::parse(std::string_view frame, TimeNs receive_time_ns,
                                          std::vector<InboundEvent>& out) {
  const std::size_t before = out.size();
  element root;
  if (parser_.parse(frame.data(), frame.size(), false).get(root))
    return fail(Errc::kSyntax, "not JSON");
  object message;
  if (root.get_object().get(message)) return fail(Errc::kWrongType, "not a JSON object");
  std::string_view type;
  if (message["type"].get_string().get(type) == simdjson::SUCCESS && type == "error")
    return fail(Errc::kUnsupported, "an error message from Coinbase");
  std::string_view channel_name;
  if (message["channel"].get_string().get(channel_name))
    return fail(Errc::kMissingField, "missing channel");
  const Channel channel = channel_of(channel_name);
  std::uint64_t sequence = 0;
  if (message["sequence_num"].get_uint64().get(sequence))
    return fail(Errc::kMissingField, "missing sequence_num");
  if (sequence >= UINT64_MAX - 1) return fail(Errc::kOutOfRange, "sequence_num out of range");
  // The connection's order: a jump is a gap; going back is a new connection.
  if (have_sequence_ && sequence <= last_sequence_) {
    on_gap(receive_time_ns, out, FeedResetReason::kSubscribed);  // what it missed in between
    new_connection();
  } else if (have_sequence_ && sequence != last_sequence_ + 1) {
    ++counters_.sequence_gaps;
    on_gap(receive_time_ns, out, FeedResetReason::kSequenceGap);
  }
  have_sequence_ = true;
  last_sequence_ = sequence;
  const std::size_t resets = out.size() - before;

  auto time = time_field(message, "timestamp");
  array events;
  Result<std::size_t> parsed = std::size_t{0};
  if (!time) {
    parsed = tl::unexpected(time.error());
  } else if (channel == Channel::kSubscriptions || channel == Channel::kTickerBatch) {
    parsed = std::size_t{0};  // an acknowledgement; ticker_batch has no best bid and ask
  } else if (channel == Channel::kUnknown) {
    parsed = fail(Errc::kUnsupported, "unknown channel");
  } else if (message["events"].get_array().get(events)) {
    parsed = fail(Errc::kMissingField, "missing events");
  } else {
    switch (channel) {
      case Channel::kLevel2:
        parsed = parse_level2(events, sequence + 1, *time, receive_time_ns, out);
        break;
      case Channel::kTicker:
        parsed = parse_ticker(events, sequence + 1, *time, receive_time_ns, out);
        break;
      case Channel::kTrades:
        parsed = parse_trades(events, receive_time_ns, out);
        break;
      case Channel::kHeartbeats:
        parsed = check_heartbeats(events);
        if (!parsed) break;
        if (*parsed > 0) on_gap(receive_time_ns, out, FeedResetReason::kSequenceGap);
        parsed = out.size() - before - resets;
        break;
      default:
        break;
    }
  }
  if (!parsed) {
    out.resize(before + resets);
    // A level2 message that cannot be read is lost: every book on the connection breaks.
    if (channel == Channel::kLevel2 && parsed.error().code != Errc::kUnknownInstrument) {
      ++counters_.sequence_gaps;
      on_gap(receive_time_ns, out, FeedResetReason::kSequenceGap);
    }
    if (out.size() == before) return parsed;
    return out.size() - before;  // the error's resets still reach the core
  }
  return out.size() - before;
}

Result<std::size_t> CoinbaseParser::parse_level2(array events, std::uint64_t id, TimeNs time_ns,
                                                 TimeNs receive_time_ns,
                                                 std::vector<InboundEvent>& out) {
  const std::size_t before = out.size();
  bool unknown = false;
  for (element event_element : events) {
    object event;
    if (event_element.get_object().get(event)) return fail(Errc::kWrongType, "event not an object");
    std::string_view type;
    std::string_view product_id;
    if (event["type"].get_string().get(type)) return fail(Errc::kMissingField, "missing type");
    if (event["product_id"].get_string().get(product_id))
      return fail(Errc::kMissingField, "missing product_id");
    const bool snapshot = type == "snapshot";
    if (!snapshot && type != "update") return fail(Errc::kUnsupported, "unknown level2 type");
    const Instrument* instrument = resolve(product_id);
    if (instrument == nullptr) {
      unknown = true;
      continue;
    }
    array updates;
    if (event["updates"].get_array().get(updates))
      return fail(Errc::kMissingField, "missing updates");
    ProductState& product = products_[instrument->id];
    DepthLevel level{};
    level.instrument = instrument->id;
    level.venue_time_ns = time_ns;
    level.receive_time_ns = receive_time_ns;
    level.first_update_id = id;
    level.last_update_id = id;
    // Continuity for BookSync's rule: the previous level2 message of this product on the
    // connection; with none (no snapshot yet), the message's own id, which joins no book.
    level.previous_update_id = snapshot || product.last_l2_id == 0 ? id : product.last_l2_id;
    const std::uint8_t base = snapshot ? DepthLevel::kSnapshot : 0;
    const std::size_t first = out.size();
    for (element update_element : updates) {
      object update;
      if (update_element.get_object().get(update))
        return fail(Errc::kWrongType, "update not an object");
      std::string_view side;
      if (update["side"].get_string().get(side)) return fail(Errc::kMissingField, "missing side");
      if (side == "bid") {
        level.side = Side::kBuy;
      } else if (side == "offer" || side == "ask") {
        level.side = Side::kSell;
      } else {
        return fail(Errc::kUnsupported, "side is neither bid nor offer");
      }
      auto price = decimal_field(update, "price_level", instrument->price_scale);
      if (!price) return tl::unexpected(price.error());
      auto quantity = decimal_field(update, "new_quantity", instrument->quantity_scale);
      if (!quantity) return tl::unexpected(quantity.error());
      if (*price <= 0 || *quantity < 0)
        return fail(Errc::kOutOfRange, "price not positive or quantity negative");
      level.price = Price{*price};
      level.quantity = Quantity{*quantity};
      level.flags = base;
      InboundEvent record;
      record.kind = MarketEventKind::kDepthLevel;
      record.depth = level;
      out.push_back(record);
    }
    if (out.size() == first) {
      level.flags = base | DepthLevel::kEmpty;
      InboundEvent record;
      record.kind = MarketEventKind::kDepthLevel;
      record.depth = level;
      out.push_back(record);
    }
    out[first].depth.flags |= DepthLevel::kFirstInMessage;
    out.back().depth.flags |= DepthLevel::kLastInMessage;
    product.last_l2_id = id;
  }
  if (out.size() == before && unknown) return fail(Errc::kUnknownInstrument, "unknown product");
  return out.size() - before;
}

Result<std::size_t> CoinbaseParser::parse_ticker(array events, std::uint64_t id, TimeNs time_ns,
                                                 TimeNs receive_time_ns,
                                                 std::vector<InboundEvent>& out) {
  const std::size_t before = out.size();
  bool unknown = false;
  for (element event_element : events) {
    array tickers;
    if (event_element["tickers"].get_array().get(tickers))
      return fail(Errc::kMissingField, "missing tickers");
    for (element ticker_element : tickers) {
      object ticker;
      if (ticker_element.get_object().get(ticker))
        return fail(Errc::kWrongType, "ticker not an object");
      std::string_view product_id;
      if (ticker["product_id"].get_string().get(product_id))
        return fail(Errc::kMissingField, "missing product_id");
      const Instrument* instrument = resolve(product_id);
      if (instrument == nullptr) {
        unknown = true;
        continue;
      }
      BestBidOffer quote{};
      quote.instrument = instrument->id;
      quote.venue_time_ns = time_ns;
      quote.receive_time_ns = receive_time_ns;
      quote.update_id = id;
      auto bid = decimal_field(ticker, "best_bid", instrument->price_scale);
      auto bid_size = decimal_field(ticker, "best_bid_quantity", instrument->quantity_scale);
      auto ask = decimal_field(ticker, "best_ask", instrument->price_scale);
      auto ask_size = decimal_field(ticker, "best_ask_quantity", instrument->quantity_scale);
      if (!bid) return tl::unexpected(bid.error());
      if (!bid_size) return tl::unexpected(bid_size.error());
      if (!ask) return tl::unexpected(ask.error());
      if (!ask_size) return tl::unexpected(ask_size.error());
      if (*bid <= 0 || *ask <= 0 || *bid_size < 0 || *ask_size < 0)
        return fail(Errc::kOutOfRange, "best bid or ask not positive");
      quote.bid_price = Price{*bid};
      quote.bid_quantity = Quantity{*bid_size};
      quote.ask_price = Price{*ask};
      quote.ask_quantity = Quantity{*ask_size};
      InboundEvent record;
      record.kind = MarketEventKind::kBestBidOffer;
      record.best_bid_offer = quote;
      out.push_back(record);
    }
  }
  if (out.size() == before && unknown) return fail(Errc::kUnknownInstrument, "unknown product");
  return out.size() - before;
}

Result<std::size_t> CoinbaseParser::parse_trades(array events, TimeNs receive_time_ns,
                                                 std::vector<InboundEvent>& out) {
  const std::size_t before = out.size();
  bool unknown = false;
  for (element event_element : events) {
    array trades;
    if (event_element["trades"].get_array().get(trades))
      return fail(Errc::kMissingField, "missing trades");
    for (element trade_element : trades) {
      object trade;
      if (trade_element.get_object().get(trade))
        return fail(Errc::kWrongType, "trade not an object");
      std::string_view product_id;
      if (trade["product_id"].get_string().get(product_id))
        return fail(Errc::kMissingField, "missing product_id");
      const Instrument* instrument = resolve(product_id);
      if (instrument == nullptr) {
        unknown = true;
        continue;
      }
      TradeTick tick{};
      tick.instrument = instrument->id;
      tick.receive_time_ns = receive_time_ns;
      element trade_id;
      if (trade["trade_id"].get(trade_id) || !read_counter(trade_id, tick.trade_id))
        return fail(Errc::kMissingField, "missing or non-numeric trade_id");
      std::string_view side;
      if (trade["side"].get_string().get(side)) return fail(Errc::kMissingField, "missing side");
      // `side` is the maker's: a maker BUY was hit by a seller.
      if (side == "BUY") {
        tick.aggressor = AggressorSide::kSeller;
      } else if (side == "SELL") {
        tick.aggressor = AggressorSide::kBuyer;
      } else {
        return fail(Errc::kUnsupported, "side is neither BUY nor SELL");
      }
      auto price = decimal_field(trade, "price", instrument->price_scale);
      auto size = decimal_field(trade, "size", instrument->quantity_scale);
      auto time = time_field(trade, "time");
      if (!price) return tl::unexpected(price.error());
      if (!size) return tl::unexpected(size.error());
      if (!time) return tl::unexpected(time.error());
      if (*price <= 0 || *size <= 0) return fail(Errc::kOutOfRange, "price or size not positive");
      tick.price = Price{*price};
      tick.quantity = Quantity{*size};
      tick.venue_time_ns = *time;
      InboundEvent record;
      record.kind = MarketEventKind::kTrade;
      record.trade = tick;
      out.push_back(record);
    }
  }
  if (out.size() == before && unknown) return fail(Errc::kUnknownInstrument, "unknown product");
  return out.size() - before;
}

Result<std::size_t> CoinbaseParser::check_heartbeats(array events) {
  std::size_t gaps = 0;
  for (element event : events) {
    element counter_element;
    std::uint64_t counter = 0;
    if (event["heartbeat_counter"].get(counter_element) ||
        !read_counter(counter_element, counter)) {
      return fail(Errc::kMissingField, "missing heartbeat_counter");
    }
    if (have_heartbeat_ && counter != last_heartbeat_ + 1 && counter > last_heartbeat_) {
      ++counters_.heartbeat_gaps;
      ++gaps;
    }
    have_heartbeat_ = true;
    last_heartbeat_ = counter;
  }
  return gaps;
}

}  // namespace sigex
