#include "adapters/nats/signal_subscriber.h"

#include <thread>

#include <fmt/format.h>

#include "adapters/nats/relay_frame.h"
#include "adapters/nats/relay_wire.h"
#include "engine/logging/log.h"

namespace sigex {

NatsSignalSubscriber::NatsSignalSubscriber(const NatsConfig& config,
                                           const InstrumentRegistry& instruments,
                                           EventQueue<InboundEvent>& queue, const Clock& clock)
    : config_(config), instruments_(instruments), queue_(queue), clock_(clock) {}

NatsSignalSubscriber::~NatsSignalSubscriber() { stop(); }

bool NatsSignalSubscriber::start(std::string& error) {
  nats_ = NatsConnection::connect(config_, error);
  if (nats_ == nullptr) return false;
  producer_ = std::make_unique<EventQueue<InboundEvent>::Producer>(queue_);
  if (!nats_->subscribe_stream(
          config_.signals_stream, config_.signals_subject + ".>", true,
          [this](std::string_view subject, std::string_view data) { on_message(subject, data); },
          error)) {
    nats_.reset();
    return false;
  }
  log_info("signals: from the relay ({}.> on {}, from the stream's start)", config_.signals_subject,
           config_.url);
  return true;
}

void NatsSignalSubscriber::stop() {
  if (nats_) nats_->close();  // the delivery thread's last message first
  nats_.reset();
}

bool NatsSignalSubscriber::connected() const { return nats_ != nullptr && nats_->connected(); }

void NatsSignalSubscriber::on_message(std::string_view subject, std::string_view data) {
  if (frame_sink_) frame_sink_(clock_.now_ns(), relay_frame(subject, data));
  auto message = decode_relay_message(data);
  if (!message || (message->kind != MarketEventKind::kTradingSignal &&
                   message->kind != MarketEventKind::kGrade)) {
    if (refused_.fetch_add(1, std::memory_order_relaxed) == 0) {
      log_error("signals: {} from the relay: {}", subject,
                message ? "not a signal or a grade" : message.error());
    }
    return;
  }
  for (InboundEvent& event : message->events) {
    const Instrument* instrument = instruments_.find_by_token(record_token(event));
    if (instrument == nullptr) {
      not_ours_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    set_record_instrument(event, instrument->id);
    // Signals are few and must not be lost: wait for the core to make room.
    while (!producer_->try_push(event)) {
      if (dropped_.fetch_add(1, std::memory_order_relaxed) == 0)
        log_warn("signals: the core's queue is full; waiting to hand on signals from the relay");
      std::this_thread::yield();
    }
    received_.fetch_add(1, std::memory_order_relaxed);
    last_received_ns_.store(clock_.now_ns(), std::memory_order_relaxed);
  }
}

void NatsSignalSubscriber::write_metrics(MetricsExposition& out, TimeNs) const {
  out.single("sigex_relay_signals_connected", "gauge",
             "1 while the signal subscriber is connected to NATS", connected() ? 1 : 0);
  out.single("sigex_relay_signals_received_total", "counter",
             "signals and grades from the relay handed to the core (the gate drops repeats)",
             static_cast<double>(received_.load(std::memory_order_relaxed)));
  out.single("sigex_relay_signals_not_traded_total", "counter",
             "signals and grades from the relay for tokens this engine does not trade",
             static_cast<double>(not_ours_.load(std::memory_order_relaxed)));
  out.single("sigex_relay_signals_refused_total", "counter",
             "messages on the signal subjects that are not this build's relay records",
             static_cast<double>(refused_.load(std::memory_order_relaxed)));
}

void NatsSignalSubscriber::write_status(DaemonStatus& status, TimeNs) const {
  status.signals_source =
      fmt::format("relay over NATS ({}), {} received", connected() ? "connected" : "NOT connected",
                  received_.load(std::memory_order_relaxed));
}

}  // namespace sigex
