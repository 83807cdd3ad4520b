#pragma once

// An engine's Token Metrics signals and grades from `sigex relay` ([signals] source = "nats"):
// the relay's signals stream read from its first message on every start (a JetStream ordered
// consumer), each record handed to the core with this engine's id of the instrument of its
// token. Exactly once per engine across restarts is the signal gate's work, as with polling:
// it journals every signal before the strategies see it and drops what it has seen, so reading
// the stream again from the start loses nothing (a signal that arrived while the engine was
// down is there) and repeats nothing. The stream keeps signals_max_age_days.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "adapters/nats/config.h"
#include "adapters/nats/connection.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/ports/reporting_component.h"
#include "engine/queue/event_queue.h"

namespace sigex {

class NatsSignalSubscriber final : public ReportingComponent {
 public:
  NatsSignalSubscriber(const NatsConfig& config, const InstrumentRegistry& instruments,
                       EventQueue<InboundEvent>& queue, const Clock& clock);
  ~NatsSignalSubscriber() override;

  // `sigex record` from the relay: each message as one line (adapters/nats/relay_frame.h).
  using FrameSink = std::function<void(TimeNs receive_time_ns, std::string_view frame)>;
  void set_frame_sink(FrameSink sink) { frame_sink_ = std::move(sink); }

  bool start(std::string& error);
  void stop();
  bool connected() const;

  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;

  std::uint64_t received() const { return received_.load(std::memory_order_relaxed); }

 private:
  void on_message(std::string_view subject, std::string_view data);  // delivery thread

  NatsConfig config_;
  const InstrumentRegistry& instruments_;
  EventQueue<InboundEvent>& queue_;
  const Clock& clock_;
  std::unique_ptr<EventQueue<InboundEvent>::Producer> producer_;  // the delivery thread's
  std::unique_ptr<NatsConnection> nats_;
  FrameSink frame_sink_;
  std::atomic<std::uint64_t> received_{0};
  std::atomic<std::uint64_t> not_ours_{0};  // tokens this engine does not trade
  std::atomic<std::uint64_t> refused_{0};   // not a relay message of this build
  std::atomic<std::uint64_t> dropped_{0};   // the queue stayed full
  std::atomic<TimeNs> last_received_ns_{0};
};

}  // namespace sigex
