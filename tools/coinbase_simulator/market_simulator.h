#pragma once

// A loopback Coinbase Advanced Trade market data simulator for tests and demos: the websocket
// of advanced-trade-ws.coinbase.com (exchange-apis.md §3.4) on 127.0.0.1, through the
// simulators' loopback server (tools/sim_http).
//  * subscribe / unsubscribe, one channel per message: heartbeats, level2, ticker,
//    market_trades; each answered with a `subscriptions` message listing what the connection
//    holds; a level2 subscription starts with a `snapshot` of each product's book;
//  * a connection that subscribes to nothing within subscribe_deadline_us is closed, as
//    Coinbase closes one after 5 s;
//  * every message carries the connection's sequence_num (0, 1, 2, ...), heartbeats carry
//    heartbeat_counter;
//  * a subscribe may carry no JWT (the public channels need none); one that carries a JWT
//    must have it signed by a registered key (when any is), unexpired, without a uri claim;
//    otherwise an {"type":"error","message":"authentication failure"} answer;
//  * the market is a seeded random walk of each product's book (updates with absolute
//    new_quantity, "0" removing a level), ticker after each update and trades at the touch.
//  * GET /api/v3/brokerage/market/products: each product's trading rules (quote increment
//    0.01, base increment 0.00000001, minimum size 0.00001, minimum value 1), online.
// Faults are queued from any thread; each is used by exactly one message, in order.

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sigex {

enum class CoinbaseFeedFault : std::uint8_t {
  kDropConnection,  // the TCP connection closes abruptly
  kSkipMessage,     // the next market message is never sent; its sequence_num is used up
  kSkipHeartbeat,   // the next heartbeat is never sent; its counter is used up
  kMalformedFrame,  // the next market message is cut in the middle
  kIgnoreSubscribe  // the next subscribe is not acknowledged (nor served)
};

std::string_view to_string(CoinbaseFeedFault fault);

struct CoinbaseProduct {
  std::string product_id = "BTC-USD";
  std::int64_t mid_cents = 3'000'000;  // 30000.00
  int levels = 20;                     // per side
};

struct CoinbaseMarketSimulatorOptions {
  std::vector<CoinbaseProduct> products{CoinbaseProduct{}};
  std::uint16_t port = 0;
  std::uint64_t seed = 1;
  std::int64_t update_interval_us = 1000;  // one level2 update (and ticker) per interval
  std::int64_t heartbeat_interval_us = 1'000'000;
  std::int64_t subscribe_deadline_us = 5'000'000;
  int trade_every = 5;                   // a trade every n updates
  std::vector<std::string> public_keys;  // PEM; empty: subscriptions need no JWT
};

class CoinbaseMarketSimulator {
 public:
  explicit CoinbaseMarketSimulator(CoinbaseMarketSimulatorOptions options);
  ~CoinbaseMarketSimulator();

  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;
  std::string url() const;  // ws://127.0.0.1:<port>

  void inject(CoinbaseFeedFault fault, int count = 1);  // any thread
  std::size_t faults_pending() const;
  void stall(bool stalled);  // sticky: nothing is sent (the socket stays open)

  // Progress, any thread.
  std::uint64_t messages_sent() const;
  std::uint64_t connections() const;
  std::uint64_t subscribes() const;
  std::uint64_t unsubscribes() const;
  std::uint64_t snapshots_sent() const;
  std::uint64_t jwt_refusals() const;
  std::uint64_t signed_subscribes() const;  // subscribes accepted with a valid JWT
  std::uint64_t updates() const;            // level2 updates generated
  // The book of a product as the simulator holds it now: price text -> size text, per side.
  std::map<std::string, std::string> book(std::string_view product_id, bool bids) const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace sigex
