#pragma once

// A loopback TCP relay that makes a good network bad, for tests (the fault matrix's N4 and
// N10 without `tc netem`, which needs privileges CI does not have): every chunk of bytes, in
// either direction, arrives late by a latency with jitter (order kept, as TCP keeps it),
// sometimes much later (a segment lost and sent again after the retransmission timeout), and
// sometimes the connection is reset after only part of a chunk went through (a request cut
// before, inside or after its bytes; an answer cut the same way). Put it between a venue client
// and a simulator: every REST request, websocket API call and stream frame crosses it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace sigex {

struct NetworkChaos {
  std::int64_t latency_us = 0;        // one way, each chunk
  std::int64_t jitter_us = 0;         // the latency varies by up to this, either way
  std::uint32_t stall_per_mille = 0;  // chunks held back a further stall_us
  std::int64_t stall_us = 0;
  std::uint32_t cut_per_mille = 0;  // chunks after which (a random prefix sent) the link is reset
};

class ChaosProxy {
 public:
  // Relays 127.0.0.1:<port()> to 127.0.0.1:<target_port>; `seed` makes the faults repeatable
  // for the same sequence of chunks.
  ChaosProxy(std::uint16_t target_port, std::uint32_t seed);
  ~ChaosProxy();

  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port()); }

  // Any thread: the faults for chunks read from now on (none until set).
  void set_chaos(const NetworkChaos& chaos);

  // Any thread: connections relayed, chunks held back, links reset.
  std::uint64_t connections() const { return connections_.load(); }
  std::uint64_t stalls() const { return stalls_.load(); }
  std::uint64_t cuts() const { return cuts_.load(); }

  class Impl;

 private:
  std::atomic<std::uint64_t> connections_{0}, stalls_{0}, cuts_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
