#pragma once

// A loopback Binance spot or USD-M perpetuals REST simulator for execution tests: signed endpoints
// checked like Binance does (X-MBX-APIKEY, HMAC-SHA256 signature over query + body, timestamp
// within recvWindow), newClientOrderId unique among *open* orders only (so a blind resend of a
// filled order trades twice, as on Binance), market and limit orders matched against a set price,
// FULL answers with fills, rate-limit headers. Faults are queued and each applies to the next
// order request, including the ones that make an outcome unknown: the order is placed and
// then the answer is a 5xx, -1007, -2010, a cut or reset connection or comes too late.
// Resting limit orders fill when set_price() crosses them; every fill is a trade with its own
// id, listed by GET /api/v3/myTrades, reflected in the account's balances and reported on the
// user data stream.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/money.h"

namespace sigex {

enum class ExchangeFault : std::uint8_t {
  kServerErrorBeforePlacing,    // 503, the order never reaches the book
  kServerErrorAfterPlacing,     // the order is placed, the answer is 503
  kBackendTimeoutAfterPlacing,  // placed, answer 400 -1007 "execution status unknown"
  kSlowAfterPlacing,            // placed, the answer comes after delay_ms
  kCutAfterPlacing,             // placed, the connection closes without an answer
  kRateLimited,                 // 429 -1003 with Retry-After, not placed
  kBanned,                      // 418 with Retry-After, not placed
  kTimestampRejected,           // 400 -1021, not placed
  kResetBeforePlacing,          // the connection is reset as the request arrives; not placed
  kResetAfterPlacing,           // placed, then the connection is reset without an answer
  kDuplicateAfterPlacing,       // placed, the answer is 400 -2010 "Duplicate order sent."
  kFalseDuplicate,              // not placed, yet the answer is 400 -2010 "Duplicate order sent."
  kRejectRetryable,  // not placed, 400 -1000 "An unknown error occurred" (a retry may pass)
};

// The fault's name as written above without its k ("ServerErrorBeforePlacing"): test names.
std::string_view to_string(ExchangeFault fault);

// Where the simulated exchange charges commissions, as Binance spot does: by default in the
// asset received (a buy pays in the base asset bought, a sell in the quote asset), in the
// quote asset always, or in BNB (the account's "pay fees with BNB" option).
enum class SimFeeAsset : std::uint8_t { kReceived, kQuote, kBnb };

// Which Binance API the simulator serves. USD-M (../shared/reference/binance-usdm-futures.md):
// /fapi paths, one-way positions with cross margin (-2019 "Margin is insufficient." when the
// initial margin of every position with the order's would exceed wallet + unrealised PnL),
// reduceOnly (-2022 when it would not shrink the position; a larger one fills the position and
// the rest expires), -4116 for a client id of an open order, RESULT answers without fills[],
// userTrades, positionRisk, the income list (funding), leverage / marginType / position mode,
// and a listenKey user stream at ws://127.0.0.1:<port>/private/ws/<listenKey> with
// ORDER_TRADE_UPDATE, ACCOUNT_UPDATE (FUNDING_FEE) and listenKeyExpired. Commissions in USDT.
enum class SimMarket : std::uint8_t { kSpot, kUsdm };

struct ExchangeSimulatorOptions {
  SimMarket market = SimMarket::kSpot;
  std::uint16_t port = 0;
  std::string api_key = "sim-api-key";
  std::string secret = "sim-secret";
  std::string exchange_info_path;     // served at /api/v3/exchangeInfo
  std::int64_t server_offset_ms = 0;  // the exchange's clock minus ours
  int retry_after_s = 30;             // Retry-After of 429 answers (418: four times as long)
  SimFeeAsset fee_asset = SimFeeAsset::kQuote;
  std::int64_t fee_bps = 10;             // commission: 0.1 % of the trade
  Money bnb_price{600LL * 100'000'000};  // BNBUSDT, for fees paid in BNB
  std::map<std::string, Money> balances{{"USDT", Money{100'000LL * 100'000'000}}};  // at start
  bool check_balances = true;  // -2010 "Account has insufficient balance" as Binance answers
};

struct SimOrderView {
  bool found = false;
  std::string status;
  std::int64_t order_id = 0;
  Quantity executed{0};
};

class ExchangeSimulator {
 public:
  explicit ExchangeSimulator(ExchangeSimulatorOptions options);
  ~ExchangeSimulator();

  bool start(std::string& error);
  void stop();
  std::string base_url() const;  // http://127.0.0.1:<port>

  void set_price(const std::string& symbol, Price price);  // market orders fill here
  void inject(ExchangeFault fault, int delay_ms = 0);
  // The next order placed is invisible to its first `lookups` lookups (-2013), as a lookup
  // that lags behind the matching engine.
  void inject_lookup_lag(int lookups);
  // The next order placed is invisible to GET /api/v3/order and allOrders for `ms`
  // milliseconds (its trades and the balances show it at once).
  void inject_lookup_lag_ms(int ms);
  // Answers every request with 418 (banned, Retry-After) until `seconds` have passed.
  void ban_for(int seconds);
  // Every order hidden by a lookup lag becomes visible now.
  void end_lookup_lag();
  // A deposit or withdrawal (8 decimals), announced on the user data streams as Binance does
  // (spot: balanceUpdate and outboundAccountPosition; USD-M: ACCOUNT_UPDATE DEPOSIT/WITHDRAW).
  // Every balance change of a fill or a resting order is announced the same way.
  void set_balance(const std::string& asset, std::int64_t amount);
  void set_server_offset_ms(std::int64_t offset_ms);     // the exchange's clock moves
  std::int64_t balance(const std::string& asset) const;  // free + locked, 8 decimals
  // Order requests received within the last `window_ms` (a storm shows here).
  std::uint64_t order_requests_within(int window_ms) const;
  // Places an order as another program on the same account would (the history shows it).
  void place_foreign(const std::string& symbol, const std::string& client_order_id,
                     Quantity quantity);

  std::uint64_t orders_placed() const;   // orders that reached the book
  std::uint64_t order_requests() const;  // POST /api/v3/order received
  std::uint64_t signature_failures() const;
  // The account's API keys, as Binance's API management page handles them: options.api_key is
  // there from the start; more can be created, any revoked (-2015 from then on, and the user
  // data streams opened with it end). Signed requests, listenKey and WebSocket API calls count.
  void add_api_key(const std::string& key, const std::string& secret);
  void revoke_api_key(const std::string& key);
  std::uint64_t requests_with_key(const std::string& key) const;
  std::uint64_t requests_with_revoked_key() const;  // received after the key was revoked
  // User data streams open now that were opened (subscribed, or listenKey asked) with `key`.
  std::size_t streams_with_key(const std::string& key) const;
  SimOrderView order(const std::string& client_order_id) const;  // the latest with that id
  // How many orders were placed with this client id (more than one = traded twice).
  int orders_with_id(const std::string& client_order_id) const;
  Quantity executed_total(const std::string& symbol) const;  // over every order placed
  std::uint64_t trades() const;
  int max_orders_per_id() const;

  // User data stream (WebSocket API at ws://127.0.0.1:<port>/ws-api/v3, method
  // userDataStream.subscribe.signature): an executionReport for every order change.
  void duplicate_next_reports(int count);  // each of the next `count` reports is sent twice
  void reorder_next_reports();             // the next two reports are sent swapped
  void lose_next_reports(int count);       // the next `count` reports are never sent
  void drop_user_streams();                // subscribers' connections are dropped abruptly
  // false: drops the subscribers and refuses new subscriptions (503) until true again.
  void set_user_stream_available(bool available);
  std::uint64_t reports_sent() const;
  bool wait_for_subscriptions(std::uint64_t count,
                              int timeout_ms) const;  // 1 when no client id was ever placed twice
  std::uint64_t requests() const;                     // every request received

  // USD-M only.
  // Funding at `rate` (1e-8: 10'000 = 0.01 %) and `mark`: paid by longs when positive.
  void settle_funding(const std::string& symbol, std::int64_t rate, Price mark);
  void liquidate(const std::string& symbol);  // the venue closes the position itself
  void expire_listen_key();                   // listenKeyExpired; the key is gone (-1125)
  void set_hedge_mode(bool hedge);            // dualSidePosition
  std::int64_t position(const std::string& symbol) const;  // signed, 8 decimals
  int leverage(const std::string& symbol) const;
  std::string margin_type(const std::string& symbol) const;  // "" until set
  std::uint64_t listen_key_keepalives() const;
  std::uint64_t funding_payments() const;
  // Blocks until `count` requests were received, or `timeout_ms` passes; false on timeout.
  bool wait_for_requests(std::uint64_t count, int timeout_ms) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
