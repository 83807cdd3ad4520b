#pragma once

// One connection to a NATS server and its JetStream context, over the C client (libnats).
// Owned by one thread at a time; every call returns false with the server's words in `error`
// instead of throwing. The client reconnects by itself; connected() says whether it is.

#include <cstdint>
#include <functional>
#include <memory>
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
  ~NatsConnection();
  NatsConnection(const NatsConnection&) = delete;
  NatsConnection& operator=(const NatsConnection&) = delete;

  bool connected() const;

  // Creates the stream over `subjects` if it does not exist (an existing one is used as it is).
  bool ensure_stream(const std::string& name, const std::vector<std::string>& subjects,
                     DurationNs duplicate_window_ns, DurationNs max_age_ns, std::string& error);
  // Publishes and waits for the stream's acknowledgement. `message_id`: JetStream drops a
  // message whose id it saw within the stream's duplicate window. `duplicate` tells whether it
  // did.
  bool publish(const std::string& subject, std::string_view data, const std::string& message_id,
               const std::vector<NatsHeader>& headers, bool& duplicate, std::string& error);
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

 private:
  NatsConnection() = default;

  struct Subscription {
    natsSubscription* subscription = nullptr;
    std::unique_ptr<Handler> handler;  // the callback's closure: its address must not move
  };

  natsConnection* connection_ = nullptr;
  jsCtx* jetstream_ = nullptr;
  std::vector<Subscription> subscriptions_;
};

}  // namespace sigex
