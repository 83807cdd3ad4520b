#pragma once

// The Prometheus scrape endpoint: plain HTTP/1.1 on a loopback address only (refused
// otherwise at configuration time), GET (or HEAD) /metrics answered with the text exposition
// format, other methods 405, other paths 404. Served on the shared listener path
// (listener.h): every scraper has its own connection, so an idle keep-alive client never
// delays another. The handler builds the body (the daemon asks its core thread, which renders
// a consistent snapshot) or returns nullopt (503: the core did not answer in time, which is
// itself worth alerting on); it is called on the listener's thread, one request at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace sigex {

class MetricsServer {
 public:
  using Handler = std::function<std::optional<std::string>()>;
  MetricsServer(std::string address, std::uint16_t port, Handler handler);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  bool start(std::string& error);
  void stop();
  std::uint16_t port() const;  // the bound port (useful when configured as 0)
  std::string url() const;     // "http://127.0.0.1:9464/metrics" (the bound port)

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// `[service] metrics_listen` served: parsed (loopback addresses only), bound and started.
// Null with `error` otherwise.
std::unique_ptr<MetricsServer> start_metrics_server(const std::string& listen,
                                                    MetricsServer::Handler handler,
                                                    std::string& error);

// "ADDRESS:PORT" (an IPv6 address in brackets) -> address and port, and whether the address
// is a loopback one; false with `error` for anything else.
bool parse_listen(const std::string& text, std::string& address, std::uint16_t& port,
                  bool& loopback, std::string& error);

// "127.0.0.1:9464" -> address and port; false unless the address is a loopback address.
bool parse_loopback_listen(const std::string& text, std::string& address, std::uint16_t& port,
                           std::string& error);

}  // namespace sigex
