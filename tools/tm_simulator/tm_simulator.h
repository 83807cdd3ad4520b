#pragma once

// A loopback Token Metrics API simulator for tests and demos. Serves, under /v2:
//   GET /trading-signals, /hourly-trading-signals, /tm-grade, /tm-grade-history,
//       /trader-grades, /tokens
// from fixture items (raw JSON objects), with the real API's v2 envelope, query parameters
// (token_id, symbol, startDate, endDate, limit <= 100, page from 1), newest-first order, and
// the 29-day date-range limit the official SDKs assume (longer ranges get a 400). The API key
// is checked in the x-api-key header. Faults are queued from any thread and each one applies
// to the next request. HTTP/1.1 keep-alive; one I/O thread on 127.0.0.1.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sigex {

enum class TmFault : std::uint8_t {
  kRateLimited,          // 429 with Retry-After: <retry_after_s>
  kRateLimitedNoHeader,  // 429 without Retry-After
  kServerError,          // 503
  kUnauthorized,         // 401
  kForbidden,            // 403
  kPaymentRequired,      // 402 with an x402 body
  kSlow,                 // the answer comes after delay_ms
  kTruncated,            // a complete HTTP message whose JSON body is cut in half
  kCutConnection,        // headers promise more body than is sent, then the socket closes
  kSuccessFalse,         // 200 {"success":false,"message":"..."}
  kWrongTypes,           // 200 with every item's signal/grade values of the wrong type
  kNotFound,             // 404 (an endpoint that was removed)
};

struct TmFaultSpec {
  TmFault fault;
  int retry_after_s = 1;
  int delay_ms = 0;
};

struct TmToken {
  std::int64_t token_id;
  std::string name;
  std::string symbol;
};

struct TmSimulatorOptions {
  std::uint16_t port = 0;  // 0: any free port
  std::string api_key = "tm-simulator-key";
  std::string key_header = "x-api-key";
  int max_range_days = 29;
};

struct TmRequestLog {
  std::string target;
  int status;
};

class TmSimulator {
 public:
  explicit TmSimulator(TmSimulatorOptions options);
  ~TmSimulator();

  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;
  std::string base_url() const;  // "http://127.0.0.1:<port>/v2"

  // Fixtures, from any thread. `item` is one JSON object as the API would send it; it must
  // carry TOKEN_ID and (except for the latest-value endpoints) DATE or TIMESTAMP.
  // Returns false (with the reason) for an item the simulator cannot index.
  bool add_item(const std::string& endpoint, const std::string& item, std::string& error);
  // Loads every item of every envelope in a recorded file ("<time_ns> <envelope>" lines).
  bool load_recorded(const std::string& endpoint, const std::string& path, std::string& error);
  // Items added from now on have their DATE / TIMESTAMP moved by `shift_ns` (the text
  // rewritten in the same shape): a fixture from 2021 served as if it were happening now.
  void set_date_shift(std::int64_t shift_ns);
  void add_token(TmToken token);

  // Faults, from any thread: each queued fault is used by exactly one request, in order.
  void inject(TmFaultSpec fault, int count = 1);
  void clear_faults();
  // Sticky: the page parameter is ignored, so every page repeats page 1.
  void set_repeat_pages(bool repeat);

  // What was asked, from any thread.
  std::uint64_t requests() const;
  std::uint64_t connections() const;
  std::vector<TmRequestLog> request_log() const;
  std::vector<std::string> keys_seen() const;  // distinct API key values received

  // Keys, as the Token Metrics dashboard manages them: options.api_key is accepted from the
  // start; more can be created, and any revoked (401 from then on). Any thread.
  void add_api_key(const std::string& key);
  void revoke_api_key(const std::string& key);
  std::uint64_t requests_with_key(const std::string& key) const;
  std::uint64_t requests_with_revoked_key() const;  // received after the key was revoked

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
