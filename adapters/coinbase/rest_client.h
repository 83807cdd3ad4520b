#pragma once

// Signed REST calls to Coinbase Advanced Trade over one keep-alive session: every request
// carries `Authorization: Bearer <JWT>` with a token made for it alone (its method, host and
// path in the uri claim, valid 120 s). The rate limit is read from the x-ratelimit-limit /
// -remaining / -reset headers of every answer; while none remains, or after a 429, requests
// are refused here (nothing is sent) until the reset. Keys can be swapped at any time
// (rotate): a request under way finishes with the signer it started with. No trading logic.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "adapters/coinbase/config.h"
#include "adapters/coinbase/signer.h"
#include "adapters/net/http_session.h"
#include "engine/core/clock.h"

namespace sigex {

class CoinbaseRestClient {
 public:
  CoinbaseRestClient(const CoinbaseExecutionConfig& config, std::unique_ptr<CoinbaseSigner> signer,
                     const Clock& clock, boost::asio::ssl::context& tls);

  // `path` with its query. `refused` is set (and nothing sent) while the rate limit is spent.
  HttpResponse get(const std::string& path, bool& refused);
  HttpResponse post(const std::string& path, const std::string& json, bool& refused);
  // What call() does before a request leaves, and nothing after: the signer taken and the
  // token signed, then discarded. SigningRehearsal keeps that warm; nothing is sent or counted.
  void sign_only(HttpSession::Method method, const std::string& path);

  // Any thread: the signer for requests from now on.
  void rotate(std::unique_ptr<CoinbaseSigner> signer);
  std::string fingerprint() const;  // of the key name in use (never the key)
  // A token for a WebSocket subscribe message, with the key in use now.
  std::string websocket_token() const;
  std::size_t retiring() const;  // requests under way with a replaced signer (0 or 1)
  TimeNs blocked_until_ns() const { return blocked_until_ns_.load(); }
  std::uint64_t rate_limited() const { return rate_limited_.load(); }

 private:
  HttpResponse call(HttpSession::Method method, const std::string& path, const std::string& json,
                    bool& refused);
  void note_limits(const HttpResponse& response, TimeNs now_ns);
  // The current signer (left in `signer`, held for the request) and its token for `target`.
  std::string token_for(HttpSession::Method method, const std::string& target, TimeNs now_ns,
                        std::shared_ptr<const CoinbaseSigner>& signer) const;

  const Clock& clock_;
  HttpSession session_;
  std::string host_;    // "api.coinbase.com" or "127.0.0.1:port" (the uri claim's host)
  std::string prefix_;  // the rest_url's path, if any
  mutable std::mutex mutex_;
  std::shared_ptr<const CoinbaseSigner> signer_;
  // The signer of the request under way (one thread calls): `retiring` when rotated since.
  std::atomic<const CoinbaseSigner*> in_flight_{nullptr};
  std::atomic<TimeNs> blocked_until_ns_{0};
  std::atomic<std::uint64_t> rate_limited_{0};
};

}  // namespace sigex
