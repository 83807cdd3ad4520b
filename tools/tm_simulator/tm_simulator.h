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
  // x402 (options.x402.enabled), each for the next request that needs a payment:
  kX402Malformed,         // 402 whose requirements are not x402 JSON
  kX402ForeignPayTo,      // 402 asking to pay another address than options.x402.pay_to
  kX402SettlementFailed,  // a valid payment whose settlement fails: 402 again, nothing served
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

// Pay-per-call as Token Metrics serves it with x402 v1 (token-metrics-api.md §6): a request
// with x-coinbase-402 and no X-PAYMENT gets 402 and the requirements; X-PAYMENT is verified as
// a facilitator would (scheme, network, payTo, amount, validity window, unused nonce, and the
// EIP-3009 signature recovered to the payer), then the answer carries X-PAYMENT-RESPONSE.
struct TmX402Options {
  bool enabled = false;
  std::int64_t price = 10'000;  // atomic units a call (0.01 USDC)
  std::string pay_to = "0x7d6c00b1bb2d7fbc3e1e6c4e8f4c42a1a2b3c4d5";
  std::string asset = "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913";  // USDC on Base
  std::string network = "base";
  std::string token_name = "USD Coin";
  std::string token_version = "2";
};

struct TmPayment {
  std::string payer, to, nonce, transaction, target;
  std::int64_t value = 0;
  bool settled = false;
};

struct TmSimulatorOptions {
  std::uint16_t port = 0;  // 0: any free port
  std::string api_key = "tm-simulator-key";
  std::string key_header = "x-api-key";
  int max_range_days = 29;
  TmX402Options x402;
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

  // x402: every payment presented (verified or not refused as malformed), in order.
  std::vector<TmPayment> payments() const;
  void set_x402_price(std::int64_t price);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
