#pragma once

// The port of a live market data feed (one venue's public streams): it connects on its own
// I/O threads, puts plain records on the core's inbound queue, repairs books when the core
// asks (MarketDataControl) and reports its own metrics and status (ReportingComponent).
// `sigex run` and `sigex record` use any feed through this port only.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "engine/core/time.h"
#include "engine/ports/market_data_control.h"
#include "engine/ports/reporting_component.h"

namespace sigex {

struct FeedHealth {
  bool streaming = false;  // connected, subscribed and receiving
  std::string_view state;  // "streaming", "connecting", ... for progress lines
  std::uint64_t reconnects = 0;
};

class MarketDataFeed : public MarketDataControl, public ReportingComponent {
 public:
  // Every raw frame (websocket message or REST snapshot) with its receive time, on the feed's
  // thread: what `sigex record` writes.
  using FrameSink = std::function<void(TimeNs receive_time_ns, std::string_view frame)>;

  virtual void set_frame_sink(FrameSink sink) = 0;  // before start()
  // Starts the I/O threads; false with the reason when the configuration cannot work.
  virtual bool start(std::string& error) = 0;
  virtual void stop() = 0;
  virtual FeedHealth health() const = 0;  // any thread
  // What the feed did, for `sigex record`'s closing summary: "<connections and snapshots>)"
  // then one "\n  <stream> ..." line per stream.
  virtual std::string summary() const = 0;
};

}  // namespace sigex
