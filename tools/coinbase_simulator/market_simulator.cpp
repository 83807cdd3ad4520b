#include "tools/coinbase_simulator/market_simulator.h"

#include <atomic>
#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <set>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/coinbase/signer.h"
#include "engine/core/calendar.h"
#include "tools/coinbase_simulator/wall_clock.h"
#include "tools/sim_http/loopback_http_server.h"

namespace sigex {

std::string_view to_string(CoinbaseFeedFault fault) {
  switch (fault) {
    case CoinbaseFeedFault::kDropConnection:
      return "DropConnection";
    case CoinbaseFeedFault::kSkipMessage:
      return "SkipMessage";
    case CoinbaseFeedFault::kSkipHeartbeat:
      return "SkipHeartbeat";
    case CoinbaseFeedFault::kMalformedFrame:
      return "MalformedFrame";
    case CoinbaseFeedFault::kIgnoreSubscribe:
      return "IgnoreSubscribe";
  }
  return "?";
}

namespace {

std::string price_text(std::int64_t cents) {
  return fmt::format("{}.{:02}", cents / 100, cents % 100);
}
std::string size_text(std::int64_t units) {
  if (units == 0) return "0";
  return fmt::format("{}.{:08}", units / 100'000'000, units % 100'000'000);
}

}  // namespace

class CoinbaseMarketSimulator::Impl {
 public:
  explicit Impl(CoinbaseMarketSimulatorOptions options)
      : options_(std::move(options)),
        random_(options_.seed),
        server_("coinbase-market-sim", options_.port,
                [this](const SimRequest& request) { return products(request); }) {
    for (const auto& product : options_.products) {
      Book book;
      for (int i = 1; i <= product.levels; ++i) {
        book.bids[product.mid_cents - i] = std::int64_t{1'000'000} * i;
        book.asks[product.mid_cents + i] = std::int64_t{1'000'000} * i;
      }
      books_[product.product_id] = std::move(book);
    }
    SimWebSocketHandlers handlers;
    handlers.on_open = [this](SimSocketId socket, std::string_view) { on_open(socket); };
    handlers.on_message = [this](SimSocketId socket, std::string_view message) {
      on_message(socket, message);
    };
    handlers.on_closed = [this](SimSocketId socket) {
      std::lock_guard lock(mutex_);
      sockets_.erase(socket);
    };
    server_.set_websocket_handlers(std::move(handlers));
  }

  bool start(std::string& error) {
    if (!server_.start(error)) return false;
    server_.run_after(options_.update_interval_us, [this] { step(); });
    server_.run_after(options_.heartbeat_interval_us, [this] { heartbeat(); });
    return true;
  }
  void stop() {
    stopping_.store(true);
    server_.stop();
  }
  std::uint16_t port() const { return server_.port(); }

  void inject(CoinbaseFeedFault fault, int count) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) faults_.push_back(fault);
  }
  std::size_t faults_pending() const {
    std::lock_guard lock(mutex_);
    return faults_.size();
  }
  void stall(bool stalled) { stalled_.store(stalled); }

  std::map<std::string, std::string> book(std::string_view product_id, bool bids) const {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::string> out;
    const auto found = books_.find(std::string(product_id));
    if (found == books_.end()) return out;
    for (const auto& [price, size] : bids ? found->second.bids : found->second.asks)
      out[price_text(price)] = size_text(size);
    return out;
  }

  std::atomic<std::uint64_t> messages_sent{0}, connections{0}, subscribes{0}, unsubscribes{0},
      snapshots_sent{0}, jwt_refusals{0}, updates{0}, signed_subscribes{0};

 private:
  struct Book {
    std::map<std::int64_t, std::int64_t> bids;  // cents -> units of 1e-8
    std::map<std::int64_t, std::int64_t> asks;
  };
  struct Socket {
    std::uint64_t sequence = 0;
    std::uint64_t heartbeat = 0;
    bool subscribed_any = false;
    std::map<std::string, std::set<std::string>> channels;  // channel -> products
  };

  // The I/O thread: every handler below runs there (mutex_ guards what tests read).
  void on_open(SimSocketId socket) {
    ++connections;
    {
      std::lock_guard lock(mutex_);
      sockets_[socket] = Socket{};
      newest_socket_ = socket;
    }
    server_.run_after(options_.subscribe_deadline_us, [this, socket] {
      std::lock_guard lock(mutex_);
      const auto found = sockets_.find(socket);
      if (found != sockets_.end() && !found->second.subscribed_any) {
        sockets_.erase(found);
        server_.websocket_drop(socket);
      }
    });
  }

  // GET /api/v3/brokerage/market/products (public): each product's trading rules.
  SimReply products(const SimRequest& request) const {
    if (!request.target.starts_with("/api/v3/brokerage/market/products"))
      return SimReply{404, R"({"error":"NOT_FOUND","message":"no such endpoint"})", {}};
    std::string list;
    for (const auto& product : options_.products) {
      const auto dash = product.product_id.find('-');
      if (!list.empty()) list += ',';
      list += fmt::format(
          R"({{"product_id":"{}","price":"{}","base_increment":"0.00000001","quote_increment":"0.01","base_min_size":"0.00001","base_max_size":"1000","quote_min_size":"1","quote_max_size":"10000000","status":"online","trading_disabled":false,"is_disabled":false,"cancel_only":false,"limit_only":false,"post_only":false,"base_currency_id":"{}","quote_currency_id":"{}","product_type":"SPOT"}})",
          product.product_id, price_text(product.mid_cents), product.product_id.substr(0, dash),
          product.product_id.substr(dash + 1));
    }
    return SimReply{
        200,
        fmt::format(R"({{"products":[{}],"num_products":{}}})", list, options_.products.size()),
        {}};
  }

  // A fault happens on the connection the client uses now, the newest: not on one it has
  // already left whose close the server has not seen yet (the fault would be lost there).
  std::optional<CoinbaseFeedFault> take_fault(SimSocketId socket, bool market_message) {
    if (!market_message || faults_.empty() || socket != newest_socket_) return std::nullopt;
    const CoinbaseFeedFault next = faults_.front();
    if (next != CoinbaseFeedFault::kSkipMessage && next != CoinbaseFeedFault::kMalformedFrame &&
        next != CoinbaseFeedFault::kDropConnection) {
      return std::nullopt;  // a heartbeat's or a subscription's fault waits for its message
    }
    faults_.pop_front();
    return next;
  }

  // A subscribe without a JWT is accepted (the public channels need none); one with a JWT
  // must be signed by a registered key (when any is), unexpired and without a uri claim.
  bool jwt_valid(std::string_view token) {
    if (token.empty() || options_.public_keys.empty()) return true;
    for (const auto& key : options_.public_keys) {
      std::string header, claims, error;
      if (!verify_jwt(token, key, header, claims, error)) continue;
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      if (parser.parse(claims).get(root)) return false;
      std::int64_t exp = 0, nbf = 0;
      std::string_view iss;
      if (root["exp"].get(exp) || root["nbf"].get(nbf) || root["iss"].get(iss)) return false;
      const std::int64_t now_s = wall_ns() / 1'000'000'000;
      if (iss != "cdp" || now_s > exp || nbf > now_s + 5) return false;
      if (root["uri"].error() == simdjson::SUCCESS) return false;  // REST tokens only
      return true;
    }
    return false;
  }

  void on_message(SimSocketId socket, std::string_view message) {
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    std::string_view type, channel;
    if (parser.parse(message).get(root) || root["type"].get(type) || root["channel"].get(channel)) {
      server_.websocket_send(socket, R"({"type":"error","message":"Failed to parse message"})");
      return;
    }
    std::string_view token;
    if (root["jwt"].get(token) != simdjson::SUCCESS) token = {};
    std::lock_guard lock(mutex_);
    const auto found = sockets_.find(socket);
    if (found == sockets_.end()) return;
    Socket& state = found->second;
    if (!faults_.empty() && faults_.front() == CoinbaseFeedFault::kIgnoreSubscribe &&
        type == "subscribe") {
      faults_.pop_front();
      return;
    }
    if (!jwt_valid(token)) {
      ++jwt_refusals;
      server_.websocket_send(socket, R"({"type":"error","message":"authentication failure"})");
      return;
    }
    std::vector<std::string> products;
    simdjson::dom::array ids;
    if (!root["product_ids"].get(ids)) {
      for (auto id : ids) {
        std::string_view text;
        if (!id.get(text)) products.emplace_back(text);
      }
    }
    const std::string name(channel);
    if (name != "heartbeats" && name != "level2" && name != "ticker" && name != "market_trades") {
      server_.websocket_send(socket, R"({"type":"error","message":"unknown channel"})");
      return;
    }
    if (type == "subscribe") {
      ++subscribes;
      if (!token.empty()) ++signed_subscribes;
      state.subscribed_any = true;
      for (const auto& product : products) state.channels[name].insert(product);
    } else if (type == "unsubscribe") {
      ++unsubscribes;
      for (const auto& product : products) state.channels[name].erase(product);
    } else {
      server_.websocket_send(socket, R"({"type":"error","message":"unknown type"})");
      return;
    }
    send(socket, state, "subscriptions", subscriptions_event(state));
    if (type == "subscribe" && name == "level2") {
      for (const auto& product : products) {
        const auto book = books_.find(product);
        if (book == books_.end()) continue;
        ++snapshots_sent;
        send(socket, state, "l2_data", snapshot_event(product, book->second));
      }
    }
  }

  std::string subscriptions_event(const Socket& state) const {
    std::string text = R"({"subscriptions":{)";
    bool first = true;
    for (const auto& [channel, products] : state.channels) {
      if (products.empty()) continue;
      text += fmt::format(R"({}"{}":[)", first ? "" : ",", channel);
      bool first_product = true;
      for (const auto& product : products) {
        text += fmt::format(R"({}"{}")", first_product ? "" : ",", product);
        first_product = false;
      }
      text += ']';
      first = false;
    }
    return text + "}}";
  }

  std::string snapshot_event(const std::string& product, const Book& book) const {
    std::string updates;
    for (auto it = book.bids.rbegin(); it != book.bids.rend(); ++it) {
      if (!updates.empty()) updates += ',';
      updates += fmt::format(
          R"({{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"{}","new_quantity":"{}"}})",
          price_text(it->first), size_text(it->second));
    }
    for (const auto& [price, size] : book.asks) {
      if (!updates.empty()) updates += ',';
      updates += fmt::format(
          R"({{"side":"offer","event_time":"1970-01-01T00:00:00Z","price_level":"{}","new_quantity":"{}"}})",
          price_text(price), size_text(size));
    }
    return fmt::format(R"({{"type":"snapshot","product_id":"{}","updates":[{}]}})", product,
                       updates);
  }

  // One message on `socket` with the next sequence number (mutex_ held).
  void send(SimSocketId socket, Socket& state, std::string_view channel, const std::string& event,
            bool market = false) {
    const std::uint64_t sequence = state.sequence++;
    const auto fault = take_fault(socket, market);
    if (fault == CoinbaseFeedFault::kSkipMessage) return;
    if (fault == CoinbaseFeedFault::kDropConnection) {
      sockets_.erase(socket);
      server_.websocket_drop(socket);
      return;
    }
    std::string text = fmt::format(
        R"({{"channel":"{}","client_id":"","timestamp":"{}","sequence_num":{},"events":[{}]}})",
        channel, rfc3339(wall_ns()), sequence, event);
    if (fault == CoinbaseFeedFault::kMalformedFrame) text.resize(text.size() / 2);
    ++messages_sent;
    server_.websocket_send(socket, std::move(text));
  }

  // Sends `event` on every socket subscribed to `channel` for `product` (mutex_ held).
  void broadcast(const std::string& channel, std::string_view message_channel,
                 const std::string& product, const std::string& event) {
    std::vector<SimSocketId> targets;
    for (auto& [socket, state] : sockets_) {
      const auto subscribed = state.channels.find(channel);
      if (subscribed != state.channels.end() && subscribed->second.contains(product))
        targets.push_back(socket);
    }
    for (const SimSocketId socket : targets) {
      const auto found = sockets_.find(socket);
      if (found != sockets_.end()) send(socket, found->second, message_channel, event, true);
    }
  }

  void step() {
    if (stopping_.load()) return;
    if (!stalled_.load() && !options_.products.empty()) {
      std::lock_guard lock(mutex_);
      const auto& product = options_.products[random_() % options_.products.size()].product_id;
      Book& book = books_[product];
      std::string levels;
      const auto count = 1 + random_() % 3;
      for (std::size_t i = 0; i < count; ++i) {
        const bool bid = random_() % 2 == 0;
        auto& side = bid ? book.bids : book.asks;
        const std::int64_t best_other = bid ? book.asks.begin()->first : book.bids.rbegin()->first;
        std::int64_t price = bid ? best_other - 1 - static_cast<std::int64_t>(random_() % 10)
                                 : best_other + 1 + static_cast<std::int64_t>(random_() % 10);
        std::int64_t size = random_() % 4 == 0 && side.size() > 3
                                ? 0
                                : 100'000 * static_cast<std::int64_t>(1 + random_() % 1000);
        if (size == 0 && !side.contains(price))
          price = bid ? side.begin()->first : side.rbegin()->first;
        if (size == 0) {
          side.erase(price);
        } else {
          side[price] = size;
        }
        if (!levels.empty()) levels += ',';
        levels += fmt::format(
            R"({{"side":"{}","event_time":"{}","price_level":"{}","new_quantity":"{}"}})",
            bid ? "bid" : "offer", rfc3339(wall_ns()), price_text(price), size_text(size));
      }
      ++updates_count_;
      updates.store(updates_count_);
      broadcast(
          "level2", "l2_data", product,
          fmt::format(R"({{"type":"update","product_id":"{}","updates":[{}]}})", product, levels));
      const auto bid = book.bids.rbegin();
      const auto ask = book.asks.begin();
      broadcast(
          "ticker", "ticker", product,
          fmt::format(
              R"({{"type":"update","tickers":[{{"type":"ticker","product_id":"{}","price":"{}","volume_24_h":"1000","low_24_h":"1","high_24_h":"99999","low_52_w":"1","high_52_w":"99999","price_percent_chg_24_h":"0","best_bid":"{}","best_bid_quantity":"{}","best_ask":"{}","best_ask_quantity":"{}"}}]}})",
              product, price_text(bid->first), price_text(bid->first), size_text(bid->second),
              price_text(ask->first), size_text(ask->second)));
      if (options_.trade_every > 0 && updates_count_ % options_.trade_every == 0) {
        const bool maker_buy = random_() % 2 == 0;
        broadcast(
            "market_trades", "market_trades", product,
            fmt::format(
                R"({{"type":"update","trades":[{{"trade_id":"{}","product_id":"{}","price":"{}","size":"0.001","side":"{}","time":"{}"}}]}})",
                ++trade_id_, product, price_text(maker_buy ? bid->first : ask->first),
                maker_buy ? "BUY" : "SELL", rfc3339(wall_ns())));
      }
    }
    server_.run_after(options_.update_interval_us, [this] { step(); });
  }

  void heartbeat() {
    if (stopping_.load()) return;
    if (!stalled_.load()) {
      std::lock_guard lock(mutex_);
      std::vector<SimSocketId> targets;
      for (auto& [socket, state] : sockets_) {
        if (state.channels.contains("heartbeats") && !state.channels["heartbeats"].empty())
          targets.push_back(socket);
      }
      for (const SimSocketId socket : targets) {
        auto found = sockets_.find(socket);
        if (found == sockets_.end()) continue;
        Socket& state = found->second;
        const std::uint64_t counter = state.heartbeat++;
        if (!faults_.empty() && faults_.front() == CoinbaseFeedFault::kSkipHeartbeat &&
            socket == newest_socket_) {
          faults_.pop_front();
          continue;
        }
        send(socket, state, "heartbeats",
             fmt::format(R"({{"current_time":"{}","heartbeat_counter":{}}})", rfc3339(wall_ns()),
                         counter));
      }
    }
    server_.run_after(options_.heartbeat_interval_us, [this] { heartbeat(); });
  }

  CoinbaseMarketSimulatorOptions options_;
  std::mt19937_64 random_;
  mutable std::mutex mutex_;
  std::map<std::string, Book> books_;
  std::map<SimSocketId, Socket> sockets_;
  SimSocketId newest_socket_{};  // where injected faults happen
  std::deque<CoinbaseFeedFault> faults_;
  std::uint64_t updates_count_ = 0;
  std::uint64_t trade_id_ = 0;
  std::atomic<bool> stalled_{false};
  std::atomic<bool> stopping_{false};
  LoopbackHttpServer server_;  // last: its I/O thread stops before the state above goes
};

CoinbaseMarketSimulator::CoinbaseMarketSimulator(CoinbaseMarketSimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
CoinbaseMarketSimulator::~CoinbaseMarketSimulator() { impl_->stop(); }
bool CoinbaseMarketSimulator::start(std::string& error) { return impl_->start(error); }
void CoinbaseMarketSimulator::stop() { impl_->stop(); }
std::uint16_t CoinbaseMarketSimulator::port() const { return impl_->port(); }
std::string CoinbaseMarketSimulator::url() const {
  return "ws://127.0.0.1:" + std::to_string(port());
}
void CoinbaseMarketSimulator::inject(CoinbaseFeedFault fault, int count) {
  impl_->inject(fault, count);
}
std::size_t CoinbaseMarketSimulator::faults_pending() const { return impl_->faults_pending(); }
void CoinbaseMarketSimulator::stall(bool stalled) { impl_->stall(stalled); }
std::uint64_t CoinbaseMarketSimulator::messages_sent() const { return impl_->messages_sent.load(); }
std::uint64_t CoinbaseMarketSimulator::connections() const { return impl_->connections.load(); }
std::uint64_t CoinbaseMarketSimulator::subscribes() const { return impl_->subscribes.load(); }
std::uint64_t CoinbaseMarketSimulator::unsubscribes() const { return impl_->unsubscribes.load(); }
std::uint64_t CoinbaseMarketSimulator::snapshots_sent() const {
  return impl_->snapshots_sent.load();
}
std::uint64_t CoinbaseMarketSimulator::jwt_refusals() const { return impl_->jwt_refusals.load(); }
std::uint64_t CoinbaseMarketSimulator::signed_subscribes() const {
  return impl_->signed_subscribes.load();
}
std::uint64_t CoinbaseMarketSimulator::updates() const { return impl_->updates.load(); }
std::map<std::string, std::string> CoinbaseMarketSimulator::book(std::string_view product_id,
                                                                 bool bids) const {
  return impl_->book(product_id, bids);
}

}  // namespace sigex
