#pragma once

// A loopback Binance spot market data simulator for tests and demos. It serves
//  * the combined-stream websocket at /stream (SUBSCRIBE answered with {"result":null,"id":n};
//    then the recorded frames of the subscribed streams, in order), and
//  * GET /api/v3/depth?symbol=S&limit=N: a snapshot of the book exactly as far as the stream
//    has gone (the recorded snapshot plus every depth update sent since),
// from recorded files in sigex's "<receive_time_ns> <frame>" format, through the simulators'
// loopback server (tools/sim_http) on 127.0.0.1. Faults are queued from any thread and each
// is used by exactly one frame, in order (a depth-update fault waits for the next depth
// update of the stream).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sigex {

enum class FeedFault : std::uint8_t {
  kDropConnection,        // the TCP connection closes abruptly
  kSkipDepthUpdate,       // the next depth update is never sent
  kDuplicateDepthUpdate,  // the next depth update is sent twice
  kReorderDepthUpdates,   // the next two depth updates of a stream are sent swapped
  kMalformedFrame,        // a truncated JSON frame
  kServerShutdown,        // {"e":"serverShutdown"}, then the connection closes
};

// The fault's name without its k ("DropConnection"): test names.
std::string_view to_string(FeedFault fault);

struct FeedSimulatorInput {
  std::string path;    // recorded file (plain or gzip)
  std::string symbol;  // symbol of the bare REST depth snapshot in the file, if any
};

struct FeedSimulatorOptions {
  std::vector<FeedSimulatorInput> inputs;
  std::uint16_t port = 0;              // 0: any free port (see port())
  std::int64_t frame_interval_us = 0;  // pause between frames; 0 = as fast as the client reads
};

class FeedSimulator {
 public:
  explicit FeedSimulator(FeedSimulatorOptions options);
  ~FeedSimulator();

  // Loads the inputs and starts listening; false with the reason otherwise.
  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;

  // Faults, from any thread: each queued fault is used by exactly one frame, in order.
  void inject(FeedFault fault, int count = 1);
  std::size_t faults_pending() const;
  // Sticky settings, from any thread.
  void stall(bool stalled);  // stop sending (reads go on), keep the socket open
  void set_frame_interval_us(std::int64_t microseconds);  // change the pace while streaming

  // Progress, from any thread.
  std::uint64_t frames_sent() const;
  std::uint64_t connections() const;
  std::uint64_t snapshots_served() const;
  bool finished() const;  // every recorded frame of the current connection was sent

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
