#include "adapters/recorded/csv_import.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>

#include "engine/core/calendar.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

constexpr int kBinanceScale = 8;

struct Interval {
  std::string_view name;
  DurationNs ns;
};

constexpr std::array<Interval, 15> kIntervals = {{
    {"1m", kNsPerMinute},
    {"3m", 3 * kNsPerMinute},
    {"5m", 5 * kNsPerMinute},
    {"15m", 15 * kNsPerMinute},
    {"30m", 30 * kNsPerMinute},
    {"1h", kNsPerHour},
    {"2h", 2 * kNsPerHour},
    {"4h", 4 * kNsPerHour},
    {"6h", 6 * kNsPerHour},
    {"8h", 8 * kNsPerHour},
    {"12h", 12 * kNsPerHour},
    {"1d", kNsPerDay},
    {"3d", 3 * kNsPerDay},
    {"1w", 7 * kNsPerDay},
    {"1M", 0},  // a calendar month: only by name
}};

// One CSV line split at commas (none of the supported layouts quotes fields).
std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(
        line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) return fields;
    start = comma + 1;
  }
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_integer(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

// A file read line by line (plain or gzip), with the position for error messages.
class CsvReader {
 public:
  explicit CsvReader(std::string path) : path_(std::move(path)) {}
  // Text already in memory (an archive's unzipped CSV), named `path` in messages.
  CsvReader(std::string path, std::string_view text)
      : path_(std::move(path)), text_(text), in_memory_(true) {}
  ~CsvReader() {
    if (file_ != nullptr) gzclose(file_);
  }
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  bool open(std::string& error) {
    if (in_memory_) return true;
    file_ = gzopen(path_.c_str(), "rb");
    if (file_ == nullptr) {
      error = path_ + ": cannot be opened";
      return false;
    }
    return true;
  }

  // The next line without its line end; false at the end of the file (or on a read error,
  // which `failed()` reports).
  bool next(std::string& line) {
    line.clear();
    if (in_memory_) {
      if (offset_ >= text_.size()) return false;
      const auto end = text_.find('\n', offset_);
      const std::size_t stop = end == std::string_view::npos ? text_.size() : end;
      line.assign(text_.substr(offset_, stop - offset_));
      offset_ = stop + 1;
      ++number_;
      while (!line.empty() && line.back() == '\r') line.pop_back();
      return true;
    }
    std::array<char, 4096> chunk{};
    while (gzgets(file_, chunk.data(), static_cast<int>(chunk.size())) != nullptr) {
      line += chunk.data();
      if (!line.empty() && line.back() == '\n') break;
    }
    int code = Z_OK;
    gzerror(file_, &code);
    if (code != Z_OK && code != Z_STREAM_END) {
      failed_ = true;  // a damaged or truncated stream: its last partial line is not a row
      return false;
    }
    if (line.empty()) return false;
    ++number_;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return true;
  }

  bool failed() const { return failed_; }
  std::uint64_t line_number() const { return number_; }
  const std::string& path() const { return path_; }
  // "<file>:<line>:<column>: <what>" (column 1-based, counted in fields).
  std::string where(std::size_t column, std::string_view what) const {
    return fmt::format("{}:{}:{}: {}", path_, number_, column + 1, what);
  }

 private:
  std::string path_;
  std::string_view text_;
  bool in_memory_ = false;
  std::size_t offset_ = 0;
  gzFile file_ = nullptr;
  std::uint64_t number_ = 0;
  bool failed_ = false;
};

// A decimal field as Binance writes it: 8 decimals, extra digits cut (never rounded).
bool decimal_field(const CsvReader& reader, std::string_view text, std::size_t column,
                   std::string_view name, std::string& out, std::string& error) {
  std::string_view cut = text;
  if (const auto dot = text.find('.'); dot != std::string_view::npos && text.size() - dot > 9)
    cut = text.substr(0, dot + 9);
  const auto value = parse_decimal(cut, kBinanceScale);
  if (!value) {
    error = reader.where(column, fmt::format("{} '{}' is not a decimal number", name, text));
    return false;
  }
  out = format_decimal(*value, kBinanceScale);
  return true;
}

bool integer_field(const CsvReader& reader, std::string_view text, std::size_t column,
                   std::string_view name, std::int64_t& out, std::string& error) {
  const auto* end = text.data() + text.size();
  const auto [at, code] = std::from_chars(text.data(), end, out);
  if (code != std::errc() || at != end) {
    error = reader.where(column, fmt::format("{} '{}' is not an integer", name, text));
    return false;
  }
  return true;
}

// Milliseconds from a Binance archive time: milliseconds (13 digits) or microseconds (16).
bool archive_time_ms(const CsvReader& reader, std::string_view text, std::size_t column,
                     std::string_view name, std::int64_t& out_ms, std::string& error) {
  std::int64_t value = 0;
  if (!integer_field(reader, text, column, name, value, error)) return false;
  out_ms = value >= 100'000'000'000'000LL ? value / 1000 : value;
  TimeNs checked = 0;
  if (!checked_ms_to_ns(out_ms, checked) || out_ms < 0) {
    error = reader.where(column, fmt::format("{} '{}' is not a time", name, text));
    return false;
  }
  return true;
}

struct Candle {
  std::int64_t open_ms = 0;
  std::int64_t close_ms = 0;  // inclusive, as Binance's T
  std::string open, high, low, close, volume, quote_volume, taker_volume = "0",
                                                            taker_quote_volume = "0";
  std::int64_t trades = 0;
  bool second_timestamps = false;  // CryptoDataDownload's older rows ("1513555200.0")
  std::string origin;              // "file:line", for a conflicting duplicate
};

std::string kline_frame(const Candle& candle, const std::string& symbol,
                        std::string_view interval) {
  return fmt::format(
      R"({{"stream":"{}@kline_{}","data":{{"e":"kline","E":{},"s":"{}","k":{{"t":{},"T":{},"s":"{}","i":"{}",)"
      R"("f":-1,"L":-1,"o":"{}","c":"{}","h":"{}","l":"{}","v":"{}","n":{},"x":true,"q":"{}","V":"{}",)"
      R"("Q":"{}","B":"0"}}}}}})",
      lower(symbol), interval, candle.close_ms + 1, symbol, candle.open_ms, candle.close_ms, symbol,
      interval, candle.open, candle.close, candle.high, candle.low, candle.volume, candle.trades,
      candle.quote_volume, candle.taker_volume, candle.taker_quote_volume);
}

// A mark-price candle as the mark-price stream's update at the candle's close (no funding
// announcement: funding comes from the funding-rate rows).
std::string mark_price_frame(const Candle& candle, const std::string& symbol) {
  return fmt::format(
      R"({{"stream":"{}@markPrice@1s","data":{{"e":"markPriceUpdate","E":{},"s":"{}","p":"{}",)"
      R"("i":"{}","P":"{}","r":"0","T":0}}}})",
      lower(symbol), candle.close_ms + 1, symbol, candle.close, candle.close, candle.close);
}

// The symbol a file names itself by: "BTCUSDT-1m-2024-01.csv" (Binance archives) or
// "Binance_BTCUSDT_d.csv" (CryptoDataDownload).
std::string symbol_from_name(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  if (const auto underscore = name.find('_'); underscore != std::string::npos) {
    const auto next = name.find('_', underscore + 1);
    if (next != std::string::npos) return name.substr(underscore + 1, next - underscore - 1);
  }
  const auto dash = name.find('-');
  return dash == std::string::npos ? std::string() : name.substr(0, dash);
}

class Importer {
 public:
  Importer(const CsvImportOptions& options, CsvImport& out) : options_(options), out_(out) {}

  bool read(const std::string& path, std::string& error) {
    CsvReader reader(path);
    return read(reader, error);
  }

  bool read(CsvReader& reader, std::string& error) {
    const std::string& path = reader.path();
    if (!reader.open(error)) return false;
    std::string line;
    if (!reader.next(line)) {
      error = path + (reader.failed() ? ": unreadable (a damaged gzip stream?)" : ": empty");
      return false;
    }
    CsvLayout layout = options_.layout;
    if (layout == CsvLayout::kAuto) layout = detect(line);
    bool ok = false;
    switch (layout) {
      case CsvLayout::kCryptoDataDownload:
        ok = read_cryptodatadownload(reader, line, error);
        break;
      case CsvLayout::kBinanceKlines:
        ok = read_binance_klines(reader, line, error);
        break;
      case CsvLayout::kBinanceAggTrades:
        ok = read_binance_agg_trades(reader, line, error);
        break;
      case CsvLayout::kBinanceFunding:
        ok = read_binance_funding(reader, line, error);
        break;
      case CsvLayout::kAuto:
        error = reader.where(
            0,
            "not a layout sigex imports: expected a Binance archive CSV (klines, aggTrades or "
            "fundingRate) or a CryptoDataDownload CSV (a www.CryptoDataDownload.com banner line)");
        return false;
    }
    if (ok && reader.failed()) {
      error = path + ": unreadable after line " + std::to_string(reader.line_number()) +
              " (a damaged or truncated gzip stream)";
      return false;
    }
    return ok;
  }

  // The candles in their series, then everything in receive-time order.
  void finish() {
    for (auto& [key, candles] : candles_) {
      const auto& [symbol, interval] = key;
      for (auto& entry : candles) {
        const Candle& candle = entry.second;
        out_.lines.push_back({(candle.close_ms + 1) * kNsPerMs + options_.kline_delay_ns,
                              options_.mark_price ? mark_price_frame(candle, symbol)
                                                  : kline_frame(candle, symbol, interval)});
      }
    }
    std::stable_sort(out_.lines.begin(), out_.lines.end(),
                     [](const ImportedLine& a, const ImportedLine& b) {
                       return a.receive_time_ns < b.receive_time_ns;
                     });
  }

 private:
  static CsvLayout detect(const std::string& first) {
    const std::string text = lower(first);
    if (text.find("cryptodatadownload") != std::string::npos) return CsvLayout::kCryptoDataDownload;
    if (text.starts_with("open_time")) return CsvLayout::kBinanceKlines;
    if (text.starts_with("agg_trade_id")) return CsvLayout::kBinanceAggTrades;
    if (text.starts_with("calc_time")) return CsvLayout::kBinanceFunding;
    // Archives without a header row: told by the number of fields.
    const auto fields = split(first);
    if (!fields.empty() && is_integer(fields[0])) {
      if (fields.size() == 12) return CsvLayout::kBinanceKlines;
      if (fields.size() == 7 || fields.size() == 8) return CsvLayout::kBinanceAggTrades;
      if (fields.size() == 3) return CsvLayout::kBinanceFunding;
    }
    return CsvLayout::kAuto;
  }

  bool symbol_for(const CsvReader& reader, std::string_view from_file, std::string& symbol,
                  std::string& error) const {
    symbol = options_.symbol;
    if (symbol.empty()) {
      symbol.reserve(from_file.size());
      for (char c : from_file) {
        if (c != '/' && c != '-')
          symbol += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
    }
    if (symbol.empty() || symbol.size() > 20 ||
        !std::all_of(symbol.begin(), symbol.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
      error = reader.path() + ": the file does not say its symbol: give --symbol (e.g. BTCUSDT)";
      return false;
    }
    return true;
  }

  // The interval of a candle series: the option, else what the candles say.
  bool interval_for(const CsvReader& reader, DurationNs measured, std::string& name,
                    std::string& error) const {
    const DurationNs interval = options_.interval_ns != 0 ? options_.interval_ns : measured;
    name = std::string(binance_interval_name(interval));
    if (name.empty()) {
      error = reader.path() + ": cannot tell the candle interval (" +
              (interval > 0 ? std::to_string(interval / kNsPerSecond) + " s apart"
                            : std::string("a single candle")) +
              "): give --interval (1m, 5m, 1h, 1d, ...)";
      return false;
    }
    return true;
  }

  // Adds a candle; a second one with the same open time is dropped when identical, or when it
  // is a CryptoDataDownload seconds-format row next to a millisecond one (the newer export).
  bool add_candle(const CsvReader& reader, const std::string& symbol, const std::string& interval,
                  Candle candle, std::string& error) {
    auto& series = candles_[{symbol, interval}];
    const auto [at, inserted] = series.try_emplace(candle.open_ms, candle);
    ++out_.rows;
    if (inserted) return true;
    ++out_.duplicates;
    Candle& kept = at->second;
    const bool same = kept.open == candle.open && kept.high == candle.high &&
                      kept.low == candle.low && kept.close == candle.close;
    if (same || candle.second_timestamps != kept.second_timestamps) {
      if (kept.second_timestamps && !candle.second_timestamps) kept = std::move(candle);
      return true;
    }
    error =
        reader.where(0, fmt::format("the candle opening at {} is also at {} with other prices",
                                    format_utc_timestamp(candle.open_ms * kNsPerMs), kept.origin));
    return false;
  }

  bool read_binance_klines(CsvReader& reader, std::string& line, std::string& error) {
    std::string symbol;
    if (!symbol_for(reader, symbol_from_name(reader.path()), symbol, error)) return false;
    if (lower(line).starts_with("open_time") && !reader.next(line)) return true;  // header only
    std::vector<Candle> read;
    do {
      if (line.empty()) continue;
      const auto fields = split(line);
      if (fields.size() < 11) {
        error = reader.where(fields.size() - 1,
                             fmt::format("{} fields where a Binance kline row has 12 (open_time, "
                                         "open, high, low, close, volume, close_time, "
                                         "quote_volume, count, taker_buy_volume, "
                                         "taker_buy_quote_volume, ignore)",
                                         fields.size()));
        return false;
      }
      Candle candle;
      if (!archive_time_ms(reader, fields[0], 0, "open_time", candle.open_ms, error) ||
          !decimal_field(reader, fields[1], 1, "open", candle.open, error) ||
          !decimal_field(reader, fields[2], 2, "high", candle.high, error) ||
          !decimal_field(reader, fields[3], 3, "low", candle.low, error) ||
          !decimal_field(reader, fields[4], 4, "close", candle.close, error) ||
          !decimal_field(reader, fields[5], 5, "volume", candle.volume, error) ||
          !archive_time_ms(reader, fields[6], 6, "close_time", candle.close_ms, error) ||
          !decimal_field(reader, fields[7], 7, "quote_volume", candle.quote_volume, error) ||
          !integer_field(reader, fields[8], 8, "count", candle.trades, error) ||
          !decimal_field(reader, fields[9], 9, "taker_buy_volume", candle.taker_volume, error) ||
          !decimal_field(reader, fields[10], 10, "taker_buy_quote_volume",
                         candle.taker_quote_volume, error)) {
        return false;
      }
      if (candle.close_ms < candle.open_ms) {
        error = reader.where(6, "close_time is before open_time");
        return false;
      }
      candle.origin = reader.path() + ":" + std::to_string(reader.line_number());
      read.push_back(std::move(candle));
    } while (reader.next(line));
    if (read.empty()) return true;
    std::string interval;
    if (!interval_for(reader, (read.front().close_ms + 1 - read.front().open_ms) * kNsPerMs,
                      interval, error)) {
      return false;
    }
    for (auto& candle : read) {
      if (!add_candle(reader, symbol, interval, std::move(candle), error)) return false;
    }
    return true;
  }

  bool read_binance_agg_trades(CsvReader& reader, std::string& line, std::string& error) {
    std::string symbol;
    if (!symbol_for(reader, symbol_from_name(reader.path()), symbol, error)) return false;
    if (lower(line).starts_with("agg_trade_id") && !reader.next(line)) return true;
    const std::string stream = lower(symbol) + "@aggTrade";
    do {
      if (line.empty()) continue;
      const auto fields = split(line);
      if (fields.size() < 7) {
        error = reader.where(fields.size() - 1,
                             fmt::format("{} fields where a Binance aggTrades row has 7 or 8 "
                                         "(agg_trade_id, price, quantity, first_trade_id, "
                                         "last_trade_id, transact_time, is_buyer_maker)",
                                         fields.size()));
        return false;
      }
      std::int64_t id = 0, first = 0, last = 0, time_ms = 0;
      std::string price, quantity;
      if (!integer_field(reader, fields[0], 0, "agg_trade_id", id, error) ||
          !decimal_field(reader, fields[1], 1, "price", price, error) ||
          !decimal_field(reader, fields[2], 2, "quantity", quantity, error) ||
          !integer_field(reader, fields[3], 3, "first_trade_id", first, error) ||
          !integer_field(reader, fields[4], 4, "last_trade_id", last, error) ||
          !archive_time_ms(reader, fields[5], 5, "transact_time", time_ms, error)) {
        return false;
      }
      const std::string maker = lower(fields[6]);
      if (maker != "true" && maker != "false") {
        error = reader.where(6, fmt::format("is_buyer_maker '{}' is not true or false", fields[6]));
        return false;
      }
      ++out_.rows;
      if (!trades_seen_.emplace(symbol, id).second) {
        ++out_.duplicates;
        continue;
      }
      out_.lines.push_back(
          {time_ms * kNsPerMs,
           fmt::format(
               R"({{"stream":"{}","data":{{"e":"aggTrade","E":{},"s":"{}","a":{},"p":"{}","q":"{}","f":{},"l":{},"T":{},"m":{},"M":true}}}})",
               stream, time_ms, symbol, id, price, quantity, first, last, time_ms, maker)});
    } while (reader.next(line));
    return true;
  }

  bool read_binance_funding(CsvReader& reader, std::string& line, std::string& error) {
    std::string symbol;
    if (!symbol_for(reader, symbol_from_name(reader.path()), symbol, error)) return false;
    if (lower(line).starts_with("calc_time") && !reader.next(line)) return true;
    do {
      if (line.empty()) continue;
      const auto fields = split(line);
      if (fields.size() != 3) {
        error = reader.where(fields.size() - 1,
                             fmt::format("{} fields where a Binance fundingRate row has 3 "
                                         "(calc_time, funding_interval_hours, last_funding_rate)",
                                         fields.size()));
        return false;
      }
      std::int64_t time_ms = 0, hours = 0;
      std::string rate;
      if (!archive_time_ms(reader, fields[0], 0, "calc_time", time_ms, error) ||
          !integer_field(reader, fields[1], 1, "funding_interval_hours", hours, error) ||
          !decimal_field(reader, fields[2], 2, "last_funding_rate", rate, error)) {
        return false;
      }
      ++out_.rows;
      if (!trades_seen_.emplace(symbol + "@funding", time_ms).second) {
        ++out_.duplicates;
        continue;
      }
      out_.lines.push_back({time_ms * kNsPerMs,
                            fmt::format(R"({{"symbol":"{}","fundingRate":"{}","fundingTime":{}}})",
                                        symbol, rate, time_ms)});
    } while (reader.next(line));
    return true;
  }

  // Column indexes of a CryptoDataDownload header, by name.
  struct CddColumns {
    int unix = -1, date = -1, symbol = -1, open = -1, high = -1, low = -1, close = -1,
        base_volume = -1, quote_volume = -1, trades = -1;
  };

  bool read_cryptodatadownload(CsvReader& reader, std::string& line, std::string& error) {
    if (!reader.next(line)) {
      error = reader.path() + ": a CryptoDataDownload banner without a header line";
      return false;
    }
    CddColumns columns;
    const auto header = split(line);
    for (std::size_t i = 0; i < header.size(); ++i) {
      const std::string name = lower(header[i]);
      const int index = static_cast<int>(i);
      if (name == "unix" || name == "unix timestamp")
        columns.unix = index;
      else if (name == "date")
        columns.date = index;
      else if (name == "symbol")
        columns.symbol = index;
      else if (name == "open")
        columns.open = index;
      else if (name == "high")
        columns.high = index;
      else if (name == "low")
        columns.low = index;
      else if (name == "close")
        columns.close = index;
      else if (name == "tradecount")
        columns.trades = index;
      else if (name.starts_with("volume") && columns.base_volume < 0)
        columns.base_volume = index;
      else if (name.starts_with("volume"))
        columns.quote_volume = index;
    }
    for (const auto& [index, name] :
         {std::pair{columns.open, "open"}, std::pair{columns.high, "high"},
          std::pair{columns.low, "low"}, std::pair{columns.close, "close"}}) {
      if (index < 0) {
        error = reader.where(0, fmt::format("the header has no '{}' column (expected date,symbol,"
                                            "open,high,low,close,volume...)",
                                            name));
        return false;
      }
    }
    if (columns.unix < 0 && columns.date < 0) {
      error = reader.where(0, "the header has neither a 'unix' nor a 'date' column");
      return false;
    }
    std::vector<Candle> read;
    std::string file_symbol;
    while (reader.next(line)) {
      if (line.empty()) continue;
      const auto fields = split(line);
      const auto field = [&](int index) {
        return index >= 0 && static_cast<std::size_t>(index) < fields.size() ? fields[index]
                                                                             : std::string_view();
      };
      if (fields.size() < header.size()) {
        error = reader.where(fields.size() - 1, fmt::format("{} fields where the header has {}",
                                                            fields.size(), header.size()));
        return false;
      }
      Candle candle;
      if (!cdd_open_time(reader, columns, field(columns.unix), field(columns.date), candle,
                         error) ||
          !decimal_field(reader, field(columns.open), columns.open, "open", candle.open, error) ||
          !decimal_field(reader, field(columns.high), columns.high, "high", candle.high, error) ||
          !decimal_field(reader, field(columns.low), columns.low, "low", candle.low, error) ||
          !decimal_field(reader, field(columns.close), columns.close, "close", candle.close,
                         error)) {
        return false;
      }
      candle.volume = "0.00000000";
      candle.quote_volume = "0.00000000";
      if (columns.base_volume >= 0 &&
          !decimal_field(reader, field(columns.base_volume), columns.base_volume, "volume",
                         candle.volume, error)) {
        return false;
      }
      if (columns.quote_volume >= 0 &&
          !decimal_field(reader, field(columns.quote_volume), columns.quote_volume, "quote volume",
                         candle.quote_volume, error)) {
        return false;
      }
      const std::string_view trades = field(columns.trades);
      if (!trades.empty() && trades != "NULL" &&
          !integer_field(reader, trades, columns.trades, "tradecount", candle.trades, error)) {
        return false;
      }
      if (file_symbol.empty()) file_symbol = std::string(field(columns.symbol));
      candle.origin = reader.path() + ":" + std::to_string(reader.line_number());
      read.push_back(std::move(candle));
    }
    if (read.empty()) return true;
    std::string symbol;
    if (!symbol_for(reader, file_symbol.empty() ? symbol_from_name(reader.path()) : file_symbol,
                    symbol, error)) {
      return false;
    }
    // The spacing of the candles (CryptoDataDownload lists no close time).
    std::vector<std::int64_t> opens;
    for (const Candle& candle : read) opens.push_back(candle.open_ms);
    std::sort(opens.begin(), opens.end());
    std::int64_t spacing = 0;
    for (std::size_t i = 1; i < opens.size(); ++i) {
      const std::int64_t gap = opens[i] - opens[i - 1];
      if (gap > 0 && (spacing == 0 || gap < spacing)) spacing = gap;
    }
    std::string interval;
    if (!interval_for(reader, spacing * kNsPerMs, interval, error)) return false;
    const DurationNs interval_ns = binance_interval_ns(interval);
    // Newest first: its newest row is the candle still forming at export time.
    const std::int64_t newest = opens.back();
    for (auto& candle : read) {
      if (candle.open_ms == newest && !options_.keep_newest) {
        ++out_.rows;
        ++out_.dropped_newest;
        continue;
      }
      candle.close_ms = candle.open_ms + interval_ns / kNsPerMs - 1;
      if (!add_candle(reader, symbol, interval, std::move(candle), error)) return false;
    }
    return true;
  }

  // CryptoDataDownload's open time: `unix` in milliseconds ("1643155200000") or seconds
  // ("1513555200.0"), else `date` ("2022-01-26", "2022-01-26 00:00:00", "2019-10-17 09-AM").
  static bool cdd_open_time(const CsvReader& reader, const CddColumns& columns,
                            std::string_view unix, std::string_view date, Candle& candle,
                            std::string& error) {
    if (!unix.empty()) {
      if (unix.find('.') != std::string_view::npos) {
        const auto milliseconds = parse_decimal(unix, 3);  // seconds with a fraction
        if (milliseconds && *milliseconds > 0) {
          candle.open_ms = *milliseconds;
          candle.second_timestamps = true;
          return true;
        }
      }
      std::int64_t value = 0;
      const auto [at, code] = std::from_chars(unix.data(), unix.data() + unix.size(), value);
      if (code == std::errc() && at == unix.data() + unix.size() && value > 0) {
        candle.open_ms = value < 100'000'000'000LL ? value * 1000 : value;
        return true;
      }
      error = reader.where(columns.unix, fmt::format("unix '{}' is not a time", unix));
      return false;
    }
    std::string text(date);
    // "2019-10-17 09-AM": an hour in 12-hour form.
    if (text.size() == 16 && (text.ends_with("-AM") || text.ends_with("-PM"))) {
      const int hour12 = std::atoi(text.substr(11, 2).c_str());
      const int hour = hour12 % 12 + (text.ends_with("-PM") ? 12 : 0);
      text = fmt::format("{} {:02}:00:00", text.substr(0, 10), hour);
    }
    const auto time = parse_utc_timestamp(text);
    if (!time) {
      error = reader.where(
          columns.date, fmt::format("date '{}' is not a UTC date (YYYY-MM-DD[ HH:MM:SS])", date));
      return false;
    }
    candle.open_ms = *time / kNsPerMs;
    return true;
  }

  const CsvImportOptions& options_;
  CsvImport& out_;
  std::map<std::pair<std::string, std::string>, std::map<std::int64_t, Candle>> candles_;
  std::set<std::pair<std::string, std::int64_t>> trades_seen_;
};

}  // namespace

DurationNs binance_interval_ns(std::string_view name) {
  for (const Interval& interval : kIntervals) {
    if (interval.name == name) return interval.ns;
  }
  return 0;
}

std::string_view binance_interval_name(DurationNs interval_ns) {
  for (const Interval& interval : kIntervals) {
    if (interval.ns != 0 && interval.ns == interval_ns) return interval.name;
  }
  return {};
}

bool import_csv(const std::vector<std::string>& paths, const CsvImportOptions& options,
                CsvImport& out, std::string& error) {
  Importer importer(options, out);
  for (const std::string& path : paths) {
    if (!importer.read(path, error)) return false;
  }
  importer.finish();
  return true;
}

bool import_csv_texts(const std::vector<CsvText>& texts, const CsvImportOptions& options,
                      CsvImport& out, std::string& error) {
  Importer importer(options, out);
  for (const CsvText& text : texts) {
    CsvReader reader(text.name, text.content);
    if (!importer.read(reader, error)) return false;
  }
  importer.finish();
  return true;
}

}  // namespace sigex
