#include "adapters/nats/connection.h"

#include <nats/nats.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "engine/logging/log.h"

namespace sigex {
namespace {

std::string describe(natsStatus status, jsErrCode code) {
  const char* last = nats_GetLastError(nullptr);
  std::string text = natsStatus_GetText(status);
  if (code != 0) text += fmt::format(" (JetStream error {})", static_cast<int>(code));
  if (last != nullptr && *last != '\0' && text.find(last) == std::string::npos)
    text += std::string(": ") + last;
  return text;
}

}  // namespace

std::unique_ptr<NatsConnection> NatsConnection::connect(const NatsConfig& config,
                                                        std::string& error) {
  natsOptions* options = nullptr;
  natsStatus status = natsOptions_Create(&options);
  if (status == NATS_OK) status = natsOptions_SetURL(options, config.url.c_str());
  if (status == NATS_OK)
    status = natsOptions_SetTimeout(options, config.connect_timeout_ns / kNsPerMs);
  // Reconnects forever, a second apart: an outage of the server is waited out.
  if (status == NATS_OK) status = natsOptions_SetMaxReconnect(options, -1);
  if (status == NATS_OK) status = natsOptions_SetReconnectWait(options, 1000);
  if (status == NATS_OK && !config.credentials_file.empty()) {
    status =
        natsOptions_SetUserCredentialsFromFiles(options, config.credentials_file.c_str(), nullptr);
  }
  if (status == NATS_OK && !config.ca_file.empty()) {
    status = natsOptions_SetSecure(options, true);
    if (status == NATS_OK)
      status = natsOptions_LoadCATrustedCertificates(options, config.ca_file.c_str());
  }
  // Every publish goes to the socket at once instead of waiting for the client's flusher:
  // the relay hop is the wire and the server, not a buffering delay.
  if (status == NATS_OK) status = natsOptions_SetSendAsap(options, true);
  std::unique_ptr<NatsConnection> made(new NatsConnection());
  if (status == NATS_OK)
    status = natsOptions_SetDisconnectedCB(options, &NatsConnection::on_disconnected, made.get());
  if (status == NATS_OK)
    status = natsOptions_SetClosedCB(options, &NatsConnection::on_closed, made.get());
  if (status == NATS_OK) status = natsConnection_Connect(&made->connection_, options);
  natsOptions_Destroy(options);
  {
    jsOptions js_options;
    jsOptions_Init(&js_options);
    js_options.PublishAsync.MaxPending = kMaxAsyncPending;
    js_options.PublishAsync.StallWait = 20;  // ms: then the publish fails (counted, a gap)
    js_options.PublishAsync.ErrHandler = &NatsConnection::on_async_error;
    js_options.PublishAsync.ErrHandlerClosure = made.get();
    if (status == NATS_OK)
      status = natsConnection_JetStream(&made->jetstream_, made->connection_, &js_options);
  }
  if (status != NATS_OK) {
    error = fmt::format("NATS at {}: {}", config.url, describe(status, static_cast<jsErrCode>(0)));
    return nullptr;
  }
  return made;
}

NatsConnection::~NatsConnection() {
  close();
  if (jetstream_ != nullptr) jsCtx_Destroy(jetstream_);
  if (connection_ != nullptr) natsConnection_Destroy(connection_);
}

void NatsConnection::close() {
  // A handler may be running on the client's thread: draining waits for it to return.
  for (Subscription& subscription : subscriptions_) {
    if (natsSubscription_Drain(subscription.subscription) == NATS_OK) {
      natsSubscription_WaitForDrainCompletion(subscription.subscription, 5000);
    } else {
      natsSubscription_Unsubscribe(subscription.subscription);
    }
    natsSubscription_Destroy(subscription.subscription);
  }
  subscriptions_.clear();
  if (connection_ == nullptr || natsConnection_IsClosed(connection_)) return;
  natsConnection_Close(connection_);
  std::unique_lock lock(closed_mutex_);
  closed_signal_.wait_for(lock, std::chrono::seconds(5), [this] { return closed_; });
}

bool NatsConnection::connected() const {
  return connection_ != nullptr && natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

bool NatsConnection::ensure_stream(const std::string& name,
                                   const std::vector<std::string>& subjects,
                                   DurationNs duplicate_window_ns, DurationNs max_age_ns,
                                   std::string& error) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetStreamInfo(&info, jetstream_, name.c_str(), nullptr, &code);
  if (status == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return true;
  }
  if (status != NATS_NOT_FOUND && code != JSStreamNotFoundErr) {
    error = fmt::format("NATS stream {}: {}", name, describe(status, code));
    return false;
  }
  std::vector<const char*> names;
  for (const std::string& subject : subjects) names.push_back(subject.c_str());
  jsStreamConfig stream;
  jsStreamConfig_Init(&stream);
  stream.Name = name.c_str();
  stream.Subjects = names.data();
  stream.SubjectsLen = static_cast<int>(names.size());
  stream.Storage = js_FileStorage;
  stream.Duplicates = duplicate_window_ns;
  stream.MaxAge = max_age_ns;
  code = static_cast<jsErrCode>(0);
  status = js_AddStream(&info, jetstream_, &stream, nullptr, &code);
  if (status == NATS_OK) {
    jsStreamInfo_Destroy(info);
    return true;
  }
  if (code == JSStreamNameExistErr) return true;  // another engine made it meanwhile
  error = fmt::format("NATS stream {}: {}", name, describe(status, code));
  return false;
}

bool NatsConnection::publish(const std::string& subject, std::string_view data,
                             const std::string& message_id, const std::vector<NatsHeader>& headers,
                             bool& duplicate, std::string& error) {
  natsMsg* message = nullptr;
  natsStatus status = natsMsg_Create(&message, subject.c_str(), nullptr, data.data(),
                                     static_cast<int>(data.size()));
  for (const NatsHeader& header : headers) {
    if (status == NATS_OK)
      status = natsMsgHeader_Set(message, header.name.c_str(), header.value.c_str());
  }
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = message_id.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  if (status == NATS_OK) status = js_PublishMsg(&ack, jetstream_, message, &options, &code);
  natsMsg_Destroy(message);
  if (status != NATS_OK) {
    error = fmt::format("NATS publish to {}: {}", subject, describe(status, code));
    return false;
  }
  duplicate = ack->Duplicate;
  jsPubAck_Destroy(ack);
  return true;
}

bool NatsConnection::publish_async(const std::string& subject, std::string_view data,
                                   const std::string& message_id, std::string& error) {
  natsMsg* message = nullptr;
  natsStatus status = natsMsg_Create(&message, subject.c_str(), nullptr, data.data(),
                                     static_cast<int>(data.size()));
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MsgId = message_id.c_str();
  if (status == NATS_OK) status = js_PublishMsgAsync(jetstream_, &message, &options);
  if (message != nullptr) natsMsg_Destroy(message);  // the client took it only on success
  if (status != NATS_OK) {
    error =
        fmt::format("NATS publish to {}: {}", subject, describe(status, static_cast<jsErrCode>(0)));
    return false;
  }
  return true;
}

bool NatsConnection::wait_async(DurationNs timeout_ns) {
  jsPubOptions options;
  jsPubOptions_Init(&options);
  options.MaxWait = std::max<std::int64_t>(timeout_ns / kNsPerMs, 1);
  return js_PublishAsyncComplete(jetstream_, &options) == NATS_OK;
}

void NatsConnection::on_async_error(jsCtx*, jsPubAckErr* failure, void* closure) {
  auto* self = static_cast<NatsConnection*>(closure);
  if (self->async_failures_.fetch_add(1, std::memory_order_relaxed) == 0) {
    log_warn(
        "NATS: an asynchronous publish failed: {} (each failure is a gap subscribers "
        "resync on; counted in sigex_relay_publish_failures_total)",
        failure->ErrText != nullptr ? failure->ErrText : natsStatus_GetText(failure->Err));
  }
}

std::optional<std::uint64_t> NatsConnection::stream_messages(const std::string& stream,
                                                             std::string& error) {
  jsStreamInfo* info = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status = js_GetStreamInfo(&info, jetstream_, stream.c_str(), nullptr, &code);
  if (status != NATS_OK) {
    error = fmt::format("NATS stream {}: {}", stream, describe(status, code));
    return std::nullopt;
  }
  const std::uint64_t messages = info->State.Msgs;
  jsStreamInfo_Destroy(info);
  return messages;
}

std::optional<std::string> NatsConnection::last_header(const std::string& stream,
                                                       const std::string& subject,
                                                       const std::string& name,
                                                       std::string& error) {
  natsMsg* message = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status =
      js_GetLastMsg(&message, jetstream_, stream.c_str(), subject.c_str(), nullptr, &code);
  if (status == NATS_NOT_FOUND || code == JSNoMessageFoundErr) {
    error.clear();
    return std::nullopt;
  }
  if (status != NATS_OK) {
    error = fmt::format("NATS stream {}, last message of {}: {}", stream, subject,
                        describe(status, code));
    return std::nullopt;
  }
  const char* value = nullptr;
  std::optional<std::string> found;
  if (natsMsgHeader_Get(message, name.c_str(), &value) == NATS_OK && value != nullptr)
    found = value;
  natsMsg_Destroy(message);
  error = found ? ""
                : fmt::format("NATS stream {}: the last message of {} has no {} header", stream,
                              subject, name);
  return found;
}

std::optional<NatsConnection::StoredMessage> NatsConnection::stream_message(
    const std::string& stream, std::uint64_t sequence, std::string& error) {
  natsMsg* message = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status =
      js_GetMsg(&message, jetstream_, stream.c_str(), sequence, nullptr, &code);
  if (status == NATS_NOT_FOUND || code == JSNoMessageFoundErr) {
    error.clear();
    return std::nullopt;
  }
  if (status != NATS_OK) {
    error = fmt::format("NATS stream {}, message {}: {}", stream, sequence, describe(status, code));
    return std::nullopt;
  }
  StoredMessage stored{natsMsg_GetSubject(message),
                       std::string(natsMsg_GetData(message),
                                   static_cast<std::size_t>(natsMsg_GetDataLength(message)))};
  natsMsg_Destroy(message);
  return stored;
}

bool NatsConnection::publish_core(const std::string& subject, std::string_view data,
                                  std::string& error) {
  const natsStatus status = natsConnection_Publish(connection_, subject.c_str(), data.data(),
                                                   static_cast<int>(data.size()));
  if (status != NATS_OK)
    error =
        fmt::format("NATS publish to {}: {}", subject, describe(status, static_cast<jsErrCode>(0)));
  return status == NATS_OK;
}

namespace {

void on_core_message(natsConnection*, natsSubscription*, natsMsg* message, void* closure) {
  const auto& handler = *static_cast<const NatsConnection::Handler*>(closure);
  handler(natsMsg_GetSubject(message),
          std::string_view(natsMsg_GetData(message),
                           static_cast<std::size_t>(natsMsg_GetDataLength(message))));
  natsMsg_Destroy(message);
}

}  // namespace

void NatsConnection::on_disconnected(natsConnection*, void* closure) {
  static_cast<NatsConnection*>(closure)->disconnects_.fetch_add(1, std::memory_order_relaxed);
}

void NatsConnection::on_closed(natsConnection*, void* closure) {
  auto* connection = static_cast<NatsConnection*>(closure);
  std::lock_guard lock(connection->closed_mutex_);
  connection->closed_ = true;
  connection->closed_signal_.notify_all();
}

bool NatsConnection::add_subscription(natsStatus status, Subscription subscription,
                                      const std::string& subject, jsErrCode code,
                                      std::string& error) {
  if (status != NATS_OK) {
    error = fmt::format("NATS subscribe to {}: {}", subject, describe(status, code));
    return false;
  }
  subscriptions_.push_back(std::move(subscription));
  return true;
}

bool NatsConnection::subscribe(const std::string& subject, Handler handler, std::string& error) {
  Subscription subscription{nullptr, std::make_unique<Handler>(std::move(handler))};
  const natsStatus status =
      natsConnection_Subscribe(&subscription.subscription, connection_, subject.c_str(),
                               on_core_message, subscription.handler.get());
  return add_subscription(status, std::move(subscription), subject, static_cast<jsErrCode>(0),
                          error);
}

bool NatsConnection::subscribe_stream(const std::string& stream, const std::string& subject,
                                      bool from_start, Handler handler, std::string& error) {
  Subscription subscription{nullptr, std::make_unique<Handler>(std::move(handler))};
  jsSubOptions options;
  jsSubOptions_Init(&options);
  options.Stream = stream.c_str();
  options.Ordered = true;
  options.Config.DeliverPolicy = from_start ? js_DeliverAll : js_DeliverNew;
  jsErrCode code = static_cast<jsErrCode>(0);
  const natsStatus status =
      js_Subscribe(&subscription.subscription, jetstream_, subject.c_str(), on_core_message,
                   subscription.handler.get(), nullptr, &options, &code);
  return add_subscription(status, std::move(subscription), subject, code, error);
}

}  // namespace sigex
