#pragma once

// The Token Metrics REST client: one keep-alive HTTPS session, the API key in a header, the
// v2 envelope checked on every page, paging until a short page, and the failure policy:
//   429, 5xx, timeouts, broken connections, malformed bodies, success:false
//       -> retried with jittered exponential backoff (Retry-After honoured when present),
//          up to max_attempts per page, then the query fails (kGaveUp);
//   401 / 403 -> the other configured key once (a rotation), then kAuthFailed: the caller
//                halts signal intake until a reload brings a key that works;
//   402       -> kPaymentRequired: quota exhausted or pay-per-call required;
//   404       -> kNotFound (an endpoint that was removed); 400 -> kBadRequest.
// A query's pages are returned all together or not at all, so nothing partial is ever
// emitted. Every request is counted in the call budget before it is sent; at 100 % no request
// is sent (kBudgetExhausted). Runs on the caller's thread. The key is never logged.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "adapters/net/backoff.h"
#include "adapters/net/http_session.h"
#include "adapters/net/key_set.h"
#include "adapters/net/waiter.h"
#include "adapters/token_metrics/call_budget.h"
#include "adapters/token_metrics/config.h"
#include "adapters/token_metrics/parse_page.h"
#include "adapters/x402/payer.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/core/secret.h"

namespace sigex {

enum class TmEndpoint : std::uint8_t {
  kTradingSignals,
  kHourlyTradingSignals,
  kTmGrade,
  kTmGradeHistory,
  kTraderGrades,
  kTokens,
  kTopMarketCapTokens,  // the top `top_k` tokens by market cap, largest first
};
std::string_view path_of(TmEndpoint endpoint);  // "trading-signals", ...
std::optional<TmEndpoint> endpoint_named(std::string_view name);
// Whether the endpoint takes startDate/endDate.
bool takes_dates(TmEndpoint endpoint);

struct TmQuery {
  TmEndpoint endpoint = TmEndpoint::kTradingSignals;
  std::vector<TokenId> token_ids;    // sent as token_id=a,b
  std::vector<std::string> symbols;  // sent as symbol=A,B (tokens endpoint)
  TimeNs start_day_ns = 0;           // with end_day_ns: startDate/endDate (inclusive UTC days)
  TimeNs end_day_ns = 0;
  // Paging also stops after a page whose oldest row is older than this (endpoints without a
  // date filter, whose rows come newest first). 0: page until a short page.
  TimeNs stop_before_ns = 0;
  int top_k = 0;  // top-market-cap-tokens: how many (<= 100)
};

enum class TmOutcome : std::uint8_t {
  kOk,
  kBudgetExhausted,
  kAuthFailed,
  kPaymentRequired,
  kNotFound,
  kBadRequest,
  kGaveUp,
  kStopped,
};
std::string_view to_string(TmOutcome outcome);

struct TmFetch {
  TmOutcome outcome = TmOutcome::kOk;
  std::string message;  // for everything but kOk; never contains the key
  std::vector<TmResponsePage> pages;
};

struct TmClientMetrics {
  std::uint64_t calls = 0;  // requests sent (each one counted in the budget)
  std::uint64_t pages_ok = 0;
  std::uint64_t rate_limited = 0;      // 429
  std::uint64_t server_errors = 0;     // 5xx
  std::uint64_t auth_failures = 0;     // 401, 403
  std::uint64_t payment_required = 0;  // 402
  std::uint64_t not_found = 0;
  std::uint64_t bad_requests = 0;
  std::uint64_t other_http_errors = 0;
  std::uint64_t timeouts = 0;
  std::uint64_t transport_errors = 0;
  std::uint64_t malformed = 0;  // bodies that are not a complete v2 envelope
  std::uint64_t success_false = 0;
  std::uint64_t repeated_pages = 0;   // a page identical to the one before: paging stopped
  std::uint64_t page_limit_hits = 0;  // max_pages reached
  std::uint64_t retries = 0;
  std::uint64_t budget_refusals = 0;
  std::uint64_t key_fail_overs = 0;    // 401/403 answered by trying the other key
  std::uint64_t payments = 0;          // x402 payments signed
  std::uint64_t payment_refusals = 0;  // 402s not paid (limits, allow-list, budget)
};

class TokenMetricsClient {
 public:
  // `budget` may be null (no budget: tests of other parts only).
  // `keys`: the API keys (shared with whoever reloads them); each request takes the one in
  // use, and a 401/403 makes the next request of the same page use the other once.
  TokenMetricsClient(const TokenMetricsConfig& config, std::shared_ptr<KeySet> keys,
                     CallBudget* budget, const Clock& clock, Waiter& waiter,
                     boost::asio::ssl::context& tls);
  ~TokenMetricsClient();

  // Validates the base URL; false with the reason otherwise.
  bool valid(std::string& error) const;
  // access = "x402": requests carry x-coinbase-402 (and no key); a 402 is paid once through
  // `payer` and the request sent again with X-PAYMENT. A payment the payer refuses ends the
  // query: kBudgetExhausted (over budget: later) or kPaymentRequired (never).
  void set_payer(X402Payer* payer) { payer_ = payer; }

  TmFetch fetch(const TmQuery& query);

  const TmClientMetrics& metrics() const { return metrics_; }
  std::uint64_t connects() const;

  // The request target of one page (no key in it: the key travels in a header).
  std::string target_of(const TmQuery& query, int page) const;

 private:
  enum class Attempt { kPage, kRetry, kFatal };
  Attempt classify(const HttpResponse& response, TmResponsePage& page, TmFetch& result,
                   DurationNs& wait_ns);

  const TokenMetricsConfig& config_;
  std::shared_ptr<KeySet> keys_;
  X402Payer* payer_ = nullptr;
  CallBudget* budget_;
  const Clock& clock_;
  Waiter& waiter_;
  std::optional<Url> base_;
  std::string base_path_;
  std::unique_ptr<HttpSession> session_;
  Backoff backoff_;
  TmPageReader page_reader_;
  TmClientMetrics metrics_;
};

// Splits [from_day, to_day] (inclusive UTC days) into windows of at most `window_days` days,
// oldest first.
std::vector<std::pair<TimeNs, TimeNs>> split_date_range(TimeNs from_day_ns, TimeNs to_day_ns,
                                                        int window_days);

}  // namespace sigex
