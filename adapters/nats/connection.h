#pragma once

// One connection to a NATS server and its JetStream context, over the C client (libnats).
// Owned by one thread at a time; every call returns false with the server's words in `error`
// instead of throwing. The client reconnects by itself; connected() says whether it is.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nats/nats.h>

#include "adapters/nats/config.h"

namespace sigex {

// A message header: name and value.
struct NatsHeader {
  std::string name;
  std::string value;
};

class NatsConnection {
 public:
  // Connects (at most config.connect_timeout_ns); null with the reason.
  static std::unique_ptr<NatsConnection> connect(const NatsConfig& config, std::string& error);
  ~NatsConnection();  // close()s first
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  bool connected() const;
  // Ends every subscription once its handler has returned and closes the connection; after it,
  // no handler or callback runs. The object stays valid (a handler still running may use it
  // until then) and is destroyed later.
  void close();

  // Creates the stream over `subjects` if it does not exist (an existing one is used as it is).
  bool ensure_stream(const std::string& name, const std::vector<std::string>& subjects,
                     DurationNs duplicate_window_ns, DurationNs max_age_ns, std::string& error);
  // Publishes and waits for the stream's acknowledgement. `message_id`: JetStream drops a
  // message whose id it saw within the stream's duplicate window. `duplicate` tells whether it
  // did.
  bool publish(const std::string& subject, std::string_view data, const std::string& message_id,
               const std::vector<NatsHeader>& headers, bool& duplicate, std::string& error);
  // Publishes without waiting for the acknowledgement (at most kMaxAsyncPending in flight;
  // when that many are, waits up to 20 ms for room, then fails). For messages a subscriber can
  // do without (market records: a lost one is a gap it resyncs on). Failures after the call
  // are counted in async_failures().
  bool publish_async(const std::string& subject, std::string_view data,
                     const std::string& message_id, std::string& error);
  // Waits up to `timeout_ns` until every asynchronous publish is acknowledged or failed.
  bool wait_async(DurationNs timeout_ns);
  // Asynchronous publishes the server refused or never acknowledged (any thread).
  std::uint64_t async_failures() const { return async_failures_.load(std::memory_order_relaxed); }
  static constexpr std::int64_t kMaxAsyncPending = 4096;

  // How many messages `stream` holds (subject: only those on it; "" = all); nullopt with
  // `error`.
  std::optional<std::uint64_t> stream_messages(const std::string& stream, std::string& error);
  // The value of header `name` of the last message on `subject` in `stream`: nullopt with an
  // empty `error` when the subject has none, nullopt with `error` when it cannot be asked.
  std::optional<std::string> last_header(const std::string& stream, const std::string& subject,
                                         const std::string& name, std::string& error);

  // Message `sequence` of `stream` as stored: nullopt with an empty `error` when there is none
  // (deleted, or past the end), nullopt with `error` when it cannot be asked.
  struct StoredMessage {
    std::string subject;
    std::string data;
  };
  std::optional<StoredMessage> stream_message(const std::string& stream, std::uint64_t sequence,
                                              std::string& error);

  // Core NATS, no stream: a request that only matters to whoever listens now.
  bool publish_core(const std::string& subject, std::string_view data, std::string& error);
  // Core NATS subscription to `subject` (wildcards allowed): `handler` runs on the client's own
  // thread for each message, until this connection is destroyed.
  using Handler = std::function<void(std::string_view subject, std::string_view data)>;
  bool subscribe(const std::string& subject, Handler handler, std::string& error);
  // JetStream ordered consumer of `stream` over `subject` (wildcards allowed): every message in
  // stream order, from the stream's first (`from_start`) or from the next one published;
  // `handler` runs on one thread of the client's for every message. The client recreates the
  // consumer where it left off after a reconnection.
  bool subscribe_stream(const std::string& stream, const std::string& subject, bool from_start,
                        Handler handler, std::string& error);
  // How often the client lost the server and got it back (any thread).
  std::uint64_t disconnects() const { return disconnects_.load(std::memory_order_relaxed); }

 private:
  NatsConnection() = default;

  struct Subscription {
    natsSubscription* subscription = nullptr;
    std::unique_ptr<Handler> handler;  // the callback's closure: its address must not move
  };

  bool add_subscription(natsStatus status, Subscription subscription, const std::string& subject,
                        jsErrCode code, std::string& error);
  static void on_disconnected(natsConnection*, void* closure);
  static void on_closed(natsConnection*, void* closure);
  static void on_async_error(jsCtx*, jsPubAckErr* failure, void* closure);

  natsConnection* connection_ = nullptr;
  jsCtx* jetstream_ = nullptr;
  std::vector<Subscription> subscriptions_;
  std::atomic<std::uint64_t> disconnects_{0};
  std::atomic<std::uint64_t> async_failures_{0};
  // The client calls back on its own thread until its closed callback, the last one: the
  // destructor waits for it, so that no callback finds this object gone.
  std::mutex closed_mutex_;
  std::condition_variable closed_signal_;
  bool closed_ = false;
};

}  // namespace sigex
