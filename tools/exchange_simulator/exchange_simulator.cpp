#include "tools/exchange_simulator/exchange_simulator.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/binance/signer.h"
#include "engine/core/decimal.h"
#include "tools/sim_http/loopback_http_server.h"

namespace sigex {
namespace {

struct SimTrade {
  std::uint64_t id = 0;
  Price price{0};
  Quantity quantity{0};
  Money commission{0};
  std::string commission_asset = "USDT";
  bool maker = false;
  std::int64_t time_ms = 0;
};

struct SimOrder {
  std::int64_t order_id = 0;
  std::string symbol, client_order_id, side, type, time_in_force, status;
  Price price{0};
  Quantity quantity{0}, executed{0};
  Money quote{0};
  std::vector<SimTrade> trades;
  std::int64_t time_ms = 0;
  int hidden_lookups = 0;            // lookups that still answer -2013
  std::int64_t visible_from_ms = 0;  // before this, lookups and the history do not show it
  bool reduce_only = false;          // USD-M
  Money realised{0};                 // USD-M: realised PnL of its last trade
  bool open() const { return status == "NEW" || status == "PARTIALLY_FILLED"; }
};

// A USD-M position (one-way mode): signed amount and average entry price.
struct SimPosition {
  std::int64_t amount = 0;  // 8 decimals, + long, - short
  Price entry{0};
};

struct SimIncome {
  std::string symbol;
  std::int64_t amount = 0;  // 8 decimals, + received
  std::int64_t time_ms = 0;
  std::uint64_t tran_id = 0;
};

std::int64_t sign_of(std::int64_t value) { return value > 0 ? 1 : value < 0 ? -1 : 0; }

std::string base_asset(const std::string& symbol) {
  return symbol.size() > 4 && symbol.ends_with("USDT") ? symbol.substr(0, symbol.size() - 4)
                                                       : symbol;
}

SimReply ok(std::string body) {
  SimReply reply;
  reply.body = std::move(body);
  return reply;
}

SimReply error(int status, int code, std::string_view message) {
  SimReply reply;
  reply.status = status;
  reply.body = fmt::format(R"({{"code":{},"msg":"{}"}})", code, message);
  return reply;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

class ExchangeSimulator::Impl {
 public:
  explicit Impl(ExchangeSimulatorOptions options)
      : options_(std::move(options)),
        server_("exchange simulator", options_.port,
                [this](const SimRequest& request) { return handle(request); }) {
    balances.clear();
    for (const auto& [asset, amount] : options_.balances) balances[asset] = amount.raw;
    api_keys[options_.api_key] = options_.secret;
  }

  bool start(std::string& error_text) {
    if (!options_.exchange_info_path.empty()) {
      std::ifstream in(options_.exchange_info_path);
      if (!in) {
        error_text = "cannot read " + options_.exchange_info_path;
        return false;
      }
      std::stringstream text;
      text << in.rdbuf();
      exchange_info_ = text.str();
    }
    SimWebSocketHandlers handlers;
    handlers.on_message = [this](SimSocketId socket, std::string_view message) {
      on_websocket_message(socket, message);
    };
    handlers.on_closed = [this](SimSocketId socket) { on_websocket_closed(socket); };
    handlers.on_open = [this](SimSocketId socket, std::string_view target) {
      on_websocket_open(socket, target);
    };
    server_.set_websocket_handlers(std::move(handlers));
    return server_.start(error_text);
  }
  void stop() { server_.stop(); }
  std::uint16_t port() const { return server_.port(); }

  mutable std::mutex mutex;
  mutable std::condition_variable requests_changed;
  std::uint64_t requests = 0;
  std::map<std::string, Price> prices;
  std::deque<std::pair<ExchangeFault, int>> faults;
  std::vector<SimOrder> orders;
  std::uint64_t placed = 0, order_requests = 0, signature_failures = 0;
  // API keys of the account: key -> secret; revoked keys answer -2015.
  std::map<std::string, std::string, std::less<>> api_keys;
  std::set<std::string, std::less<>> revoked_keys;
  std::map<std::string, std::uint64_t, std::less<>> requests_by_key;
  std::uint64_t requests_with_revoked_key = 0;

  std::size_t streams_with_key(const std::string& key) const {
    std::size_t count = 0;
    for (const auto& [socket, opened_with] : subscriber_keys_) count += opened_with == key ? 1 : 0;
    return count;
  }

  // Revoking a key ends the user data streams opened with it (the worst the venue does).
  void revoke(const std::string& key) {
    api_keys.erase(key);
    revoked_keys.insert(key);
    for (auto it = subscriber_keys_.begin(); it != subscriber_keys_.end();) {
      if (it->second == key) {
        server_.websocket_drop(it->first);
        std::erase(subscribers, it->first);
        it = subscriber_keys_.erase(it);
      } else {
        ++it;
      }
    }
    if (listen_key_owner_ == key) listen_key_.clear();
  }

 private:
  // The secret of a key the account has, counting every use; nullptr when unknown or revoked.
  const std::string* secret_of(std::string_view key) {
    ++requests_by_key[std::string(key)];
    if (revoked_keys.contains(key)) ++requests_with_revoked_key;
    const auto found = api_keys.find(key);
    return found == api_keys.end() ? nullptr : &found->second;
  }

  SimReply handle(const SimRequest& request) {
    std::lock_guard lock(mutex);
    ++requests;
    requests_changed.notify_all();
    const auto question = request.target.find('?');
    const std::string path = request.target.substr(0, question);
    const std::string query =
        question == std::string::npos ? "" : request.target.substr(question + 1);
    SimReply reply = route(request, path, query);
    // Counted per window, as Binance does: the weight per minute, orders per 10 seconds.
    const std::int64_t minute = wall_ms() / 60'000;
    if (minute != weight_minute_) weight_ = 0, weight_minute_ = minute;
    reply.headers.emplace_back("X-MBX-USED-WEIGHT-1M", std::to_string(++weight_));
    return reply;
  }

  SimReply route(const SimRequest& request, const std::string& path, const std::string& query) {
    const std::int64_t now_ms = wall_ms() + options_.server_offset_ms;
    if (wall_ms() < banned_until_ms) {
      // An IP ban answers every request, whatever it is, until it ends.
      SimReply reply = error(418, -1003, "Way too much request weight used; IP banned.");
      reply.headers.emplace_back("Retry-After",
                                 std::to_string((banned_until_ms - wall_ms()) / 1000 + 1));
      return reply;
    }
    if (options_.market == SimMarket::kUsdm && !in_twin_) {
      if (path.starts_with("/api/")) return error(404, -1000, "Unknown path (this is USD-M)");
      if (path == "/fapi/v1/listenKey") return listen_key(request);
      if (auto reply = usdm_route(request, path, query)) return *reply;
    } else if (path.starts_with("/fapi/")) {
      return error(404, -1000, "Unknown path (this is spot)");
    }
    if (path == "/api/v3/time") return ok(fmt::format(R"({{"serverTime":{}}})", now_ms));
    if (path == "/api/v3/exchangeInfo") return ok(exchange_info_);
    if (path == "/api/v3/ticker/price") {
      std::string symbol;
      for (auto& [name, value] : split_query(query)) {
        if (name == "symbol") symbol = value;
      }
      if (symbol != "BNBUSDT" && !prices.contains(symbol))
        return error(400, -1121, "Invalid symbol.");
      const Price price = symbol == "BNBUSDT" ? Price{options_.bnb_price.raw} : prices[symbol];
      return ok(
          fmt::format(R"({{"symbol":"{}","price":"{}"}})", symbol, format_decimal(price.raw, 8)));
    }
    // Signed endpoints.
    const std::string* secret = secret_of(request.header("X-MBX-APIKEY"));
    if (secret == nullptr)
      return error(401, -2015, "Invalid API-key, IP, or permissions for action.");
    std::string payload = query + request.body;
    const auto at = payload.rfind("signature=");
    if (at == std::string::npos)
      return error(400, -1102, "Mandatory parameter 'signature' was not sent.");
    const std::string signature = payload.substr(at + 10);
    payload.resize(at > 0 && payload[at - 1] == '&' ? at - 1 : at);
    if (hmac_sha256_hex(*secret, payload) != signature) {
      ++signature_failures;
      return error(400, -1022, "Signature for this request is not valid.");
    }
    std::map<std::string, std::string> params;
    for (auto& [name, value] : split_query(query)) params[name] = value;
    for (auto& [name, value] : split_query(request.body)) params[name] = value;
    const std::int64_t timestamp = std::stoll(params["timestamp"]);
    const std::int64_t window =
        params.contains("recvWindow") ? std::stoll(params["recvWindow"]) : 5000;
    if (timestamp > now_ms + 1000 || now_ms - timestamp > window) {
      return error(400, -1021, "Timestamp for this request is outside of the recvWindow.");
    }
    if (path == "/api/v3/order" && request.method == "POST") return new_order(params);
    if (path == "/api/v3/order" && request.method == "GET") {
      SimOrder* order = find_latest(params["origClientOrderId"]);
      if (order == nullptr || order->hidden_lookups > 0 || wall_ms() < order->visible_from_ms) {
        if (order != nullptr && order->hidden_lookups > 0) --order->hidden_lookups;
        return error(400, -2013, "Order does not exist.");
      }
      return ok(order_json(*order, false));
    }
    if (path == "/api/v3/order" && request.method == "DELETE") {
      SimOrder* order = find_open(params["origClientOrderId"]);
      if (order == nullptr) return error(400, -2011, "Unknown order sent.");
      order->status = "CANCELED";
      report(*order, "CANCELED", nullptr, "cancel-" + std::to_string(++cancel_ids_));
      account_changed({base_asset(order->symbol), "USDT"});
      return ok(order_json(*order, false));
    }
    if (path == "/api/v3/myTrades") return my_trades(params);
    if (path == "/api/v3/allOrders") {
      const std::int64_t from = params.contains("startTime") ? std::stoll(params["startTime"]) : 0;
      const std::int64_t to =
          params.contains("endTime") ? std::stoll(params["endTime"]) : INT64_MAX;
      if (params.contains("startTime") && params.contains("endTime") &&
          to - from > 24LL * 3600 * 1000) {
        return error(400, -1127, "More than 24 hours between startTime and endTime.");
      }
      std::string body = "[";
      for (const auto& order : orders) {
        if (order.symbol != params["symbol"] || order.time_ms < from || order.time_ms > to)
          continue;
        if (order.hidden_lookups > 0 || wall_ms() < order.visible_from_ms)
          continue;  // the history lags too
        if (body.size() > 1) body += ',';
        body += order_json(order, false);
      }
      return ok(body + "]");
    }
    if (path == "/api/v3/openOrders") {
      std::string body = "[";
      for (const auto& order : orders) {
        if (!order.open()) continue;
        if (params.contains("symbol") && order.symbol != params["symbol"]) continue;
        if (body.size() > 1) body += ',';
        body += order_json(order, false);
      }
      return ok(body + "]");
    }
    if (path == "/api/v3/account") return account();
    if (options_.market == SimMarket::kUsdm) {
      if (path == "/fapi/v3/positionRisk") return position_risk();
      if (path == "/fapi/v3/balance") return futures_balance();
      if (path == "/fapi/v1/income") return income(params);
      if (path == "/fapi/v1/leverage" && request.method == "POST") {
        const int leverage = std::stoi(params["leverage"]);
        if (leverage < 1 || leverage > 125) return error(400, -4028, "Leverage is not valid");
        leverages[params["symbol"]] = leverage;
        return ok(fmt::format(R"({{"leverage":{},"maxNotionalValue":"1000000","symbol":"{}"}})",
                              leverage, params["symbol"]));
      }
      if (path == "/fapi/v1/marginType" && request.method == "POST") {
        std::string& type = margin_types[params["symbol"]];
        if (type.empty()) type = "CROSSED";
        if (type == params["marginType"])
          return error(400, -4046, "No need to change margin type.");
        if (positions[params["symbol"]].amount != 0)
          return error(400, -4048, "Margin type cannot be changed if there exists position.");
        type = params["marginType"];
        return ok(R"({"code":200,"msg":"success"})");
      }
      if (path == "/fapi/v1/positionSide/dual" && request.method == "GET")
        return ok(fmt::format(R"({{"dualSidePosition":{}}})", hedge_mode ? "true" : "false"));
    }
    return error(404, -1000, "Unknown path");
  }

  // USD-M paths that share the spot handlers (the same semantics, another prefix): the
  // request goes on as its spot twin; nullopt for those.
  std::optional<SimReply> usdm_route(const SimRequest& request, const std::string& path,
                                     const std::string& query) {
    static const std::map<std::string, std::string> kTwins = {
        {"/fapi/v1/time", "/api/v3/time"},
        {"/fapi/v1/exchangeInfo", "/api/v3/exchangeInfo"},
        {"/fapi/v1/ticker/price", "/api/v3/ticker/price"},
        {"/fapi/v1/order", "/api/v3/order"},
        {"/fapi/v1/userTrades", "/api/v3/myTrades"},
        {"/fapi/v1/allOrders", "/api/v3/allOrders"},
        {"/fapi/v1/openOrders", "/api/v3/openOrders"}};
    const auto twin = kTwins.find(path);
    if (twin == kTwins.end()) return std::nullopt;
    in_twin_ = true;
    SimReply reply = route(request, twin->second, query);
    in_twin_ = false;
    return reply;
  }

  // POST (the active key, or a new one), PUT (extend; -1125 when it is gone), DELETE.
  SimReply listen_key(const SimRequest& request) {
    if (secret_of(request.header("X-MBX-APIKEY")) == nullptr)
      return error(401, -2015, "Invalid API-key, IP, or permissions for action.");
    if (request.method == "POST") {
      if (listen_key_.empty()) listen_key_ = "simListenKey" + std::to_string(++listen_keys_);
      listen_key_owner_ = std::string(request.header("X-MBX-APIKEY"));
      ++listen_key_requests;
      return ok(R"({"listenKey":")" + listen_key_ + "\"}");
    }
    if (request.method == "PUT") {
      if (listen_key_.empty())
        return error(400, -1125,
                     "This listenKey does not exist. Please use POST /fapi/v1/listenKey to "
                     "recreate listenKey");
      ++listen_key_keepalives;
      return ok(R"({"listenKey":")" + listen_key_ + "\"}");
    }
    listen_key_.clear();
    return ok("{}");
  }

  SimReply new_order(std::map<std::string, std::string>& params) {
    ++order_requests;
    order_request_times.push_back(wall_ms());
    std::optional<std::pair<ExchangeFault, int>> fault;
    if (!faults.empty()) {
      fault = faults.front();
      faults.pop_front();
    }
    if (fault) {
      switch (fault->first) {
        case ExchangeFault::kServerErrorBeforePlacing:
          return error(503, -1000, "Service unavailable");
        case ExchangeFault::kRateLimited: {
          SimReply reply = error(429, -1003, "Too much request weight used.");
          reply.headers.emplace_back("Retry-After", std::to_string(options_.retry_after_s));
          return reply;
        }
        case ExchangeFault::kBanned: {
          SimReply reply = error(418, -1003, "Way too much request weight used; IP banned.");
          reply.headers.emplace_back("Retry-After", std::to_string(4 * options_.retry_after_s));
          return reply;
        }
        case ExchangeFault::kTimestampRejected:
          return error(400, -1021, "Timestamp for this request is outside of the recvWindow.");
        case ExchangeFault::kFalseDuplicate:
          return duplicate_answer();
        case ExchangeFault::kRejectRetryable:
          return error(400, -1000, "An unknown error occurred while processing the request.");
        default:
          break;
      }
    }
    if (fault && fault->first == ExchangeFault::kResetBeforePlacing) {
      SimReply reply;
      reply.close_without_answer = true;
      reply.reset = true;
      return reply;
    }
    const std::string& client_id = params["newClientOrderId"];
    if (find_open(client_id) != nullptr) return duplicate_answer();
    const bool reduce_only = params["reduceOnly"] == "true";
    if (options_.market == SimMarket::kUsdm) {
      if (params.contains("positionSide") && params["positionSide"] != "BOTH")
        return error(400, -4061, "Order's position side does not match user's setting.");
      const std::int64_t held = positions[params["symbol"]].amount;
      const std::int64_t side = params["side"] == "BUY" ? 1 : -1;
      // Reduce-only: it must shrink the position (the rest of a larger one expires).
      if (reduce_only && (held == 0 || sign_of(held) == side))
        return error(400, -2022, "ReduceOnly Order is rejected.");
      if (!reduce_only && options_.check_balances && !margin_allows(params))
        return error(400, -2019, "Margin is insufficient.");
    } else if (options_.check_balances) {
      // What the order needs, as Binance checks it on arrival, out of the free balance (what
      // open orders lock is not free): the quote for a buy (at its limit, or the market for a
      // market order), the base asset for a sell.
      const Quantity wanted{parse_decimal(params["quantity"], 8).value_or(0)};
      const std::string base = base_asset(params["symbol"]);
      if (params["side"] == "BUY") {
        const Price at = params.contains("price")
                             ? Price{parse_decimal(params["price"], 8).value_or(0)}
                             : prices[params["symbol"]];
        const Money needed = notional(at, 8, wanted, 8, Rounding::kUp).value_or(Money{0});
        if (needed.raw > balances["USDT"] - locked("USDT"))
          return error(400, -2010, "Account has insufficient balance for requested action.");
      } else if (wanted.raw > balances[base] - locked(base)) {
        return error(400, -2010, "Account has insufficient balance for requested action.");
      }
    }
    SimOrder order;
    order.order_id = static_cast<std::int64_t>(orders.size()) + 1;
    order.symbol = params["symbol"];
    order.client_order_id = client_id;
    order.side = params["side"];
    order.type = params["type"];
    order.time_in_force = params["timeInForce"];
    order.reduce_only = reduce_only;
    order.quantity = Quantity{parse_decimal(params["quantity"], 8).value_or(0)};
    order.price =
        Price{params.contains("price") ? parse_decimal(params["price"], 8).value_or(0) : 0};
    order.time_ms = wall_ms();
    order.hidden_lookups = std::exchange(lookup_lag_, 0);
    order.visible_from_ms = order.time_ms + std::exchange(lookup_lag_ms_, 0);
    order.status = "NEW";
    orders.push_back(order);
    SimOrder& placed_order = orders.back();
    report(placed_order, "NEW");
    match(placed_order, prices[placed_order.symbol]);
    if (placed_order.open() && placed_order.time_in_force == "IOC") {
      placed_order.status = "EXPIRED";
      report(placed_order, "EXPIRED");
    }
    // A resting order moved funds from free to locked.
    if (placed_order.open()) account_changed({base_asset(placed_order.symbol), "USDT"});
    ++placed;
    SimReply reply = ok(order_json(placed_order, true));
    const std::int64_t window = wall_ms() / 10'000;
    if (window != orders_window_) orders_10s_ = 0, orders_window_ = window;
    reply.headers.emplace_back("X-MBX-ORDER-COUNT-10S", std::to_string(++orders_10s_));
    if (fault) {
      switch (fault->first) {
        case ExchangeFault::kServerErrorAfterPlacing:
          return error(503, -1000, "Service unavailable");
        case ExchangeFault::kBackendTimeoutAfterPlacing:
          return error(400, -1007,
                       "Timeout waiting for response from backend server. Send status unknown; "
                       "execution status unknown.");
        case ExchangeFault::kSlowAfterPlacing:
          reply.delay_ms = fault->second;
          break;
        case ExchangeFault::kCutAfterPlacing:
          reply.close_without_answer = true;
          break;
        case ExchangeFault::kResetAfterPlacing:
          reply.close_without_answer = true;
          reply.reset = true;
          break;
        case ExchangeFault::kDuplicateAfterPlacing:
          return duplicate_answer();
        default:
          break;
      }
    }
    return reply;
  }

  SimReply duplicate_answer() const {
    return options_.market == SimMarket::kUsdm ? error(400, -4116, "ClientOrderId is duplicated.")
                                               : error(400, -2010, "Duplicate order sent.");
  }

  // USD-M's initial margin check (cross): every position's notional at the market over its
  // leverage, with this order's, must fit the wallet plus unrealised PnL.
  bool margin_allows(std::map<std::string, std::string>& params) {
    const std::string& symbol = params["symbol"];
    const std::int64_t quantity = parse_decimal(params["quantity"], 8).value_or(0);
    const std::int64_t side = params["side"] == "BUY" ? 1 : -1;
    std::int64_t required = 0;
    std::int64_t equity = balances["USDT"];
    for (auto& [name, position] : positions) {
      const Price market = prices[name];
      std::int64_t amount = position.amount;
      if (name == symbol) {
        const std::int64_t after = amount + side * quantity;
        if (std::abs(after) <= std::abs(amount)) return true;  // it only shrinks the position
        amount = after;
      }
      const Money value =
          notional(market, 8, Quantity{std::abs(amount)}, 8, Rounding::kUp).value_or(Money{0});
      required += value.raw / std::max(leverage_of(name), 1);
      equity += notional(Price{market.raw - position.entry.raw}, 8, Quantity{position.amount}, 8,
                         Rounding::kDown)
                    .value_or(Money{0})
                    .raw;
    }
    if (!positions.contains(symbol)) {
      const Money value =
          notional(prices[symbol], 8, Quantity{quantity}, 8, Rounding::kUp).value_or(Money{0});
      required += value.raw / std::max(leverage_of(symbol), 1);
    }
    return required <= equity;
  }

  SimOrder* find_open(const std::string& client_id) {
    for (auto& order : orders) {
      if (order.client_order_id == client_id && order.open()) return &order;
    }
    return nullptr;
  }

  SimOrder* find_latest(const std::string& client_id) {
    for (auto it = orders.rbegin(); it != orders.rend(); ++it) {
      if (it->client_order_id == client_id) return &*it;
    }
    return nullptr;
  }

  // Fills `order` completely at `market` when it crosses: taker for market orders and
  // marketable limits on arrival, maker (at its own price) for resting limits.
  void match(SimOrder& order, Price market, bool resting = false) {
    if (market.raw <= 0 || !order.open()) return;
    const bool crosses =
        order.type == "MARKET" ||
        (order.side == "BUY" ? order.price.raw >= market.raw : order.price.raw <= market.raw);
    if (!crosses) return;
    const Price price = resting ? order.price : market;
    SimTrade trade;
    trade.id = ++trade_id_;
    trade.price = price;
    trade.quantity = order.quantity - order.executed;
    if (options_.market == SimMarket::kUsdm) {
      const std::int64_t held = positions[order.symbol].amount;
      if (order.reduce_only) {
        // Never more than the position: what is left of the order expires.
        const std::int64_t room = order.side == "BUY" ? std::max<std::int64_t>(-held, 0)
                                                      : std::max<std::int64_t>(held, 0);
        trade.quantity = Quantity{std::min(trade.quantity.raw, room)};
        if (trade.quantity.raw <= 0) {
          order.status = "EXPIRED";
          report(order, "EXPIRED");
          return;
        }
      }
      settle_usdm(order, trade, resting);
      return;
    }
    trade.maker = resting;
    trade.time_ms = wall_ms();
    const Money value = notional(price, 8, trade.quantity, 8, Rounding::kDown).value_or(Money{0});
    const std::string base = base_asset(order.symbol);
    const bool buy = order.side == "BUY";
    // The commission, where the account pays it (rounded up, as the exchange does).
    switch (options_.fee_asset) {
      case SimFeeAsset::kQuote:
        trade.commission =
            Money{mul_div(value.raw, options_.fee_bps, 10'000, Rounding::kUp).value_or(0)};
        trade.commission_asset = "USDT";
        break;
      case SimFeeAsset::kReceived:
        trade.commission =
            buy ? Money{mul_div(trade.quantity.raw, options_.fee_bps, 10'000, Rounding::kUp)
                            .value_or(0)}
                : Money{mul_div(value.raw, options_.fee_bps, 10'000, Rounding::kUp).value_or(0)};
        trade.commission_asset = buy ? base : "USDT";
        break;
      case SimFeeAsset::kBnb: {
        // 25 % off when paid in BNB, converted at the BNB price.
        const auto quote_fee =
            mul_div(value.raw, options_.fee_bps * 3, 40'000, Rounding::kUp).value_or(0);
        trade.commission = Money{
            mul_div(quote_fee, 100'000'000, options_.bnb_price.raw, Rounding::kUp).value_or(0)};
        trade.commission_asset = "BNB";
        break;
      }
    }
    order.executed += trade.quantity;
    order.quote += value;
    order.status = "FILLED";
    order.trades.push_back(trade);
    report(order, "TRADE", &order.trades.back());
    const std::int64_t sign = buy ? 1 : -1;
    balances[base] += sign * trade.quantity.raw;
    balances["USDT"] -= sign * value.raw;
    balances[trade.commission_asset] -= trade.commission.raw;
    account_changed({base, "USDT", trade.commission_asset});
  }

  // A USD-M fill: the commission in USDT, realised PnL on the part that reduces, the position
  // and its average entry moved, the wallet settled.
  void settle_usdm(SimOrder& order, SimTrade& trade, bool resting) {
    trade.maker = resting;
    trade.time_ms = wall_ms();
    const Money value =
        notional(trade.price, 8, trade.quantity, 8, Rounding::kDown).value_or(Money{0});
    trade.commission =
        Money{mul_div(value.raw, options_.fee_bps, 10'000, Rounding::kUp).value_or(0)};
    trade.commission_asset = "USDT";
    SimPosition& position = positions[order.symbol];
    const std::int64_t side = order.side == "BUY" ? 1 : -1;
    const std::int64_t amount = trade.quantity.raw;
    std::int64_t realised = 0;
    if (position.amount != 0 && sign_of(position.amount) != side) {
      const std::int64_t closed = std::min(std::abs(position.amount), amount);
      realised = notional(Price{(trade.price.raw - position.entry.raw) * sign_of(position.amount)},
                          8, Quantity{closed}, 8, Rounding::kDown)
                     .value_or(Money{0})
                     .raw;
    }
    const std::int64_t before = position.amount;
    position.amount += side * amount;
    if (position.amount == 0) {
      position.entry = Price{0};
    } else if (sign_of(position.amount) != sign_of(before)) {
      position.entry = trade.price;  // flipped: the rest opened at this price
    } else if (std::abs(position.amount) > std::abs(before)) {
      const auto old_value =
          notional(position.entry, 8, Quantity{std::abs(before)}, 8, Rounding::kDown);
      // The average entry: the position's value over its size (128-bit intermediate).
      position.entry = Price{mul_div(old_value.value_or(Money{0}).raw + value.raw, 100'000'000,
                                     std::abs(position.amount), Rounding::kDown)
                                 .value_or(0)};
    }
    balances["USDT"] += realised - trade.commission.raw;
    account_changed({"USDT"});
    order.executed += trade.quantity;
    order.quote += value;
    order.realised = Money{realised};
    order.status = order.executed == order.quantity ? "FILLED" : "PARTIALLY_FILLED";
    order.trades.push_back(trade);
    report(order, is_venue_order(order) ? "CALCULATED" : "TRADE", &order.trades.back());
    if (order.status == "PARTIALLY_FILLED" && (order.reduce_only || order.type == "MARKET")) {
      order.status = "EXPIRED";
      report(order, "EXPIRED");
    }
  }

  static bool is_venue_order(const SimOrder& order) {
    return order.client_order_id.starts_with("autoclose-") ||
           order.client_order_id.starts_with("adl_autoclose");
  }

  // What the order's fills paid on average (USD-M's avgPrice / ap); 0 before any fill.
  static Money average_price(const SimOrder& order) {
    if (order.executed.raw <= 0) return Money{0};
    return Money{
        mul_div(order.quote.raw, 100'000'000, order.executed.raw, Rounding::kDown).value_or(0)};
  }

  // An ORDER_TRADE_UPDATE to every listenKey stream.
  std::string usdm_order_event(const SimOrder& order, std::string_view execution,
                               const SimTrade* trade) const {
    const Money average = average_price(order);
    return fmt::format(
        R"({{"e":"ORDER_TRADE_UPDATE","E":{},"T":{},"o":{{"s":"{}","c":"{}","S":"{}","o":"{}","f":"{}",)"
        R"("q":"{}","p":"{}","ap":"{}","sp":"0","x":"{}","X":"{}","i":{},"l":"{}","z":"{}","L":"{}",)"
        R"("N":"USDT","n":"{}","T":{},"t":{},"b":"0","a":"0","m":{},"R":{},"wt":"CONTRACT_PRICE",)"
        R"("ot":"{}","ps":"BOTH","cp":false,"rp":"{}","V":"EXPIRE_TAKER"}}}})",
        wall_ms(), wall_ms(), order.symbol, order.client_order_id, order.side, order.type,
        order.time_in_force.empty() ? "GTC" : order.time_in_force,
        format_decimal(order.quantity.raw, 8), format_decimal(order.price.raw, 8),
        format_decimal(average.raw, 8), execution, order.status, order.order_id,
        format_decimal(trade ? trade->quantity.raw : 0, 8), format_decimal(order.executed.raw, 8),
        format_decimal(trade ? trade->price.raw : 0, 8),
        format_decimal(trade ? trade->commission.raw : 0, 8), wall_ms(),
        trade ? static_cast<std::int64_t>(trade->id) : 0, trade && trade->maker ? "true" : "false",
        order.reduce_only ? "true" : "false", order.type,
        format_decimal(trade ? order.realised.raw : 0, 8));
  }

  // An executionReport (spot) or ORDER_TRADE_UPDATE (USD-M) to every user data stream
  // subscriber (after the faults' say).
  void report(const SimOrder& order, std::string_view execution, const SimTrade* trade = nullptr,
              const std::string& cancel_id = "") {
    if (subscribers.empty()) return;
    if (options_.market == SimMarket::kUsdm) return push(usdm_order_event(order, execution, trade));
    const bool cancel = execution == "CANCELED" && !cancel_id.empty();
    const std::string event = fmt::format(
        R"({{"subscriptionId":0,"event":{{"e":"executionReport","E":{},"s":"{}","c":"{}","S":"{}","o":"{}","f":"{}",)"
        R"("q":"{}","p":"{}","g":-1,"C":"{}","x":"{}","X":"{}","r":"NONE","i":{},"l":"{}","z":"{}","L":"{}",)"
        R"("n":"{}","N":{},"T":{},"t":{},"w":{},"m":{},"O":{},"Z":"{}"}}}})",
        wall_ms(), order.symbol, cancel ? cancel_id : order.client_order_id, order.side, order.type,
        order.time_in_force.empty() ? "GTC" : order.time_in_force,
        format_decimal(order.quantity.raw, 8), format_decimal(order.price.raw, 8),
        cancel ? order.client_order_id : "", execution, order.status, order.order_id,
        format_decimal(trade ? trade->quantity.raw : 0, 8), format_decimal(order.executed.raw, 8),
        format_decimal(trade ? trade->price.raw : 0, 8),
        format_decimal(trade ? trade->commission.raw : 0, 8),
        trade ? "\"" + trade->commission_asset + "\"" : std::string("null"), wall_ms(),
        trade ? static_cast<std::int64_t>(trade->id) : -1, order.open() ? "true" : "false",
        trade && trade->maker ? "true" : "false", order.time_ms,
        format_decimal(order.quote.raw, 8));
    push(event);
  }

  // What Binance pushes after any balance change, to every subscriber (not a report: no
  // report fault applies, reports_sent does not count it). Spot: outboundAccountPosition with
  // the assets the change may have moved (free and locked). USD-M: ACCOUNT_UPDATE with the
  // USDT wallet and `reason` (ORDER, DEPOSIT, WITHDRAW, ...).
  void account_changed(std::vector<std::string> assets, std::string_view reason = "ORDER") {
    if (subscribers.empty()) return;
    std::string event;
    if (options_.market == SimMarket::kUsdm) {
      event = fmt::format(
          R"({{"e":"ACCOUNT_UPDATE","E":{},"T":{},"a":{{"m":"{}","B":[{{"a":"USDT","wb":"{}","cw":"{}","bc":"0"}}],"P":[]}}}})",
          wall_ms(), wall_ms(), reason, format_decimal(balances["USDT"], 8),
          format_decimal(balances["USDT"], 8));
    } else {
      std::sort(assets.begin(), assets.end());
      assets.erase(std::unique(assets.begin(), assets.end()), assets.end());
      std::string rows;
      for (const std::string& asset : assets) {
        if (asset.empty()) continue;
        const std::int64_t held = locked(asset);
        rows += fmt::format(R"({}{{"a":"{}","f":"{}","l":"{}"}})", rows.empty() ? "" : ",", asset,
                            format_decimal(balances[asset] - held, 8), format_decimal(held, 8));
      }
      event = fmt::format(
          R"({{"subscriptionId":0,"event":{{"e":"outboundAccountPosition","E":{},"u":{},"B":[{}]}}}})",
          wall_ms(), wall_ms(), rows);
    }
    for (const SimSocketId socket : subscribers) server_.websocket_send(socket, event);
  }

  void push(const std::string& event) {
    std::vector<std::string> out;
    if (reorder_reports_ && held_report_.empty()) {
      held_report_ = event;  // sent after the next one
      return;
    }
    out.push_back(event);
    if (!held_report_.empty()) {
      out.push_back(std::move(held_report_));
      held_report_.clear();
      reorder_reports_ = false;
    }
    for (const auto& text : out) {
      if (lost_reports_ > 0) {  // lost in a connection's gap: never arrives
        --lost_reports_;
        continue;
      }
      const int copies = duplicate_reports_ > 0 ? 2 : 1;
      if (duplicate_reports_ > 0) --duplicate_reports_;
      for (int copy = 0; copy < copies; ++copy) {
        for (const SimSocketId socket : subscribers) server_.websocket_send(socket, text);
        ++reports_sent;
      }
    }
  }

 public:
  // A deposit or withdrawal: the balance set, and announced as Binance does (spot: a
  // balanceUpdate with the difference, then the account position).
  void move_funds(const std::string& asset, std::int64_t amount) {
    const std::int64_t change = amount - balances[asset];
    balances[asset] = amount;
    if (options_.market == SimMarket::kSpot && !subscribers.empty()) {
      const std::string update = fmt::format(
          R"({{"subscriptionId":0,"event":{{"e":"balanceUpdate","E":{},"a":"{}","d":"{}","T":{}}}}})",
          wall_ms(), asset, format_decimal(change, 8), wall_ms());
      for (const SimSocketId socket : subscribers) server_.websocket_send(socket, update);
    }
    account_changed({asset}, change >= 0 ? "DEPOSIT" : "WITHDRAW");
  }

  // userDataStream.subscribe.signature: apiKey + timestamp (+ recvWindow) signed with HMAC.
  void on_websocket_message(SimSocketId socket, std::string_view message) {
    std::lock_guard lock(mutex);
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (parser.parse(message.data(), message.size()).get(root)) return;
    std::string id = "null";
    if (std::string_view text; !root["id"].get_string().get(text))
      id = "\"" + std::string(text) + "\"";
    else if (std::int64_t number = 0; !root["id"].get_int64().get(number))
      id = std::to_string(number);
    std::string_view method;
    if (root["method"].get_string().get(method)) return;
    auto answer_error = [&](int status, int code, std::string_view text) {
      server_.websocket_send(
          socket, fmt::format(R"({{"id":{},"status":{},"error":{{"code":{},"msg":"{}"}}}})", id,
                              status, code, text));
    };
    if (method != "userDataStream.subscribe.signature")
      return answer_error(400, -1100, "Unknown method.");
    if (!user_stream_available_) return answer_error(503, -1000, "Service unavailable");
    std::vector<std::pair<std::string, std::string>> params;
    std::string signature;
    simdjson::dom::object object;
    if (root["params"].get_object().get(object))
      return answer_error(400, -1102, "Mandatory parameter 'params' was not sent.");
    for (auto field : object) {
      std::string value;
      if (std::string_view text; !field.value.get_string().get(text))
        value = std::string(text);
      else if (std::int64_t number = 0; !field.value.get_int64().get(number))
        value = std::to_string(number);
      if (field.key == "signature")
        signature = value;
      else
        params.emplace_back(std::string(field.key), value);
    }
    const std::string payload = ws_api_payload(params);
    std::map<std::string, std::string> named(params.begin(), params.end());
    const std::string* secret = secret_of(named["apiKey"]);
    if (secret == nullptr)
      return answer_error(401, -2015, "Invalid API-key, IP, or permissions for action.");
    if (hmac_sha256_hex(*secret, payload) != signature) {
      ++signature_failures;
      return answer_error(400, -1022, "Signature for this request is not valid.");
    }
    subscribers.push_back(socket);
    subscriber_keys_[socket] = named["apiKey"];
    server_.websocket_send(
        socket, fmt::format(R"({{"id":{},"status":200,"result":{{"subscriptionId":0}}}})", id));
    ++subscriptions;
    subscriptions_changed.notify_all();
  }

  // USD-M: /private/ws/<listenKey> streams events from the moment it opens, while the key
  // is valid.
  void on_websocket_open(SimSocketId socket, std::string_view target) {
    std::lock_guard lock(mutex);
    if (options_.market != SimMarket::kUsdm) return;
    const auto slash = target.rfind('/');
    const std::string key(target.substr(slash == std::string_view::npos ? 0 : slash + 1));
    if (!user_stream_available_ || listen_key_.empty() || key != listen_key_) {
      server_.websocket_drop(socket);
      return;
    }
    subscribers.push_back(socket);
    subscriber_keys_[socket] = listen_key_owner_;
    ++subscriptions;
    subscriptions_changed.notify_all();
  }

  void on_websocket_closed(SimSocketId socket) {
    std::lock_guard lock(mutex);
    std::erase(subscribers, socket);
    subscriber_keys_.erase(socket);
  }

  void drop_user_streams() {
    for (const SimSocketId socket : subscribers) server_.websocket_drop(socket);
    subscribers.clear();
  }

  std::vector<SimSocketId> subscribers;
  std::map<SimSocketId, std::string> subscriber_keys_;  // the key each stream was opened with
  std::string listen_key_owner_;                        // USD-M: the key that asked for it
  std::uint64_t subscriptions = 0, reports_sent = 0;
  mutable std::condition_variable subscriptions_changed;
  int duplicate_reports_ = 0;
  int lost_reports_ = 0;
  bool user_stream_available_ = true;
  bool reorder_reports_ = false;
  std::string held_report_;

 private:
  SimReply my_trades(std::map<std::string, std::string>& params) {
    const std::int64_t order_id = params.contains("orderId") ? std::stoll(params["orderId"]) : 0;
    const std::int64_t from = params.contains("startTime") ? std::stoll(params["startTime"]) : 0;
    const std::int64_t to = params.contains("endTime") ? std::stoll(params["endTime"]) : INT64_MAX;
    std::string body = "[";
    for (const auto& order : orders) {
      if (order.symbol != params["symbol"] || (order_id != 0 && order.order_id != order_id))
        continue;
      for (const auto& trade : order.trades) {
        if (trade.time_ms < from || trade.time_ms > to) continue;
        if (body.size() > 1) body += ',';
        if (options_.market == SimMarket::kUsdm) {
          body += fmt::format(
              R"({{"symbol":"{}","id":{},"orderId":{},"side":"{}","price":"{}","qty":"{}","realizedPnl":"0",)"
              R"("quoteQty":"0","commission":"{}","commissionAsset":"{}","time":{},"positionSide":"BOTH",)"
              R"("buyer":{},"maker":{}}})",
              order.symbol, trade.id, order.order_id, order.side,
              format_decimal(trade.price.raw, 8), format_decimal(trade.quantity.raw, 8),
              format_decimal(trade.commission.raw, 8), trade.commission_asset, trade.time_ms,
              order.side == "BUY", trade.maker);
          continue;
        }
        body += fmt::format(
            R"({{"symbol":"{}","id":{},"orderId":{},"orderListId":-1,"price":"{}","qty":"{}","quoteQty":"0",)"
            R"("commission":"{}","commissionAsset":"{}","time":{},"isBuyer":{},"isMaker":{},"isBestMatch":true}})",
            order.symbol, trade.id, order.order_id, format_decimal(trade.price.raw, 8),
            format_decimal(trade.quantity.raw, 8), format_decimal(trade.commission.raw, 8),
            trade.commission_asset, trade.time_ms, order.side == "BUY", trade.maker);
      }
    }
    return ok(body + "]");
  }

  SimReply position_risk() {
    std::string body = "[";
    for (auto& [symbol, position] : positions) {
      bool open_orders = false;
      for (const auto& order : orders) open_orders |= order.symbol == symbol && order.open();
      if (position.amount == 0 && !open_orders) continue;
      const Price mark = prices[symbol];
      const Money pnl = notional(Price{mark.raw - position.entry.raw}, 8, Quantity{position.amount},
                                 8, Rounding::kDown)
                            .value_or(Money{0});
      if (body.size() > 1) body += ',';
      body += fmt::format(
          R"({{"symbol":"{}","positionSide":"BOTH","positionAmt":"{}","entryPrice":"{}","breakEvenPrice":"0",)"
          R"("markPrice":"{}","unRealizedProfit":"{}","liquidationPrice":"0","isolatedMargin":"0","notional":"0",)"
          R"("marginAsset":"USDT","isolatedWallet":"0","initialMargin":"0","maintMargin":"0",)"
          R"("positionInitialMargin":"0","openOrderInitialMargin":"0","adl":0,"bidNotional":"0","askNotional":"0",)"
          R"("updateTime":{}}})",
          symbol, format_decimal(position.amount, 8), format_decimal(position.entry.raw, 8),
          format_decimal(mark.raw, 8), format_decimal(pnl.raw, 8), wall_ms());
    }
    return ok(body + "]");
  }

  // GET /fapi/v3/balance: each asset's wallet (Binance lists the assets of the account).
  SimReply futures_balance() const {
    std::string body = "[";
    for (const auto& [asset, amount] : balances) {
      if (body.size() > 1) body += ',';
      const std::string wallet = format_decimal(amount, 8);
      body += fmt::format(
          R"({{"accountAlias":"SgsR","asset":"{}","balance":"{}","crossWalletBalance":"{}",)"
          R"("crossUnPnl":"0.00000000","availableBalance":"{}","maxWithdrawAmount":"{}",)"
          R"("marginAvailable":true,"updateTime":{}}})",
          asset, wallet, wallet, wallet, wallet, wall_ms());
    }
    return ok(body + "]");
  }

  SimReply income(std::map<std::string, std::string>& params) {
    const std::int64_t from = params.contains("startTime") ? std::stoll(params["startTime"]) : 0;
    const std::int64_t to = params.contains("endTime") ? std::stoll(params["endTime"]) : INT64_MAX;
    if (params.contains("incomeType") && params["incomeType"] != "FUNDING_FEE") return ok("[]");
    std::string body = "[";
    for (const SimIncome& row : incomes) {
      if (row.time_ms < from || row.time_ms > to) continue;
      if (body.size() > 1) body += ',';
      body += fmt::format(
          R"({{"symbol":"{}","incomeType":"FUNDING_FEE","income":"{}","asset":"USDT","info":"",)"
          R"("time":{},"tranId":{},"tradeId":""}})",
          row.symbol, format_decimal(row.amount, 8), row.time_ms, row.tran_id);
    }
    return ok(body + "]");
  }

 public:
  // Funding at `rate` (1e-8) and the mark: longs pay shorts when positive. Booked in the
  // wallet and the income list, announced on the streams as ACCOUNT_UPDATE FUNDING_FEE
  // (without the symbol, as Binance sends it for cross positions).
  void settle_funding(const std::string& symbol, std::int64_t rate, Price mark) {
    SimPosition& position = positions[symbol];
    if (position.amount == 0) return;
    const Money value =
        notional(mark, 8, Quantity{position.amount}, 8, Rounding::kDown).value_or(Money{0});
    const std::int64_t payment =
        -mul_div(value.raw, rate, 100'000'000, Rounding::kDown).value_or(0);
    balances["USDT"] += payment;
    const std::int64_t time_ms = std::max(wall_ms(), last_funding_ms_ + 1);
    last_funding_ms_ = time_ms;
    incomes.push_back({symbol, payment, time_ms, ++tran_id_});
    push(fmt::format(
        R"({{"e":"ACCOUNT_UPDATE","E":{},"T":{},"a":{{"m":"FUNDING_FEE","B":[{{"a":"USDT","wb":"{}","cw":"{}","bc":"0"}}],"P":[]}}}})",
        time_ms, time_ms, format_decimal(balances["USDT"], 8),
        format_decimal(balances["USDT"], 8)));
  }

  // The venue closes the whole position itself (a liquidation): an `autoclose-` order filled
  // at the market, reported with execution type CALCULATED.
  void liquidate(const std::string& symbol) {
    const std::int64_t held = positions[symbol].amount;
    if (held == 0) return;
    SimOrder order;
    order.order_id = static_cast<std::int64_t>(orders.size()) + 1;
    order.symbol = symbol;
    order.client_order_id = "autoclose-" + std::to_string(wall_ms());
    order.side = held > 0 ? "SELL" : "BUY";
    order.type = "LIMIT";
    order.time_in_force = "IOC";
    order.quantity = Quantity{std::abs(held)};
    order.price = prices[symbol];
    order.time_ms = wall_ms();
    order.status = "NEW";
    order.reduce_only = true;
    orders.push_back(order);
    SimTrade trade;
    trade.id = ++trade_id_;
    trade.price = prices[symbol];
    trade.quantity = order.quantity;
    settle_usdm(orders.back(), trade, false);
  }

  void expire_listen_key() {
    if (listen_key_.empty()) return;
    push(fmt::format(R"({{"e":"listenKeyExpired","E":{},"listenKey":"{}"}})", wall_ms(),
                     listen_key_));
    listen_key_.clear();
  }

  int leverage_of(const std::string& symbol) const {
    const auto found = leverages.find(symbol);
    return found == leverages.end() ? 20 : found->second;
  }

  std::map<std::string, SimPosition> positions;
  std::map<std::string, int> leverages;
  std::map<std::string, std::string> margin_types;
  std::vector<SimIncome> incomes;
  bool hedge_mode = false;
  std::uint64_t listen_key_requests = 0, listen_key_keepalives = 0;

 private:
  // Spot: what the open orders lock of `asset` (a resting buy its quote at its limit price, a
  // resting sell its base), as Binance moves it from free to locked until the order ends.
  std::int64_t locked(const std::string& asset) const {
    if (options_.market == SimMarket::kUsdm) return 0;
    std::int64_t total = 0;
    for (const SimOrder& order : orders) {
      if (!order.open()) continue;
      const Quantity remaining{order.quantity.raw - order.executed.raw};
      if (order.side == "BUY" && asset == "USDT") {
        total += notional(order.price, 8, remaining, 8, Rounding::kUp).value_or(Money{0}).raw;
      } else if (order.side == "SELL" && asset == base_asset(order.symbol)) {
        total += remaining.raw;
      }
    }
    return total;
  }

  SimReply account() const {
    std::string body = R"({"canTrade":true,"balances":[)";
    bool first = true;
    for (const auto& [asset, amount] : balances) {
      if (!first) body += ',';
      first = false;
      const std::int64_t held = locked(asset);
      body += fmt::format(R"({{"asset":"{}","free":"{}","locked":"{}"}})", asset,
                          format_decimal(amount - held, 8), format_decimal(held, 8));
    }
    return ok(body + "]}");
  }

 public:
  const SimOrder* find(const std::string& client_id) const {
    for (auto it = orders.rbegin(); it != orders.rend(); ++it) {
      if (it->client_order_id == client_id) return &*it;
    }
    return nullptr;
  }

  void set_offset(std::int64_t offset_ms) { options_.server_offset_ms = offset_ms; }

  // A filled market buy placed by another program (or an earlier sigex) on this account.
  void place_foreign(const std::string& symbol, const std::string& client_order_id,
                     Quantity quantity) {
    SimOrder order;
    order.order_id = static_cast<std::int64_t>(orders.size()) + 1;
    order.symbol = symbol;
    order.client_order_id = client_order_id;
    order.side = "BUY";
    order.type = "MARKET";
    order.quantity = quantity;
    order.time_ms = wall_ms();
    order.status = "NEW";
    orders.push_back(order);
    match(orders.back(), prices[symbol]);
  }

  void move_price(const std::string& symbol, Price price) {
    prices[symbol] = price;
    for (auto& order : orders) {
      if (order.symbol == symbol) match(order, price, true);
    }
  }

  std::map<std::string, std::int64_t> balances;
  int lookup_lag_ = 0;
  int lookup_lag_ms_ = 0;
  std::int64_t banned_until_ms = 0;
  std::deque<std::int64_t> order_request_times;

 private:
  static std::string fills_json(const SimOrder& order) {
    std::string json = "[";
    for (const auto& trade : order.trades) {
      if (json.size() > 1) json += ',';
      json += fmt::format(
          R"({{"price":"{}","qty":"{}","commission":"{}","commissionAsset":"{}","tradeId":{}}})",
          format_decimal(trade.price.raw, 8), format_decimal(trade.quantity.raw, 8),
          format_decimal(trade.commission.raw, 8), trade.commission_asset, trade.id);
    }
    return json + "]";
  }

  std::string order_json(const SimOrder& order, bool with_fills) const {
    if (options_.market == SimMarket::kUsdm) {
      // RESULT answers and queries: no fills[] on USD-M.
      const Money average = average_price(order);
      return fmt::format(
          R"({{"orderId":{},"symbol":"{}","status":"{}","clientOrderId":"{}","price":"{}","avgPrice":"{}",)"
          R"("origQty":"{}","executedQty":"{}","cumQty":"{}","cumQuote":"{}","timeInForce":"{}","type":"{}",)"
          R"("reduceOnly":{},"closePosition":false,"side":"{}","positionSide":"BOTH","stopPrice":"0",)"
          R"("workingType":"CONTRACT_PRICE","priceProtect":false,"origType":"{}","priceMatch":"NONE",)"
          R"("selfTradePreventionMode":"EXPIRE_TAKER","goodTillDate":0,"time":{},"updateTime":{}}})",
          order.order_id, order.symbol, order.status, order.client_order_id,
          format_decimal(order.price.raw, 8), format_decimal(average.raw, 8),
          format_decimal(order.quantity.raw, 8), format_decimal(order.executed.raw, 8),
          format_decimal(order.executed.raw, 8), format_decimal(order.quote.raw, 8),
          order.time_in_force.empty() ? "GTC" : order.time_in_force, order.type,
          order.reduce_only ? "true" : "false", order.side, order.type, order.time_ms,
          order.time_ms);
    }
    std::string json = fmt::format(
        R"({{"symbol":"{}","orderId":{},"orderListId":-1,"clientOrderId":"{}","transactTime":{},"time":{},"price":"{}",)"
        R"("origQty":"{}","executedQty":"{}","cummulativeQuoteQty":"{}","status":"{}","timeInForce":"{}",)"
        R"("type":"{}","side":"{}")",
        order.symbol, order.order_id, order.client_order_id, order.time_ms, order.time_ms,
        format_decimal(order.price.raw, 8), format_decimal(order.quantity.raw, 8),
        format_decimal(order.executed.raw, 8), format_decimal(order.quote.raw, 8), order.status,
        order.time_in_force.empty() ? "GTC" : order.time_in_force, order.type, order.side);
    if (with_fills) json += R"(,"fills":)" + fills_json(order);
    return json + "}";
  }

  ExchangeSimulatorOptions options_;
  std::string exchange_info_ = "{}";
  std::uint64_t weight_ = 0;
  std::uint64_t cancel_ids_ = 0;
  std::int64_t weight_minute_ = 0;
  std::uint64_t orders_10s_ = 0;
  std::int64_t orders_window_ = 0;
  std::uint64_t trade_id_ = 1000;
  std::uint64_t tran_id_ = 9000;
  std::int64_t last_funding_ms_ = 0;
  std::string listen_key_;
  std::uint64_t listen_keys_ = 0;
  bool in_twin_ = false;
  LoopbackHttpServer server_;  // last: its thread calls handle() until stopped
};

ExchangeSimulator::ExchangeSimulator(ExchangeSimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
ExchangeSimulator::~ExchangeSimulator() { impl_->stop(); }
bool ExchangeSimulator::start(std::string& error_text) { return impl_->start(error_text); }
void ExchangeSimulator::stop() { impl_->stop(); }
std::string ExchangeSimulator::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port());
}
void ExchangeSimulator::set_price(const std::string& symbol, Price price) {
  std::lock_guard lock(impl_->mutex);
  impl_->move_price(symbol, price);
}
void ExchangeSimulator::inject_lookup_lag(int lookups) {
  std::lock_guard lock(impl_->mutex);
  impl_->lookup_lag_ = lookups;
}
void ExchangeSimulator::inject_lookup_lag_ms(int ms) {
  std::lock_guard lock(impl_->mutex);
  impl_->lookup_lag_ms_ = ms;
}
void ExchangeSimulator::end_lookup_lag() {
  std::lock_guard lock(impl_->mutex);
  for (auto& order : impl_->orders) {
    order.hidden_lookups = 0;
    order.visible_from_ms = 0;
  }
}
void ExchangeSimulator::set_balance(const std::string& asset, std::int64_t amount) {
  std::lock_guard lock(impl_->mutex);
  impl_->move_funds(asset, amount);
}
void ExchangeSimulator::set_server_offset_ms(std::int64_t offset_ms) {
  std::lock_guard lock(impl_->mutex);
  impl_->set_offset(offset_ms);
}
void ExchangeSimulator::ban_for(int seconds) {
  std::lock_guard lock(impl_->mutex);
  impl_->banned_until_ms = wall_ms() + seconds * 1000LL;
}
std::int64_t ExchangeSimulator::balance(const std::string& asset) const {
  std::lock_guard lock(impl_->mutex);
  const auto found = impl_->balances.find(asset);
  return found == impl_->balances.end() ? 0 : found->second;
}
std::uint64_t ExchangeSimulator::order_requests_within(int window_ms) const {
  std::lock_guard lock(impl_->mutex);
  const std::int64_t since = wall_ms() - window_ms;
  return static_cast<std::uint64_t>(std::count_if(impl_->order_request_times.begin(),
                                                  impl_->order_request_times.end(),
                                                  [&](std::int64_t at) { return at >= since; }));
}
void ExchangeSimulator::place_foreign(const std::string& symbol, const std::string& client_order_id,
                                      Quantity quantity) {
  std::lock_guard lock(impl_->mutex);
  impl_->place_foreign(symbol, client_order_id, quantity);
}
int ExchangeSimulator::orders_with_id(const std::string& client_order_id) const {
  std::lock_guard lock(impl_->mutex);
  int count = 0;
  for (const auto& order : impl_->orders) count += order.client_order_id == client_order_id ? 1 : 0;
  return count;
}
Quantity ExchangeSimulator::executed_total(const std::string& symbol) const {
  std::lock_guard lock(impl_->mutex);
  Quantity total{0};
  for (const auto& order : impl_->orders) {
    if (order.symbol == symbol) total += order.executed;
  }
  return total;
}
void ExchangeSimulator::duplicate_next_reports(int count) {
  std::lock_guard lock(impl_->mutex);
  impl_->duplicate_reports_ = count;
}
void ExchangeSimulator::lose_next_reports(int count) {
  std::lock_guard lock(impl_->mutex);
  impl_->lost_reports_ = count;
}
void ExchangeSimulator::reorder_next_reports() {
  std::lock_guard lock(impl_->mutex);
  impl_->reorder_reports_ = true;
}
void ExchangeSimulator::drop_user_streams() {
  std::lock_guard lock(impl_->mutex);
  impl_->drop_user_streams();
}
void ExchangeSimulator::set_user_stream_available(bool available) {
  std::lock_guard lock(impl_->mutex);
  impl_->user_stream_available_ = available;
  if (!available) impl_->drop_user_streams();
}
std::uint64_t ExchangeSimulator::reports_sent() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->reports_sent;
}
bool ExchangeSimulator::wait_for_subscriptions(std::uint64_t count, int timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->subscriptions_changed.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                               [&] { return impl_->subscriptions >= count; });
}
int ExchangeSimulator::max_orders_per_id() const {
  std::lock_guard lock(impl_->mutex);
  std::map<std::string, int> counts;
  int most = 0;
  for (const auto& order : impl_->orders) most = std::max(most, ++counts[order.client_order_id]);
  return most;
}
std::uint64_t ExchangeSimulator::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}
bool ExchangeSimulator::wait_for_requests(std::uint64_t count, int timeout_ms) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->requests_changed.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                          [&] { return impl_->requests >= count; });
}
std::uint64_t ExchangeSimulator::trades() const {
  std::lock_guard lock(impl_->mutex);
  std::uint64_t count = 0;
  for (const auto& order : impl_->orders) count += order.trades.size();
  return count;
}
void ExchangeSimulator::inject(ExchangeFault fault, int delay_ms) {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.emplace_back(fault, delay_ms);
}
std::uint64_t ExchangeSimulator::orders_placed() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->placed;
}
std::uint64_t ExchangeSimulator::order_requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->order_requests;
}
void ExchangeSimulator::add_api_key(const std::string& key, const std::string& secret) {
  std::lock_guard lock(impl_->mutex);
  impl_->api_keys[key] = secret;
  impl_->revoked_keys.erase(key);
}

void ExchangeSimulator::revoke_api_key(const std::string& key) {
  std::lock_guard lock(impl_->mutex);
  impl_->revoke(key);
}

std::uint64_t ExchangeSimulator::requests_with_key(const std::string& key) const {
  std::lock_guard lock(impl_->mutex);
  const auto found = impl_->requests_by_key.find(key);
  return found == impl_->requests_by_key.end() ? 0 : found->second;
}

std::uint64_t ExchangeSimulator::requests_with_revoked_key() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests_with_revoked_key;
}

std::size_t ExchangeSimulator::streams_with_key(const std::string& key) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->streams_with_key(key);
}

std::uint64_t ExchangeSimulator::signature_failures() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->signature_failures;
}
SimOrderView ExchangeSimulator::order(const std::string& client_order_id) const {
  std::lock_guard lock(impl_->mutex);
  const SimOrder* found = impl_->find(client_order_id);
  if (found == nullptr) return {};
  return {true, found->status, found->order_id, found->executed};
}

void ExchangeSimulator::settle_funding(const std::string& symbol, std::int64_t rate, Price mark) {
  std::lock_guard lock(impl_->mutex);
  impl_->settle_funding(symbol, rate, mark);
}
void ExchangeSimulator::liquidate(const std::string& symbol) {
  std::lock_guard lock(impl_->mutex);
  impl_->liquidate(symbol);
}
void ExchangeSimulator::expire_listen_key() {
  std::lock_guard lock(impl_->mutex);
  impl_->expire_listen_key();
}
void ExchangeSimulator::set_hedge_mode(bool hedge) {
  std::lock_guard lock(impl_->mutex);
  impl_->hedge_mode = hedge;
}
std::int64_t ExchangeSimulator::position(const std::string& symbol) const {
  std::lock_guard lock(impl_->mutex);
  const auto found = impl_->positions.find(symbol);
  return found == impl_->positions.end() ? 0 : found->second.amount;
}
int ExchangeSimulator::leverage(const std::string& symbol) const {
  std::lock_guard lock(impl_->mutex);
  return impl_->leverage_of(symbol);
}
std::string ExchangeSimulator::margin_type(const std::string& symbol) const {
  std::lock_guard lock(impl_->mutex);
  const auto found = impl_->margin_types.find(symbol);
  return found == impl_->margin_types.end() ? "" : found->second;
}
std::uint64_t ExchangeSimulator::listen_key_keepalives() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->listen_key_keepalives;
}
std::uint64_t ExchangeSimulator::funding_payments() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->incomes.size();
}

std::string_view to_string(ExchangeFault fault) {
  switch (fault) {
    case ExchangeFault::kServerErrorBeforePlacing:
      return "ServerErrorBeforePlacing";
    case ExchangeFault::kServerErrorAfterPlacing:
      return "ServerErrorAfterPlacing";
    case ExchangeFault::kBackendTimeoutAfterPlacing:
      return "BackendTimeoutAfterPlacing";
    case ExchangeFault::kSlowAfterPlacing:
      return "SlowAfterPlacing";
    case ExchangeFault::kCutAfterPlacing:
      return "CutAfterPlacing";
    case ExchangeFault::kRateLimited:
      return "RateLimited";
    case ExchangeFault::kBanned:
      return "Banned";
    case ExchangeFault::kTimestampRejected:
      return "TimestampRejected";
    case ExchangeFault::kResetBeforePlacing:
      return "ResetBeforePlacing";
    case ExchangeFault::kResetAfterPlacing:
      return "ResetAfterPlacing";
    case ExchangeFault::kDuplicateAfterPlacing:
      return "DuplicateAfterPlacing";
    case ExchangeFault::kFalseDuplicate:
      return "FalseDuplicate";
    case ExchangeFault::kRejectRetryable:
      return "RejectRetryable";
  }
  return "Unknown";
}

}  // namespace sigex
