#pragma once

// The publishing half of `sigex relay`: records from the market data feeds and the Token
// Metrics poller become JetStream messages (adapters/nats/relay_wire.h), one per venue message.
//
//   market records  <market_subject>.<venue>.<SYMBOL>       in market_stream
//   signals, grades <signals_subject>.<kind>.<token id>     in signals_stream
//
// Each subject has its own sequence, from 1 in each epoch (the relay's start time): a
// subscriber that sees it jump knows it lost messages. A market message that cannot be
// published (NATS down) is dropped but still takes its sequence number, so every subscriber
// sees the gap; signals and grades are kept and retried until the stream has them. Message ids
// let JetStream drop repeats within its duplicate window: a market message's names its epoch
// and sequence, a signal's its content, so a signal polled again after a relay restart is not
// stored twice.
//
// Books: the relay keeps each instrument's book (BookSync) so it can republish it as a
// snapshot (depth records flagged kSnapshot, carrying the book's last update id) on request
// and every snapshot_interval: a late or gapped subscriber rebuilds its book from the stream.

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/nats/config.h"
#include "adapters/nats/connection.h"
#include "adapters/nats/relay_wire.h"
#include "engine/book/order_book.h"
#include "engine/core/instrument.h"
#include "engine/ports/reporting_component.h"

namespace sigex {

struct RelayCounters {
  std::uint64_t market_messages = 0;    // published (acknowledged, or still in flight)
  std::uint64_t market_dropped = 0;     // not published (NATS down or refusing): a gap downstream
  std::uint64_t signal_messages = 0;    // signals and grades published (repeats included)
  std::uint64_t signal_duplicates = 0;  // of those, dropped by JetStream as repeats
  std::uint64_t signals_pending = 0;    // waiting for NATS
  std::uint64_t snapshots = 0;
  std::uint64_t snapshot_requests = 0;  // from subscribers
  std::uint64_t failures = 0;           // publish errors
};

// Also what the relay shows its operator (`sigex ctl status`, metrics sigex_relay_*), read on
// the relay's loop thread like everything else here.
class RelayPublisher final : public ReportingComponent {
 public:
  // `venue_of[id]`: the venue name in the subjects of instrument `id`.
  RelayPublisher(const NatsConfig& config, const InstrumentRegistry& instruments,
                 std::vector<std::string> venue_of, std::uint64_t epoch);

  // The two streams (created when missing).
  bool ensure_streams(NatsConnection& nats, std::string& error);

  // One record from the inbound queue. Depth levels wait for the last level of their venue
  // message; a reset or a gap in the relay's own book is passed on. Returns true when the
  // instrument's book needs a new snapshot from the venue (the caller asks the feed).
  bool on_event(NatsConnection* nats, const InboundEvent& event);
  // Publishes the instrument's book as a snapshot if it is synced.
  void publish_snapshot(NatsConnection* nats, InstrumentId instrument, TimeNs now_ns);
  // Retries signals NATS has not taken yet.
  void flush_signals(NatsConnection* nats);

  const BookSync& book(InstrumentId instrument) const { return books_[instrument]; }
  // The connection whose state status and metrics report (set before the first report).
  void report_connection(const NatsConnection* nats) { nats_ = nats; }
  // A subscriber asked for `instrument`'s book: counted, then published.
  void snapshot_requested(NatsConnection* nats, InstrumentId instrument, TimeNs now_ns) {
    ++counters_.snapshot_requests;
    publish_snapshot(nats, instrument, now_ns);
  }
  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;
  std::uint64_t alerts() const override { return counters_.failures; }

  RelayCounters counters() const {
    RelayCounters counters = counters_;
    counters.signals_pending = pending_signals_.size();
    // Market messages are published without waiting: the server's later refusals count here.
    const std::uint64_t refused = nats_ != nullptr ? nats_->async_failures() : 0;
    counters.market_messages -= std::min(refused, counters.market_messages);
    counters.market_dropped += refused;
    counters.failures += refused;
    return counters;
  }
  const std::string& market_subject(InstrumentId instrument) const {
    return market_subjects_[instrument];
  }
  // The subject prefix of snapshot requests (<relay_subject>.snapshot), and the instrument a
  // request's subject names (nullopt: none of ours).
  std::string snapshot_request_subject() const { return config_.relay_subject + ".snapshot.>"; }
  std::optional<InstrumentId> requested(std::string_view subject) const;

 private:
  struct PendingSignal {
    std::string subject;
    std::string message_id;
    std::string data;
  };

  void publish_market(NatsConnection* nats, InstrumentId instrument, RelayMessage& message);
  void queue_signal(const InboundEvent& event);

  NatsConfig config_;
  const InstrumentRegistry& instruments_;
  std::vector<std::string> market_subjects_;  // by instrument id
  std::vector<std::uint64_t> market_sequences_;
  std::vector<BookSync> books_;
  std::vector<RelayMessage> depth_messages_;  // levels of the venue message being received
  std::map<std::string, std::uint64_t> signal_sequences_;  // by subject
  std::deque<PendingSignal> pending_signals_;
  std::uint64_t epoch_;
  const NatsConnection* nats_ = nullptr;  // reported on
  RelayCounters counters_;
  std::string buffer_;
};

}  // namespace sigex
