#include "adapters/binance/market_data_feed.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <random>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/binance/parse_market_data.h"
#include "adapters/net/backoff.h"
#include "adapters/net/http_client.h"
#include "adapters/net/io_thread.h"
#include "adapters/net/tls_client.h"
#include "adapters/net/url.h"
#include "adapters/net/websocket_client.h"
#include "engine/logging/log.h"

namespace sigex {

namespace asio = boost::asio;

namespace {

std::string lower(std::string_view text) {
  std::string result(text);
  for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

std::chrono::nanoseconds as_duration(DurationNs ns) { return std::chrono::nanoseconds(ns); }

struct StreamSlot : StreamCounters {
  InstrumentId instrument = kNoInstrument;
};

}  // namespace

class BinanceMarketDataFeed::Impl {
 public:
  Impl(BinanceMarketDataConfig config, const InstrumentRegistry& instruments,
       EventQueue<InboundEvent>& queue, const Clock& clock)
      : config_(std::move(config)),
        instruments_(instruments),
        clock_(clock),
        reconnect_timer_(io_),
        watchdog_timer_(io_),
        snapshot_retry_timer_(io_),
        backoff_(config_.backoff_initial_ns, config_.backoff_max_ns,
                 config_.random_seed != 0 ? config_.random_seed : std::random_device{}()),
        parser_(instruments),
        producer_(queue),
        resync_pending_(instruments.size()),
        snapshot_in_flight_(instruments.size(), false),
        reset_pending_(instruments.size(), false) {
    batch_.reserve(16384);
    padded_.reserve(1 << 20);
    for (const auto& instrument : instruments.all()) {
      const std::string symbol = lower(instrument.symbol.view());
      if (config_.book_ticker) add_stream(symbol + "@bookTicker", instrument.id);
      if (config_.trade_stream != "none")
        add_stream(symbol + "@" + config_.trade_stream, instrument.id);
      if (config_.depth) add_stream(symbol + "@depth@" + config_.depth_speed, instrument.id);
      if (config_.mark_price) add_stream(symbol + "@markPrice@1s", instrument.id);
    }
    for (const auto& slot : streams_) names_.push_back(slot->name);
  }

  ~Impl() { stop(); }

  bool start(std::string& error) {
    const auto ws_url = parse_url(config_.ws_url);
    const auto rest_url = parse_url(config_.rest_url);
    if (!ws_url || (ws_url->scheme != "ws" && ws_url->scheme != "wss")) {
      error = "market_data.binance.ws_url '" + config_.ws_url + "' is not a ws:// or wss:// URL";
      return false;
    }
    if (!rest_url || (rest_url->scheme != "http" && rest_url->scheme != "https")) {
      error = "market_data.binance.rest_url '" + config_.rest_url + "' is not an http(s):// URL";
      return false;
    }
    if (streams_.empty()) {
      error = "no market data streams configured";
      return false;
    }
    if (!add_trusted_ca(tls_, config_.tls_ca_file, "market_data.binance.tls_ca_file", error))
      return false;
    ws_url_ = *ws_url;
    rest_url_ = *rest_url;
    if (rest_url_.target == "/") rest_url_.target.clear();
    WebSocketTimeouts timeouts{config_.connect_timeout_ns, config_.handshake_timeout_ns,
                               config_.idle_timeout_ns};
    websocket_ = std::make_unique<WebSocketClient>(
        io_, tls_,
        WebSocketClient::Handlers{
            [this] { on_open(); }, [this](std::string_view frame) { on_message(frame); },
            [this](std::string_view step, const boost::system::error_code& e) {
              on_closed(step, e);
            }},
        timeouts);
    thread_.start([this] {
      connect();
      arm_watchdog();
    });
    return true;
  }

  void stop() {
    thread_.stop([this] {
      state_.store(FeedState::kStopped);
      if (websocket_) websocket_->close();
      reconnect_timer_.cancel();
      watchdog_timer_.cancel();
      snapshot_retry_timer_.cancel();
    });
  }

  void request_resync(InstrumentId instrument) {
    if (!config_.depth || instrument >= resync_pending_.size()) return;
    resync_pending_[instrument].store(true, std::memory_order_release);
    asio::post(io_, [this] { fetch_snapshots(); });
  }

  FeedMetrics metrics() const {
    FeedMetrics metrics;
    metrics.state = state_.load();
    metrics.connects = connects_.load();
    metrics.reconnects = reconnects_.load();
    metrics.stale_reconnects = stale_reconnects_.load();
    metrics.server_shutdowns = server_shutdowns_.load();
    metrics.scheduled_reconnects = scheduled_reconnects_.load();
    metrics.unknown_frames = unknown_frames_.load();
    metrics.snapshots_requested = snapshots_requested_.load();
    metrics.snapshots_received = snapshots_received_.load();
    metrics.snapshot_failures = snapshot_failures_.load();
    const TimeNs now_ns = clock_.now_ns();
    for (const auto& slot : streams_) metrics.streams.push_back(slot->snapshot(now_ns));
    return metrics;
  }

  const std::vector<std::string>& stream_names() const { return names_; }
  void set_frame_sink(FrameSink sink) { sink_ = std::move(sink); }

 private:
  void add_stream(std::string name, InstrumentId instrument) {
    auto slot = std::make_unique<StreamSlot>();
    slot->name = std::move(name);
    slot->instrument = instrument;
    streams_.push_back(std::move(slot));
  }

  bool stopped() const { return state_.load() == FeedState::kStopped; }

  void connect() {
    if (stopped()) return;
    state_.store(FeedState::kConnecting);
    ++connects_;
    connected_at_ns_ = clock_.now_ns();
    websocket_->connect(ws_url_);
  }

  void on_open() {
    state_.store(FeedState::kSubscribing);
    std::string request = "{\"method\":\"SUBSCRIBE\",\"params\":[";
    for (std::size_t i = 0; i < names_.size(); ++i) {
      request += (i == 0 ? "\"" : ",\"") + names_[i] + "\"";
    }
    request += "],\"id\":" + std::to_string(++subscribe_id_) + "}";
    websocket_->send(std::move(request));
  }

  void on_subscribed(TimeNs now_ns) {
    state_.store(FeedState::kStreaming);
    subscribed_at_ns_ = now_ns;
    backoff_.reset();
    for (auto& slot : streams_) slot->last_message_ns.store(0, std::memory_order_relaxed);
    log_info("market data: subscribed to {} streams at {}", names_.size(), config_.ws_url);
    // Every book restarts with this connection: the core invalidates and asks for snapshots.
    for (const Instrument& instrument : instruments_.all()) owe_reset(instrument.id);
    flush_resets(now_ns, FeedResetReason::kSubscribed);
  }

  void owe_reset(InstrumentId id) {
    // Without depth streams there is no book to rebuild: quotes and trades need no reset
    // (their freshness is checked by age), and a reset would make the instrument untradeable
    // until a REST snapshot nobody needs arrived.
    if (!config_.depth || reset_pending_[id]) return;
    reset_pending_[id] = true;
    ++resets_owed_;
  }

  // Pushes the owed MarketDataReset records; those that do not fit stay owed.
  void flush_resets(TimeNs now_ns, FeedResetReason reason) {
    if (resets_owed_ == 0) return;
    for (InstrumentId id = 0; id < reset_pending_.size(); ++id) {
      if (!reset_pending_[id]) continue;
      InboundEvent event;
      event.kind = MarketEventKind::kMarketDataReset;
      event.reset = MarketDataReset{id, reason, now_ns};
      if (producer_.try_push(event)) {
        reset_pending_[id] = false;
        --resets_owed_;
      }
    }
  }

  void on_message(std::string_view frame) {
    const TimeNs now_ns = clock_.now_ns();
    if (sink_) sink_(now_ns, frame);
    if (state_.load() == FeedState::kSubscribing && frame.starts_with("{\"result\"")) {
      if (frame.find("\"id\":" + std::to_string(subscribe_id_)) != std::string_view::npos) {
        on_subscribed(now_ns);
      }
      return;
    }
    StreamSlot* slot = find_stream(frame);
    // Only frames outside the subscribed streams are scanned for the shutdown notice
    // ({"stream":"!serverShutdown",...} or a bare {"e":"serverShutdown",...}).
    if (slot == nullptr && frame.find("serverShutdown") != std::string_view::npos) {
      ++server_shutdowns_;
      log_warn("market data: serverShutdown received; reconnecting");
      return reconnect(0);
    }
    if (slot != nullptr) slot->received(frame.size(), now_ns);
    flush_resets(now_ns, FeedResetReason::kRecordsDropped);

    // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse from a padded copy.
    padded_.assign(frame.begin(), frame.end());
    padded_.resize(frame.size() + simdjson::SIMDJSON_PADDING, '\0');
    batch_.clear();
    const auto parsed = parser_.parse(std::string_view(padded_.data(), frame.size()), now_ns,
                                      kNoInstrument, batch_, config_.market);
    if (!parsed) {
      if (slot != nullptr && parsed.error().code != Errc::kUnknownInstrument) {
        const auto errors = slot->parse_errors.fetch_add(1, std::memory_order_relaxed);
        if ((errors & (errors + 1)) == 0) {  // 1st, 2nd, 4th, 8th ...: a sampled log line
          log_warn("market data: {} frame rejected ({}: {}); {} so far", slot->name,
                   to_string(parsed.error().code), parsed.error().what, errors + 1);
        }
      } else {
        const auto unknown = unknown_frames_.fetch_add(1);
        if ((unknown & (unknown + 1)) == 0) {
          log_warn("market data: unexpected frame dropped ({} so far): {:.120}", unknown + 1,
                   frame);
        }
      }
      return;
    }
    push_batch(slot);
  }

  void push_batch(StreamSlot* slot) {
    if (batch_.empty()) return;
    if (producer_.try_push_bulk(batch_.data(), batch_.size())) return;
    // Full queue: drop, count, and have the book rebuilt once there is room again.
    if (slot != nullptr) slot->records_dropped.fetch_add(batch_.size(), std::memory_order_relaxed);
    for (const auto& event : batch_) {
      if (event.kind == MarketEventKind::kDepthLevel) owe_reset(event.depth.instrument);
    }
  }

  StreamSlot* find_stream(std::string_view frame) {
    constexpr std::string_view kPrefix = "{\"stream\":\"";
    if (!frame.starts_with(kPrefix)) return nullptr;
    const auto end = frame.find('"', kPrefix.size());
    if (end == std::string_view::npos) return nullptr;
    const std::string_view name = frame.substr(kPrefix.size(), end - kPrefix.size());
    for (auto& slot : streams_) {
      if (slot->name == name) return slot.get();
    }
    return nullptr;
  }

  void on_closed(std::string_view step, const boost::system::error_code& error) {
    if (stopped()) return;
    log_warn("market data: connection to {}:{} failed at {}: {}", ws_url_.host, ws_url_.port, step,
             error.message());
    reconnect(backoff_.next());
  }

  void reconnect(DurationNs delay_ns) {
    if (stopped()) return;
    websocket_->abort();
    state_.store(FeedState::kBackingOff);
    ++reconnects_;
    reconnect_timer_.expires_after(as_duration(delay_ns));
    reconnect_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) connect();
    });
  }

  void arm_watchdog() {
    watchdog_timer_.expires_after(as_duration(config_.watchdog_interval_ns));
    watchdog_timer_.async_wait([this](const boost::system::error_code& error) {
      if (error || stopped()) return;
      check_staleness();
      arm_watchdog();
    });
  }

  void check_staleness() {
    const TimeNs now_ns = clock_.now_ns();
    flush_resets(now_ns, FeedResetReason::kRecordsDropped);
    if (state_.load() == FeedState::kSubscribing &&
        now_ns - connected_at_ns_ > config_.connect_timeout_ns + config_.handshake_timeout_ns) {
      log_warn("market data: no answer to SUBSCRIBE; reconnecting");
      return reconnect(backoff_.next());
    }
    if (state_.load() != FeedState::kStreaming) return;
    if (now_ns - connected_at_ns_ > config_.reconnect_after_ns) {
      ++scheduled_reconnects_;
      log_info("market data: reconnecting ahead of the 24 h connection limit");
      return reconnect(0);
    }
    for (const auto& slot : streams_) {
      const TimeNs last =
          std::max(slot->last_message_ns.load(std::memory_order_relaxed), subscribed_at_ns_);
      if (now_ns - last > config_.stale_after_ns) {
        ++stale_reconnects_;
        log_warn("market data: {} silent for {} ms; reconnecting", slot->name,
                 (now_ns - last) / kNsPerMs);
        return reconnect(backoff_.next());
      }
    }
  }

  void fetch_snapshots() {
    if (stopped()) return;
    for (InstrumentId id = 0; id < resync_pending_.size(); ++id) {
      if (snapshot_in_flight_[id] || !resync_pending_[id].exchange(false)) continue;
      snapshot_in_flight_[id] = true;
      ++snapshots_requested_;
      const std::string target = rest_url_.target + binance_endpoints(config_.market).depth.path +
                                 "?symbol=" + std::string(instruments_.get(id).symbol.view()) +
                                 "&limit=" + std::to_string(config_.snapshot_limit);
      http_get(
          io_, tls_, rest_url_, target, {}, config_.snapshot_timeout_ns,
          [this, id, target](const HttpResponse& response) { on_snapshot(id, target, response); });
    }
  }

  void on_snapshot(InstrumentId id, const std::string& target, const HttpResponse& response) {
    snapshot_in_flight_[id] = false;
    if (stopped()) return;
    if (response.error || response.status != 200) {
      ++snapshot_failures_;
      log_warn("market data: depth snapshot {} failed ({}{}); retrying", target,
               response.error ? response.step + ": " + response.error.message() : "HTTP ",
               response.error ? "" : std::to_string(response.status));
      resync_pending_[id].store(true);
      snapshot_retry_timer_.expires_after(as_duration(config_.snapshot_retry_ns));
      snapshot_retry_timer_.async_wait([this](const boost::system::error_code& error) {
        if (!error) fetch_snapshots();
      });
      return;
    }
    ++snapshots_received_;
    const TimeNs now_ns = clock_.now_ns();
    if (sink_) sink_(now_ns, "{\"rest\":\"" + target + "\",\"data\":" + response.body + "}");
    padded_.assign(response.body.begin(), response.body.end());
    padded_.resize(response.body.size() + simdjson::SIMDJSON_PADDING, '\0');
    batch_.clear();
    const auto parsed = parser_.parse(std::string_view(padded_.data(), response.body.size()),
                                      now_ns, id, batch_, config_.market);
    if (!parsed) {
      ++snapshot_failures_;
      log_warn("market data: depth snapshot {} unreadable ({})", target, parsed.error().what);
      return request_resync(id);
    }
    if (!producer_.try_push_bulk(batch_.data(), batch_.size())) {
      owe_reset(id);  // the core will ask again once the reset gets through
    }
  }

  BinanceMarketDataConfig config_;
  const InstrumentRegistry& instruments_;
  const Clock& clock_;
  IoThread thread_;  // first: the timers and clients below use its io_context
  asio::io_context& io_ = thread_.io();
  asio::ssl::context& tls_ = thread_.tls();
  asio::steady_timer reconnect_timer_;
  asio::steady_timer watchdog_timer_;
  asio::steady_timer snapshot_retry_timer_;
  Url ws_url_;
  Url rest_url_;
  std::unique_ptr<WebSocketClient> websocket_;
  Backoff backoff_;
  BinanceParser parser_;
  EventQueue<InboundEvent>::Producer producer_;
  std::vector<InboundEvent> batch_;
  std::vector<char> padded_;
  std::vector<std::unique_ptr<StreamSlot>> streams_;
  std::vector<std::string> names_;
  std::vector<std::atomic<bool>> resync_pending_;
  std::vector<bool> snapshot_in_flight_;
  std::vector<bool> reset_pending_;
  std::size_t resets_owed_ = 0;  // how many reset_pending_ entries are set
  FrameSink sink_;
  std::atomic<FeedState> state_{FeedState::kIdle};
  TimeNs connected_at_ns_ = 0;
  TimeNs subscribed_at_ns_ = 0;
  std::uint64_t subscribe_id_ = 0;
  std::atomic<std::uint64_t> connects_{0}, reconnects_{0}, stale_reconnects_{0},
      server_shutdowns_{0}, scheduled_reconnects_{0}, unknown_frames_{0}, snapshots_requested_{0},
      snapshots_received_{0}, snapshot_failures_{0};
};

BinanceMarketDataFeed::BinanceMarketDataFeed(BinanceMarketDataConfig config,
                                             const InstrumentRegistry& instruments,
                                             EventQueue<InboundEvent>& queue, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), instruments, queue, clock)) {}

BinanceMarketDataFeed::~BinanceMarketDataFeed() = default;
void BinanceMarketDataFeed::set_frame_sink(FrameSink sink) {
  impl_->set_frame_sink(std::move(sink));
}
bool BinanceMarketDataFeed::start(std::string& error) { return impl_->start(error); }
void BinanceMarketDataFeed::stop() { impl_->stop(); }
void BinanceMarketDataFeed::request_resync(InstrumentId instrument) {
  impl_->request_resync(instrument);
}
FeedMetrics BinanceMarketDataFeed::metrics() const { return impl_->metrics(); }
const std::vector<std::string>& BinanceMarketDataFeed::stream_names() const {
  return impl_->stream_names();
}

void BinanceMarketDataFeed::write_metrics(MetricsExposition& out, TimeNs) const {
  write_feed_metrics(out, metrics());
}

void BinanceMarketDataFeed::write_status(DaemonStatus& status, TimeNs) const {
  write_feed_status(status, metrics());
}

FeedHealth BinanceMarketDataFeed::health() const { return feed_health(metrics()); }

std::string BinanceMarketDataFeed::summary() const { return feed_summary(metrics()); }

}  // namespace sigex
