#include "adapters/webhook/signal_webhook.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cmath>
#include <optional>
#include <variant>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "adapters/service/listener.h"
#include "adapters/service/metrics_server.h"
#include "engine/core/calendar.h"
#include "engine/logging/log.h"

namespace sigex {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t kMaxConnections = 64;
constexpr auto kIdleTimeout = std::chrono::seconds(30);
constexpr DurationNs kPruneEveryNs = kNsPerHour;

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::toupper(static_cast<unsigned char>(x)) ==
                  std::toupper(static_cast<unsigned char>(y));
         });
}

std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

// One sender's connection, plain or TLS: requests answered in turn while it keeps it alive.
template <typename Stream>
class WebhookSession final : public Connection,
                             public std::enable_shared_from_this<WebhookSession<Stream>> {
 public:
  template <typename... Args>
  WebhookSession(SignalWebhook& owner, std::size_t body_limit, std::string source,
                 Args&&... stream_args)
      : owner_(owner),
        body_limit_(body_limit),
        source_(std::move(source)),
        stream_(std::forward<Args>(stream_args)...) {}

  void start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                if (ec) return self->close();
                                self->read();
                              });
    }
  }

  void close() override {
    beast::error_code ignored;
    auto& socket = beast::get_lowest_layer(stream_).socket();
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(8 * 1024);
    parser_->body_limit(body_limit_);
    beast::get_lowest_layer(stream_).expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                       if (ec == http::error::body_limit) {
                         return self->answer(
                             {413,
                              fmt::format(R"({{"error":"too_large","message":"the body is over )"
                                          R"({} bytes"}})",
                                          self->body_limit_),
                              0},
                             false);
                       }
                       if (ec) return self->close();
                       self->respond();
                     });
  }

  void respond() {
    const auto& request = parser_->get();
    WebhookRequestView view_of;
    view_of.method = view(request.method_string());
    view_of.target = view(request.target());
    view_of.timestamp = view(request["X-Sigex-Timestamp"]);
    view_of.nonce = view(request["X-Sigex-Nonce"]);
    view_of.signature = view(request["X-Sigex-Signature"]);
    view_of.body = request.body();
    view_of.source = source_;
    answer(owner_.handle(view_of), request.keep_alive());
  }

  void answer(WebhookAnswer answer, bool keep_alive) {
    response_ = {};
    response_.version(11);
    response_.result(static_cast<http::status>(answer.status));
    response_.keep_alive(keep_alive);
    response_.set(http::field::server, "sigex");
    response_.set(http::field::content_type, "application/json");
    if (answer.retry_after_s > 0)
      response_.set(http::field::retry_after, std::to_string(answer.retry_after_s));
    response_.body() = std::move(answer.body) + "\n";
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) return self->close();
                        self->read();
                      });
  }

  SignalWebhook& owner_;
  std::size_t body_limit_;
  std::string source_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
};

}  // namespace

// ---- The listener --------------------------------------------------------------------------

class SignalWebhook::Server {
 public:
  Server(SignalWebhook& owner, const WebhookConfig& config) : owner_(owner), config_(config) {}
  ~Server() { stop(); }

  bool start(std::string& error) {
    std::string address_text;
    if (!parse_webhook_listen(config_.listen, config_.allow_remote, address_text, port_, error))
      return false;
    if (!config_.tls_certificate_file.empty()) {
      tls_.emplace(asio::ssl::context::tls_server);
      tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                        asio::ssl::context::no_tlsv1_1);
      boost::system::error_code ec;
      tls_->use_certificate_chain_file(config_.tls_certificate_file, ec);
      if (ec) {
        error = "signals.webhook.tls_certificate_file " + config_.tls_certificate_file + ": " +
                ec.message();
        return false;
      }
      tls_->use_private_key_file(config_.tls_key_file, asio::ssl::context::pem, ec);
      if (ec) {
        error = "signals.webhook.tls_key_file " + config_.tls_key_file + ": " + ec.message();
        return false;
      }
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(address_text, ec);
    const tcp::endpoint endpoint(address, port_);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(64, ec);
    if (ec) {
      error = "signals.webhook.listen " + config_.listen + ": " + ec.message();
      return false;
    }
    port_ = acceptor_.local_endpoint().port();
    host_ = address.is_v6() ? "[" + address_text + "]" : address_text;
    listener_.start(acceptor_, [this](tcp::socket socket) -> std::shared_ptr<Connection> {
      boost::system::error_code ignored;
      std::string source = socket.remote_endpoint(ignored).address().to_string(ignored);
      if (tls_) {
        auto session = std::make_shared<WebhookSession<beast::ssl_stream<beast::tcp_stream>>>(
            owner_, config_.max_body_bytes, std::move(source), std::move(socket), *tls_);
        session->start();
        return session;
      }
      auto session = std::make_shared<WebhookSession<beast::tcp_stream>>(
          owner_, config_.max_body_bytes, std::move(source), std::move(socket));
      session->start();
      return session;
    });
    return true;
  }

  void stop() { listener_.stop(); }
  std::uint16_t port() const { return port_; }
  std::string url() const {
    return fmt::format("{}://{}:{}/v1/signal", tls_ ? "https" : "http", host_, port_);
  }

 private:
  SignalWebhook& owner_;
  const WebhookConfig& config_;
  std::optional<asio::ssl::context> tls_;
  Listener listener_{kMaxConnections};
  tcp::acceptor acceptor_{listener_.io()};
  std::uint16_t port_ = 0;
  std::string host_;
};

// ---- Rate limit ----------------------------------------------------------------------------

bool WebhookRateLimiter::allow(std::string_view source, TimeNs now_ns, int& retry_after_s) {
  const double capacity = per_minute_;
  const double per_ns = capacity / static_cast<double>(60 * kNsPerSecond);
  auto found = buckets_.find(source);
  if (found == buckets_.end()) {
    if (buckets_.size() > 10'000) {  // forget senders whose buckets are full again
      std::erase_if(buckets_, [&](const auto& entry) {
        return entry.second.tokens +
                   per_ns * static_cast<double>(now_ns - entry.second.updated_ns) >=
               capacity;
      });
    }
    found = buckets_.emplace(std::string(source), Bucket{capacity, now_ns}).first;
  }
  Bucket& bucket = found->second;
  bucket.tokens = std::min(capacity, bucket.tokens + per_ns * static_cast<double>(std::max<TimeNs>(
                                                                  now_ns - bucket.updated_ns, 0)));
  bucket.updated_ns = std::max(bucket.updated_ns, now_ns);
  if (bucket.tokens >= 1) {
    bucket.tokens -= 1;
    return true;
  }
  retry_after_s = static_cast<int>(std::ceil((1 - bucket.tokens) / per_ns / 1e9));
  retry_after_s = std::max(retry_after_s, 1);
  return false;
}

// ---- The intake ----------------------------------------------------------------------------

SignalWebhook::SignalWebhook(const WebhookConfig& config, const InstrumentRegistry& instruments,
                             EventQueue<InboundEvent>& queue, const Clock& clock,
                             std::shared_ptr<KeySet> secrets, std::unique_ptr<WebhookInbox> inbox)
    : config_(config),
      instruments_(instruments),
      clock_(clock),
      secrets_(std::move(secrets)),
      inbox_(std::move(inbox)),
      producer_(queue),
      limiter_(config.requests_per_minute),
      server_(std::make_unique<Server>(*this, config)) {}

SignalWebhook::~SignalWebhook() { stop(); }

bool SignalWebhook::start(std::string& error) {
  const std::size_t count = redeliver();
  if (count > 0)
    log_info(
        "webhook: {} signal(s) of the last {} h handed to the core again (the gate drops "
        "what it had)",
        count, config_.retention_ns / kNsPerHour);
  if (!server_->start(error)) return false;
  log_info("webhook: accepting signed signals at {}", server_->url());
  return true;
}

void SignalWebhook::stop() { server_->stop(); }
std::uint16_t SignalWebhook::port() const { return server_->port(); }
std::string SignalWebhook::url() const { return server_->url(); }

std::uint64_t SignalWebhook::refused(WebhookRefusal refusal) const {
  return refused_[static_cast<std::size_t>(refusal)].load();
}

WebhookAnswer SignalWebhook::refuse(const WebhookError& error, int retry_after_s) {
  refused_[static_cast<std::size_t>(error.refusal)].fetch_add(1);
  return {http_status(error.refusal), error_body(error), retry_after_s};
}

tl::expected<std::size_t, WebhookError> SignalWebhook::records(const PushedSignal& signal,
                                                               TimeNs timestamp_ns,
                                                               TimeNs receive_ns,
                                                               InboundEvent (&out)[2]) const {
  TokenId id = 0;
  const auto [end, code] =
      std::from_chars(signal.token.data(), signal.token.data() + signal.token.size(), id);
  const bool numeric = code == std::errc() && end == signal.token.data() + signal.token.size();
  const Instrument* instrument = numeric ? instruments_.find_by_token(id) : nullptr;
  for (const Instrument& candidate : instruments_.all()) {
    if (instrument != nullptr) break;
    if (same_text(candidate.token_symbol.view(), signal.token) ||
        same_text(candidate.symbol.view(), signal.token))
      instrument = &candidate;
  }
  if (instrument == nullptr)
    return tl::unexpected(WebhookError{
        WebhookRefusal::kUnknownToken,
        fmt::format("no configured instrument has the token \"{}\" (a token symbol, token id or "
                    "instrument symbol of [[instruments]])",
                    signal.token)});
  if (instrument->token_id == 0)
    return tl::unexpected(WebhookError{
        WebhookRefusal::kUnknownToken,
        fmt::format("instrument {} has no Token Metrics token id: signals are delivered once per "
                    "token, so give it token_id or token_symbol",
                    instrument->symbol.view())});
  const TimeNs time_ns = signal.time_ns != 0 ? signal.time_ns : timestamp_ns;
  std::size_t count = 0;
  if (signal.grade_hundredths) {  // the grade first, as polled rows do
    out[count].kind = MarketEventKind::kGrade;
    out[count].grade = Grade{instrument->id,       signal.grade_kind, *signal.grade_hundredths,
                             instrument->token_id, time_ns,           receive_ns};
    ++count;
  }
  out[count].kind = MarketEventKind::kTradingSignal;
  out[count].trading_signal =
      TradingSignal{instrument->id,       signal.timeframe, signal.signal, 0,
                    instrument->token_id, time_ns,          receive_ns};
  return count + 1;
}

bool SignalWebhook::push(const InboundEvent* events, std::size_t count) {
  // The core drains continuously: a full queue empties within milliseconds, or something is
  // wrong and the sender is told to retry.
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (producer_.try_push_bulk(events, count)) return true;
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  return false;
}

WebhookAnswer SignalWebhook::handle(const WebhookRequestView& request) {
  const TimeNs now_ns = clock_.now_ns();
  if (request.target != "/v1/signal")
    return refuse({WebhookRefusal::kNotFound, "sigex accepts POST /v1/signal only"});
  if (request.method != "POST")
    return refuse({WebhookRefusal::kMethod, "/v1/signal accepts POST only"});
  if (request.body.size() > config_.max_body_bytes)
    return refuse({WebhookRefusal::kTooLarge,
                   fmt::format("the body is over {} bytes", config_.max_body_bytes)});
  int retry_after_s = 0;
  if (!limiter_.allow(request.source, now_ns, retry_after_s))
    return refuse({WebhookRefusal::kRateLimited,
                   fmt::format("more than {} requests a minute from {}; retry in {} s",
                               config_.requests_per_minute, request.source, retry_after_s)},
                  retry_after_s);
  const auto headers = read_signed_headers(request.timestamp, request.nonce, request.signature);
  if (!headers) return refuse(headers.error());
  const TimeNs timestamp_ns = headers->timestamp_s * kNsPerSecond;
  const DurationNs skew_ns = timestamp_ns > now_ns ? timestamp_ns - now_ns : now_ns - timestamp_ns;
  if (headers->timestamp_s > INT64_MAX / kNsPerSecond || skew_ns > config_.max_clock_skew_ns)
    return refuse({WebhookRefusal::kStaleTimestamp,
                   fmt::format("X-Sigex-Timestamp {} is {} s from this host's clock; the window "
                               "is {} s either way (is the sender's clock synchronised?)",
                               headers->timestamp_s, skew_ns / kNsPerSecond,
                               config_.max_clock_skew_ns / kNsPerSecond)});
  const std::vector<LoadedKey> keys = secrets_->keys();  // one set for the whole request
  std::vector<const Secret*> secrets;
  for (const LoadedKey& key : keys) secrets.push_back(key.secret.get());
  if (!signature_matches(secrets, *headers, request.body))
    return refuse({WebhookRefusal::kBadSignature,
                   "X-Sigex-Signature matches no configured secret (HMAC-SHA256 of timestamp.nonce."
                   "body)"});
  const auto signal = parse_signal_body(request.body);
  if (!signal) return refuse(signal.error());
  InboundEvent events[2];
  const auto count = records(*signal, timestamp_ns, now_ns, events);
  if (!count) return refuse(count.error());

  if (now_ns >= next_prune_ns_) {
    inbox_->prune(now_ns - std::max(config_.retention_ns, 2 * config_.max_clock_skew_ns));
    next_prune_ns_ = now_ns + kPruneEveryNs;
  }
  std::string error;
  switch (
      inbox_->admit(headers->nonce, request.source, timestamp_ns, now_ns, request.body, error)) {
    case WebhookInbox::Admit::kAccepted:
      break;
    case WebhookInbox::Admit::kReplayed:
      return refuse({WebhookRefusal::kReplayedNonce,
                     "this nonce was accepted before: each request is accepted once"});
    case WebhookInbox::Admit::kFailed:
      log_error("webhook: {}", error);
      return refuse({WebhookRefusal::kUnavailable, "the request could not be stored; retry"}, 1);
  }
  if (!push(events, *count)) {
    inbox_->withdraw(headers->nonce);
    log_error("webhook: the core's queue stayed full; the request was refused (503)");
    return refuse({WebhookRefusal::kUnavailable, "the engine is busy; retry"}, 1);
  }
  accepted_.fetch_add(1);
  const InboundEvent& record = events[*count - 1];
  const Instrument& instrument = instruments_.get(record.trading_signal.instrument);
  log_info("webhook: accepted signal {} for {} dated {} from {}", static_cast<int>(signal->signal),
           instrument.symbol.view(), format_utc_timestamp(record.trading_signal.venue_time_ns),
           request.source);
  return {
      200,
      fmt::format(R"({{"accepted":true,"nonce":"{}","instrument":"{}","signal":{},"time":"{}"}})",
                  headers->nonce, instrument.symbol.view(), static_cast<int>(signal->signal),
                  format_utc_timestamp(record.trading_signal.venue_time_ns)),
      0};
}

std::size_t SignalWebhook::redeliver() {
  const TimeNs now_ns = clock_.now_ns();
  std::size_t delivered = 0;
  for (const auto& entry : inbox_->since(now_ns - config_.retention_ns)) {
    const auto signal = parse_signal_body(entry.body);
    if (!signal) continue;
    InboundEvent events[2];
    const auto count = records(*signal, entry.timestamp_ns, now_ns, events);
    if (!count) {
      log_warn("webhook: a stored signal ({}) is not delivered again: {}", entry.nonce,
               count.error().message);
      continue;
    }
    if (push(events, *count)) ++delivered;
  }
  redelivered_.fetch_add(delivered);
  return delivered;
}

void SignalWebhook::write_metrics(MetricsExposition& out, TimeNs) const {
  out.single("sigex_webhook_accepted_total", "counter", "Signals accepted by the webhook.",
             static_cast<double>(accepted()));
  out.single("sigex_webhook_redelivered_total", "counter",
             "Stored webhook signals handed to the core again at start-up.",
             static_cast<double>(redelivered()));
  out.family("sigex_webhook_refused_total", "counter",
             "Webhook requests refused, by reason (bad_signature, replayed_nonce, ...).");
  for (std::size_t i = 0; i < kRefusals; ++i) {
    const auto refusal = static_cast<WebhookRefusal>(i);
    out.sample("sigex_webhook_refused_total", label("reason", to_string(refusal)),
               static_cast<double>(refused(refusal)));
  }
  out.family("sigex_webhook_secret_info", "gauge",
             "The webhook's secrets by fingerprint (never the secret); both are accepted.");
  for (const LoadedKey& key : secrets_->keys()) {
    out.sample("sigex_webhook_secret_info",
               label("slot", key.slot) + "," + label("fingerprint", key.fingerprint), 1);
  }
}

void SignalWebhook::write_status(DaemonStatus& status, TimeNs) const {
  std::uint64_t refusals = 0;
  for (std::size_t i = 0; i < kRefusals; ++i) refusals += refused(static_cast<WebhookRefusal>(i));
  status.webhook = DaemonStatus::Webhook{url(), accepted(), refusals, redelivered()};
  add_key_status(status, "webhook secret", *secrets_, true);
}

bool parse_webhook_listen(const std::string& text, bool allow_remote, std::string& address,
                          std::uint16_t& port, std::string& error) {
  bool loopback = false;
  if (!parse_listen(text, address, port, loopback, error)) return false;
  if (!loopback && !allow_remote) {
    error = "\"" + address +
            "\" is not a loopback address: set allow_remote = true to accept signals from other "
            "hosts (with tls_certificate_file and tls_key_file, or behind a TLS reverse proxy)";
    return false;
  }
  return true;
}

}  // namespace sigex
