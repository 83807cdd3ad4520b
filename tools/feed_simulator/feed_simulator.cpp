#include "tools/feed_simulator/feed_simulator.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <map>
#include <optional>

#include <mutex>

#include "adapters/binance/parse_market_data.h"
#include "adapters/recorded/recorded_file.h"
#include "engine/book/order_book.h"
#include "engine/core/decimal.h"
#include "tools/sim_http/loopback_http_server.h"

namespace sigex {

namespace {

struct Frame {
  std::string text;
  std::string stream;  // combined-stream name
  bool depth = false;  // a depth update: subject to skip/duplicate/reorder faults
};

struct SymbolBook {
  std::string symbol;
  InstrumentId instrument = kNoInstrument;
  OrderBook recorded_book;  // the file's REST snapshot
  std::uint64_t recorded_id = 0;
  OrderBook book;  // the recorded snapshot plus every update streamed since
  std::uint64_t last_update_id = 0;
};

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

}  // namespace

std::string_view to_string(FeedFault fault) {
  switch (fault) {
    case FeedFault::kDropConnection:
      return "DropConnection";
    case FeedFault::kSkipDepthUpdate:
      return "SkipDepthUpdate";
    case FeedFault::kDuplicateDepthUpdate:
      return "DuplicateDepthUpdate";
    case FeedFault::kReorderDepthUpdates:
      return "ReorderDepthUpdates";
    case FeedFault::kMalformedFrame:
      return "MalformedFrame";
    case FeedFault::kServerShutdown:
      return "ServerShutdown";
  }
  return "?";
}

// Everything below runs on the server's I/O thread, except the atomics and the fault queue.
class FeedSimulator::Impl {
 public:
  explicit Impl(FeedSimulatorOptions options)
      : options_(std::move(options)),
        parser_(registry_),
        server_("feed simulator", options_.port,
                [this](const SimRequest& request) { return serve_rest(request); }) {
    frame_interval_us = options_.frame_interval_us;
    server_.set_websocket_handlers(
        {[this](SimSocketId socket, std::string_view message) { on_message(socket, message); },
         [this](SimSocketId socket) { on_closed(socket); },
         [this](SimSocketId socket, std::string_view) { on_open(socket); },
         [this](SimSocketId socket) { on_drained(socket); }});
  }

  bool start(std::string& error) { return load(error) && server_.start(error); }
  void stop() { server_.stop(); }
  std::uint16_t port() const { return server_.port(); }

  void inject(FeedFault fault, int count) {
    std::lock_guard lock(faults_mutex_);
    for (int i = 0; i < count; ++i) faults_.push_back(fault);
  }
  std::size_t faults_pending() const {
    std::lock_guard lock(faults_mutex_);
    return faults_.size();
  }

  std::atomic<bool> stalled{false};
  std::atomic<std::int64_t> frame_interval_us{0};
  std::atomic<std::uint64_t> frames_sent{0}, connections{0}, snapshots_served{0};
  std::atomic<bool> finished{false};

 private:
  // The fault at the front of the queue if it is `fault` (consumed), else nothing happens.
  bool take(FeedFault fault) {
    std::lock_guard lock(faults_mutex_);
    if (faults_.empty() || faults_.front() != fault) return false;
    faults_.pop_front();
    return true;
  }
  bool load(std::string& error) {
    std::vector<std::pair<TimeNs, std::string>> lines;
    InputProblems problems;
    for (const auto& input : options_.inputs) {
      RecordedFile file(input.path);
      if (!file.ok()) {
        error = file.error();
        return false;
      }
      RecordedLine line;
      while (file.next(line, problems)) {
        if (line.frame.starts_with("{\"lastUpdateId\"")) {
          snapshot_lines_.push_back({upper(input.symbol), std::string(line.frame)});
        } else if (line.frame.starts_with("{\"stream\"")) {
          lines.emplace_back(line.receive_time_ns, std::string(line.frame));
        }
      }
    }
    std::stable_sort(lines.begin(), lines.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    // Instruments: every symbol that appears in a stream name or names a snapshot.
    for (auto& [time, text] : lines) {
      Frame frame;
      const auto start = text.find("\"stream\":\"") + 10;
      frame.stream = text.substr(start, text.find('"', start) - start);
      frame.depth = frame.stream.find("@depth") != std::string::npos;
      add_symbol(upper(frame.stream.substr(0, frame.stream.find('@'))));
      frame.text = std::move(text);
      frames_.push_back(std::move(frame));
    }
    for (const auto& [symbol, text] : snapshot_lines_) add_symbol(symbol);
    for (auto& book : books_) book.instrument = registry_.find_by_symbol(book.symbol)->id;
    for (const auto& [symbol, text] : snapshot_lines_) {
      SymbolBook* book = find_book(symbol);
      std::vector<InboundEvent> records;
      std::string padded = text;
      padded.reserve(text.size() + simdjson::SIMDJSON_PADDING);
      if (!parser_.parse(padded, 0, book->instrument, records)) {
        error = "unreadable depth snapshot for " + symbol;
        return false;
      }
      for (const auto& record : records) {
        if (!(record.depth.flags & DepthLevel::kEmpty)) {
          book->recorded_book.set(record.depth.side, record.depth.price, record.depth.quantity);
        }
        book->recorded_id = record.depth.last_update_id;
      }
    }
    if (frames_.empty()) {
      error = "no combined-stream frames in the simulator inputs";
      return false;
    }
    return true;
  }

  void add_symbol(const std::string& symbol) {
    if (registry_.find_by_symbol(symbol) != nullptr) return;
    Instrument instrument;
    instrument.symbol = Symbol::from(symbol);
    registry_.add(instrument);
    books_.push_back(SymbolBook{symbol, kNoInstrument, OrderBook(20'000), 0, OrderBook(20'000), 0});
  }

  SymbolBook* find_book(std::string_view symbol) {
    for (auto& book : books_) {
      if (book.symbol == upper(symbol)) return &book;
    }
    return nullptr;
  }

  // A new connection replays the recording from the start: books go back to the snapshot.
  void reset_books() {
    for (auto& book : books_) {
      book.book = book.recorded_book;
      book.last_update_id = book.recorded_id;
    }
  }

  // Keeps the served books in step with what the stream has reached (sent or skipped).
  void advance_books(const Frame& frame) {
    std::string padded = frame.text;
    padded.reserve(padded.size() + simdjson::SIMDJSON_PADDING);
    scratch_.clear();
    if (!parser_.parse(padded, 0, kNoInstrument, scratch_) || scratch_.empty()) return;
    SymbolBook& book = books_[scratch_.front().depth.instrument];
    if (scratch_.front().depth.last_update_id <= book.last_update_id) return;
    for (const auto& record : scratch_) {
      if (!(record.depth.flags & DepthLevel::kEmpty)) {
        book.book.set(record.depth.side, record.depth.price, record.depth.quantity);
      }
    }
    book.last_update_id = scratch_.front().depth.last_update_id;
  }

  std::string snapshot_json(const SymbolBook& book, std::size_t limit) const {
    std::string body = "{\"lastUpdateId\":" + std::to_string(book.last_update_id) + ",\"bids\":[";
    for (const Side side : {Side::kBuy, Side::kSell}) {
      if (side == Side::kSell) body += "],\"asks\":[";
      const std::size_t count = std::min(limit, book.book.depth(side));
      for (std::size_t i = 0; i < count; ++i) {
        const BookLevel& level = book.book.level(side, i);
        body += (i == 0 ? "[\"" : ",[\"") + format_decimal(level.price.raw, 8) + "\",\"" +
                format_decimal(level.quantity.raw, 8) + "\"]";
      }
    }
    return body + "]}";
  }

  SimReply serve_rest(const SimRequest& request) {
    SimReply reply;
    SymbolBook* book = nullptr;
    std::size_t limit = 1000;
    // Spot's and USD-M's snapshot paths (the parameters are the same).
    if (request.target.starts_with("/api/v3/depth") ||
        request.target.starts_with("/fapi/v1/depth")) {
      const auto query = request.target.find('?');
      for (const auto& [key, value] :
           split_query(query == std::string::npos ? "" : request.target.substr(query + 1))) {
        if (key == "symbol") book = find_book(value);
        if (key == "limit") limit = std::stoul(value);
      }
    }
    if (book == nullptr) {
      reply.status = 400;
      reply.body = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
      return reply;
    }
    reply.body = snapshot_json(*book, limit);
    ++snapshots_served;
    return reply;
  }

  // One streaming client at a time: the newest connection replaces the previous one and
  // replays the recording from the start.
  void on_open(SimSocketId socket) {
    if (session_.socket != 0) server_.websocket_drop(session_.socket);
    ++connections;
    finished.store(false);
    reset_books();
    session_ = Session{};
    session_.socket = socket;
    ++generation_;
  }

  void on_closed(SimSocketId socket) {
    if (socket != session_.socket) return;
    session_.closed = true;
    ++generation_;  // pending timers of this session do nothing
  }

  void on_drained(SimSocketId socket) {
    if (socket != session_.socket || !session_.awaiting_drain) return;
    session_.awaiting_drain = false;
    pace();
  }

  void on_message(SimSocketId socket, std::string_view message) {
    if (socket != session_.socket || message.find("\"SUBSCRIBE\"") == std::string_view::npos)
      return;
    for (const auto& frame : frames_) {
      if (message.find("\"" + frame.stream + "\"") != std::string_view::npos)
        session_.subscribed.emplace(frame.stream, true);
    }
    const auto id_at = message.find("\"id\":");
    const std::string id =
        id_at == std::string_view::npos
            ? "null"
            : std::string(message.substr(id_at + 5, message.find('}', id_at) - id_at - 5));
    server_.websocket_send(session_.socket, "{\"result\":null,\"id\":" + id + "}");
    if (!session_.streaming) {
      session_.streaming = true;
      session_.awaiting_drain = true;  // the answer first, then the frames
    }
  }

  void write(std::string text) {
    session_.awaiting_drain = true;
    server_.websocket_send(session_.socket, std::move(text));
  }

  void close() {
    session_.closed = true;
    ++generation_;
    server_.websocket_drop(session_.socket);
  }

  // Sends the next frame once the previous ones are written (on_drained: natural back-pressure).
  void next() {
    if (session_.closed) return;
    if (stalled.load()) return wait(200);
    if (take(FeedFault::kDropConnection)) return close();
    if (take(FeedFault::kServerShutdown)) {
      write("{\"stream\":\"!serverShutdown\",\"data\":{\"e\":\"serverShutdown\",\"E\":1}}");
      session_.shutting_down = true;
      session_.awaiting_drain = false;
      return wait(20'000);
    }
    if (session_.shutting_down) return close();
    if (take(FeedFault::kMalformedFrame))
      return write("{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":17");
    while (session_.position < frames_.size() &&
           !session_.subscribed.count(frames_[session_.position].stream)) {
      ++session_.position;
    }
    if (session_.position >= frames_.size()) {
      finished.store(true);
      return;  // the recording is over: the stream goes silent
    }
    const Frame& frame = frames_[session_.position++];
    if (frame.depth) {
      advance_books(frame);
      if (take(FeedFault::kSkipDepthUpdate)) return next();
      if (take(FeedFault::kDuplicateDepthUpdate)) write(frame.text);
      if (take(FeedFault::kReorderDepthUpdates) && session_.position < frames_.size()) {
        // Send the following depth update of the same stream first, then this one.
        for (std::size_t later = session_.position; later < frames_.size(); ++later) {
          const Frame& other = frames_[later];
          if (other.depth && other.stream == frame.stream) {
            write(other.text);
            write(frame.text);
            session_.held_back = later;
            frames_sent += 2;
            return;
          }
        }
      }
    }
    if (session_.held_back && *session_.held_back == session_.position - 1) {
      session_.held_back.reset();  // already sent out of order
      return next();
    }
    write(frame.text);
    ++frames_sent;
  }

  void pace() {
    const std::int64_t interval = frame_interval_us.load();
    wait(interval > 0 ? interval : 0);
  }

  void wait(std::int64_t microseconds) {
    server_.run_after(microseconds, [this, generation = generation_] {
      if (generation == generation_) next();
    });
  }

  struct Session {
    SimSocketId socket = 0;
    std::map<std::string, bool> subscribed;
    std::size_t position = 0;
    std::optional<std::size_t> held_back;
    bool streaming = false;
    bool awaiting_drain = false;
    bool shutting_down = false;
    bool closed = false;
  };

  FeedSimulatorOptions options_;
  InstrumentRegistry registry_;
  BinanceParser parser_;
  std::vector<Frame> frames_;
  std::vector<std::pair<std::string, std::string>> snapshot_lines_;
  std::vector<SymbolBook> books_;
  std::vector<InboundEvent> scratch_;
  Session session_;
  std::uint64_t generation_ = 0;
  mutable std::mutex faults_mutex_;
  std::deque<FeedFault> faults_;
  LoopbackHttpServer server_;  // last: stopped (its thread joined) before the state above goes
};

FeedSimulator::FeedSimulator(FeedSimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
FeedSimulator::~FeedSimulator() { impl_->stop(); }
bool FeedSimulator::start(std::string& error) { return impl_->start(error); }
void FeedSimulator::stop() { impl_->stop(); }
std::uint16_t FeedSimulator::port() const { return impl_->port(); }
void FeedSimulator::inject(FeedFault fault, int count) { impl_->inject(fault, count); }
std::size_t FeedSimulator::faults_pending() const { return impl_->faults_pending(); }
void FeedSimulator::stall(bool stalled) { impl_->stalled = stalled; }
void FeedSimulator::set_frame_interval_us(std::int64_t microseconds) {
  impl_->frame_interval_us = microseconds;
}
std::uint64_t FeedSimulator::frames_sent() const { return impl_->frames_sent.load(); }
std::uint64_t FeedSimulator::connections() const { return impl_->connections.load(); }
std::uint64_t FeedSimulator::snapshots_served() const { return impl_->snapshots_served.load(); }
bool FeedSimulator::finished() const { return impl_->finished.load(); }

}  // namespace sigex
