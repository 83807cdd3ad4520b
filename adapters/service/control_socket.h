#pragma once

// The operator's control channel: a Unix stream socket that only the daemon's user can use
// (mode 0600, in the state directory, which systemd creates 0700). One request per connection:
// the client writes one line ("status", "halt <reason>", "resume <reason>", "flatten
// <reason>", "reload"), the server answers with text and closes. The first line of an answer
// is "ok" or "error: <why>". Served on the shared listener path (listener.h): each client has
// its own connection, so one that never sends its line does not hold up another; the handler
// (called on the listener's thread, one request at a time) decides what a request means (the
// daemon forwards it to its core thread).

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "engine/core/time.h"

namespace sigex {

class ControlSocketServer {
 public:
  using Handler = std::function<std::string(const std::string& request)>;
  ControlSocketServer(std::string path, Handler handler);
  ~ControlSocketServer();
  ControlSocketServer(const ControlSocketServer&) = delete;
  ControlSocketServer& operator=(const ControlSocketServer&) = delete;

  // Binds (replacing a stale socket file) and starts the thread; false with the reason.
  bool start(std::string& error);
  void stop();
  const std::string& path() const { return path_; }

  class Impl;

 private:
  std::string path_;
  std::unique_ptr<Impl> impl_;
};

// The `sigex ctl` side: sends one request and returns the answer; false with the reason when
// the daemon cannot be reached (no socket, refused, no answer within `timeout`).
bool control_request(const std::string& path, const std::string& request, DurationNs timeout_ns,
                     std::string& answer, std::string& error);

}  // namespace sigex
