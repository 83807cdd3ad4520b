#pragma once

// A loopback Binance spot market data simulator for tests and demos. It serves
//  * the combined-stream websocket at /stream (SUBSCRIBE answered with {"result":null,"id":n};
//    then the recorded frames of the subscribed streams, in order), and
//  * GET /api/v3/depth?symbol=S&limit=N: a snapshot of the book exactly as far as the stream
//    has gone (the recorded snapshot plus every depth update sent since),
// from recorded files in sigex's "<receive_time_ns> <frame>" format. Faults are injected from
// any thread and take effect at the next frame. Runs its own I/O thread on 127.0.0.1.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sigex {

struct FeedSimulatorInput {
  std::string path;    // recorded file (plain or gzip)
  std::string symbol;  // symbol of the bare REST depth snapshot in the file, if any
};

struct FeedSimulatorOptions {
  std::vector<FeedSimulatorInput> inputs;
  std::uint16_t port = 0;            // 0: any free port (see port())
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

  // Faults, from any thread.
  void drop_connection();              // close the TCP connection abruptly
  void stall(bool stalled);            // stop sending and reading, keep the socket open
  void skip_depth_updates(int count);  // the next `count` depth updates are never sent
  void duplicate_next_depth_update();  // the next depth update is sent twice
  void reorder_next_depth_updates();   // the next two depth updates are sent swapped
  void send_malformed_frame();         // a truncated JSON frame
  void send_server_shutdown();         // {"e":"serverShutdown"} then close
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
