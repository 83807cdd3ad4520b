#include "adapters/coinbase/market_data_feed.h"

#include <algorithm>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "adapters/coinbase/parse_market_data.h"
#include "adapters/coinbase/signer.h"
#include "adapters/net/backoff.h"
#include "adapters/net/digest.h"
#include "adapters/net/io_thread.h"
#include "adapters/net/tls_client.h"
#include "adapters/net/url.h"
#include "adapters/net/websocket_client.h"
#include "engine/logging/log.h"

namespace sigex {

namespace asio = boost::asio;

namespace {

std::chrono::nanoseconds as_duration(DurationNs ns) { return std::chrono::nanoseconds(ns); }

// A channel's counters; `name` as subscribed ("level2").
struct ChannelSlot : StreamCounters {
  std::string message;  // the channel as messages name it: "l2_data"
};

// The "channel" value at the start of a Coinbase message, without parsing it.
std::string_view channel_of(std::string_view frame) {
  constexpr std::string_view kPrefix = "{\"channel\":\"";
  if (!frame.starts_with(kPrefix)) return {};
  const auto end = frame.find('"', kPrefix.size());
  if (end == std::string_view::npos) return {};
  return frame.substr(kPrefix.size(), end - kPrefix.size());
}

}  // namespace

std::optional<std::shared_ptr<const CoinbaseSigner>> load_subscription_key(
    const CoinbaseMarketDataConfig& config, std::string& error) {
  auto name = load_secret(config.key_name);
  auto key = load_secret(config.private_key);
  if (!name && !key) {
    log_info("market data: Coinbase subscriptions without a JWT (no CDP key configured)");
    return std::nullopt;
  }
  if (!name || !key) {
    error = "[market_data.coinbase]: " + (name ? key.error() : name.error()) +
            " (a CDP key needs both its name and its private key)";
    return std::nullopt;
  }
  std::shared_ptr<const CoinbaseSigner> signer =
      CoinbaseSigner::make(std::move(name->secret), key->secret, error);
  if (!signer) {
    error = "[market_data.coinbase]: " + key->origin + ": " + error;
    return std::nullopt;
  }
  log_info("market data: Coinbase subscriptions signed with the {} key from {}",
           jwt_algorithm(signer->kind()), name->origin);
  return signer;
}

class CoinbaseMarketDataFeed::Impl {
 public:
  Impl(CoinbaseMarketDataConfig config, const InstrumentRegistry& instruments,
       EventQueue<InboundEvent>& queue, const Clock& clock)
      : config_(std::move(config)),
        clock_(clock),
        instruments_(instruments),
        reconnect_timer_(io_),
        watchdog_timer_(io_),
        backoff_(config_.backoff_initial_ns, config_.backoff_max_ns,
                 config_.random_seed != 0 ? config_.random_seed : std::random_device{}()),
        parser_(instruments),
        producer_(queue),
        resync_pending_(instruments.size()),
        resubscribing_(instruments.size(), false),
        reset_pending_(instruments.size(), false) {
    batch_.reserve(16384);
    add_channel("heartbeats", "heartbeats");
    if (config_.level2) add_channel("level2", "l2_data");
    if (config_.ticker) add_channel("ticker", "ticker");
    if (config_.market_trades) add_channel("market_trades", "market_trades");
    for (const auto& slot : channels_) names_.push_back(slot->name);
    for (const auto& instrument : instruments.all())
      products_.emplace_back(instrument.symbol.view());
  }

  ~Impl() { stop(); }

  bool start(std::string& error) {
    const auto ws_url = parse_url(config_.ws_url);
    if (!ws_url || (ws_url->scheme != "ws" && ws_url->scheme != "wss")) {
      error = "market_data.coinbase.ws_url '" + config_.ws_url + "' is not a ws:// or wss:// URL";
      return false;
    }
    if (products_.empty()) {
      error = "no Coinbase products configured";
      return false;
    }
    if (!load_key(error)) return false;
    if (!add_trusted_ca(tls_, config_.tls_ca_file, "market_data.coinbase.tls_ca_file", error))
      return false;
    ws_url_ = *ws_url;
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
    });
  }

  void request_resync(InstrumentId instrument) {
    if (!config_.level2 || instrument >= resync_pending_.size()) return;
    resync_pending_[instrument].store(true, std::memory_order_release);
    asio::post(io_, [this] { resubscribe(); });
  }

  FeedMetrics metrics() const {
    FeedMetrics metrics;
    metrics.state = state_.load();
    metrics.connects = connects_.load();
    metrics.reconnects = reconnects_.load();
    metrics.stale_reconnects = stale_reconnects_.load();
    metrics.unknown_frames = unknown_frames_.load();
    metrics.snapshots_requested = resubscriptions_.load();
    metrics.snapshots_received = snapshots_received_.load();
    const TimeNs now_ns = clock_.now_ns();
    for (const auto& slot : channels_) metrics.streams.push_back(slot->snapshot(now_ns));
    return metrics;
  }

  const std::vector<std::string>& channels() const { return names_; }
  std::uint64_t sequence_gaps() const { return sequence_gaps_.load(); }
  std::uint64_t resubscriptions() const { return resubscriptions_.load(); }
  std::uint64_t frames_received() const { return frames_.load(); }
  void set_frame_sink(FrameSink sink) { sink_ = std::move(sink); }

 private:
  void add_channel(std::string name, std::string message) {
    auto slot = std::make_unique<ChannelSlot>();
    slot->name = std::move(name);
    slot->message = std::move(message);
    channels_.push_back(std::move(slot));
  }

  bool load_key(std::string& error) {
    if (config_.signer) {
      signer_ = config_.signer;
      return true;
    }
    auto signer = load_subscription_key(config_, error);
    if (!signer) return error.empty();
    signer_ = std::move(*signer);
    return true;
  }

  bool stopped() const { return state_.load() == FeedState::kStopped; }

  void connect() {
    if (stopped()) return;
    state_.store(FeedState::kConnecting);
    ++connects_;
    connected_at_ns_ = clock_.now_ns();
    websocket_->connect(ws_url_);
  }

  std::string subscription(std::string_view type, std::string_view channel,
                           const std::vector<std::string>& products) const {
    std::string message = fmt::format(R"({{"type":"{}","product_ids":[)", type);
    for (std::size_t i = 0; i < products.size(); ++i) {
      message += (i == 0 ? "\"" : ",\"") + products[i] + "\"";
    }
    message += fmt::format(R"(],"channel":"{}")", channel);
    if (signer_) message += R"(,"jwt":")" + signer_->websocket_token(clock_.now_ns()) + '"';
    message += '}';
    return message;
  }

  void on_open() {
    state_.store(FeedState::kSubscribing);
    parser_.new_connection();
    // Every book restarts with this connection; the level2 subscription below brings each
    // product's snapshot, so the core's resync requests until then ask for nothing new.
    const TimeNs now_ns = clock_.now_ns();
    for (const Instrument& instrument : instruments_.all()) {
      owe_reset(instrument.id);
      resubscribing_[instrument.id] = config_.level2;
    }
    flush_resets(now_ns, FeedResetReason::kSubscribed);
    acknowledged_ = 0;
    subscribes_sent_ = 0;
    for (const auto& slot : channels_) {
      websocket_->send(subscription("subscribe", slot->name, products_));
      ++subscribes_sent_;
    }
  }

  void on_subscribed(TimeNs now_ns) {
    state_.store(FeedState::kStreaming);
    subscribed_at_ns_ = now_ns;
    backoff_.reset();
    for (auto& slot : channels_) slot->last_message_ns.store(0, std::memory_order_relaxed);
    log_info("market data: subscribed to {} Coinbase channels for {} products at {}", names_.size(),
             products_.size(), config_.ws_url);
    resubscribe();  // what the core asked for while subscribing
  }

  void owe_reset(InstrumentId id) {
    // Without level2 there is no book to rebuild: quotes and trades need no reset.
    if (!config_.level2 || reset_pending_[id]) return;
    reset_pending_[id] = true;
    ++resets_owed_;
  }

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

  ChannelSlot* find_channel(std::string_view message) {
    for (auto& slot : channels_) {
      if (slot->message == message) return slot.get();
    }
    return nullptr;
  }

  void on_message(std::string_view frame) {
    const TimeNs now_ns = clock_.now_ns();
    frames_.fetch_add(1, std::memory_order_relaxed);
    if (sink_) sink_(now_ns, frame);
    const std::string_view channel = channel_of(frame);
    ChannelSlot* slot = find_channel(channel);
    if (slot != nullptr) slot->received(frame.size(), now_ns);
    flush_resets(now_ns, FeedResetReason::kRecordsDropped);

    padded_.assign(frame.begin(), frame.end());
    padded_.resize(frame.size() + simdjson::SIMDJSON_PADDING, '\0');
    batch_.clear();
    const std::uint64_t gaps_before =
        parser_.counters().sequence_gaps + parser_.counters().heartbeat_gaps;
    const auto parsed =
        parser_.parse(std::string_view(padded_.data(), frame.size()), now_ns, batch_);
    const std::uint64_t gaps =
        parser_.counters().sequence_gaps + parser_.counters().heartbeat_gaps - gaps_before;
    if (gaps > 0) {
      const auto total = sequence_gaps_.fetch_add(gaps) + gaps;
      log_warn(
          "market data: Coinbase message sequence jumped ({} gap(s) so far); the books "
          "are rebuilt from fresh snapshots",
          total);
    }
    if (!parsed) {
      if (frame.find("\"type\":\"error\"") != std::string_view::npos) {
        log_warn("market data: Coinbase refused a request: {:.300}", frame);
        if (signer_ && frame.find("authentication") != std::string_view::npos) {
          // The key was revoked or replaced: the public channels need no JWT, so market data
          // goes on without one rather than not at all.
          log_warn(
              "market data: Coinbase refused the JWT of CDP key {}; subscribing without "
              "one from now on (the public channels need none); check the key",
              fingerprint(signer_->key_name()));
          signer_.reset();
          return reconnect(0);
        }
      } else if (slot != nullptr && parsed.error().code != Errc::kUnknownInstrument) {
        const auto errors = slot->parse_errors.fetch_add(1, std::memory_order_relaxed);
        if ((errors & (errors + 1)) == 0) {
          log_warn("market data: {} message rejected ({}: {}); {} so far", slot->name,
                   to_string(parsed.error().code), parsed.error().what, errors + 1);
        }
      } else if (parsed.error().code != Errc::kUnknownInstrument) {
        const auto unknown = unknown_frames_.fetch_add(1);
        if ((unknown & (unknown + 1)) == 0) {
          log_warn("market data: unexpected frame dropped ({} so far): {:.120}", unknown + 1,
                   frame);
        }
      }
    }
    if (channel == "subscriptions" && state_.load() == FeedState::kSubscribing &&
        ++acknowledged_ >= subscribes_sent_) {
      on_subscribed(now_ns);
    }
    for (const InboundEvent& event : batch_) {
      if (event.kind == MarketEventKind::kDepthLevel &&
          (event.depth.flags & DepthLevel::kSnapshot) &&
          (event.depth.flags & DepthLevel::kFirstInMessage)) {
        ++snapshots_received_;
        resubscribing_[event.depth.instrument] = false;
      }
    }
    push_batch(slot);
  }

  void push_batch(ChannelSlot* slot) {
    if (batch_.empty()) return;
    if (producer_.try_push_bulk(batch_.data(), batch_.size())) return;
    if (slot != nullptr) slot->records_dropped.fetch_add(batch_.size(), std::memory_order_relaxed);
    for (const auto& event : batch_) {
      if (event.kind == MarketEventKind::kDepthLevel) owe_reset(event.depth.instrument);
    }
  }

  // Unsubscribes and subscribes level2 again for the products whose books the core asked to be
  // rebuilt: Coinbase answers a subscription with a snapshot. A product already waiting for
  // its snapshot is not asked again.
  void resubscribe() {
    if (stopped()) return;
    const bool streaming = state_.load() == FeedState::kStreaming;
    std::vector<std::string> products;
    for (InstrumentId id = 0; id < resync_pending_.size(); ++id) {
      if (!resync_pending_[id].load(std::memory_order_acquire)) continue;
      if (resubscribing_[id]) {
        resync_pending_[id].store(false);  // its snapshot is on its way: no other is needed
        continue;
      }
      if (!streaming) continue;  // asked once every subscription is acknowledged
      resync_pending_[id].store(false);
      resubscribing_[id] = true;
      products.emplace_back(instruments_.get(id).symbol.view());
    }
    if (products.empty()) return;
    resubscriptions_.fetch_add(products.size());
    websocket_->send(subscription("unsubscribe", "level2", products));
    websocket_->send(subscription("subscribe", "level2", products));
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
    // The books stop being kept from now: untradeable until the next connection's snapshots.
    for (const Instrument& instrument : instruments_.all()) owe_reset(instrument.id);
    flush_resets(clock_.now_ns(), FeedResetReason::kSubscribed);
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
        now_ns - connected_at_ns_ > config_.connect_timeout_ns + config_.handshake_timeout_ns +
                                        config_.subscribe_timeout_ns) {
      log_warn("market data: Coinbase did not acknowledge every subscription; reconnecting");
      return reconnect(backoff_.next());
    }
    if (state_.load() != FeedState::kStreaming) return;
    for (const auto& slot : channels_) {
      const bool watched = slot->name == "heartbeats" || slot->name == "level2";
      if (!watched) continue;
      const DurationNs limit =
          slot->name == "heartbeats" ? config_.stale_after_ns : config_.level2_stale_after_ns;
      const TimeNs last =
          std::max(slot->last_message_ns.load(std::memory_order_relaxed), subscribed_at_ns_);
      if (now_ns - last > limit) {
        ++stale_reconnects_;
        log_warn("market data: Coinbase {} silent for {} ms; reconnecting", slot->name,
                 (now_ns - last) / kNsPerMs);
        return reconnect(backoff_.next());
      }
    }
  }

  CoinbaseMarketDataConfig config_;
  const Clock& clock_;
  const InstrumentRegistry& instruments_;  // this venue's view: all() lists its products
  IoThread thread_;                        // first: the timers and clients below use its io_context
  asio::io_context& io_ = thread_.io();
  asio::ssl::context& tls_ = thread_.tls();
  asio::steady_timer reconnect_timer_;
  asio::steady_timer watchdog_timer_;
  Url ws_url_;
  std::unique_ptr<WebSocketClient> websocket_;
  std::shared_ptr<const CoinbaseSigner> signer_;
  Backoff backoff_;
  CoinbaseParser parser_;
  EventQueue<InboundEvent>::Producer producer_;
  std::vector<InboundEvent> batch_;
  std::vector<char> padded_;
  std::vector<std::unique_ptr<ChannelSlot>> channels_;
  std::vector<std::string> names_;
  std::vector<std::string> products_;  // every product subscribed
  std::vector<std::atomic<bool>> resync_pending_;
  std::vector<bool> resubscribing_;  // I/O thread: asked for a snapshot, none arrived yet
  std::vector<bool> reset_pending_;
  std::size_t resets_owed_ = 0;
  std::size_t acknowledged_ = 0;
  std::size_t subscribes_sent_ = 0;
  FrameSink sink_;
  std::atomic<FeedState> state_{FeedState::kIdle};
  TimeNs connected_at_ns_ = 0;
  TimeNs subscribed_at_ns_ = 0;
  std::atomic<std::uint64_t> connects_{0}, reconnects_{0}, stale_reconnects_{0}, unknown_frames_{0},
      resubscriptions_{0}, snapshots_received_{0}, sequence_gaps_{0}, frames_{0};
};

CoinbaseMarketDataFeed::CoinbaseMarketDataFeed(CoinbaseMarketDataConfig config,
                                               const InstrumentRegistry& instruments,
                                               EventQueue<InboundEvent>& queue, const Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(config), instruments, queue, clock)) {}

CoinbaseMarketDataFeed::~CoinbaseMarketDataFeed() = default;
void CoinbaseMarketDataFeed::set_frame_sink(FrameSink sink) {
  impl_->set_frame_sink(std::move(sink));
}
bool CoinbaseMarketDataFeed::start(std::string& error) { return impl_->start(error); }
void CoinbaseMarketDataFeed::stop() { impl_->stop(); }
void CoinbaseMarketDataFeed::request_resync(InstrumentId instrument) {
  impl_->request_resync(instrument);
}
FeedMetrics CoinbaseMarketDataFeed::metrics() const { return impl_->metrics(); }
const std::vector<std::string>& CoinbaseMarketDataFeed::channels() const {
  return impl_->channels();
}
std::uint64_t CoinbaseMarketDataFeed::sequence_gaps() const { return impl_->sequence_gaps(); }
std::uint64_t CoinbaseMarketDataFeed::resubscriptions() const { return impl_->resubscriptions(); }
std::uint64_t CoinbaseMarketDataFeed::frames_received() const { return impl_->frames_received(); }
void CoinbaseMarketDataFeed::write_metrics(MetricsExposition& out, TimeNs) const {
  write_feed_metrics(out, metrics());
}
void CoinbaseMarketDataFeed::write_status(DaemonStatus& status, TimeNs) const {
  write_feed_status(status, metrics());
}
FeedHealth CoinbaseMarketDataFeed::health() const { return feed_health(metrics()); }
std::string CoinbaseMarketDataFeed::summary() const { return feed_summary(metrics()); }

}  // namespace sigex
