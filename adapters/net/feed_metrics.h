#pragma once

// What every market data feed reports, whatever its venue: its connection state, its counters
// per stream, and their Prometheus families, `ctl status` fields and closing summary.

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/time.h"
#include "engine/metrics/exposition.h"
#include "engine/ports/market_data_feed.h"
#include "engine/status/daemon_status.h"

namespace sigex {

enum class FeedState : std::uint8_t {
  kIdle,
  kConnecting,
  kSubscribing,
  kStreaming,
  kBackingOff,
  kStopped
};
std::string_view to_string(FeedState state);

struct StreamMetrics {
  std::string name;  // e.g. "btcusdt@depth@100ms"
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t parse_errors = 0;
  std::uint64_t records_dropped = 0;    // queue full
  DurationNs last_message_age_ns = -1;  // -1: nothing received on this connection yet
};

// One stream's counters, written by the feed's I/O thread and read by any thread: relaxed
// atomics, no locks.
struct StreamCounters {
  std::string name;
  std::atomic<std::uint64_t> messages{0};
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> parse_errors{0};
  std::atomic<std::uint64_t> records_dropped{0};
  std::atomic<TimeNs> last_message_ns{0};

  void received(std::size_t size, TimeNs now_ns) {
    messages.fetch_add(1, std::memory_order_relaxed);
    bytes.fetch_add(size, std::memory_order_relaxed);
    last_message_ns.store(now_ns, std::memory_order_relaxed);
  }
  StreamMetrics snapshot(TimeNs now_ns) const {
    StreamMetrics stream;
    stream.name = name;
    stream.messages = messages.load(std::memory_order_relaxed);
    stream.bytes = bytes.load(std::memory_order_relaxed);
    stream.parse_errors = parse_errors.load(std::memory_order_relaxed);
    stream.records_dropped = records_dropped.load(std::memory_order_relaxed);
    const TimeNs last = last_message_ns.load(std::memory_order_relaxed);
    stream.last_message_age_ns = last == 0 ? -1 : std::max<DurationNs>(0, now_ns - last);
    return stream;
  }
};

struct FeedMetrics {
  FeedState state = FeedState::kIdle;
  std::uint64_t connects = 0;
  std::uint64_t reconnects = 0;
  std::uint64_t stale_reconnects = 0;
  std::uint64_t server_shutdowns = 0;
  std::uint64_t scheduled_reconnects = 0;
  std::uint64_t unknown_frames = 0;
  std::uint64_t snapshots_requested = 0;
  std::uint64_t snapshots_received = 0;
  std::uint64_t snapshot_failures = 0;
  std::vector<StreamMetrics> streams;
};

// The Prometheus families and the closing summary of a feed's counters (one feed, or several
// routes merged).
void write_feed_metrics(MetricsExposition& out, const FeedMetrics& metrics);
std::string feed_summary(const FeedMetrics& metrics);
void write_feed_status(DaemonStatus& status, const FeedMetrics& metrics);
FeedHealth feed_health(const FeedMetrics& metrics);

}  // namespace sigex
