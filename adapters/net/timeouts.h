#pragma once

// Connection timeouts of the HTTP and WebSocket clients, kept apart from the clients so that a
// venue's config.h can name them without pulling in Boost.

#include "engine/core/time.h"

namespace sigex {

struct HttpTimeouts {
  DurationNs connect_ns = 5 * kNsPerSecond;    // resolve + TCP connect
  DurationNs handshake_ns = 5 * kNsPerSecond;  // TLS
  DurationNs request_ns = 15 * kNsPerSecond;   // write the request and read the whole response
};

struct WebSocketTimeouts {
  DurationNs connect_ns = 10 * kNsPerSecond;    // resolve + TCP connect
  DurationNs handshake_ns = 10 * kNsPerSecond;  // TLS + websocket handshakes
  DurationNs idle_ns = 30 * kNsPerSecond;       // no traffic at all: ping, then close
};

}  // namespace sigex
