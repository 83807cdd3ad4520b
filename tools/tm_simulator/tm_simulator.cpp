#include "tools/tm_simulator/tm_simulator.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <chrono>
#include <ctime>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/net/digest.h"
#include "adapters/x402/payment.h"
#include "adapters/x402/wallet.h"

#include "adapters/recorded/recorded_file.h"
#include "engine/core/calendar.h"
#include "tools/sim_http/loopback_http_server.h"

namespace sigex {

namespace {

struct Item {
  std::int64_t token_id = 0;
  TimeNs time_ns = 0;  // 0: the item has no DATE/TIMESTAMP
  std::string json;
};

struct Query {
  std::string endpoint;
  std::map<std::string, std::string> params;
};

bool parse_target(std::string_view target, Query& query) {
  const auto question = target.find('?');
  std::string_view path = target.substr(0, question);
  if (!path.starts_with("/v2/")) return false;
  query.endpoint = std::string(path.substr(4));
  if (question == std::string_view::npos) return true;
  for (auto& [name, value] : split_query(target.substr(question + 1)))
    query.params[name] = std::move(value);
  return true;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) parts.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

bool is_latest_endpoint(const std::string& endpoint) { return endpoint == "tm-grade"; }

const std::set<std::string>& known_endpoints() {
  static const std::set<std::string> endpoints = {
      "trading-signals", "hourly-trading-signals", "tm-grade", "tm-grade-history", "trader-grades",
      "tokens",          "top-market-cap-tokens"};
  return endpoints;
}

using Reply = SimReply;

std::string envelope(const std::vector<const std::string*>& items) {
  std::string body = R"({"success":true,"message":"Data fetched successfully","length":)" +
                     std::to_string(items.size()) + R"(,"data":[)";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) body += ',';
    body += *items[i];
  }
  body += "]}";
  return body;
}

Reply error_reply(int status, std::string_view message) {
  Reply reply;
  reply.status = status;
  reply.body = std::string(R"({"success":false,"message":")") + std::string(message) + "\"}";
  return reply;
}

}  // namespace

class TmSimulator::Impl {
 public:
  explicit Impl(TmSimulatorOptions options)
      : options_(std::move(options)),
        server_("Token Metrics simulator", options_.port,
                [this](const SimRequest& request) { return handle(request); }) {
    accepted_.insert(options_.api_key);
  }
  ~Impl() { stop(); }

  bool start(std::string& error) { return server_.start(error); }
  void stop() { server_.stop(); }
  std::uint16_t port() const { return server_.port(); }
  std::uint64_t connections() const { return server_.connections(); }

  bool add_item(const std::string& endpoint, const std::string& json, std::string& error) {
    if (!known_endpoints().contains(endpoint)) {
      error = "unknown endpoint " + endpoint;
      return false;
    }
    simdjson::dom::parser parser;
    simdjson::dom::element element;
    if (parser.parse(json).get(element) || !element.is_object()) {
      error = "fixture item is not a JSON object: " + json.substr(0, 80);
      return false;
    }
    Item item;
    item.json = json;
    const auto object = element.get_object().value();
    for (auto [key, value] : object) {
      if (iequal(key, "TOKEN_ID")) {
        std::int64_t id = 0;
        if (value.get_int64().get(id)) {
          std::string_view text;
          if (value.get_string().get(text)) return (error = "TOKEN_ID is not a number", false);
          id = std::stoll(std::string(text));
        }
        item.token_id = id;
      } else if (iequal(key, "DATE") || iequal(key, "TIMESTAMP")) {
        std::string_view text;
        if (value.get_string().get(text)) return (error = "DATE is not a string", false);
        const auto time = parse_utc_timestamp(text);
        if (!time) return (error = "bad DATE " + std::string(text), false);
        item.time_ns = *time;
        if (date_shift_ns_ != 0) {
          item.time_ns += date_shift_ns_;
          const std::string old_value = "\"" + std::string(text) + "\"";
          const std::string new_value = "\"" +
                                        (text.size() == 10 ? format_utc_date(item.time_ns)
                                                           : format_utc_timestamp(item.time_ns)) +
                                        "\"";
          const auto key_at = item.json.find(std::string("\"") + std::string(key) + "\"");
          const auto value_at = item.json.find(old_value, key_at);
          if (key_at != std::string::npos && value_at != std::string::npos)
            item.json.replace(value_at, old_value.size(), new_value);
        }
      }
    }
    if (item.token_id == 0) return (error = "fixture item without TOKEN_ID", false);
    if (item.time_ns == 0 && !is_latest_endpoint(endpoint) && endpoint != "tokens" &&
        endpoint != "top-market-cap-tokens") {
      return (error = "fixture item without DATE/TIMESTAMP", false);
    }
    std::lock_guard lock(mutex_);
    items_[endpoint].push_back(std::move(item));
    return true;
  }

  std::int64_t date_shift_ns_ = 0;

  bool load_recorded(const std::string& endpoint, const std::string& path, std::string& error) {
    RecordedFile file(path);
    if (!file.ok()) return (error = file.error(), false);
    InputProblems problems;
    RecordedLine line;
    simdjson::dom::parser parser;
    while (file.next(line, problems)) {
      simdjson::dom::element root;
      if (parser.parse(line.frame.data(), line.frame.size()).get(root)) continue;
      simdjson::dom::array data;
      if (root["data"].get_array().get(data)) continue;
      for (auto element : data) {
        if (!add_item(endpoint, simdjson::minify(element), error)) return false;
      }
    }
    return true;
  }

  void add_token(TmToken token) {
    std::lock_guard lock(mutex_);
    tokens_.push_back(std::move(token));
  }

  void inject(TmFaultSpec fault, int count) {
    std::lock_guard lock(mutex_);
    for (int i = 0; i < count; ++i) faults_.push_back(fault);
  }

  void clear_faults() {
    std::lock_guard lock(mutex_);
    faults_.clear();
  }

  std::atomic<bool> repeat_pages{false};
  std::atomic<std::uint64_t> requests{0};

  std::vector<TmRequestLog> request_log() const {
    std::lock_guard lock(mutex_);
    return log_;
  }
  std::vector<TmPayment> payments() const {
    std::lock_guard lock(mutex_);
    return payments_;
  }
  void set_x402_price(std::int64_t price) {
    std::lock_guard lock(mutex_);
    options_.x402.price = price;
  }

  std::vector<std::string> keys_seen() const {
    std::lock_guard lock(mutex_);
    return {keys_.begin(), keys_.end()};
  }
  void add_api_key(const std::string& key) {
    std::lock_guard lock(mutex_);
    accepted_.insert(key);
    revoked_.erase(key);
  }
  void revoke_api_key(const std::string& key) {
    std::lock_guard lock(mutex_);
    accepted_.erase(key);
    revoked_.insert(key);
  }
  std::uint64_t requests_with_key(const std::string& key) const {
    std::lock_guard lock(mutex_);
    const auto found = per_key_.find(key);
    return found == per_key_.end() ? 0 : found->second;
  }
  std::uint64_t requests_with_revoked_key() const {
    std::lock_guard lock(mutex_);
    return with_revoked_;
  }

 private:
  Reply handle(const SimRequest& request) {
    ++requests;
    std::optional<TmFaultSpec> fault;
    std::lock_guard lock(mutex_);
    const std::string_view key = request.header(options_.key_header);
    if (!key.empty()) keys_.insert(std::string(key));
    ++per_key_[std::string(key)];
    if (revoked_.contains(std::string(key))) ++with_revoked_;
    if (!faults_.empty()) {
      fault = faults_.front();
      faults_.pop_front();
    }
    Reply reply = answer(request, key, fault);
    log_.push_back({request.target, reply.status});
    return reply;
  }

  Reply payment_required(std::string_view error, std::string_view pay_to) const {
    const TmX402Options& x402 = options_.x402;
    Reply reply;
    reply.status = 402;
    reply.body = fmt::format(
        R"({{"x402Version":1,"error":"{}","accepts":[{{"scheme":"exact","network":"{}",)"
        R"("maxAmountRequired":"{}","asset":"{}","payTo":"{}","resource":"https://api.tokenmetrics.com/v2",)"
        R"("description":"Token Metrics API call","mimeType":"application/json",)"
        R"("maxTimeoutSeconds":60,"extra":{{"name":"{}","version":"{}"}}}}]}})",
        error, x402.network, x402.price, x402.asset, pay_to, x402.token_name, x402.token_version);
    return reply;
  }

  // The X-PAYMENT of `request`, verified as a facilitator would; the X-PAYMENT-RESPONSE value
  // when it pays for this request, else the 402 to answer.
  tl::expected<std::string, Reply> check_payment(const SimRequest& request,
                                                 const std::optional<TmFaultSpec>& fault) {
    const TmX402Options& x402 = options_.x402;
    if (request.header("x-coinbase-402") != "true")
      return tl::unexpected(payment_required("x-coinbase-402 header is required", x402.pay_to));
    if (fault && fault->fault == TmFault::kX402SettlementFailed) fail_next_settlement_ = true;
    const std::string_view header = request.header("X-PAYMENT");
    if (header.empty()) {
      if (fault && fault->fault == TmFault::kX402Malformed) {
        Reply reply;
        reply.status = 402;
        reply.body =
            R"({"x402Version":1,"accepts":[{"scheme":"exact","maxAmountRequired":"ten"}]})";
        return tl::unexpected(std::move(reply));
      }
      if (fault && fault->fault == TmFault::kX402ForeignPayTo)
        return tl::unexpected(payment_required("X-PAYMENT header is required",
                                               "0x000000000000000000000000000000000000dead"));
      return tl::unexpected(payment_required("X-PAYMENT header is required", x402.pay_to));
    }
    const auto payment = parse_payment_header(header);
    if (!payment) return tl::unexpected(payment_required(payment.error(), x402.pay_to));
    const TransferAuthorization& a = payment->authorization;
    std::int64_t value = 0, after = 0, before = 0;
    const std::int64_t now_s = std::time(nullptr);
    auto number = [](const std::string& text, std::int64_t& out) {
      const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), out);
      return code == std::errc() && end == text.data() + text.size();
    };
    const auto digest = transfer_digest(
        {x402.token_name, x402.token_version, *chain_id_of(x402.network), x402.asset}, a);
    const auto payer = digest ? recover_address(*digest, payment->signature) : std::nullopt;
    std::string refused;
    if (payment->scheme != "exact" || payment->network != x402.network)
      refused = "invalid_scheme_or_network";
    else if (a.to != x402.pay_to)
      refused = "invalid_pay_to";
    else if (!number(a.value, value) || value < x402.price)
      refused = "insufficient_amount";
    else if (!number(a.valid_after, after) || !number(a.valid_before, before) || after > now_s ||
             before < now_s)
      refused = "authorization_expired";
    else if (used_nonces_.contains(a.nonce))
      refused = "nonce_already_used";
    else if (!payer || *payer != a.from)
      refused = "invalid_signature";
    if (!refused.empty()) return tl::unexpected(payment_required(refused, x402.pay_to));
    used_nonces_.insert(a.nonce);
    TmPayment record{a.from, a.to, a.nonce, "", std::string(request.target), value, true};
    record.transaction = to_hex(keccak256(a.nonce));
    if (fail_next_settlement_) {
      fail_next_settlement_ = false;
      record.settled = false;
      record.transaction.clear();
      payments_.push_back(record);
      return tl::unexpected(payment_required("settlement_failed", x402.pay_to));
    }
    payments_.push_back(record);
    return base64_encode(
        fmt::format(R"({{"success":true,"transaction":"{}","network":"{}","payer":"{}"}})",
                    record.transaction, x402.network, record.payer));
  }

  Reply answer(const SimRequest& request, std::string_view key,
               const std::optional<TmFaultSpec>& fault) {
    if (fault) {
      switch (fault->fault) {
        case TmFault::kRateLimited: {
          Reply reply = error_reply(429, "Too many requests");
          reply.headers.push_back({"Retry-After", std::to_string(fault->retry_after_s)});
          return reply;
        }
        case TmFault::kRateLimitedNoHeader:
          return error_reply(429, "Too many requests");
        case TmFault::kServerError:
          return error_reply(503, "Service unavailable");
        case TmFault::kUnauthorized:
          return error_reply(401, "Invalid API key");
        case TmFault::kForbidden:
          return error_reply(403, "Forbidden");
        case TmFault::kPaymentRequired:
          return payment_required("X-PAYMENT header is required", options_.x402.pay_to);
        case TmFault::kNotFound:
          return error_reply(404, "Not found");
        case TmFault::kSuccessFalse: {
          Reply reply = error_reply(200, "Something went wrong");
          return reply;
        }
        default:
          break;
      }
    }
    std::optional<std::string> receipt;
    if (options_.x402.enabled) {
      auto paid = check_payment(request, fault);
      if (!paid) return std::move(paid.error());
      receipt = std::move(*paid);
    } else if (!accepted_.contains(std::string(key))) {
      return error_reply(401, "Invalid API key");
    }
    Query query;
    if (!parse_target(request.target, query) || !known_endpoints().contains(query.endpoint)) {
      return error_reply(404, "Not found");
    }
    Reply reply = serve(query);
    if (receipt && reply.status == 200) reply.headers.push_back({"X-PAYMENT-RESPONSE", *receipt});
    if (fault && reply.status == 200) {
      if (fault->fault == TmFault::kSlow) reply.delay_ms = fault->delay_ms;
      if (fault->fault == TmFault::kTruncated) reply.body.resize(reply.body.size() / 2);
      if (fault->fault == TmFault::kCutConnection) reply.cut = true;
      if (fault->fault == TmFault::kWrongTypes) {
        reply.body =
            R"({"success":true,"message":"Data fetched successfully","length":3,"data":[)"
            R"({"TOKEN_ID":3375,"DATE":20250101,"TRADING_SIGNAL":1},)"
            R"({"TOKEN_ID":3375,"DATE":"2025-01-01T00:00:00.000Z","TRADING_SIGNAL":"bullish"},)"
            R"({"TOKEN_ID":[3375],"DATE":"2025-01-01T00:00:00.000Z","TM_TRADER_GRADE":true}]})";
      }
    }
    return reply;
  }

  Reply serve(const Query& query) {
    auto param = [&](const std::string& name) {
      const auto found = query.params.find(name);
      return found == query.params.end() ? std::string() : found->second;
    };
    int limit = 50, page = 1;
    try {
      if (!param("limit").empty()) limit = std::stoi(param("limit"));
      if (!param("page").empty()) page = std::stoi(param("page"));
    } catch (...) {
      return error_reply(400, "limit and page must be integers");
    }
    if (limit < 1 || limit > 100) return error_reply(400, "limit must be within 1..100");
    if (page < 1) return error_reply(400, "page starts at 1");
    if (repeat_pages.load()) page = 1;

    if (query.endpoint == "tokens") {
      const auto symbols = split_list(param("symbol"));
      const auto ids = split_list(param("token_id"));
      std::vector<std::string> rows;
      for (const auto& token : tokens_) {
        bool match = symbols.empty() && ids.empty();
        for (const auto& symbol : symbols) match |= iequal(symbol, token.symbol);
        for (const auto& id : ids) match |= id == std::to_string(token.token_id);
        if (match) {
          rows.push_back(
              R"({"TOKEN_ID":)" + std::to_string(token.token_id) + R"(,"TOKEN_NAME":")" +
              token.name + R"(","TOKEN_SYMBOL":")" + token.symbol +
              R"(","EXCHANGE_LIST":[{"exchange_id":"binance","exchange_name":"Binance"}]})");
        }
      }
      return page_of(rows, limit, page);
    }

    std::set<std::int64_t> ids;
    for (const auto& id : split_list(param("token_id"))) {
      try {
        ids.insert(std::stoll(id));
      } catch (...) {
        return error_reply(400, "token_id must be integers");
      }
    }
    if (query.endpoint == "hourly-trading-signals" && ids.empty()) {
      return error_reply(400, "token_id is required");
    }
    TimeNs from = INT64_MIN, to = INT64_MAX;
    if (!param("startDate").empty() || !param("endDate").empty()) {
      const auto start = parse_utc_timestamp(param("startDate"));
      const auto end = parse_utc_timestamp(param("endDate"));
      if (!start || !end) return error_reply(400, "startDate and endDate must be YYYY-MM-DD");
      if (*end < *start) return error_reply(400, "endDate is before startDate");
      if ((*end - *start) / kNsPerDay > options_.max_range_days) {
        return error_reply(400, "date range is too long");
      }
      from = *start;
      to = *end + kNsPerDay;  // endDate is inclusive
    }
    std::vector<const Item*> matches;
    for (const auto& item : items_[query.endpoint]) {
      if (!ids.empty() && !ids.contains(item.token_id)) continue;
      if (item.time_ns != 0 && (item.time_ns < from || item.time_ns >= to)) continue;
      matches.push_back(&item);
    }
    std::stable_sort(matches.begin(), matches.end(),
                     [](const Item* a, const Item* b) { return a->time_ns > b->time_ns; });
    if (is_latest_endpoint(query.endpoint)) {
      std::set<std::int64_t> seen;
      std::vector<const Item*> latest;
      for (const Item* item : matches) {
        if (seen.insert(item->token_id).second) latest.push_back(item);
      }
      matches = latest;
    }
    std::vector<std::string> rows;
    for (const Item* item : matches) rows.push_back(item->json);
    // Largest first, as added; top_k of them.
    if (const auto top = query.params.find("top_k");
        top != query.params.end() && query.endpoint == "top-market-cap-tokens") {
      rows.resize(std::min<std::size_t>(rows.size(), std::stoul(top->second)));
    }
    return page_of(rows, limit, page);
  }

  static Reply page_of(const std::vector<std::string>& rows, int limit, int page) {
    std::vector<const std::string*> slice;
    const std::size_t begin = static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(limit);
    for (std::size_t i = begin; i < rows.size() && i < begin + static_cast<std::size_t>(limit);
         ++i) {
      slice.push_back(&rows[i]);
    }
    Reply reply;
    reply.body = envelope(slice);
    return reply;
  }

  TmSimulatorOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Item>> items_;
  std::vector<TmToken> tokens_;
  std::deque<TmFaultSpec> faults_;
  std::vector<TmRequestLog> log_;
  std::set<std::string> keys_;
  std::set<std::string> accepted_;  // options_.api_key and the keys added
  std::set<std::string> revoked_;
  std::map<std::string, std::uint64_t> per_key_;
  std::uint64_t with_revoked_ = 0;
  std::vector<TmPayment> payments_;
  std::set<std::string> used_nonces_;
  bool fail_next_settlement_ = false;  // kX402SettlementFailed: the next valid payment fails
  LoopbackHttpServer server_;          // last: its thread calls handle() until it is stopped
};

TmSimulator::TmSimulator(TmSimulatorOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
TmSimulator::~TmSimulator() = default;
bool TmSimulator::start(std::string& error) { return impl_->start(error); }
void TmSimulator::stop() { impl_->stop(); }
std::uint16_t TmSimulator::port() const { return impl_->port(); }
std::string TmSimulator::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port()) + "/v2";
}
bool TmSimulator::add_item(const std::string& endpoint, const std::string& item,
                           std::string& error) {
  return impl_->add_item(endpoint, item, error);
}
bool TmSimulator::load_recorded(const std::string& endpoint, const std::string& path,
                                std::string& error) {
  return impl_->load_recorded(endpoint, path, error);
}
void TmSimulator::add_token(TmToken token) { impl_->add_token(std::move(token)); }
void TmSimulator::set_date_shift(std::int64_t shift_ns) { impl_->date_shift_ns_ = shift_ns; }
void TmSimulator::inject(TmFaultSpec fault, int count) { impl_->inject(fault, count); }
void TmSimulator::clear_faults() { impl_->clear_faults(); }
void TmSimulator::set_repeat_pages(bool repeat) { impl_->repeat_pages.store(repeat); }
std::uint64_t TmSimulator::requests() const { return impl_->requests.load(); }
std::uint64_t TmSimulator::connections() const { return impl_->connections(); }
std::vector<TmRequestLog> TmSimulator::request_log() const { return impl_->request_log(); }
std::vector<std::string> TmSimulator::keys_seen() const { return impl_->keys_seen(); }
std::vector<TmPayment> TmSimulator::payments() const { return impl_->payments(); }
void TmSimulator::set_x402_price(std::int64_t price) { impl_->set_x402_price(price); }
void TmSimulator::add_api_key(const std::string& key) { impl_->add_api_key(key); }
void TmSimulator::revoke_api_key(const std::string& key) { impl_->revoke_api_key(key); }
std::uint64_t TmSimulator::requests_with_key(const std::string& key) const {
  return impl_->requests_with_key(key);
}
std::uint64_t TmSimulator::requests_with_revoked_key() const {
  return impl_->requests_with_revoked_key();
}

}  // namespace sigex
