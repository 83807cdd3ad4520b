#include "adapters/nats/relay_publisher.h"

#include <utility>

#include <fmt/format.h>

#include "engine/logging/log.h"

namespace sigex {
namespace {

std::string_view signal_kind(const InboundEvent& event) {
  if (event.kind == MarketEventKind::kTradingSignal) {
    return event.trading_signal.timeframe == SignalTimeframe::kHourly ? "trading_signal_hourly"
                                                                      : "trading_signal_daily";
  }
  switch (event.grade.kind) {
    case GradeKind::kTraderGrade:
      return "trader_grade";
    case GradeKind::kTmGrade:
      return "tm_grade";
    case GradeKind::kInvestorGrade:
      return "investor_grade";
  }
  return "grade";
}

}  // namespace

RelayPublisher::RelayPublisher(const NatsConfig& config, const InstrumentRegistry& instruments,
                               std::vector<std::string> venue_of, std::uint64_t epoch)
    : config_(config),
      instruments_(instruments),
      market_sequences_(instruments.size(), 0),
      books_(instruments.size()),
      depth_messages_(instruments.size()),
      epoch_(epoch) {
  for (InstrumentId id = 0; id < instruments.size(); ++id) {
    market_subjects_.push_back(fmt::format("{}.{}.{}", config.market_subject, venue_of[id],
                                           instruments.get(id).symbol.view()));
  }
}

bool RelayPublisher::ensure_streams(NatsConnection& nats, std::string& error) {
  return nats.ensure_stream(config_.market_stream, {config_.market_subject + ".>"},
                            config_.duplicate_window_ns, config_.market_max_age_ns, error) &&
         nats.ensure_stream(config_.signals_stream, {config_.signals_subject + ".>"},
                            config_.duplicate_window_ns, config_.signals_max_age_ns, error);
}

std::optional<InstrumentId> RelayPublisher::requested(std::string_view subject) const {
  const std::string prefix = config_.relay_subject + ".snapshot.";
  if (!subject.starts_with(prefix)) return std::nullopt;
  const std::string_view market = subject.substr(prefix.size());  // <venue>.<SYMBOL>
  for (InstrumentId id = 0; id < market_subjects_.size(); ++id) {
    if (std::string_view(market_subjects_[id]).substr(config_.market_subject.size() + 1) == market)
      return id;
  }
  return std::nullopt;
}

bool RelayPublisher::on_event(NatsConnection* nats, const InboundEvent& event) {
  switch (event.kind) {
    case MarketEventKind::kTradingSignal:
    case MarketEventKind::kGrade:
      queue_signal(event);
      flush_signals(nats);
      return false;
    case MarketEventKind::kDepthLevel: {
      const DepthLevel& level = event.depth;
      RelayMessage& message = depth_messages_[level.instrument];
      if (level.flags & DepthLevel::kFirstInMessage) message.events.clear();
      message.events.push_back(event);
      const bool resync = books_[level.instrument].on_level(level);
      if (level.flags & DepthLevel::kLastInMessage) {
        message.kind = MarketEventKind::kDepthLevel;
        message.receive_time_ns = level.receive_time_ns;
        publish_market(nats, level.instrument, message);
        message.events.clear();
      }
      return resync;
    }
    case MarketEventKind::kMarketDataReset: {
      // Subscribers drop their books as the relay drops its own, and rebuild from the venue's
      // next snapshot, which comes through the stream like any depth record.
      RelayMessage message{
          MarketEventKind::kMarketDataReset, 0, 0, event.reset.receive_time_ns, {event}};
      publish_market(nats, event.reset.instrument, message);
      return books_[event.reset.instrument].invalidate();
    }
    case MarketEventKind::kBestBidOffer:
    case MarketEventKind::kTrade:
    case MarketEventKind::kBar:
    case MarketEventKind::kMarkPrice:
    case MarketEventKind::kFundingRate: {
      RelayMessage message{event.kind, 0, 0, event.receive_time_ns(), {event}};
      publish_market(nats, record_instrument(event), message);
      return false;
    }
  }
  return false;
}

void RelayPublisher::publish_snapshot(NatsConnection* nats, InstrumentId instrument,
                                      TimeNs now_ns) {
  const BookSync& sync = books_[instrument];
  if (sync.status() != BookStatus::kSynced) return;
  RelayMessage message{MarketEventKind::kDepthLevel, 0, 0, now_ns, {}};
  for (const Side side : {Side::kBuy, Side::kSell}) {
    for (std::size_t i = 0; i < sync.book().depth(side); ++i) {
      const BookLevel& book_level = sync.book().level(side, i);
      InboundEvent event;
      event.kind = MarketEventKind::kDepthLevel;
      event.depth = DepthLevel{instrument,
                               side,
                               DepthLevel::kSnapshot,
                               0,
                               now_ns,
                               book_level.price,
                               book_level.quantity,
                               sync.last_update_id(),
                               sync.last_update_id(),
                               0};
      message.events.push_back(event);
    }
  }
  if (message.events.empty()) {
    InboundEvent event;
    event.kind = MarketEventKind::kDepthLevel;
    event.depth = DepthLevel{instrument,
                             Side::kBuy,
                             DepthLevel::kSnapshot | DepthLevel::kEmpty,
                             0,
                             now_ns,
                             Price{},
                             Quantity{},
                             sync.last_update_id(),
                             sync.last_update_id(),
                             0};
    message.events.push_back(event);
  }
  message.events.front().depth.flags |= DepthLevel::kFirstInMessage;
  message.events.back().depth.flags |= DepthLevel::kLastInMessage;
  ++counters_.snapshots;
  publish_market(nats, instrument, message);
}

void RelayPublisher::publish_market(NatsConnection* nats, InstrumentId instrument,
                                    RelayMessage& message) {
  message.epoch = epoch_;
  message.sequence = ++market_sequences_[instrument];
  message.price_scale = static_cast<std::uint8_t>(instruments_.get(instrument).price_scale);
  message.quantity_scale = static_cast<std::uint8_t>(instruments_.get(instrument).quantity_scale);
  if (nats == nullptr || !nats->connected()) {
    ++counters_.market_dropped;  // the sequence moved on: subscribers see the gap
    return;
  }
  encode_relay_message(message, buffer_);
  std::string error;
  // Not waited for: the relay loop goes on at once (a refusal later is counted by the
  // connection, and is a gap for the subscribers like any lost message).
  if (!nats->publish_async(market_subjects_[instrument], buffer_,
                           fmt::format("{}.{}", epoch_, message.sequence), error)) {
    ++counters_.market_dropped;
    ++counters_.failures;
    log_warn("relay: {}", error);
    return;
  }
  ++counters_.market_messages;
}

void RelayPublisher::queue_signal(const InboundEvent& event) {
  const bool signal = event.kind == MarketEventKind::kTradingSignal;
  const TokenId token = signal ? event.trading_signal.token_id : event.grade.token_id;
  const TimeNs venue_time = signal ? event.trading_signal.venue_time_ns : event.grade.venue_time_ns;
  PendingSignal pending;
  pending.subject = fmt::format("{}.{}.{}", config_.signals_subject, signal_kind(event), token);
  // The signal's identity: the same signal polled again (a relay restart) is a repeat.
  pending.message_id =
      fmt::format("{}.{}.{}", signal_kind(event), token, venue_time) +
      (signal ? fmt::format(".{}.{}", event.trading_signal.signal, event.trading_signal.trend)
              : fmt::format(".{}", event.grade.hundredths));
  RelayMessage message{
      event.kind, epoch_, ++signal_sequences_[pending.subject], event.receive_time_ns(), {event}};
  encode_relay_message(message, pending.data);
  pending_signals_.push_back(std::move(pending));
}

void RelayPublisher::flush_signals(NatsConnection* nats) {
  while (!pending_signals_.empty() && nats != nullptr && nats->connected()) {
    const PendingSignal& pending = pending_signals_.front();
    bool duplicate = false;
    std::string error;
    if (!nats->publish(pending.subject, pending.data, pending.message_id, {}, duplicate, error)) {
      ++counters_.failures;
      log_warn("relay: {} (kept, retried)", error);
      break;
    }
    ++counters_.signal_messages;
    if (duplicate) ++counters_.signal_duplicates;
    pending_signals_.pop_front();
  }
}

void RelayPublisher::write_metrics(MetricsExposition& out, TimeNs) const {
  const RelayCounters c = counters();
  const auto count = [](std::uint64_t value) { return static_cast<double>(value); };
  out.single("sigex_relay_nats_connected", "gauge", "1 while the relay is connected to NATS.",
             nats_ != nullptr && nats_->connected() ? 1 : 0);
  out.single("sigex_relay_nats_disconnects_total", "counter",
             "Times the relay lost its NATS connection.",
             count(nats_ != nullptr ? nats_->disconnects() : 0));
  out.single("sigex_relay_market_messages_total", "counter",
             "Market messages published (one per venue message).", count(c.market_messages));
  out.single("sigex_relay_market_dropped_total", "counter",
             "Market messages not published (NATS away): each is a gap subscribers resync on.",
             count(c.market_dropped));
  out.single("sigex_relay_signal_messages_total", "counter",
             "Signals and grades published (repeats included).", count(c.signal_messages));
  out.single("sigex_relay_signal_duplicates_total", "counter",
             "Of those, repeats JetStream dropped within its duplicate window.",
             count(c.signal_duplicates));
  out.single("sigex_relay_signals_pending", "gauge",
             "Signals and grades waiting for NATS to take them.", count(c.signals_pending));
  out.single("sigex_relay_snapshots_total", "counter", "Book snapshots published.",
             count(c.snapshots));
  out.single("sigex_relay_snapshot_requests_total", "counter",
             "Book snapshots subscribers asked for.", count(c.snapshot_requests));
  out.single("sigex_relay_publish_failures_total", "counter", "Publish errors (logged).",
             count(c.failures));
}

void RelayPublisher::write_status(DaemonStatus& status, TimeNs) const {
  const RelayCounters c = counters();
  status.relay = DaemonStatus::Relay{};
  DaemonStatus::Relay& relay = *status.relay;
  relay.nats_url = config_.url;
  relay.nats_connected = nats_ != nullptr && nats_->connected();
  relay.nats_disconnects = nats_ != nullptr ? nats_->disconnects() : 0;
  relay.epoch = epoch_;
  relay.instruments = instruments_.size();
  relay.market_messages = c.market_messages;
  relay.market_dropped = c.market_dropped;
  relay.signal_messages = c.signal_messages;
  relay.signal_duplicates = c.signal_duplicates;
  relay.signals_pending = c.signals_pending;
  relay.snapshots = c.snapshots;
  relay.snapshot_requests = c.snapshot_requests;
  relay.failures = c.failures;
}

}  // namespace sigex
