#pragma once

// The signed Binance REST client, spot or USD-M (config.market picks the paths): server time,
// exchange info, new order, cancel, query by client order id, open orders, account history;
// the spot account, or the USD-M position mode, margin type, leverage, positions and funding. One
// keep-alive session on the caller's thread. Every signed request carries X-MBX-APIKEY, `timestamp`
// (our clock corrected by the measured server offset) and `recvWindow`; the signature is computed
// over exactly the bytes sent. Order requests are never retried here: an answer that is not
// definite comes back as OrderOutcome::kUnknown and the OMS resolves it by asking for the order by
// its client id. Rate-limit headers feed the tracker; a request the tracker refuses is not sent.

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "adapters/binance/config.h"
#include "adapters/binance/order_body.h"
#include "adapters/binance/parse_order_report.h"
#include "adapters/binance/rest_outcome.h"
#include "adapters/binance/signer.h"
#include "adapters/net/http_session.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/core/secret.h"

namespace sigex {

struct OrderCall {
  OrderAnswer answer;
  std::optional<VenueOrderReport> report;  // when the answer was 200 and readable
  bool sent = true;                        // false: refused locally (rate limit, clock), not sent
};

// An API key and the signer of its secret: always taken and replaced together, so no request
// is ever signed with one key pair and sent with the other.
struct BinanceCredentials {
  Secret api_key;
  std::unique_ptr<RequestSigner> signer;
  std::string fingerprint;  // of the API key
};

class BinanceRestClient {
 public:
  BinanceRestClient(const BinanceRestConfig& config, Secret api_key,
                    std::unique_ptr<RequestSigner> signer, const Clock& clock,
                    boost::asio::ssl::context& tls);

  // Any thread: the key pair requests are signed with from now on. A request already being
  // built or sent finishes with the pair it started with.
  void rotate(Secret api_key, std::unique_ptr<RequestSigner> signer);
  // Any thread: the pair in use (a request keeps its copy until it is answered).
  std::shared_ptr<const BinanceCredentials> credentials() const;
  // Pairs replaced by rotate() that a request still holds (0: the old key may be revoked).
  std::size_t retiring() const;

  // https://, or http:// to a loopback host only.
  bool valid(std::string& error) const;

  // Measures the clock offset (GET /api/v3/time); false with the reason.
  bool sync_clock(std::string& error);
  HttpResponse exchange_info();
  HttpResponse account();
  HttpResponse open_orders(std::string_view symbol);
  HttpResponse my_trades(std::string_view symbol, VenueOrderId order_id);
  // The account's trades / orders on `symbol` within [start_ms, end_ms] (at most 24 hours
  // apart, as Binance requires), oldest first, at most 1000.
  HttpResponse my_trades_between(std::string_view symbol, std::int64_t start_ms,
                                 std::int64_t end_ms);
  HttpResponse all_orders_between(std::string_view symbol, std::int64_t start_ms,
                                  std::int64_t end_ms);
  // GET /api/v3/ticker/price?symbol= (unsigned).
  HttpResponse ticker_price(std::string_view symbol);
  // USD-M only (../shared/reference/binance-usdm-futures.md §3.4): the position mode
  // ({"dualSidePosition":false} is one-way), margin type and leverage of a symbol (set at
  // start-up), the positions (GET /fapi/v3/positionRisk) and the funding payments received or
  // paid within [start_ms, end_ms] (GET /fapi/v1/income?incomeType=FUNDING_FEE).
  HttpResponse position_mode();
  HttpResponse set_margin_type(std::string_view symbol, std::string_view margin_type);
  HttpResponse set_leverage(std::string_view symbol, int leverage);
  HttpResponse position_risk();
  // GET /fapi/v3/balance: each asset's wallet balance.
  HttpResponse futures_balance();
  HttpResponse funding_income(std::int64_t start_ms, std::int64_t end_ms);
  BinanceMarket market() const { return config_.market; }
  const BinanceRestConfig& config() const { return config_; }
  // Start-up: a request the budget refuses (left over from an earlier run in the same
  // window) waits for the window to end instead of failing; a ban still refuses.
  void set_starting(bool starting) { starting_ = starting; }

  OrderCall new_order(const OrderCommand& command, const Instrument& instrument);
  OrderCall query_order(std::string_view symbol, std::string_view client_order_id);
  OrderCall cancel_order(std::string_view symbol, std::string_view client_order_id);

  // The signed form body of a new order at `timestamp_ms` (what new_order sends; the query
  // string is empty), written into `body` from the order's template (order_body.h). Reusing
  // `body` allocates nothing once the order's shape has been seen. Same thread as new_order.
  void new_order_body(const OrderCommand& command, const Instrument& instrument,
                      std::int64_t timestamp_ms, std::string& body);

  // Any thread: {"id":..,"method":"userDataStream.subscribe.signature","params":{apiKey,
  // timestamp, recvWindow, signature}} for the WebSocket API.
  std::string user_stream_subscribe_request(std::string_view id) const;

  ClockSkewGuard& clock_guard() { return clock_guard_; }
  RateLimitTracker& rate_limits() { return rate_limits_; }

 private:
  HttpResponse send(HttpSession::Method method, const std::string& path, const std::string& query,
                    const std::string& body, std::int64_t weight, bool is_order,
                    const BinanceCredentials& credentials);
  OrderCall order_call(HttpSession::Method method, const std::string& path, QueryString params,
                       std::int64_t weight);
  // The answer of an order request (new, query, cancel), classified.
  OrderCall order_answer(const HttpResponse& response);
  std::int64_t timestamp_ms() const;
  // A signed GET of `path` for `symbol` within [start_ms, end_ms], 1000 rows at most.
  HttpResponse history_between(const BinanceEndpoint& endpoint, std::string_view symbol,
                               std::int64_t start_ms, std::int64_t end_ms);
  // A signed request of `path` with `params` (recvWindow and timestamp added), signed and
  // sent with one key pair.
  HttpResponse signed_request(HttpSession::Method method, const std::string& path,
                              QueryString params, std::int64_t weight, bool is_order = false);

  BinanceRestConfig config_;
  const BinanceEndpoints& endpoints_;
  mutable std::mutex credentials_mutex_;
  std::shared_ptr<const BinanceCredentials> credentials_;
  mutable std::vector<std::weak_ptr<const BinanceCredentials>> retired_;
  const Clock& clock_;
  std::optional<Url> base_;
  std::unique_ptr<HttpSession> session_;
  ClockSkewGuard clock_guard_;
  RateLimitTracker rate_limits_;
  std::atomic<bool> starting_{false};  // set by the starting thread, read by the venue's I/O thread
  NewOrderBodies order_bodies_;        // used by new_order and new_order_body only
  std::string order_body_;             // reused by every new_order
};

}  // namespace sigex
