#pragma once

// What a Binance REST answer means for an order, and the account's rate-limit state.
//
// Order outcomes (reference §1.2, §1.10; issue "never trade twice"):
//   200                                   -> kAccepted
//   transport failure, timeout, 5xx,
//   -1006, -1007, 429, 418, 403 (WAF)     -> kUnknown: look the order up by client id; never
//                                            resend blindly
//   -2010 "Duplicate order sent." (spot),
//   -4116 "ClientOrderId is duplicated."
//   (USD-M)                               -> kDuplicate: the order exists; adopt it
//   -1021 (timestamp outside recvWindow)  -> kClockSkew: rejected; resync the clock first
//   any other 4xx with an error code      -> kRejected (definite evidence from the venue)
// 429 and 418 also carry Retry-After; 418 means the IP is banned: stop sending and alert.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/net/http_types.h"
#include "engine/core/time.h"

namespace sigex {

struct BinanceError {
  int code = 0;
  std::string message;
};

// {"code":-1121,"msg":"Invalid symbol."}; nullopt when the body is not such an object.
std::optional<BinanceError> parse_binance_error(std::string_view body);

enum class OrderOutcome : std::uint8_t { kAccepted, kRejected, kUnknown, kDuplicate, kClockSkew };
std::string_view to_string(OrderOutcome outcome);

struct OrderAnswer {
  OrderOutcome outcome = OrderOutcome::kUnknown;
  BinanceError error;
  bool rate_limited = false;  // 429 / -1003 / -1015: slow down
  bool banned = false;        // 418: stop sending until retry_after has passed
  DurationNs retry_after_ns = 0;
  std::string why;  // for logs; never contains request parameters
};

OrderAnswer classify_order_answer(const HttpResponse& response);

// "Binance <what>: HTTP 400, error -1022 "Signature for this request is not valid." (the
// signing secret does not belong to the API key)": the venue's own code and words, then what
// the operator should check. Never a request parameter.
std::string describe_failure(std::string_view what, const HttpResponse& response);

// The body of a 200 answer, parsed; otherwise nullopt, and `error` names what failed.
template <typename Parse>
auto parse_answer(std::string_view what, const HttpResponse& response, Parse parse,
                  std::string& error)
    -> std::optional<typename decltype(parse(std::string_view()))::value_type> {
  if (response.transport_failed() || response.status != 200) {
    error = describe_failure(what, response);
    return std::nullopt;
  }
  auto parsed = parse(response.body);
  if (!parsed) {
    error = "Binance " + std::string(what) + " is unreadable: " + std::string(parsed.error().what);
    return std::nullopt;
  }
  return std::move(*parsed);
}

// The shared request budget, from X-MBX-USED-WEIGHT-<n><unit> and X-MBX-ORDER-COUNT-<n><unit>
// headers, plus the bans that 429 and 418 impose. One thread (the execution client's).
class RateLimitTracker {
 public:
  // Limits as exchangeInfo gives them; 0 = unknown (not enforced).
  RateLimitTracker(std::int64_t weight_per_minute, std::int64_t orders_per_10s,
                   std::int64_t orders_per_day)
      : weight_limit_(weight_per_minute),
        orders_10s_limit_(orders_per_10s),
        orders_day_limit_(orders_per_day) {}

  void observe(const HttpResponse& response, TimeNs now_ns);
  // Whether a request of `weight` (and, for orders, one more order) may go out now. Keeps a
  // safety margin of `reserve_percent` of each limit for cancels and queries.
  bool may_send(std::int64_t weight, bool is_order, TimeNs now_ns, int reserve_percent = 10) const;

  std::int64_t used_weight() const { return used_weight_; }
  bool banned(TimeNs now_ns) const { return now_ns < banned_until_ns_; }
  // When a refused request may be tried again: the end of a 429 block, else the next
  // 10-second boundary (where the order count resets, and the minute's weight at every sixth).
  TimeNs next_window_ns(TimeNs now_ns) const;
  TimeNs blocked_until_ns() const { return blocked_until_ns_; }

 private:
  std::int64_t weight_limit_, orders_10s_limit_, orders_day_limit_;
  std::int64_t used_weight_ = 0, orders_10s_ = 0, orders_day_ = 0;
  TimeNs weight_minute_ = -1, orders_window_ = -1, orders_day_start_ = -1;
  TimeNs blocked_until_ns_ = 0, banned_until_ns_ = 0;
};

// Local clock against the server's, from GET /api/v3/time samples: offset = server time minus
// the midpoint of the request's send and receive times. Orders are allowed only while a
// recent sample shows |offset| within the limit.
//
// Request timestamps do not use the midpoint: Binance refuses a timestamp more than 1 s ahead
// of its clock (-1021) but accepts one up to recvWindow behind, and the midpoint is off by up
// to half the round trip either way (a 3 s round trip on a loaded host put orders 1.5 s in
// the future). They use the server's time when its answer arrived, which the server's clock
// had already reached: never ahead of it, at most one round trip behind.
class ClockSkewGuard {
 public:
  ClockSkewGuard(DurationNs max_skew_ns, DurationNs max_sample_age_ns)
      : max_skew_ns_(max_skew_ns), max_sample_age_ns_(max_sample_age_ns) {}

  void observe(TimeNs sent_ns, TimeNs server_time_ns, TimeNs received_ns);
  // -1021 was received: the offset is no longer trusted until the next sample.
  void invalidate() { have_sample_ = false; }
  bool orders_allowed(TimeNs now_ns) const;
  DurationNs offset_ns() const { return offset_ns_.load(std::memory_order_relaxed); }
  // The server's time now, best estimate (the midpoint offset).
  TimeNs server_now_ns(TimeNs local_now_ns) const { return local_now_ns + offset_ns(); }
  // Timestamp to send: our clock corrected by the sample's lower bound (above), never ahead of
  // the server's clock. Any thread (the user data stream signs its subscription with it).
  TimeNs request_timestamp_ns(TimeNs local_now_ns) const {
    return local_now_ns + behind_offset_ns_.load(std::memory_order_relaxed);
  }
  std::string status(TimeNs now_ns) const;  // why orders are (not) allowed

 private:
  DurationNs max_skew_ns_;
  DurationNs max_sample_age_ns_;
  bool have_sample_ = false;
  std::atomic<DurationNs> offset_ns_{0};
  std::atomic<DurationNs> behind_offset_ns_{0};  // server time minus the answer's arrival
  TimeNs sampled_at_ns_ = 0;
};

}  // namespace sigex
