#pragma once

// [nats]: where the NATS server with JetStream is, how sigex proves who it is, and the streams
// it uses. Loopback and no credentials by default; a `tls://` URL (with `ca_file` for a private
// CA) and a `.creds` file (NKey seed and user JWT, `nsc generate creds`) for anything else.

#include <cstdint>
#include <string>

#include "engine/core/time.h"

namespace sigex {

struct NatsConfig {
  bool present = false;                       // the file has a [nats] section
  std::string url = "nats://127.0.0.1:4222";  // several: comma-separated
  std::string credentials_file;               // .creds (user JWT + NKey seed); "" = none
  std::string ca_file;                        // PEM CA for tls:// servers; "" = the system's
  std::string engine;  // this engine's name in subjects; "" = its journal identity
  // [service] publish_events: the journal's orders, fills, account events and positions.
  std::string events_stream = "SIGEX_EVENTS";
  std::string events_subject = "sigex.events";        // <events_subject>.<engine>.<kind>
  DurationNs duplicate_window_ns = 2 * kNsPerMinute;  // JetStream drops a repeated message id
  DurationNs events_max_age_ns = 30 * kNsPerDay;      // the stream keeps events this long
  DurationNs poll_interval_ns = 200 * kNsPerMs;       // how often the journal is read
  DurationNs connect_timeout_ns = 2 * kNsPerSecond;

  // `sigex relay` and its subscribers: market records on <market_subject>.<venue>.<SYMBOL>
  // in market_stream, Token Metrics signals and grades on <signals_subject>.<kind>.<token id>
  // in signals_stream, snapshot requests on <relay_subject>.snapshot.<venue>.<SYMBOL>.
  std::string market_stream = "SIGEX_MARKET";
  std::string market_subject = "sigex.market";
  std::string signals_stream = "SIGEX_SIGNALS";
  std::string signals_subject = "sigex.signals";
  std::string relay_subject = "sigex.relay";
  DurationNs market_max_age_ns = kNsPerHour;       // market records are for the live moment
  DurationNs signals_max_age_ns = 30 * kNsPerDay;  // signals: an engine down for days catches up
  DurationNs snapshot_interval_ns = 10 * kNsPerSecond;  // every book republished this often
};

}  // namespace sigex
