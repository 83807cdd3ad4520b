#pragma once

// An engine's market data from `sigex relay` instead of the venue ([market_data] source =
// "nats"): one feed per venue, over that venue's instruments, reading the relay's subjects
// (<market_subject>.<venue>.<SYMBOL>) with a JetStream ordered consumer from the next message
// on, and handing the records to the core exactly as the venue's own feed would.
//
// Books and gaps, as with a websocket: at start and after every gap each instrument gets a
// MarketDataReset (its book is invalid, the instrument untradeable) and a snapshot request to
// the relay, which answers on the same subject, in order with the updates. A gap is a jump in
// the relay's sequence of the subject, a new relay epoch (the relay restarted), a lost
// connection to NATS, or records the core's queue could not take. request_resync() from the
// core sends a snapshot request too. Everything runs on the client's one delivery thread, the
// feed's only producer on the queue.

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "adapters/nats/config.h"
#include "adapters/nats/connection.h"
#include "adapters/nats/relay_wire.h"
#include "adapters/net/feed_metrics.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"
#include "engine/queue/event_queue.h"

namespace sigex {

class NatsMarketDataFeed final : public MarketDataFeed {
 public:
  NatsMarketDataFeed(const NatsConfig& config, std::string venue,
                     const InstrumentRegistry& instruments, EventQueue<InboundEvent>& queue,
                     const Clock& clock);
  ~NatsMarketDataFeed() override;

  // `sigex record` from the relay: each relay message as one line ({"relay":subject,
  // "data":base64}, adapters/nats/relay_frame.h), which a backtest replays.
  void set_frame_sink(FrameSink sink) override { frame_sink_ = std::move(sink); }
  bool start(std::string& error) override;
  void stop() override;
  FeedHealth health() const override;
  std::string summary() const override;
  void request_resync(InstrumentId instrument) override;
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;

  // Gaps seen (sequence jumps, new epochs, reconnections, records dropped), for tests and
  // metrics.
  std::uint64_t gaps() const { return gaps_.load(std::memory_order_relaxed); }

 private:
  struct Subject {
    InstrumentId instrument = 0;
    RelaySequence sequence;
    bool scale_refused = false;  // told the operator once
    bool reset_pending = true;   // a MarketDataReset is owed to the core
    std::unique_ptr<StreamCounters> counters;
  };

  void on_message(std::string_view subject, std::string_view data);  // delivery thread
  bool push_reset(Subject& subject, FeedResetReason reason);         // delivery thread
  void ask_snapshot(InstrumentId instrument);
  Subject* find(std::string_view subject);
  FeedMetrics metrics() const;

  NatsConfig config_;
  std::string venue_;
  const InstrumentRegistry& instruments_;
  EventQueue<InboundEvent>& queue_;
  const Clock& clock_;
  std::unique_ptr<EventQueue<InboundEvent>::Producer> producer_;  // the delivery thread's
  std::unique_ptr<NatsConnection> nats_;
  // Looked up by subject for every message: hashed, with string_view keys.
  struct SubjectHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::vector<Subject> subjects_;
  std::unordered_map<std::string, std::size_t, SubjectHash, std::equal_to<>> subject_index_;
  std::uint64_t disconnects_seen_ = 0;  // delivery thread
  FrameSink frame_sink_;
  std::atomic<FeedState> state_{FeedState::kIdle};
  std::atomic<std::uint64_t> gaps_{0};
  std::atomic<std::uint64_t> snapshots_requested_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> unknown_messages_{0};
};

}  // namespace sigex
