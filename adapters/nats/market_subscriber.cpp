#include "adapters/nats/market_subscriber.h"

#include <fmt/format.h>

#include "adapters/nats/relay_frame.h"
#include "adapters/nats/relay_wire.h"
#include "engine/logging/log.h"

namespace sigex {

NatsMarketDataFeed::NatsMarketDataFeed(const NatsConfig& config, std::string venue,
                                       const InstrumentRegistry& instruments,
                                       EventQueue<InboundEvent>& queue, const Clock& clock)
    : config_(config),
      venue_(std::move(venue)),
      instruments_(instruments),
      queue_(queue),
      clock_(clock) {
  for (const Instrument& instrument : instruments.all()) {
    Subject subject;
    subject.instrument = instrument.id;
    subject.counters = std::make_unique<StreamCounters>();
    subject.counters->name =
        fmt::format("{}.{}.{}", config.market_subject, venue_, instrument.symbol.view());
    subject_index_.emplace(subject.counters->name, subjects_.size());
    subjects_.push_back(std::move(subject));
  }
}

NatsMarketDataFeed::~NatsMarketDataFeed() { stop(); }

bool NatsMarketDataFeed::start(std::string& error) {
  state_.store(FeedState::kConnecting);
  nats_ = NatsConnection::connect(config_, error);
  if (nats_ == nullptr) {
    state_.store(FeedState::kIdle);
    return false;
  }
  producer_ = std::make_unique<EventQueue<InboundEvent>::Producer>(queue_);
  state_.store(FeedState::kSubscribing);
  const std::string subjects = fmt::format("{}.{}.*", config_.market_subject, venue_);
  if (!nats_->subscribe_stream(
          config_.market_stream, subjects, false,
          [this](std::string_view subject, std::string_view data) { on_message(subject, data); },
          error)) {
    nats_.reset();
    state_.store(FeedState::kIdle);
    return false;
  }
  // Nothing before this moment is delivered: every book starts from a relayed snapshot.
  for (const Subject& subject : subjects_) ask_snapshot(subject.instrument);
  state_.store(FeedState::kStreaming);
  log_info("market data: {} from the relay ({} on {})", venue_, subjects, config_.url);
  return true;
}

void NatsMarketDataFeed::stop() {
  if (nats_) nats_->close();  // waits for the delivery thread's last message, which uses nats_
  nats_.reset();
  if (state_.load() != FeedState::kIdle) state_.store(FeedState::kStopped);
}

NatsMarketDataFeed::Subject* NatsMarketDataFeed::find(std::string_view name) {
  const auto found = subject_index_.find(name);
  return found == subject_index_.end() ? nullptr : &subjects_[found->second];
}

void NatsMarketDataFeed::ask_snapshot(InstrumentId instrument) {
  if (nats_ == nullptr) return;
  const Instrument& named = instruments_.get(instrument);
  std::string error;
  if (!nats_->publish_core(
          fmt::format("{}.snapshot.{}.{}", config_.relay_subject, venue_, named.symbol.view()), "",
          error)) {
    log_warn("market data: snapshot request for {}: {}", named.symbol.view(), error);
    return;
  }
  snapshots_requested_.fetch_add(1, std::memory_order_relaxed);
}

void NatsMarketDataFeed::request_resync(InstrumentId instrument) { ask_snapshot(instrument); }

bool NatsMarketDataFeed::push_reset(Subject& subject, FeedResetReason reason) {
  InboundEvent event;
  event.kind = MarketEventKind::kMarketDataReset;
  event.reset = MarketDataReset{subject.instrument, reason, clock_.now_ns()};
  if (!producer_->try_push(event)) return false;
  subject.reset_pending = false;
  return true;
}

void NatsMarketDataFeed::on_message(std::string_view name, std::string_view data) {
  Subject* subject = find(name);
  if (subject == nullptr) {
    unknown_messages_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const TimeNs now_ns = clock_.now_ns();
  subject->counters->received(data.size(), now_ns);
  if (frame_sink_) frame_sink_(now_ns, relay_frame(name, data));
  // A lost connection to NATS: any book may have missed what the relay published meanwhile.
  if (const std::uint64_t disconnects = nats_->disconnects(); disconnects != disconnects_seen_) {
    disconnects_seen_ = disconnects;
    reconnects_.fetch_add(1, std::memory_order_relaxed);
    for (Subject& each : subjects_) {
      if (!each.sequence.following()) continue;
      each.sequence.forget();
      each.reset_pending = true;
      gaps_.fetch_add(1, std::memory_order_relaxed);
      ask_snapshot(each.instrument);
    }
  }
  auto message = decode_relay_message(data);
  if (!message) {
    if (subject->counters->parse_errors.fetch_add(1, std::memory_order_relaxed) == 0)
      log_error("market data: {} from the relay: {}", name, message.error());
    return;
  }
  if (const std::string mismatch =
          relay_scale_mismatch(*message, instruments_.get(subject->instrument));
      !mismatch.empty()) {
    // Never traded on: the instrument waits, without a book, for a relay configured alike.
    subject->counters->parse_errors.fetch_add(1, std::memory_order_relaxed);
    if (!std::exchange(subject->scale_refused, true))
      log_error("ALERT market data: {}: refused: {}", name, mismatch);
    return;
  }
  const RelaySequence::Step step = subject->sequence.accept(*message);
  if (step == RelaySequence::Step::kNewEpoch) {
    log_warn(
        "market data: {}: a new relay epoch (the relay restarted): book reset, snapshot requested",
        name);
  } else if (step == RelaySequence::Step::kGap) {
    log_warn("market data: {}: the relay's sequence jumped to {}: book reset, snapshot requested",
             name, message->sequence);
  }
  if (step == RelaySequence::Step::kNewEpoch || step == RelaySequence::Step::kGap) {
    gaps_.fetch_add(1, std::memory_order_relaxed);
    subject->reset_pending = true;
    ask_snapshot(subject->instrument);
  }
  const FeedResetReason reason = step == RelaySequence::Step::kFirst
                                     ? FeedResetReason::kSubscribed
                                     : FeedResetReason::kSequenceGap;
  for (InboundEvent& event : message->events) set_record_instrument(event, subject->instrument);
  if ((subject->reset_pending && !push_reset(*subject, reason)) ||
      !producer_->try_push_bulk(message->events.data(), message->events.size())) {
    // The core is behind: what it missed leaves its book behind too.
    subject->counters->records_dropped.fetch_add(message->events.size(), std::memory_order_relaxed);
    if (!subject->reset_pending) {
      subject->reset_pending = true;
      gaps_.fetch_add(1, std::memory_order_relaxed);
      ask_snapshot(subject->instrument);
    }
  }
}

FeedMetrics NatsMarketDataFeed::metrics() const {
  FeedMetrics metrics;
  metrics.state = state_.load();
  metrics.connects = nats_ != nullptr ? 1 : 0;
  metrics.reconnects = reconnects_.load(std::memory_order_relaxed);
  metrics.unknown_frames = unknown_messages_.load(std::memory_order_relaxed);
  metrics.snapshots_requested = snapshots_requested_.load(std::memory_order_relaxed);
  const TimeNs now_ns = clock_.now_ns();
  for (const Subject& subject : subjects_)
    metrics.streams.push_back(subject.counters->snapshot(now_ns));
  return metrics;
}

FeedHealth NatsMarketDataFeed::health() const { return feed_health(metrics()); }
std::string NatsMarketDataFeed::summary() const { return feed_summary(metrics()); }
void NatsMarketDataFeed::write_metrics(MetricsExposition& out, TimeNs) const {
  write_feed_metrics(out, metrics());
}
void NatsMarketDataFeed::write_status(DaemonStatus& status, TimeNs) const {
  write_feed_status(status, metrics());
}

}  // namespace sigex
