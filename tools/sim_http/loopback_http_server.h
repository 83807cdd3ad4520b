#pragma once

// A loopback HTTP/1.1 server for the test simulators: keep-alive, one I/O thread on
// 127.0.0.1, and replies that can be delayed (slow answers) or cut (headers promise more body
// than is sent, then the connection closes). The handler runs on the I/O thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sigex {

struct SimRequest {
  std::string method;  // "GET", "POST", "DELETE", ...
  std::string target;  // path and query
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string_view header(std::string_view name) const;  // case-insensitive; "" when absent
};

struct SimReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int delay_ms = 0;
  bool cut = false;
  bool close_without_answer = false;  // the connection is closed, nothing is sent
  bool reset = false;                 // with close_without_answer: an RST, not a FIN
};

// Websocket connections upgraded from a request (any path). Handlers run on the I/O thread.
using SimSocketId = std::uint64_t;
struct SimWebSocketHandlers {
  std::function<void(SimSocketId socket, std::string_view message)> on_message;
  std::function<void(SimSocketId socket)> on_closed;
  // Optional: the handshake completed; `target` is the upgrade request's path and query.
  std::function<void(SimSocketId socket, std::string_view target)> on_open;
  // Optional: every queued frame of `socket` has been written (back-pressure for streamers).
  std::function<void(SimSocketId socket)> on_drained;
};

class LoopbackHttpServer {
 public:
  using Handler = std::function<SimReply(const SimRequest&)>;
  LoopbackHttpServer(std::string name, std::uint16_t port, Handler handler);
  ~LoopbackHttpServer();

  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;
  std::uint64_t connections() const;

  // Before start(): accept websocket upgrades.
  void set_websocket_handlers(SimWebSocketHandlers handlers);
  // Any thread. Queues a text frame (frames to one socket keep their order).
  void websocket_send(SimSocketId socket, std::string text);
  // Any thread. Drops the connection abruptly (no close frame).
  void websocket_drop(SimSocketId socket);
  // Any thread. Runs `task` on the I/O thread after `microseconds` (0: as soon as possible).
  void run_after(std::int64_t microseconds, std::function<void()> task);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Splits "a=1&b=2" (values kept as sent, %2C decoded to a comma).
std::vector<std::pair<std::string, std::string>> split_query(std::string_view text);

}  // namespace sigex
