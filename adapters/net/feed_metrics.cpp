#include "adapters/net/feed_metrics.h"

#include <array>

#include <fmt/format.h>

namespace sigex {

std::string_view to_string(FeedState state) {
  switch (state) {
    case FeedState::kIdle:
      return "idle";
    case FeedState::kConnecting:
      return "connecting";
    case FeedState::kSubscribing:
      return "subscribing";
    case FeedState::kStreaming:
      return "streaming";
    case FeedState::kBackingOff:
      return "backing_off";
    case FeedState::kStopped:
      return "stopped";
  }
  return "?";
}

void write_feed_metrics(MetricsExposition& out, const FeedMetrics& feed_metrics) {
  out.single("sigex_feed_connected", "gauge", "1 while the market data websocket is streaming.",
             feed_metrics.state == FeedState::kStreaming ? 1 : 0);
  out.single("sigex_feed_connects_total", "counter", "Market data connections made.",
             static_cast<double>(feed_metrics.connects));
  out.single("sigex_feed_reconnects_total", "counter", "Market data reconnections (any cause).",
             static_cast<double>(feed_metrics.reconnects));
  out.single("sigex_feed_stale_reconnects_total", "counter",
             "Reconnections because a stream went silent.",
             static_cast<double>(feed_metrics.stale_reconnects));
  out.single("sigex_feed_snapshot_failures_total", "counter",
             "Depth snapshots that could not be fetched.",
             static_cast<double>(feed_metrics.snapshot_failures));
  struct Column {
    const char* name;
    const char* type;
    const char* help;
    double (*value)(const StreamMetrics&);
  };
  static constexpr std::array<Column, 5> kColumns = {{
      {"sigex_feed_messages_total", "counter",
       "Messages received per stream (rate() gives messages/s).",
       [](const StreamMetrics& s) { return static_cast<double>(s.messages); }},
      {"sigex_feed_bytes_total", "counter", "Bytes received per stream.",
       [](const StreamMetrics& s) { return static_cast<double>(s.bytes); }},
      {"sigex_feed_parse_errors_total", "counter", "Frames that failed to parse per stream.",
       [](const StreamMetrics& s) { return static_cast<double>(s.parse_errors); }},
      {"sigex_feed_records_dropped_total", "counter",
       "Records dropped because the inbound queue was full.",
       [](const StreamMetrics& s) { return static_cast<double>(s.records_dropped); }},
      {"sigex_feed_last_message_age_seconds", "gauge",
       "Age of the newest message per stream (-1: none yet).",
       [](const StreamMetrics& s) {
         return s.last_message_age_ns < 0 ? -1.0 : static_cast<double>(s.last_message_age_ns) / 1e9;
       }},
  }};
  for (const Column& column : kColumns) {
    out.family(column.name, column.type, column.help);
    for (const StreamMetrics& stream : feed_metrics.streams)
      out.sample(column.name, label("stream", stream.name), column.value(stream));
  }
}

void write_feed_status(DaemonStatus& status, const FeedMetrics& feed) {
  status.market_data_state = std::string(to_string(feed.state));
  status.feed_connects = feed.connects;
  status.feed_reconnects = feed.reconnects;
}

FeedHealth feed_health(const FeedMetrics& feed) {
  return {feed.state == FeedState::kStreaming, to_string(feed.state), feed.reconnects};
}

std::string feed_summary(const FeedMetrics& metrics) {
  std::string text = fmt::format(
      "{} connects, {} reconnects ({} stale, {} serverShutdown, {} scheduled), {} snapshots)",
      metrics.connects, metrics.reconnects, metrics.stale_reconnects, metrics.server_shutdowns,
      metrics.scheduled_reconnects, metrics.snapshots_received);
  for (const auto& stream : metrics.streams) {
    text += fmt::format("\n  {:<28} {:>9} messages {:>12} bytes {:>5} parse errors", stream.name,
                        stream.messages, stream.bytes, stream.parse_errors);
  }
  return text;
}

}  // namespace sigex
