#include "tools/feed_simulator/feed_simulator.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "adapters/binance/parse_market_data.h"
#include "adapters/recorded/recorded_file.h"
#include "engine/book/order_book.h"
#include "engine/core/decimal.h"

namespace sigex {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

namespace {

struct Frame {
  std::string text;
  std::string stream;   // combined-stream name
  bool depth = false;   // a depth update: subject to skip/duplicate/reorder faults
};

struct SymbolBook {
  std::string symbol;
  InstrumentId instrument = kNoInstrument;
  OrderBook recorded_book;  // the file's REST snapshot
  std::uint64_t recorded_id = 0;
  OrderBook book;           // the recorded snapshot plus every update streamed since
  std::uint64_t last_update_id = 0;
};

std::string upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return result;
}

}  // namespace

class FeedSimulator::Impl {
 public:
  explicit Impl(FeedSimulatorOptions options)
      : options_(std::move(options)), acceptor_(io_), parser_(registry_) {
    frame_interval_us = options_.frame_interval_us;
  }

  ~Impl();

  bool start(std::string& error) {
    if (!load(error)) return false;
    error_code ec;
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      error = "feed simulator cannot listen on 127.0.0.1:" + std::to_string(options_.port) +
              ": " + ec.message();
      return false;
    }
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
    return true;
  }

  void stop();

  std::uint16_t port() const { return port_; }

  // Faults and progress (atomics: set from test threads, read on the I/O thread).
  std::atomic<bool> drop{false}, stalled{false}, duplicate{false}, reorder{false},
      malformed{false}, shutdown{false};
  std::atomic<int> skip{0};
  std::atomic<std::int64_t> frame_interval_us{0};
  std::atomic<std::uint64_t> frames_sent{0}, connections{0}, snapshots_served{0};
  std::atomic<bool> finished{false};

 private:
  class WebSocketSession;

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

  void accept() {
    acceptor_.async_accept(io_, [this](error_code error, tcp::socket socket) {
      if (error) return;
      handle_http(std::make_shared<beast::tcp_stream>(std::move(socket)));
      accept();
    });
  }

  void handle_http(std::shared_ptr<beast::tcp_stream> stream) {
    auto buffer = std::make_shared<beast::flat_buffer>();
    auto request = std::make_shared<http::request<http::string_body>>();
    http::async_read(*stream, *buffer, *request,
                     [this, stream, buffer, request](error_code error, std::size_t) {
                       if (error) return;
                       if (websocket::is_upgrade(*request)) {
                         return open_websocket(std::move(*stream), *request);
                       }
                       serve_rest(stream, *request);
                     });
  }

  void serve_rest(std::shared_ptr<beast::tcp_stream> stream,
                  const http::request<http::string_body>& request) {
    auto response = std::make_shared<http::response<http::string_body>>();
    response->version(request.version());
    response->keep_alive(false);
    response->set(http::field::content_type, "application/json");
    const std::string target(request.target());
    const auto symbol_at = target.find("symbol=");
    SymbolBook* book = nullptr;
    std::size_t limit = 1000;
    if (target.starts_with("/api/v3/depth") && symbol_at != std::string::npos) {
      std::string symbol = target.substr(symbol_at + 7);
      symbol = symbol.substr(0, symbol.find('&'));
      book = find_book(symbol);
      const auto limit_at = target.find("limit=");
      if (limit_at != std::string::npos) limit = std::stoul(target.substr(limit_at + 6));
    }
    if (book == nullptr) {
      response->result(http::status::bad_request);
      response->body() = "{\"code\":-1121,\"msg\":\"Invalid symbol.\"}";
    } else {
      response->result(http::status::ok);
      response->body() = snapshot_json(*book, limit);
      ++snapshots_served;
    }
    response->prepare_payload();
    http::async_write(*stream, *response, [stream, response](error_code, std::size_t) {
      error_code ignored;
      stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
    });
  }

  void open_websocket(beast::tcp_stream stream, const http::request<http::string_body>& request);

  FeedSimulatorOptions options_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  InstrumentRegistry registry_;
  BinanceParser parser_;
  std::vector<Frame> frames_;
  std::vector<std::pair<std::string, std::string>> snapshot_lines_;
  std::vector<SymbolBook> books_;
  std::vector<InboundEvent> scratch_;
  std::shared_ptr<WebSocketSession> session_;
};

// One streaming client. The newest connection replaces the previous one.
class FeedSimulator::Impl::WebSocketSession
    : public std::enable_shared_from_this<FeedSimulator::Impl::WebSocketSession> {
 public:
  WebSocketSession(Impl& simulator, beast::tcp_stream stream)
      : simulator_(simulator), ws_(std::move(stream)), timer_(ws_.get_executor()) {}

  void start(const http::request<http::string_body>& request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.async_accept(request, [self = shared_from_this()](error_code error) {
      if (!error) self->read();
    });
  }

  void close() {
    closed_ = true;
    timer_.cancel();
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

 private:
  // Reads run all the time: they answer pings and carry SUBSCRIBE.
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](error_code error, std::size_t) {
      if (error || self->closed_) return;
      const std::string message = beast::buffers_to_string(self->buffer_.data());
      self->buffer_.consume(self->buffer_.size());
      self->on_message(message);
      self->read();
    });
  }

  void on_message(const std::string& message) {
    if (message.find("\"SUBSCRIBE\"") == std::string::npos) return;
    for (const auto& frame : simulator_.frames_) {
      if (message.find("\"" + frame.stream + "\"") != std::string::npos) {
        subscribed_.emplace(frame.stream, true);
      }
    }
    const auto id_at = message.find("\"id\":");
    const std::string id =
        id_at == std::string::npos ? "null" : message.substr(id_at + 5, message.find('}', id_at) - id_at - 5);
    write("{\"result\":null,\"id\":" + id + "}");
    if (!streaming_) {
      streaming_ = true;
      next();
    }
  }

  void write(std::string text) {
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1) write_front();
  }

  void write_front() {
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self = shared_from_this()](error_code error, std::size_t) {
                      if (error || self->closed_) return;
                      self->outbox_.pop_front();
                      if (!self->outbox_.empty()) self->write_front();
                    });
  }

  // Sends the next frame once the previous ones are written (natural back-pressure).
  void next() {
    if (closed_) return;
    if (!outbox_.empty() || simulator_.stalled.load()) return wait(200);
    if (simulator_.drop.exchange(false)) return close();
    if (simulator_.shutdown.exchange(false)) {
      write("{\"stream\":\"!serverShutdown\",\"data\":{\"e\":\"serverShutdown\",\"E\":1}}");
      shutting_down_ = true;
      return wait(20'000);
    }
    if (shutting_down_) return close();
    if (simulator_.malformed.exchange(false)) {
      write("{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":17");
      return pace();
    }
    while (position_ < simulator_.frames_.size() &&
           !subscribed_.count(simulator_.frames_[position_].stream)) {
      ++position_;
    }
    if (position_ >= simulator_.frames_.size()) {
      simulator_.finished.store(true);
      return;  // the recording is over: the stream goes silent
    }
    const Frame& frame = simulator_.frames_[position_++];
    if (frame.depth) {
      simulator_.advance_books(frame);
      if (simulator_.skip.load() > 0) {
        simulator_.skip.fetch_sub(1);
        return next();
      }
      if (simulator_.duplicate.exchange(false)) write(frame.text);
      if (simulator_.reorder.exchange(false) && position_ < simulator_.frames_.size()) {
        // Send the following depth update of the same stream first, then this one.
        for (std::size_t later = position_; later < simulator_.frames_.size(); ++later) {
          const Frame& other = simulator_.frames_[later];
          if (other.depth && other.stream == frame.stream) {
            write(other.text);
            write(frame.text);
            held_back_ = later;
            simulator_.frames_sent += 2;
            return pace();
          }
        }
      }
    }
    if (held_back_ && *held_back_ == position_ - 1) {
      held_back_.reset();  // already sent out of order
      return next();
    }
    write(frame.text);
    ++simulator_.frames_sent;
    pace();
  }

  void pace() {
    const std::int64_t interval = simulator_.frame_interval_us.load();
    if (interval > 0) return wait(interval);
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->next(); });
  }

  void wait(std::int64_t microseconds) {
    timer_.expires_after(std::chrono::microseconds(microseconds));
    timer_.async_wait([self = shared_from_this()](error_code error) {
      if (!error) self->next();
    });
  }

  Impl& simulator_;
  websocket::stream<beast::tcp_stream> ws_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::map<std::string, bool> subscribed_;
  std::size_t position_ = 0;
  std::optional<std::size_t> held_back_;
  bool streaming_ = false;
  bool shutting_down_ = false;
  bool closed_ = false;
};

void FeedSimulator::Impl::open_websocket(beast::tcp_stream stream,
                                         const http::request<http::string_body>& request) {
  if (session_) session_->close();
  ++connections;
  finished.store(false);
  reset_books();
  session_ = std::make_shared<WebSocketSession>(*this, std::move(stream));
  session_->start(request);
}

FeedSimulator::Impl::~Impl() { stop(); }

void FeedSimulator::Impl::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    error_code ignored;
    acceptor_.close(ignored);
    if (session_) session_->close();
    io_.stop();
  });
  thread_.join();
}

FeedSimulator::FeedSimulator(FeedSimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
FeedSimulator::~FeedSimulator() = default;
bool FeedSimulator::start(std::string& error) { return impl_->start(error); }
void FeedSimulator::stop() { impl_->stop(); }
std::uint16_t FeedSimulator::port() const { return impl_->port(); }
void FeedSimulator::drop_connection() { impl_->drop = true; }
void FeedSimulator::stall(bool stalled) { impl_->stalled = stalled; }
void FeedSimulator::skip_depth_updates(int count) { impl_->skip = count; }
void FeedSimulator::duplicate_next_depth_update() { impl_->duplicate = true; }
void FeedSimulator::reorder_next_depth_updates() { impl_->reorder = true; }
void FeedSimulator::send_malformed_frame() { impl_->malformed = true; }
void FeedSimulator::send_server_shutdown() { impl_->shutdown = true; }
void FeedSimulator::set_frame_interval_us(std::int64_t microseconds) {
  impl_->frame_interval_us = microseconds;
}
std::uint64_t FeedSimulator::frames_sent() const { return impl_->frames_sent.load(); }
std::uint64_t FeedSimulator::connections() const { return impl_->connections.load(); }
std::uint64_t FeedSimulator::snapshots_served() const { return impl_->snapshots_served.load(); }
bool FeedSimulator::finished() const { return impl_->finished.load(); }

}  // namespace sigex
