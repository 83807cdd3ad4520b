#pragma once

// The webhook's inbox: every accepted request (nonce, timestamp, body), made durable before it
// is answered, in <state_dir>/webhook.db (a file of its own: the listener thread writes it
// while the core writes the journal). A nonce is accepted once; the signals of the retention
// period are delivered again after a restart, so a crash between the answer and the core's
// journal loses nothing (the core's signal gate drops what it already had). Listener thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/time.h"

struct sqlite3;

namespace sigex {

class WebhookInbox {
 public:
  static std::unique_ptr<WebhookInbox> open(const std::filesystem::path& state_dir,
                                            std::string& error);
  ~WebhookInbox();
  WebhookInbox(const WebhookInbox&) = delete;
  WebhookInbox& operator=(const WebhookInbox&) = delete;

  enum class Admit : std::uint8_t { kAccepted, kReplayed, kFailed };
  // Stores the request in one transaction (synchronous = FULL): kReplayed when its nonce was
  // accepted before; kFailed with `error` when the store cannot write.
  Admit admit(std::string_view nonce, std::string_view source, TimeNs timestamp_ns,
              TimeNs receive_ns, std::string_view body, std::string& error);
  // Takes back a request that could not be handed on (the sender's retry is then accepted).
  void withdraw(std::string_view nonce);

  struct Entry {
    std::string nonce;
    TimeNs timestamp_ns = 0;
    TimeNs receive_ns = 0;
    std::string body;
  };
  // Accepted at or after `from_ns`, oldest first (redelivery at start-up).
  std::vector<Entry> since(TimeNs from_ns) const;
  // Forgets requests received before `before_ns`; returns how many.
  std::int64_t prune(TimeNs before_ns);

 private:
  explicit WebhookInbox(sqlite3* database) : database_(database) {}
  sqlite3* database_;
};

}  // namespace sigex
