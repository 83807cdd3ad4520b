#pragma once

// A loopback Coinbase Advanced Trade trading simulator (exchange-apis.md §3.1-3.3): the
// signed REST API on 127.0.0.1 through the simulators' loopback server.
//  * Every private request must carry `Authorization: Bearer <JWT>` signed by a registered
//    key (ES256 or EdDSA), unexpired, with the uri claim "<METHOD> <host><path>"; otherwise
//    HTTP 401.
//  * POST /orders with the documented idempotent client_order_id: a repeated id creates
//    nothing and answers with the existing order. Market, sor_limit_ioc and limit_limit_gtc
//    orders match against the simulator's price (set_price); fees are charged in the quote
//    currency; an order the balance cannot pay is refused with HTTP 200 and success:false
//    (INSUFFICIENT_FUND), as Coinbase does.
//  * GET /orders/historical/{id}, /orders/historical/batch (product_ids, order_status,
//    start_date, cursor pages), /orders/historical/fills (order_ids, product_ids),
//    POST /orders/batch_cancel, GET /accounts, GET /market/products (public).
//  * x-ratelimit-limit/-remaining/-reset on every answer.
//  * The `user` channel (WebSocket, any path): subscribe with a JWT of a registered key (no
//    uri claim); a snapshot of the open orders, then an update whenever an order changes
//    (made, filled, cancelled); `heartbeats` every heartbeat_interval_us.
// Faults are queued from any thread; each is used by exactly one request it applies to.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sigex {

enum class CoinbaseTradeFault : std::uint8_t {
  kLoseAnswerAfterCreate,    // the order is made, the connection closes without an answer
  kLoseRequestBeforeCreate,  // nothing is made, the connection closes without an answer
  kServerErrorAfterCreate,   // the order is made, HTTP 503 is answered
  kRateLimited,              // HTTP 429 with x-ratelimit-remaining 0, nothing made
  kRefuseWithSuccessFalse,   // HTTP 200 {"success":false, UNKNOWN_FAILURE_REASON}
  kLagLookups,               // the next order made is missing from lists and lookups for a while
  kLagFills,                 // the next order's fills appear in /fills only after a while
};

std::string_view to_string(CoinbaseTradeFault fault);

struct CoinbaseTradingSimulatorOptions {
  std::uint16_t port = 0;
  std::vector<std::string> public_keys;  // PEM: the keys whose JWTs are accepted
  std::map<std::string, std::string> balances{{"USD", "100000"}, {"BTC", "0"}};
  std::string product_id = "BTC-USD";
  std::string price = "30000.00";
  std::string base_increment = "0.00000001";
  std::string quote_increment = "0.01";
  std::string base_min_size = "0.00001";
  std::string quote_min_size = "1";
  std::string taker_fee_rate = "0.006";
  std::int64_t lag_ms = 300;  // kLagLookups / kLagFills
  int rate_limit_per_second = 30;
  std::int64_t heartbeat_interval_us = 1'000'000;
};

class CoinbaseTradingSimulator {
 public:
  explicit CoinbaseTradingSimulator(CoinbaseTradingSimulatorOptions options);
  ~CoinbaseTradingSimulator();

  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;
  std::string url() const;  // http://127.0.0.1:<port>

  void inject(CoinbaseTradeFault fault, int count = 1);  // any thread
  std::size_t faults_pending() const;
  // The market moves: resting limit orders that the new price crosses fill at their limit.
  void set_price(const std::string& price);
  // Keys, any thread: a revoked key's tokens are refused from now on.
  // The user channel: refused (and open streams dropped) while unavailable.
  void set_user_stream_available(bool available);
  std::size_t user_streams() const;          // subscribed to `user` now
  std::uint64_t user_subscriptions() const;  // `user` subscribes accepted, ever
  // The subscribed streams whose JWT was signed by `public_key_pem` (a key rotation test).
  std::size_t user_streams_with_key(const std::string& public_key_pem) const;
  void add_key(const std::string& public_key_pem);
  void revoke_key(const std::string& public_key_pem);

  // What happened, any thread.
  std::uint64_t orders_made() const;       // distinct orders
  std::uint64_t create_requests() const;   // POST /orders received
  std::uint64_t repeated_creates() const;  // a known client_order_id: the order returned
  std::uint64_t unauthorized() const;      // requests refused for their JWT
  std::uint64_t fills() const;
  // Orders per client order id (the invariant: never above 1).
  std::map<std::string, int> orders_per_client_id() const;
  std::string balance(const std::string& currency) const;
  // A deposit or withdrawal (a decimal); the user channel does not announce it, as on
  // Coinbase: the accounts list shows it.
  void set_balance(const std::string& currency, const std::string& value);
  std::uint64_t requests() const;  // every request received
  // Waits until `count` requests were received (false after `timeout_ms`).
  bool wait_for_requests(std::uint64_t count, int timeout_ms) const;
  std::string executed_total() const;  // base size filled over every order

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
