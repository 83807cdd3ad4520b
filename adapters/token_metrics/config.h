#pragma once

// Configuration of the Token Metrics client and signal poller ([token_metrics] in the TOML
// file). The API key is never part of the configuration: only where to find it.

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/net/http_session.h"
#include "adapters/net/key_set.h"
#include "adapters/x402/config.h"
#include "engine/core/secret.h"
#include "engine/core/time.h"

namespace sigex {

// One polled endpoint. Polls happen at every `interval` boundary (UTC) plus `offset`, so that
// an hourly signal published at HH:00 is fetched at HH:00 + offset; and once at start-up.
struct TmPollConfig {
  bool enabled = true;
  DurationNs interval_ns = kNsPerHour;
  DurationNs offset_ns = 5 * kNsPerMinute;
  DurationNs lookback_ns = 3 * kNsPerDay;  // how far back each poll asks
  // How long after its date a row is taken as published (see adapters/recorded/
  // publication_schedule.h): its period by default, so a daily row dated D is known at D+1
  // 00:00 (then at the next poll), an hourly row dated H at H+1h. 0 = known at its date,
  // which is look-ahead for Token Metrics' rows: only an explicit choice.
  DurationNs publication_delay_ns = kNsPerDay;
};

// How calls are paid for: the plan's API key, or each call over x402 (no key).
enum class TmAccess : std::uint8_t { kApiKey, kX402 };

struct TokenMetricsConfig {
  bool enabled = false;
  TmAccess access = TmAccess::kApiKey;
  X402Config x402;  // [token_metrics.x402], for access = "x402"
  std::string base_url = "https://api.tokenmetrics.com/v2";
  std::string key_header = "x-api-key";
  SecretSource api_key{"token-metrics-api-key", "", "SIGEX_TM_API_KEY", "Token Metrics API key"};
  // During a rotation: the key that replaces it. A 401/403 on one key makes the client try the
  // other once before intake halts; both are read again at each reload.
  SecretSource next_api_key{"", "", "", "Token Metrics next API key"};
  std::string tls_ca_file;  // extra CA (tests, corporate proxies); the system store is always used
  HttpTimeouts timeouts{5 * kNsPerSecond, 5 * kNsPerSecond, 20 * kNsPerSecond};

  int page_limit = 100;  // rows per page (the API's maximum)
  int max_pages = 50;    // per query; more means something is wrong (pages that repeat)
  int window_days = 29;  // longest date range per request (the SDKs' "29-day limit")

  std::int64_t monthly_call_budget = 10'000;  // the Advanced plan; calls/month, UTC months
  int budget_warn_percent = 80;

  int max_attempts = 5;  // per page, for 429, 5xx, timeouts, malformed bodies, success:false
  DurationNs backoff_initial_ns = kNsPerSecond;
  DurationNs backoff_max_ns = 60 * kNsPerSecond;
  DurationNs max_retry_after_ns = 600 * kNsPerSecond;  // longer Retry-After values are capped
  std::uint64_t random_seed = 0;                       // 0: random jitter

  TmPollConfig daily_signals{true, kNsPerHour, 5 * kNsPerMinute, 3 * kNsPerDay, kNsPerDay};
  TmPollConfig hourly_signals{false, kNsPerHour, 2 * kNsPerMinute, 6 * kNsPerHour, kNsPerHour};
  TmPollConfig grades{true, kNsPerHour, 5 * kNsPerMinute, 3 * kNsPerDay, kNsPerDay};
  std::string grade_endpoint = "tm-grade";  // "tm-grade" (latest) or "trader-grades" (legacy)
  bool resolve_tokens = true;  // look up token ids for instruments without one via /tokens
};

// The key slots of `config` (current, then next) for load_keys().
inline std::vector<KeySlot> token_metrics_key_slots(const TokenMetricsConfig& config) {
  return {{"current", config.api_key, true}, {"next", config.next_api_key, false}};
}

}  // namespace sigex
