#include "adapters/recorded/binary_records.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "adapters/binance/parse_market_data.h"
#include "adapters/recorded/fnv64.h"
#include "engine/core/decimal.h"
#include "engine/core/errno_text.h"

namespace sigex {
namespace {

constexpr std::array<char, 8> kMagic{'S', 'I', 'G', 'E', 'X', 'B', 'I', 'N'};
constexpr std::array<char, 8> kEndMagic{'S', 'I', 'G', 'E', 'X', 'E', 'N', 'D'};
constexpr std::uint32_t kHeaderSize = 64;
constexpr std::uint32_t kSymbolSize = 24;
constexpr std::uint32_t kTrailerSize = 16;
constexpr int kStoredScale = 8;  // Binance's decimals

struct Header {
  std::array<char, 8> magic;
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint32_t record_size;
  std::uint32_t symbol_count;
  std::uint64_t record_count;
  std::uint32_t market;
  std::uint32_t reserved;
  std::int64_t first_time_ns;
  std::int64_t last_time_ns;
  std::uint64_t reserved2;
};
static_assert(sizeof(Header) == kHeaderSize);

// kLineWithoutRecords (version 2) stands for a line that holds no market record (a websocket
// control answer), so that a replay counts the lines the text file had.
enum class StoredKind : std::uint8_t {
  kBar = 1,
  kTrade,
  kBestBidOffer,
  kMarkPrice,
  kFundingRate,
  kDepthLevel,
  kLineWithoutRecords,
};

// Version 2's line marker: the first record of each text line carries it (a depth message is
// one line of many records). Version 1 files have one record per line and no marker.
constexpr std::uint8_t kFirstOfLine = 1;

struct StoredRecord {
  std::int64_t receive_time_ns;
  std::int64_t venue_time_ns;
  StoredKind kind;
  std::uint8_t flags;  // Bar: closed; Trade: aggressor; DepthLevel: side
  std::uint16_t symbol;
  std::uint8_t depth_flags;  // DepthLevel::Flags (version 2)
  std::uint8_t line;         // kFirstOfLine (version 2)
  std::uint16_t reserved;
  std::array<std::int64_t, 5> value;  // at 8 decimals; a depth level's previous update id
  std::int64_t a;  // open time, trade id, update id, next funding time, first update id
  std::int64_t b;  // close time, last update id
};
static_assert(sizeof(StoredRecord) == 80 && std::is_trivially_copyable_v<StoredRecord>);

std::uint64_t checksum(const unsigned char* data, std::uint64_t bytes) {
  Fnv64 hash;
  hash.add(data, bytes);  // whole records: no tail
  return hash.value();
}

// The symbol a frame names: "s" in a stream payload, "symbol" in a funding-rate row, the
// request's symbol in a recorded REST depth snapshot.
std::string frame_symbol(std::string_view frame) {
  if (frame.starts_with("{\"rest\":\"")) {
    const auto at = frame.find("symbol=");
    if (at == std::string_view::npos) return {};
    const auto start = at + 7;
    const auto end = frame.find_first_of("&\"", start);
    if (end != std::string_view::npos && end - start <= 20)
      return std::string(frame.substr(start, end - start));
    return {};
  }
  for (std::string_view key : {std::string_view("\"s\":\""), std::string_view("\"symbol\":\"")}) {
    const auto at = frame.find(key);
    if (at == std::string_view::npos) continue;
    const auto start = at + key.size();
    const auto end = frame.find('"', start);
    if (end != std::string_view::npos && end - start <= 20)
      return std::string(frame.substr(start, end - start));
  }
  return {};
}

// The writer's instrument ids are its symbol indexes.
StoredRecord store(const InboundEvent& event, bool& ok) {
  StoredRecord record{};
  record.receive_time_ns = event.receive_time_ns();
  ok = true;
  switch (event.kind) {
    case MarketEventKind::kBar: {
      const Bar& bar = event.bar;
      record.kind = StoredKind::kBar;
      record.symbol = static_cast<std::uint16_t>(bar.instrument);
      record.venue_time_ns = bar.venue_time_ns;
      record.flags = bar.closed ? 1 : 0;
      record.value = {bar.open.raw, bar.high.raw, bar.low.raw, bar.close.raw, bar.volume.raw};
      record.a = bar.open_time_ns;
      record.b = bar.close_time_ns;
      break;
    }
    case MarketEventKind::kTrade: {
      const TradeTick& trade = event.trade;
      record.kind = StoredKind::kTrade;
      record.symbol = static_cast<std::uint16_t>(trade.instrument);
      record.venue_time_ns = trade.venue_time_ns;
      record.flags = static_cast<std::uint8_t>(trade.aggressor);
      record.value = {trade.price.raw, trade.quantity.raw, 0, 0, 0};
      record.a = static_cast<std::int64_t>(trade.trade_id);
      break;
    }
    case MarketEventKind::kBestBidOffer: {
      const BestBidOffer& quote = event.best_bid_offer;
      record.kind = StoredKind::kBestBidOffer;
      record.symbol = static_cast<std::uint16_t>(quote.instrument);
      record.venue_time_ns = quote.venue_time_ns;
      record.value = {quote.bid_price.raw, quote.bid_quantity.raw, quote.ask_price.raw,
                      quote.ask_quantity.raw, 0};
      record.a = static_cast<std::int64_t>(quote.update_id);
      break;
    }
    case MarketEventKind::kMarkPrice: {
      const MarkPrice& mark = event.mark_price;
      record.kind = StoredKind::kMarkPrice;
      record.symbol = static_cast<std::uint16_t>(mark.instrument);
      record.venue_time_ns = mark.venue_time_ns;
      record.value = {mark.mark_price.raw, mark.funding_rate.raw, 0, 0, 0};
      record.a = mark.next_funding_time_ns;
      break;
    }
    case MarketEventKind::kFundingRate: {
      const FundingRate& funding = event.funding_rate;
      record.kind = StoredKind::kFundingRate;
      record.symbol = static_cast<std::uint16_t>(funding.instrument);
      record.venue_time_ns = funding.funding_time_ns;
      record.value = {funding.rate.raw, funding.mark_price.raw, 0, 0, 0};
      break;
    }
    case MarketEventKind::kDepthLevel: {
      const DepthLevel& level = event.depth;
      record.kind = StoredKind::kDepthLevel;
      record.symbol = static_cast<std::uint16_t>(level.instrument);
      record.venue_time_ns = level.venue_time_ns;
      record.flags = static_cast<std::uint8_t>(level.side);
      record.depth_flags = level.flags;
      record.value = {level.price.raw, level.quantity.raw,
                      static_cast<std::int64_t>(level.previous_update_id), 0, 0};
      record.a = static_cast<std::int64_t>(level.first_update_id);
      record.b = static_cast<std::int64_t>(level.last_update_id);
      break;
    }
    default:
      ok = false;
  }
  return record;
}

// A value at 8 decimals at `scale` decimals; false when it has digits the scale cannot hold.
bool rescale(std::int64_t stored, int scale, std::int64_t& out) {
  if (scale > kStoredScale)
    return !__builtin_mul_overflow(stored, pow10(scale - kStoredScale), &out);
  return eight_decimals::drop_zero_decimals(stored, scale, out);  // no scale below 0 exists
}

}  // namespace

bool is_binary_records_path(std::string_view path) {
  return path.ends_with(kBinaryRecordsExtension);
}

bool write_binary_records(const std::string& path, BinanceMarket market,
                          const std::vector<ImportedLine>& lines, std::string& error,
                          std::string_view snapshot_symbol) {
  // Every symbol the frames name, as an instrument at 8 decimals: the parser then reads the
  // venue's values unchanged.
  InstrumentRegistry instruments;
  std::map<std::string, std::uint16_t> symbols;
  const auto add_symbol = [&](const std::string& symbol) {
    if (symbol.empty() || symbols.contains(symbol)) return true;
    if (symbols.size() >= 65535) return false;
    Instrument instrument;
    instrument.symbol = Symbol::from(symbol);
    instrument.kind =
        market == BinanceMarket::kUsdm ? InstrumentKind::kPerpetual : InstrumentKind::kSpot;
    symbols.emplace(symbol, static_cast<std::uint16_t>(instruments.add(instrument)));
    return true;
  };
  if (!add_symbol(std::string(snapshot_symbol)))
    return (error = "more than 65535 symbols in one file", false);
  for (const ImportedLine& line : lines) {
    if (!add_symbol(frame_symbol(line.frame)))
      return (error = "more than 65535 symbols in one file", false);
  }
  const InstrumentId snapshot_instrument =
      snapshot_symbol.empty() ? kNoInstrument : symbols.at(std::string(snapshot_symbol));
  BinanceParser parser(instruments);
  std::vector<StoredRecord> records;
  records.reserve(lines.size());
  std::vector<InboundEvent> events;
  std::string padded;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ImportedLine& line = lines[i];
    const std::size_t first = records.size();
    events.clear();
    const bool control_answer = line.frame.starts_with("{\"result\"");  // holds no record
    if (!control_answer && !BinanceParser::recognises(line.frame)) {
      error = fmt::format(
          "record {}: not a Binance market frame; Token Metrics rows and Coinbase or relay "
          "frames stay in text files",
          i + 1);
      return false;
    }
    if (!control_answer) {
      padded.assign(line.frame);
      padded.append(simdjson::SIMDJSON_PADDING, ' ');
      const auto parsed = parser.parse(std::string_view(padded.data(), line.frame.size()),
                                       line.receive_time_ns, snapshot_instrument, events, market);
      if (!parsed) {
        error = fmt::format("record {}: {}: {}", i + 1, to_string(parsed.error().code),
                            parsed.error().what);
        return false;
      }
    }
    for (const InboundEvent& event : events) {
      bool ok = false;
      const StoredRecord record = store(event, ok);
      if (!ok) {
        error = fmt::format(
            "record {}: the binary format holds klines, trades, best bid/offer, depth, mark "
            "prices and funding rates; keep Token Metrics rows in text files",
            i + 1);
        return false;
      }
      records.push_back(record);
    }
    if (records.size() == first) {
      StoredRecord empty{};
      empty.receive_time_ns = line.receive_time_ns;
      empty.kind = StoredKind::kLineWithoutRecords;
      records.push_back(empty);
    }
    records[first].line = kFirstOfLine;
  }
  Header header{};
  header.magic = kMagic;
  header.version = kBinaryRecordsVersion;
  header.header_size = kHeaderSize;
  header.record_size = sizeof(StoredRecord);
  header.symbol_count = static_cast<std::uint32_t>(symbols.size());
  header.record_count = records.size();
  header.market = market == BinanceMarket::kUsdm ? 1 : 0;
  header.first_time_ns = records.empty() ? 0 : records.front().receive_time_ns;
  header.last_time_ns = records.empty() ? 0 : records.back().receive_time_ns;
  std::vector<std::array<char, kSymbolSize>> table(symbols.size());
  for (const auto& [symbol, index] : symbols) {
    table[index] = {};
    std::memcpy(table[index].data(), symbol.data(),
                std::min<std::size_t>(symbol.size(), kSymbolSize));
  }
  const std::uint64_t sum = checksum(reinterpret_cast<const unsigned char*>(records.data()),
                                     records.size() * sizeof(StoredRecord));
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(&header), sizeof(header));
  out.write(reinterpret_cast<const char*>(table.data()),
            static_cast<std::streamsize>(table.size() * kSymbolSize));
  out.write(reinterpret_cast<const char*>(records.data()),
            static_cast<std::streamsize>(records.size() * sizeof(StoredRecord)));
  out.write(kEndMagic.data(), kEndMagic.size());
  out.write(reinterpret_cast<const char*>(&sum), sizeof(sum));
  out.flush();
  if (!out) return (error = "cannot write " + path, false);
  return true;
}

BinaryRecordsReader::BinaryRecordsReader(std::string path, const InstrumentRegistry& instruments)
    : path_(std::move(path)), instruments_(instruments) {}

BinaryRecordsReader::~BinaryRecordsReader() {
  if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
  if (fd_ >= 0) ::close(fd_);
}

bool BinaryRecordsReader::open() {
  fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat status {};
  if (fd_ < 0 || ::fstat(fd_, &status) != 0) {
    error_ = path_ + ": cannot be opened: " + errno_text(errno);
    return false;
  }
  size_ = static_cast<std::uint64_t>(status.st_size);
  if (size_ < kHeaderSize + kTrailerSize) {
    error_ = fmt::format("{}: {} bytes, shorter than a .sigexbin header and trailer (truncated?)",
                         path_, size_);
    return false;
  }
  void* mapped = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
  if (mapped == MAP_FAILED) {
    error_ = path_ + ": cannot be mapped: " + errno_text(errno);
    return false;
  }
  data_ = static_cast<const unsigned char*>(mapped);
  ::madvise(mapped, size_, MADV_SEQUENTIAL);
  Header header{};
  std::memcpy(&header, data_, sizeof(header));
  if (header.magic != kMagic) {
    error_ = path_ + ": not a .sigexbin file (no SIGEXBIN header)";
    return false;
  }
  if (header.version < 1 || header.version > kBinaryRecordsVersion ||
      header.header_size != kHeaderSize || header.record_size != sizeof(StoredRecord)) {
    error_ =
        fmt::format("{}: .sigexbin version {} (record size {}); this sigex reads versions 1 to {}",
                    path_, header.version, header.record_size, kBinaryRecordsVersion);
    return false;
  }
  version_ = header.version;
  const std::uint64_t expected = kHeaderSize + std::uint64_t{header.symbol_count} * kSymbolSize +
                                 header.record_count * sizeof(StoredRecord) + kTrailerSize;
  if (size_ != expected) {
    error_ = fmt::format(
        "{}: {} bytes where its header promises {} ({} records): the file is truncated or "
        "damaged; write it again",
        path_, size_, expected, header.record_count);
    return false;
  }
  const unsigned char* trailer = data_ + size_ - kTrailerSize;
  std::uint64_t stored_sum = 0;
  std::memcpy(&stored_sum, trailer + 8, 8);
  records_ = data_ + kHeaderSize + std::uint64_t{header.symbol_count} * kSymbolSize;
  if (std::memcmp(trailer, kEndMagic.data(), kEndMagic.size()) != 0 ||
      checksum(records_, header.record_count * sizeof(StoredRecord)) != stored_sum) {
    error_ = path_ +
             ": the records do not match the file's checksum: the file is damaged; write it again";
    return false;
  }
  count_ = header.record_count;
  market_ = header.market == 1 ? BinanceMarket::kUsdm : BinanceMarket::kSpot;
  const InstrumentKind kind =
      market_ == BinanceMarket::kUsdm ? InstrumentKind::kPerpetual : InstrumentKind::kSpot;
  for (std::uint32_t i = 0; i < header.symbol_count; ++i) {
    const char* text =
        reinterpret_cast<const char*>(data_ + kHeaderSize + std::size_t{i} * kSymbolSize);
    const std::string_view symbol(text, strnlen(text, kSymbolSize));
    const Instrument* instrument = instruments_.find_by_symbol(symbol, kind);
    // Spot records go to the perpetual of the symbol when no spot instrument is configured
    // (as the text parser routes spot frames).
    if (instrument == nullptr && kind == InstrumentKind::kSpot)
      instrument = instruments_.find_by_symbol(symbol);
    instrument_of_symbol_.push_back(instrument == nullptr ? kNoInstrument : instrument->id);
  }
  return true;
}

TimeNs BinaryRecordsReader::next_time() const {
  std::int64_t time = 0;
  std::memcpy(&time, records_ + next_ * sizeof(StoredRecord), sizeof(time));
  return time;
}

bool BinaryRecordsReader::next_starts_line() const {
  if (version_ == 1) return true;
  std::uint8_t line = 0;
  std::memcpy(&line, records_ + next_ * sizeof(StoredRecord) + offsetof(StoredRecord, line), 1);
  return (line & kFirstOfLine) != 0;
}

void BinaryRecordsReader::skip() {
  if (next_starts_line()) ++lines_;
  ++next_;
}

bool BinaryRecordsReader::take(std::vector<InboundEvent>& out, bool& unknown,
                               std::string& problem) {
  StoredRecord record;
  std::memcpy(&record, records_ + next_ * sizeof(StoredRecord), sizeof(record));
  if (version_ == 1 || (record.line & kFirstOfLine) != 0) ++lines_;
  ++next_;
  unknown = false;
  if (record.kind == StoredKind::kLineWithoutRecords) return false;
  const InstrumentId id = record.symbol < instrument_of_symbol_.size()
                              ? instrument_of_symbol_[record.symbol]
                              : kNoInstrument;
  if (id == kNoInstrument) {
    unknown = true;
    return false;
  }
  const Instrument& instrument = instruments_.get(id);
  const int ps = instrument.price_scale;
  const int qs = instrument.quantity_scale;
  InboundEvent event{};
  bool ok = true;
  const auto price = [&](std::int64_t value) {
    std::int64_t raw = 0;
    ok = rescale(value, ps, raw) && ok;
    return Price{raw};
  };
  const auto quantity = [&](std::int64_t value) {
    std::int64_t raw = 0;
    ok = rescale(value, qs, raw) && ok;
    return Quantity{raw};
  };
  switch (record.kind) {
    case StoredKind::kBar:
      event.kind = MarketEventKind::kBar;
      event.bar = Bar{id,
                      record.flags != 0,
                      record.venue_time_ns,
                      record.receive_time_ns,
                      record.a,
                      record.b,
                      price(record.value[0]),
                      price(record.value[1]),
                      price(record.value[2]),
                      price(record.value[3]),
                      quantity(record.value[4])};
      break;
    case StoredKind::kTrade:
      event.kind = MarketEventKind::kTrade;
      event.trade = TradeTick{id,
                              static_cast<AggressorSide>(record.flags),
                              record.venue_time_ns,
                              record.receive_time_ns,
                              price(record.value[0]),
                              quantity(record.value[1]),
                              static_cast<std::uint64_t>(record.a)};
      break;
    case StoredKind::kBestBidOffer:
      event.kind = MarketEventKind::kBestBidOffer;
      event.best_bid_offer = BestBidOffer{id,
                                          record.venue_time_ns,
                                          record.receive_time_ns,
                                          price(record.value[0]),
                                          quantity(record.value[1]),
                                          price(record.value[2]),
                                          quantity(record.value[3]),
                                          static_cast<std::uint64_t>(record.a)};
      break;
    case StoredKind::kMarkPrice:
      event.kind = MarketEventKind::kMarkPrice;
      event.mark_price = MarkPrice{id,
                                   record.venue_time_ns,
                                   record.receive_time_ns,
                                   price(record.value[0]),
                                   Rate{record.value[1]},
                                   record.a};
      break;
    case StoredKind::kFundingRate:
      event.kind = MarketEventKind::kFundingRate;
      event.funding_rate = FundingRate{id, record.venue_time_ns, record.receive_time_ns,
                                       Rate{record.value[0]}, price(record.value[1])};
      break;
    case StoredKind::kDepthLevel:
      event.kind = MarketEventKind::kDepthLevel;
      event.depth = DepthLevel{id,
                               static_cast<Side>(record.flags),
                               record.depth_flags,
                               record.venue_time_ns,
                               record.receive_time_ns,
                               price(record.value[0]),
                               quantity(record.value[1]),
                               static_cast<std::uint64_t>(record.a),
                               static_cast<std::uint64_t>(record.b),
                               static_cast<std::uint64_t>(record.value[2])};
      break;
    default:
      problem =
          fmt::format("unknown record kind {} (record {})", static_cast<int>(record.kind), next_);
      return false;
  }
  if (!ok) {  // worded as the text parser words it, so a replay reports the same either way
    problem =
        fmt::format("{}: more decimals than the instrument allows", to_string(Errc::kTooPrecise));
    return false;
  }
  out.push_back(event);
  return true;
}

}  // namespace sigex
