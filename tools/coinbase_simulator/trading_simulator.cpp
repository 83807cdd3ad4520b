#include "tools/coinbase_simulator/trading_simulator.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/coinbase/signer.h"
#include "engine/core/calendar.h"
#include "engine/core/decimal.h"
#include "tools/coinbase_simulator/wall_clock.h"
#include "tools/sim_http/loopback_http_server.h"

namespace sigex {

std::string_view to_string(CoinbaseTradeFault fault) {
  switch (fault) {
    case CoinbaseTradeFault::kLoseAnswerAfterCreate:
      return "LoseAnswerAfterCreate";
    case CoinbaseTradeFault::kLoseRequestBeforeCreate:
      return "LoseRequestBeforeCreate";
    case CoinbaseTradeFault::kServerErrorAfterCreate:
      return "ServerErrorAfterCreate";
    case CoinbaseTradeFault::kRateLimited:
      return "RateLimited";
    case CoinbaseTradeFault::kRefuseWithSuccessFalse:
      return "RefuseWithSuccessFalse";
    case CoinbaseTradeFault::kLagLookups:
      return "LagLookups";
    case CoinbaseTradeFault::kLagFills:
      return "LagFills";
  }
  return "?";
}

namespace {

constexpr int kScale = 8;  // every amount is held at 8 decimals here
constexpr std::string_view kPrefix = "/api/v3/brokerage";

std::int64_t amount(std::string_view text) { return parse_decimal(text, kScale).value_or(-1); }
std::string text(std::int64_t raw) { return format_decimal(raw, kScale); }
std::int64_t times(std::int64_t a, std::int64_t b) {
  return mul_div(a, b, 100'000'000, Rounding::kUp).value_or(0);
}

SimReply json(int status, std::string body) { return SimReply{status, std::move(body), {}}; }

}  // namespace

class CoinbaseTradingSimulator::Impl {
 public:
  explicit Impl(CoinbaseTradingSimulatorOptions options)
      : options_(std::move(options)),
        keys_(options_.public_keys.begin(), options_.public_keys.end()),
        price_(amount(options_.price)),
        server_("coinbase-trading-sim", options_.port,
                [this](const SimRequest& request) { return handle(request); }) {
    for (const auto& [currency, value] : options_.balances) balances_[currency] = amount(value);
    const auto dash = options_.product_id.find('-');
    base_ = options_.product_id.substr(0, dash);
    quote_ = options_.product_id.substr(dash + 1);
    SimWebSocketHandlers handlers;
    handlers.on_message = [this](SimSocketId socket, std::string_view message) {
      on_stream_message(socket, message);
    };
    handlers.on_closed = [this](SimSocketId socket) {
      std::lock_guard lock(mutex_);
      streams_.erase(socket);
    };
    server_.set_websocket_handlers(std::move(handlers));
  }

  bool start(std::string& error) {
    if (!server_.start(error)) return false;
    server_.run_after(options_.heartbeat_interval_us, [this] { heartbeat(); });
    return true;
  }
  void stop() {
    stopping_ = true;
    server_.stop();
  }

  void set_user_stream_available(bool available) {
    std::lock_guard lock(mutex_);
    user_available_ = available;
    if (available) return;
    for (const auto& [socket, stream] : streams_) server_.websocket_drop(socket);
    streams_.clear();
  }
  std::size_t user_streams() const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const auto& [socket, stream] : streams_) count += stream.user ? 1 : 0;
    return count;
  }
  std::size_t user_streams_with_key(const std::string& pem) const {
    std::lock_guard lock(mutex_);
    std::size_t count = 0;
    for (const auto& [socket, stream] : streams_) count += stream.user && stream.key == pem ? 1 : 0;
    return count;
  }
  std::atomic<std::uint64_t> user_subscriptions{0};
  std::uint16_t port() const { return server_.port(); }

  void inject(CoinbaseTradeFault fault, int count) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) faults_.push_back(fault);
  }
  std::size_t faults_pending() const {
    std::lock_guard lock(mutex_);
    return faults_.size();
  }
  void set_price(const std::string& price) {
    std::lock_guard lock(mutex_);
    price_ = amount(price);
    for (Order& order : orders_) {
      if (order.status != "OPEN") continue;
      const bool crosses = order.side == "BUY" ? price_ <= order.limit : price_ >= order.limit;
      if (crosses) {
        fill(order, order.limit, true);
        push(order);
      }
    }
  }
  void add_key(const std::string& pem) {
    std::lock_guard lock(mutex_);
    keys_.push_back(pem);
  }
  void revoke_key(const std::string& pem) {
    std::lock_guard lock(mutex_);
    std::erase(keys_, pem);
  }
  std::map<std::string, int> orders_per_client_id() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, int> counts;
    for (const Order& order : orders_) ++counts[order.client_order_id];
    return counts;
  }
  void set_balance(const std::string& currency, const std::string& value) {
    std::lock_guard lock(mutex_);
    balances_[currency] = amount(value);
  }
  std::string balance(const std::string& currency) const {
    std::lock_guard lock(mutex_);
    const auto found = balances_.find(currency);
    return text(found == balances_.end() ? 0 : found->second);
  }

  std::uint64_t requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  bool wait_for_requests(std::uint64_t count, int timeout_ms) const {
    std::unique_lock lock(mutex_);
    return requests_changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                      [&] { return requests_ >= count; });
  }
  std::string executed_total() const {
    std::lock_guard lock(mutex_);
    std::int64_t total = 0;
    for (const Order& order : orders_) total += order.filled;
    return text(total);
  }

  std::atomic<std::uint64_t> orders_made{0}, create_requests{0}, repeated_creates{0},
      unauthorized{0}, fills{0};

 private:
  struct Fill {
    std::string trade_id;
    std::int64_t price = 0;
    std::int64_t size = 0;
    std::int64_t commission = 0;
    std::int64_t time_ns = 0;
    bool maker = false;
  };
  struct Order {
    std::string order_id;
    std::string client_order_id;
    std::string side;
    std::string configuration;  // market_market_ioc, sor_limit_ioc, limit_limit_gtc
    std::int64_t size = 0;
    std::int64_t limit = 0;  // 0: market
    std::string status = "OPEN";
    std::int64_t filled = 0;
    std::int64_t filled_value = 0;
    std::int64_t fees = 0;
    std::int64_t created_ns = 0;
    std::int64_t visible_after_ns = 0;
    std::int64_t fills_visible_after_ns = 0;
    std::vector<Fill> fills;
  };

  std::optional<CoinbaseTradeFault> take(std::initializer_list<CoinbaseTradeFault> kinds) {
    if (faults_.empty()) return std::nullopt;
    for (const auto kind : kinds) {
      if (faults_.front() == kind) {
        faults_.pop_front();
        return kind;
      }
    }
    return std::nullopt;
  }

  bool authorized(const SimRequest& request, std::string_view path) {
    const std::string_view header = request.header("Authorization");
    if (!header.starts_with("Bearer ")) return false;
    const std::string_view token = header.substr(7);
    const std::string uri = fmt::format("{} 127.0.0.1:{}{}", request.method, port(), path);
    for (const auto& key : keys_) {
      std::string head, claims, error;
      if (!verify_jwt(token, key, head, claims, error)) continue;
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      std::int64_t exp = 0, nbf = 0;
      std::string_view claimed_uri, iss;
      if (parser.parse(claims).get(root) || root["exp"].get(exp) || root["nbf"].get(nbf) ||
          root["uri"].get(claimed_uri) || root["iss"].get(iss)) {
        return false;
      }
      const std::int64_t now_s = wall_ns() / 1'000'000'000;
      return iss == "cdp" && claimed_uri == uri && now_s <= exp && nbf <= now_s + 5;
    }
    return false;
  }

  SimReply with_limits(SimReply reply) {
    reply.headers.push_back({"x-ratelimit-limit", std::to_string(options_.rate_limit_per_second)});
    reply.headers.push_back(
        {"x-ratelimit-remaining",
         reply.status == 429 ? "0" : std::to_string(options_.rate_limit_per_second - 1)});
    reply.headers.push_back({"x-ratelimit-reset", "1"});
    return reply;
  }

  SimReply handle(const SimRequest& request) {
    {
      std::lock_guard lock(mutex_);
      ++requests_;
    }
    requests_changed_.notify_all();
    const std::string_view target = request.target;
    const std::string_view path = target.substr(0, target.find('?'));
    const std::string_view query =
        target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1);
    std::lock_guard lock(mutex_);
    if (path == std::string(kPrefix) + "/market/products") return with_limits(products());
    if (!authorized(request, path)) {
      ++unauthorized;
      return with_limits(json(401, R"({"error":"UNAUTHENTICATED","message":"invalid jwt"})"));
    }
    if (request.method == "POST" && path == std::string(kPrefix) + "/orders")
      return create(request.body);
    if (request.method == "POST" && path == std::string(kPrefix) + "/orders/batch_cancel")
      return with_limits(cancel(request.body));
    if (request.method == "GET" && path == std::string(kPrefix) + "/accounts")
      return with_limits(accounts());
    if (request.method == "GET" && path == std::string(kPrefix) + "/orders/historical/batch")
      return with_limits(list(split_query(query)));
    if (request.method == "GET" && path == std::string(kPrefix) + "/orders/historical/fills")
      return with_limits(fills_of(split_query(query)));
    const std::string order_prefix = std::string(kPrefix) + "/orders/historical/";
    if (request.method == "GET" && path.starts_with(order_prefix)) {
      const std::string id(path.substr(order_prefix.size()));
      for (const Order& order : orders_) {
        if (order.order_id == id && wall_ns() >= order.visible_after_ns)
          return with_limits(json(200, R"({"order":)" + order_json(order) + "}"));
      }
      return with_limits(json(404, R"({"error":"NOT_FOUND","message":"order not found"})"));
    }
    return with_limits(json(404, R"({"error":"NOT_FOUND","message":"no such endpoint"})"));
  }

  struct Stream {
    bool user = false;
    bool heartbeats = false;
    std::uint64_t sequence = 0;
    std::uint64_t heartbeat = 0;
    std::string key;  // the public key whose JWT subscribed it
  };

  // The public key a websocket JWT was signed by ("" when none: refused).
  std::string websocket_key(std::string_view token) const {
    for (const auto& key : keys_) {
      std::string head, claims, error;
      if (!verify_jwt(token, key, head, claims, error)) continue;
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      std::int64_t exp = 0;
      if (parser.parse(claims).get(root) || root["exp"].get(exp)) return {};
      if (root["uri"].error() == simdjson::SUCCESS) return {};  // a REST token
      return wall_ns() / 1'000'000'000 <= exp ? key : std::string();
    }
    return {};
  }

  void send_stream(SimSocketId socket, Stream& stream, std::string_view channel,
                   const std::string& events) {
    server_.websocket_send(
        socket,
        fmt::format(
            R"({{"channel":"{}","client_id":"","timestamp":"{}","sequence_num":{},"events":[{}]}})",
            channel, rfc3339(wall_ns()), stream.sequence++, events));
  }

  std::string user_order_json(const Order& order) const {
    const std::string average =
        order.filled > 0
            ? text(mul_div(order.filled_value, 100'000'000, order.filled, Rounding::kDown)
                       .value_or(0))
            : "0";
    const std::string status = order.status == "OPEN" ? "OPEN" : order.status;
    return fmt::format(
        R"({{"order_id":"{}","client_order_id":"{}","cumulative_quantity":"{}","leaves_quantity":"{}","avg_price":"{}","total_fees":"{}","status":"{}","product_id":"{}","creation_time":"{}","order_side":"{}","order_type":"{}"}})",
        order.order_id, order.client_order_id, text(order.filled),
        text(order.status == "OPEN" ? order.size - order.filled : 0), average, text(order.fees),
        status, options_.product_id, rfc3339(order.created_ns), order.side,
        order.limit > 0 ? "LIMIT" : "MARKET");
  }

  // An order changed: every `user` stream hears of it (mutex_ held).
  void push(const Order& order) {
    const std::string events = R"({"type":"update","orders":[)" + user_order_json(order) + "]}";
    for (auto& [socket, stream] : streams_) {
      if (stream.user) send_stream(socket, stream, "user", events);
    }
  }

  void on_stream_message(SimSocketId socket, std::string_view message) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view type, channel, token;
    if (parser.parse(message).get(root) || root["type"].get(type) || root["channel"].get(channel)) {
      server_.websocket_send(socket, R"({"type":"error","message":"Failed to parse message"})");
      return;
    }
    if (root["jwt"].get(token) != simdjson::SUCCESS) token = {};
    std::lock_guard lock(mutex_);
    const std::string key = websocket_key(token);
    if (!user_available_ || key.empty() || type != "subscribe" ||
        (channel != "user" && channel != "heartbeats")) {
      ++unauthorized;
      server_.websocket_send(socket, R"({"type":"error","message":"authentication failure"})");
      return;
    }
    Stream& stream = streams_[socket];
    stream.key = key;
    if (channel == "user") {
      stream.user = true;
      ++user_subscriptions;
    } else {
      stream.heartbeats = true;
    }
    std::string acknowledged;
    if (stream.heartbeats)
      acknowledged += fmt::format(R"("heartbeats":["{}"])", options_.product_id);
    if (stream.user) {
      acknowledged +=
          fmt::format(R"({}"user":["{}"])", acknowledged.empty() ? "" : ",", options_.product_id);
    }
    send_stream(socket, stream, "subscriptions", R"({"subscriptions":{)" + acknowledged + "}}");
    if (channel == "user") {
      std::string open;
      for (const Order& order : orders_) {
        if (order.status != "OPEN") continue;
        if (!open.empty()) open += ',';
        open += user_order_json(order);
      }
      send_stream(socket, stream, "user", R"({"type":"snapshot","orders":[)" + open + "]}");
    }
  }

  void heartbeat() {
    if (stopping_) return;
    {
      std::lock_guard lock(mutex_);
      for (auto& [socket, stream] : streams_) {
        if (!stream.heartbeats) continue;
        send_stream(socket, stream, "heartbeats",
                    fmt::format(R"({{"current_time":"{}","heartbeat_counter":{}}})",
                                rfc3339(wall_ns()), stream.heartbeat++));
      }
    }
    server_.run_after(options_.heartbeat_interval_us, [this] { heartbeat(); });
  }

  SimReply products() const {
    return json(
        200,
        fmt::format(
            R"({{"products":[{{"product_id":"{}","price":"{}","base_increment":"{}","quote_increment":"{}","base_min_size":"{}","base_max_size":"1000","quote_min_size":"{}","quote_max_size":"10000000","status":"online","trading_disabled":false,"is_disabled":false,"cancel_only":false,"limit_only":false,"post_only":false,"base_currency_id":"{}","quote_currency_id":"{}","product_type":"SPOT"}}],"num_products":1}})",
            options_.product_id, text(price_), options_.base_increment, options_.quote_increment,
            options_.base_min_size, options_.quote_min_size, base_, quote_));
  }

  std::string order_json(const Order& order) const {
    const std::string average =
        order.filled > 0
            ? text(mul_div(order.filled_value, 100'000'000, order.filled, Rounding::kDown)
                       .value_or(0))
            : "0";
    std::string shape = fmt::format(R"("base_size":"{}")", text(order.size));
    if (order.limit > 0) shape += fmt::format(R"(,"limit_price":"{}")", text(order.limit));
    return fmt::format(
        R"({{"order_id":"{}","product_id":"{}","side":"{}","client_order_id":"{}","status":"{}","filled_size":"{}","average_filled_price":"{}","total_fees":"{}","created_time":"{}","order_configuration":{{"{}":{{{}}}}}}})",
        order.order_id, options_.product_id, order.side, order.client_order_id, order.status,
        text(order.filled), average, text(order.fees), rfc3339(order.created_ns),
        order.configuration, shape);
  }

  // What a buy of `size` at `price` may cost with the taker fee.
  std::int64_t cost_of(std::int64_t size, std::int64_t price) const {
    return times(times(size, price), 100'000'000 + amount(options_.taker_fee_rate));
  }

  // What open orders hold of `currency` until they end, as Coinbase puts it on hold: a buy
  // its cost with the fee at its limit, a sell its base.
  std::int64_t on_hold(const std::string& currency) const {
    std::int64_t held = 0;
    for (const Order& order : orders_) {
      if (order.status != "OPEN") continue;
      const std::int64_t remaining = order.size - order.filled;
      if (order.side == "BUY" && currency == quote_) {
        held += cost_of(remaining, order.limit > 0 ? order.limit : price_);
      } else if (order.side == "SELL" && currency == base_) {
        held += remaining;
      }
    }
    return held;
  }

  // Fills `order` entirely at `price` (the simulator keeps no depth).
  void fill(Order& order, std::int64_t price, bool maker) {
    const std::int64_t size = order.size - order.filled;
    const std::int64_t value = times(size, price);
    const std::int64_t fee = times(value, amount(options_.taker_fee_rate));
    if (order.side == "BUY") {
      balances_[quote_] -= value + fee;
      balances_[base_] += size;
    } else {
      balances_[base_] -= size;
      balances_[quote_] += value - fee;
    }
    Fill record{fmt::format("trade-{:012}", ++trade_counter_), price, size, fee, wall_ns(), maker};
    order.fills.push_back(record);
    order.filled += size;
    order.filled_value += value;
    order.fees += fee;
    order.status = "FILLED";
    ++fills;
  }

  SimReply create(const std::string& body) {
    ++create_requests;
    if (take({CoinbaseTradeFault::kLoseRequestBeforeCreate})) {
      SimReply lost;
      lost.close_without_answer = true;
      return lost;
    }
    if (take({CoinbaseTradeFault::kRateLimited}))
      return with_limits(
          json(429, R"({"error":"RATE_LIMIT_EXCEEDED","message":"Too many requests"})"));
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view client_id, product, side;
    simdjson::dom::object configuration;
    if (parser.parse(body).get(root) || root["client_order_id"].get(client_id) ||
        root["product_id"].get(product) || root["side"].get(side) ||
        root["order_configuration"].get(configuration)) {
      return with_limits(json(400, R"({"error":"INVALID_ARGUMENT","message":"malformed order"})"));
    }
    // The documented idempotency: a known client_order_id returns the existing order.
    for (const Order& order : orders_) {
      if (order.client_order_id == client_id) {
        ++repeated_creates;
        return with_limits(json(200, success(order)));
      }
    }
    if (take({CoinbaseTradeFault::kRefuseWithSuccessFalse})) {
      return with_limits(json(
          200,
          R"({"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"","error_response":{"error":"UNKNOWN_FAILURE_REASON","message":"order could not be placed","error_details":""}})"));
    }
    if (product != options_.product_id) return with_limits(failure("INVALID_PRODUCT_ID"));
    Order order;
    order.client_order_id = std::string(client_id);
    order.side = std::string(side);
    for (auto [name, value] : configuration) {
      order.configuration = std::string(name);
      std::string_view size, limit;
      if (value["base_size"].get(size)) return with_limits(failure("INVALID_SIZE"));
      order.size = amount(size);
      if (value["limit_price"].get(limit) == simdjson::SUCCESS) order.limit = amount(limit);
    }
    const std::int64_t increment = amount(options_.base_increment);
    if (order.size < amount(options_.base_min_size) || increment <= 0 ||
        order.size % increment != 0)
      return with_limits(failure("INVALID_SIZE_PRECISION"));
    if (order.limit > 0 && order.limit % amount(options_.quote_increment) != 0)
      return with_limits(failure("INVALID_PRICE_PRECISION"));
    // Out of the available balance: what open orders hold is not available.
    const std::int64_t at = order.limit > 0 ? order.limit : price_;
    if (order.side == "BUY") {
      if (cost_of(order.size, at) > balances_[quote_] - on_hold(quote_))
        return with_limits(failure("INSUFFICIENT_FUND"));
    } else if (order.size > balances_[base_] - on_hold(base_)) {
      return with_limits(failure("INSUFFICIENT_FUND"));
    }
    order.order_id = fmt::format("5f7a{:04x}-0000-4000-8000-{:012x}", orders_.size() & 0xffff,
                                 orders_.size() + 1);
    order.created_ns = wall_ns();
    if (take({CoinbaseTradeFault::kLagLookups}))
      order.visible_after_ns = order.created_ns + options_.lag_ms * 1'000'000;
    if (take({CoinbaseTradeFault::kLagFills}))
      order.fills_visible_after_ns = order.created_ns + options_.lag_ms * 1'000'000;
    const bool marketable =
        order.limit == 0 || (order.side == "BUY" ? order.limit >= price_ : order.limit <= price_);
    if (marketable) {
      fill(order, price_, false);
    } else if (order.configuration != "limit_limit_gtc") {
      order.status = "CANCELLED";  // an IOC that could not fill
    }
    orders_.push_back(order);
    ++orders_made;
    push(orders_.back());
    const auto after = take(
        {CoinbaseTradeFault::kLoseAnswerAfterCreate, CoinbaseTradeFault::kServerErrorAfterCreate});
    if (after == CoinbaseTradeFault::kLoseAnswerAfterCreate) {
      SimReply lost;
      lost.close_without_answer = true;
      lost.reset = true;
      return lost;
    }
    if (after == CoinbaseTradeFault::kServerErrorAfterCreate)
      return with_limits(json(503, R"({"error":"UNAVAILABLE","message":"try again"})"));
    return with_limits(json(200, success(orders_.back())));
  }

  std::string success(const Order& order) const {
    return fmt::format(
        R"({{"success":true,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"{}","success_response":{{"order_id":"{}","product_id":"{}","side":"{}","client_order_id":"{}"}},"order_configuration":{{}}}})",
        order.order_id, order.order_id, options_.product_id, order.side, order.client_order_id);
  }

  SimReply failure(std::string_view reason) const {
    return json(
        200,
        fmt::format(
            R"({{"success":false,"failure_reason":"UNKNOWN_FAILURE_REASON","order_id":"","error_response":{{"error":"{}","message":"{}","error_details":"","new_order_failure_reason":"{}"}}}})",
            reason, reason, reason));
  }

  SimReply cancel(const std::string& body) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    simdjson::dom::array ids;
    if (parser.parse(body).get(root) || root["order_ids"].get(ids))
      return json(400, R"({"error":"INVALID_ARGUMENT","message":"malformed cancel"})");
    std::string results;
    for (auto entry : ids) {
      std::string_view id;
      if (entry.get(id)) continue;
      bool done = false;
      for (Order& order : orders_) {
        if (order.order_id != id) continue;
        done = order.status == "OPEN";
        if (done) {
          order.status = "CANCELLED";
          push(order);
        }
      }
      if (!results.empty()) results += ',';
      results += fmt::format(R"({{"success":{},"failure_reason":"{}","order_id":"{}"}})",
                             done ? "true" : "false",
                             done ? "UNKNOWN_CANCEL_FAILURE_REASON" : "UNKNOWN_CANCEL_ORDER", id);
    }
    return json(200, R"({"results":[)" + results + "]}");
  }

  SimReply accounts() const {
    std::string list;
    for (const auto& [currency, value] : balances_) {
      if (!list.empty()) list += ',';
      const std::int64_t hold = on_hold(currency);
      list += fmt::format(
          R"({{"uuid":"acct-{}","name":"{} Wallet","currency":"{}","available_balance":{{"value":"{}","currency":"{}"}},"default":false,"active":true,"type":"ACCOUNT_TYPE_CRYPTO","ready":true,"hold":{{"value":"{}","currency":"{}"}}}})",
          currency, currency, currency, text(value - hold), currency, text(hold), currency);
    }
    return json(200, R"({"accounts":[)" + list + R"(],"has_next":false,"cursor":"","size":)" +
                         std::to_string(balances_.size()) + "}");
  }

  static std::string_view param(const std::vector<std::pair<std::string, std::string>>& params,
                                std::string_view name) {
    for (const auto& [key, value] : params) {
      if (key == name) return value;
    }
    return {};
  }

  SimReply list(const std::vector<std::pair<std::string, std::string>>& params) const {
    const std::string_view status = param(params, "order_status");
    const std::string_view start = param(params, "start_date");
    const std::int64_t since = start.empty() ? 0 : parse_utc_timestamp(start).value_or(0);
    std::size_t limit = 100;
    if (const auto text_limit = param(params, "limit"); !text_limit.empty())
      limit = std::max<std::size_t>(1, std::stoul(std::string(text_limit)));
    std::size_t offset = 0;
    if (const auto cursor = param(params, "cursor"); !cursor.empty())
      offset = std::stoul(std::string(cursor));
    std::vector<const Order*> matching;
    const std::int64_t now = wall_ns();
    // Newest first, as Coinbase lists them.
    for (auto it = orders_.rbegin(); it != orders_.rend(); ++it) {
      if (now < it->visible_after_ns || it->created_ns < since) continue;
      if (!status.empty() && it->status != status) continue;
      matching.push_back(&*it);
    }
    std::string list;
    for (std::size_t i = offset; i < matching.size() && i < offset + limit; ++i) {
      if (!list.empty()) list += ',';
      list += order_json(*matching[i]);
    }
    const bool more = offset + limit < matching.size();
    return json(200,
                fmt::format(R"({{"orders":[{}],"sequence":"0","has_next":{},"cursor":"{}"}})", list,
                            more ? "true" : "false", more ? std::to_string(offset + limit) : ""));
  }

  SimReply fills_of(const std::vector<std::pair<std::string, std::string>>& params) const {
    const std::string_view order_id = param(params, "order_ids");
    std::string list;
    const std::int64_t now = wall_ns();
    for (const Order& order : orders_) {
      if (!order_id.empty() && order.order_id != order_id) continue;
      if (now < order.fills_visible_after_ns || now < order.visible_after_ns) continue;
      for (const Fill& fill : order.fills) {
        if (!list.empty()) list += ',';
        list += fmt::format(
            R"({{"entry_id":"{}","trade_id":"{}","order_id":"{}","trade_time":"{}","trade_type":"FILL","price":"{}","size":"{}","commission":"{}","product_id":"{}","sequence_timestamp":"{}","liquidity_indicator":"{}","size_in_quote":false,"user_id":"sim","side":"{}"}})",
            fill.trade_id, fill.trade_id, order.order_id, rfc3339(fill.time_ns), text(fill.price),
            text(fill.size), text(fill.commission), options_.product_id, rfc3339(fill.time_ns),
            fill.maker ? "MAKER" : "TAKER", order.side);
      }
    }
    return json(200, R"({"fills":[)" + list + R"(],"cursor":""})");
  }

  CoinbaseTradingSimulatorOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::string> keys_;
  std::int64_t price_;
  std::map<std::string, std::int64_t> balances_;
  std::string base_;
  std::string quote_;
  std::vector<Order> orders_;
  std::deque<CoinbaseTradeFault> faults_;
  std::uint64_t trade_counter_ = 0;
  std::uint64_t requests_ = 0;
  mutable std::condition_variable requests_changed_;
  std::map<SimSocketId, Stream> streams_;
  bool user_available_ = true;
  std::atomic<bool> stopping_{false};
  LoopbackHttpServer server_;  // last: stops before the state above goes
};

CoinbaseTradingSimulator::CoinbaseTradingSimulator(CoinbaseTradingSimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
CoinbaseTradingSimulator::~CoinbaseTradingSimulator() { impl_->stop(); }
bool CoinbaseTradingSimulator::start(std::string& error) { return impl_->start(error); }
void CoinbaseTradingSimulator::stop() { impl_->stop(); }
std::uint16_t CoinbaseTradingSimulator::port() const { return impl_->port(); }
std::string CoinbaseTradingSimulator::url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}
void CoinbaseTradingSimulator::inject(CoinbaseTradeFault fault, int count) {
  impl_->inject(fault, count);
}
std::size_t CoinbaseTradingSimulator::faults_pending() const { return impl_->faults_pending(); }
void CoinbaseTradingSimulator::set_price(const std::string& price) { impl_->set_price(price); }
void CoinbaseTradingSimulator::add_key(const std::string& pem) { impl_->add_key(pem); }
void CoinbaseTradingSimulator::revoke_key(const std::string& pem) { impl_->revoke_key(pem); }
std::uint64_t CoinbaseTradingSimulator::orders_made() const { return impl_->orders_made.load(); }
std::uint64_t CoinbaseTradingSimulator::create_requests() const {
  return impl_->create_requests.load();
}
std::uint64_t CoinbaseTradingSimulator::repeated_creates() const {
  return impl_->repeated_creates.load();
}
std::uint64_t CoinbaseTradingSimulator::unauthorized() const { return impl_->unauthorized.load(); }
std::uint64_t CoinbaseTradingSimulator::fills() const { return impl_->fills.load(); }
std::map<std::string, int> CoinbaseTradingSimulator::orders_per_client_id() const {
  return impl_->orders_per_client_id();
}
void CoinbaseTradingSimulator::set_balance(const std::string& currency, const std::string& value) {
  impl_->set_balance(currency, value);
}
std::string CoinbaseTradingSimulator::balance(const std::string& currency) const {
  return impl_->balance(currency);
}

std::uint64_t CoinbaseTradingSimulator::requests() const { return impl_->requests(); }
bool CoinbaseTradingSimulator::wait_for_requests(std::uint64_t count, int timeout_ms) const {
  return impl_->wait_for_requests(count, timeout_ms);
}
std::string CoinbaseTradingSimulator::executed_total() const { return impl_->executed_total(); }

void CoinbaseTradingSimulator::set_user_stream_available(bool available) {
  impl_->set_user_stream_available(available);
}
std::size_t CoinbaseTradingSimulator::user_streams() const { return impl_->user_streams(); }
std::uint64_t CoinbaseTradingSimulator::user_subscriptions() const {
  return impl_->user_subscriptions.load();
}
std::size_t CoinbaseTradingSimulator::user_streams_with_key(const std::string& pem) const {
  return impl_->user_streams_with_key(pem);
}

}  // namespace sigex
