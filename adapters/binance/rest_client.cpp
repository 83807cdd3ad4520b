#include "adapters/binance/rest_client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include <simdjson.h>

#include "engine/core/decimal.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

std::shared_ptr<const BinanceCredentials> make_credentials(Secret api_key,
                                                           std::unique_ptr<RequestSigner> signer) {
  std::string print = fingerprint(api_key);
  return std::make_shared<const BinanceCredentials>(
      BinanceCredentials{std::move(api_key), std::move(signer), std::move(print)});
}

}  // namespace

BinanceRestClient::BinanceRestClient(const BinanceRestConfig& config, Secret api_key,
                                     std::unique_ptr<RequestSigner> signer, const Clock& clock,
                                     boost::asio::ssl::context& tls)
    : config_(config),
      endpoints_(binance_endpoints(config.market)),
      credentials_(make_credentials(std::move(api_key), std::move(signer))),
      clock_(clock),
      clock_guard_(config.max_clock_skew_ns, config.clock_sample_max_age_ns),
      rate_limits_(config.weight_per_minute, config.orders_per_10s, config.orders_per_day),
      order_bodies_(config.market, config.recv_window_ns / kNsPerMs) {
  const auto url = parse_url(config.rest_url);
  if (url && may_carry_secrets(*url)) {
    base_ = *url;
    session_ = std::make_unique<HttpSession>(*base_, tls, config.timeouts);
  }
}

void BinanceRestClient::rotate(Secret api_key, std::unique_ptr<RequestSigner> signer) {
  auto fresh = make_credentials(std::move(api_key), std::move(signer));
  std::lock_guard lock(credentials_mutex_);
  retired_.push_back(credentials_);
  credentials_ = std::move(fresh);
}

std::shared_ptr<const BinanceCredentials> BinanceRestClient::credentials() const {
  std::lock_guard lock(credentials_mutex_);
  return credentials_;
}

std::size_t BinanceRestClient::retiring() const {
  std::lock_guard lock(credentials_mutex_);
  std::erase_if(retired_, [](const auto& pair) { return pair.expired(); });
  return retired_.size();
}

bool BinanceRestClient::valid(std::string& error) const {
  if (base_) return true;
  error = "execution.binance.rest_url '" + config_.rest_url +
          "' must be an https:// URL (plain http:// only for a loopback simulator)";
  return false;
}

std::int64_t BinanceRestClient::timestamp_ms() const {
  return clock_guard_.request_timestamp_ns(clock_.now_ns()) / kNsPerMs;
}

HttpResponse BinanceRestClient::send(HttpSession::Method method, const std::string& path,
                                     const std::string& query, const std::string& body,
                                     std::int64_t weight, bool is_order,
                                     const BinanceCredentials& credentials) {
  HttpResponse response;
  if (!session_) {
    response.error = boost::asio::error::invalid_argument;
    response.step = "config";
    return response;
  }
  TimeNs now = clock_.now_ns();
  // Start-up: the budget of this window was used before this process started. Wait for it
  // to reset (a minute at most) rather than fail; a ban still refuses.
  const TimeNs give_up = now + 70 * kNsPerSecond;
  bool told = false;
  while (starting_ && !rate_limits_.banned(now) && !rate_limits_.may_send(weight, is_order, now) &&
         now < give_up) {
    const TimeNs until = std::min(rate_limits_.next_window_ns(now), give_up);
    if (!told) {
      log_warn(
          "Binance request budget of this window is used up (by an earlier run); waiting for it to "
          "reset");
      told = true;
    }
    std::this_thread::sleep_for(std::chrono::nanoseconds(std::max<TimeNs>(until - now, kNsPerMs)));
    now = clock_.now_ns();
  }
  if (!rate_limits_.may_send(weight, is_order, now)) {
    response.error = boost::asio::error::try_again;
    response.step = "rate_limit";
    return response;
  }
  response = session_->request(method, path + (query.empty() ? "" : "?" + query), body,
                               {{"X-MBX-APIKEY", std::string(credentials.api_key.reveal())}});
  rate_limits_.observe(response, clock_.now_ns());
  return response;
}

bool BinanceRestClient::sync_clock(std::string& error) {
  const TimeNs sent = clock_.now_ns();
  const HttpResponse response = send(HttpSession::Method::kGet, endpoints_.time.path, "", "",
                                     endpoints_.time.weight, false, *credentials());
  const TimeNs received = clock_.now_ns();
  if (response.transport_failed() || response.status != 200) {
    error = "server time: " + (response.transport_failed()
                                   ? response.step + " failed: " + response.error.message()
                                   : "HTTP " + std::to_string(response.status));
    return false;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::int64_t server_ms = 0;
  if (parser.parse(response.body).get(root) || root["serverTime"].get_int64().get(server_ms)) {
    error = "server time: unreadable answer";
    return false;
  }
  clock_guard_.observe(sent, server_ms * kNsPerMs, received);
  return true;
}

std::string BinanceRestClient::user_stream_subscribe_request(std::string_view id) const {
  const auto pair = credentials();
  const std::string key(pair->api_key.reveal());
  const std::string timestamp = std::to_string(timestamp_ms());
  const std::string window = std::to_string(config_.recv_window_ns / kNsPerMs);
  const std::string signature = pair->signer->sign(
      ws_api_payload({{"apiKey", key}, {"timestamp", timestamp}, {"recvWindow", window}}));
  return R"({"id":")" + std::string(id) +
         R"(","method":"userDataStream.subscribe.signature","params":{"apiKey":")" + key +
         R"(","recvWindow":)" + window + R"(,"timestamp":)" + timestamp + R"(,"signature":")" +
         signature + R"("}})";
}

HttpResponse BinanceRestClient::exchange_info() {
  return send(HttpSession::Method::kGet, endpoints_.exchange_info.path, "", "",
              endpoints_.exchange_info.weight, false, *credentials());
}

HttpResponse BinanceRestClient::account() {
  QueryString params;
  params.add("omitZeroBalances", "true");
  return signed_request(HttpSession::Method::kGet, "/api/v3/account", std::move(params), 20);
}

HttpResponse BinanceRestClient::open_orders(std::string_view symbol) {
  QueryString params;
  params.add("symbol", symbol);
  return signed_request(HttpSession::Method::kGet, endpoints_.open_orders.path, std::move(params),
                        endpoints_.open_orders.weight);
}

HttpResponse BinanceRestClient::my_trades(std::string_view symbol, VenueOrderId order_id) {
  QueryString params;
  params.add("symbol", symbol).add("orderId", std::to_string(order_id));
  return signed_request(HttpSession::Method::kGet, endpoints_.my_trades.path, std::move(params),
                        endpoints_.my_trades.weight);
}

HttpResponse BinanceRestClient::history_between(const BinanceEndpoint& endpoint,
                                                std::string_view symbol, std::int64_t start_ms,
                                                std::int64_t end_ms) {
  QueryString params;
  params.add("symbol", symbol)
      .add("startTime", std::to_string(start_ms))
      .add("endTime", std::to_string(end_ms))
      .add("limit", "1000");
  return signed_request(HttpSession::Method::kGet, endpoint.path, std::move(params),
                        endpoint.weight);
}

HttpResponse BinanceRestClient::my_trades_between(std::string_view symbol, std::int64_t start_ms,
                                                  std::int64_t end_ms) {
  return history_between(endpoints_.my_trades, symbol, start_ms, end_ms);
}

HttpResponse BinanceRestClient::all_orders_between(std::string_view symbol, std::int64_t start_ms,
                                                   std::int64_t end_ms) {
  return history_between(endpoints_.all_orders, symbol, start_ms, end_ms);
}

HttpResponse BinanceRestClient::ticker_price(std::string_view symbol) {
  QueryString params;
  params.add("symbol", symbol);
  return send(HttpSession::Method::kGet, endpoints_.ticker_price.path, params.text(), "",
              endpoints_.ticker_price.weight, false, *credentials());
}

void BinanceRestClient::new_order_body(const OrderCommand& command, const Instrument& instrument,
                                       std::int64_t timestamp, std::string& body) {
  order_bodies_.write(command, instrument, timestamp, *credentials()->signer, body);
}

OrderCall BinanceRestClient::new_order(const OrderCommand& command, const Instrument& instrument) {
  OrderCall call;
  if (!clock_guard_.orders_allowed(clock_.now_ns())) {
    call.sent = false;
    call.answer.outcome = OrderOutcome::kRejected;
    call.answer.why = clock_guard_.status(clock_.now_ns());
    return call;
  }
  const auto pair = credentials();
  order_bodies_.write(command, instrument, timestamp_ms(), *pair->signer, order_body_);
  const HttpResponse response =
      send(HttpSession::Method::kPost, endpoints_.order.path, std::string(), order_body_,
           endpoints_.order.weight, true, *pair);
  if (response.step == "rate_limit") {
    OrderCall refused;
    refused.sent = false;
    refused.answer.outcome = OrderOutcome::kRejected;
    refused.answer.rate_limited = true;
    refused.answer.why = "not sent: the request budget is used up";
    return refused;
  }
  return order_answer(response);
}

OrderCall BinanceRestClient::order_answer(const HttpResponse& response) {
  OrderCall call;
  if (response.step == "rate_limit") {
    call.sent = false;
    call.answer.why = "not sent: the request budget is used up";
    return call;  // kUnknown: nothing learnt
  }
  call.answer = classify_order_answer(response);
  if (call.answer.outcome == OrderOutcome::kClockSkew) clock_guard_.invalidate();
  if (call.answer.outcome == OrderOutcome::kAccepted) {
    auto report = parse_order_report(response.body);
    if (report) {
      call.report = std::move(*report);
    } else {
      // 200 but unreadable: the order exists in some state; find out by asking.
      call.answer.outcome = OrderOutcome::kUnknown;
      call.answer.why = "HTTP 200 with an unreadable body";
    }
  }
  return call;
}

OrderCall BinanceRestClient::order_call(HttpSession::Method method, const std::string& path,
                                        QueryString params, std::int64_t weight) {
  return order_answer(signed_request(method, path, std::move(params), weight));
}

OrderCall BinanceRestClient::query_order(std::string_view symbol,
                                         std::string_view client_order_id) {
  QueryString params;
  params.add("symbol", symbol).add("origClientOrderId", client_order_id);
  return order_call(HttpSession::Method::kGet, endpoints_.query_order.path, std::move(params),
                    endpoints_.query_order.weight);
}

OrderCall BinanceRestClient::cancel_order(std::string_view symbol,
                                          std::string_view client_order_id) {
  QueryString params;
  params.add("symbol", symbol).add("origClientOrderId", client_order_id);
  return order_call(HttpSession::Method::kDelete, endpoints_.order.path, std::move(params),
                    endpoints_.order.weight);
}

HttpResponse BinanceRestClient::signed_request(HttpSession::Method method, const std::string& path,
                                               QueryString params, std::int64_t weight,
                                               bool is_order) {
  const auto pair = credentials();
  params.add("recvWindow", std::to_string(config_.recv_window_ns / kNsPerMs))
      .add("timestamp", std::to_string(timestamp_ms()));
  const auto [query, body] = sign_rest(*pair->signer, params.text(), "");
  return send(method, path, query, body, weight, is_order, *pair);
}

HttpResponse BinanceRestClient::position_mode() {
  return signed_request(HttpSession::Method::kGet, "/fapi/v1/positionSide/dual", QueryString(), 30);
}

HttpResponse BinanceRestClient::set_margin_type(std::string_view symbol,
                                                std::string_view margin_type) {
  QueryString params;
  params.add("symbol", symbol).add("marginType", margin_type);
  return signed_request(HttpSession::Method::kPost, "/fapi/v1/marginType", std::move(params), 1);
}

HttpResponse BinanceRestClient::set_leverage(std::string_view symbol, int leverage) {
  QueryString params;
  params.add("symbol", symbol).add("leverage", std::to_string(leverage));
  return signed_request(HttpSession::Method::kPost, "/fapi/v1/leverage", std::move(params), 1);
}

HttpResponse BinanceRestClient::position_risk() {
  return signed_request(HttpSession::Method::kGet, "/fapi/v3/positionRisk", QueryString(), 5);
}

HttpResponse BinanceRestClient::futures_balance() {
  return signed_request(HttpSession::Method::kGet, "/fapi/v3/balance", QueryString(), 5);
}

HttpResponse BinanceRestClient::funding_income(std::int64_t start_ms, std::int64_t end_ms) {
  QueryString params;
  params.add("incomeType", "FUNDING_FEE")
      .add("startTime", std::to_string(start_ms))
      .add("endTime", std::to_string(end_ms))
      .add("limit", "1000");
  return signed_request(HttpSession::Method::kGet, "/fapi/v1/income", std::move(params), 30);
}

}  // namespace sigex
