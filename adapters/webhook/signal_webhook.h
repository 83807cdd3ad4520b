#pragma once

// Push signal intake: an HTTP(S) endpoint that accepts one signed signal per request
// (request.h) and hands it to the core on the inbound queue, where the same signal gate as
// for polled signals delivers it exactly once (across restarts), refuses stale ones and the
// input log records it (so `sigex replay-check` covers it). In order, a request is refused for:
// path or method (404, 405), size (413, before the body is read), the sender's address over
// its rate (429 with Retry-After), missing or malformed headers (400), a timestamp outside
// the window (408), a signature no secret makes (401), a nonce accepted before (409), a body
// that is not a signal (400) or names no configured instrument (422). An accepted request is
// made durable in the inbox before the answer (200); a full queue or a failed store answers
// 503 and keeps nothing, so the sender's retry is accepted. One listener thread; every
// answer is a JSON object.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "adapters/net/key_set.h"
#include "adapters/webhook/config.h"
#include "adapters/webhook/inbox.h"
#include "adapters/webhook/request.h"
#include "engine/core/clock.h"
#include "engine/core/instrument.h"
#include "engine/ports/reporting_component.h"
#include "engine/queue/event_queue.h"

namespace sigex {

struct WebhookRequestView {
  std::string_view method;                       // "POST"
  std::string_view target;                       // "/v1/signal"
  std::string_view timestamp, nonce, signature;  // the X-Sigex-* headers ("" when absent)
  std::string_view body;
  std::string_view source;  // the sender's address
};

struct WebhookAnswer {
  int status = 200;
  std::string body;
  int retry_after_s = 0;  // 429: when to try again
};

// A token bucket per sender address: `per_minute` requests a minute, in bursts of as many.
class WebhookRateLimiter {
 public:
  explicit WebhookRateLimiter(int per_minute) : per_minute_(per_minute) {}
  // True when `source` may send now (the request is counted); else the seconds to wait.
  bool allow(std::string_view source, TimeNs now_ns, int& retry_after_s);

 private:
  struct Bucket {
    double tokens;
    TimeNs updated_ns;
  };
  int per_minute_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

class SignalWebhook final : public ReportingComponent {
 public:
  SignalWebhook(const WebhookConfig& config, const InstrumentRegistry& instruments,
                EventQueue<InboundEvent>& queue, const Clock& clock,
                std::shared_ptr<KeySet> secrets, std::unique_ptr<WebhookInbox> inbox);
  ~SignalWebhook() override;
  SignalWebhook(const SignalWebhook&) = delete;
  SignalWebhook& operator=(const SignalWebhook&) = delete;

  // Hands the inbox's signals of the retention period to the queue again, then listens.
  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;  // the bound port (listen may say 0)
  std::string url() const;     // "http://127.0.0.1:8089/v1/signal"

  // One request, whole, on the caller's thread (the listener's; tests and the fuzzer call it
  // directly). Never throws.
  WebhookAnswer handle(const WebhookRequestView& request);
  // What redelivery at start() handed on.
  std::size_t redeliver();

  std::uint64_t accepted() const { return accepted_.load(); }
  std::uint64_t refused(WebhookRefusal refusal) const;
  std::uint64_t redelivered() const { return redelivered_.load(); }

  void write_metrics(MetricsExposition& out, TimeNs now_ns) const override;
  void write_status(DaemonStatus& status, TimeNs now_ns) const override;

  class Server;

 private:
  WebhookAnswer refuse(const WebhookError& error, int retry_after_s = 0);
  // The body's signal (and grade) as records; false with the refusal.
  tl::expected<std::size_t, WebhookError> records(const PushedSignal& signal, TimeNs timestamp_ns,
                                                  TimeNs receive_ns, InboundEvent (&out)[2]) const;
  bool push(const InboundEvent* events, std::size_t count);

  const WebhookConfig& config_;
  const InstrumentRegistry& instruments_;
  const Clock& clock_;
  std::shared_ptr<KeySet> secrets_;
  std::unique_ptr<WebhookInbox> inbox_;
  EventQueue<InboundEvent>::Producer producer_;
  WebhookRateLimiter limiter_;
  std::unique_ptr<Server> server_;
  TimeNs next_prune_ns_ = 0;
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> redelivered_{0};
  static constexpr std::size_t kRefusals = 11;
  std::atomic<std::uint64_t> refused_[kRefusals] = {};
};

// "ADDRESS:PORT" -> address and port, the address a loopback one unless `allow_remote`.
bool parse_webhook_listen(const std::string& text, bool allow_remote, std::string& address,
                          std::uint16_t& port, std::string& error);

}  // namespace sigex
