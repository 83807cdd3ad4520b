#pragma once

// Configuration of the signal webhook ([signals.webhook] in the TOML file): an HTTP endpoint
// that accepts one signed signal per request. The secrets are never part of the
// configuration: only where to find them.

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/net/key_set.h"
#include "engine/core/secret.h"
#include "engine/core/time.h"

namespace sigex {

struct WebhookConfig {
  bool enabled = false;
  // ADDRESS:PORT. Loopback unless allow_remote (then TLS, or a reverse proxy on the same host
  // that terminates it, is the operator's choice; the README shows both).
  std::string listen = "127.0.0.1:8089";
  bool allow_remote = false;
  std::string tls_certificate_file;  // both set: HTTPS; neither: plain HTTP
  std::string tls_key_file;
  // HMAC-SHA256 secrets: the current one and, during a rotation, the next; a request signed
  // with either is accepted.
  SecretSource secret{"sigex-webhook-secret", "", "SIGEX_WEBHOOK_SECRET", "webhook secret"};
  SecretSource next_secret{"", "", "", "webhook next secret"};
  DurationNs max_clock_skew_ns = 300 * kNsPerSecond;  // the timestamp's window, either way
  std::size_t max_body_bytes = 4096;
  int requests_per_minute = 60;  // per source address; a burst of as many is allowed
  // Accepted signals are kept (with their nonce) this long: redelivered after a restart, and
  // their nonces refused. At least twice the clock skew window.
  DurationNs retention_ns = 7 * kNsPerDay;
};

inline std::vector<KeySlot> webhook_key_slots(const WebhookConfig& config) {
  return {{"current", config.secret, true}, {"next", config.next_secret, false}};
}

}  // namespace sigex
