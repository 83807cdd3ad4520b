// Every Binance answer to an order maps to the outcome the OMS must act on: only definite
// evidence is a rejection; anything that may have reached the matching engine is Unknown.

#include "adapters/binance/rest_outcome.h"

#include <gtest/gtest.h>
#include <boost/asio/error.hpp>

namespace sigex {
namespace {

HttpResponse answer(int status, std::string body, std::vector<HttpHeader> headers = {}) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  response.step = "done";
  return response;
}

TEST(OrderAnswer, OnlyDefiniteEvidenceIsARejection) {
  EXPECT_EQ(classify_order_answer(answer(200, R"({"orderId":1})")).outcome,
            OrderOutcome::kAccepted);
  const auto filter =
      classify_order_answer(answer(400, R"({"code":-1013,"msg":"Filter failure: LOT_SIZE"})"));
  EXPECT_EQ(filter.outcome, OrderOutcome::kRejected);
  EXPECT_EQ(filter.error.code, -1013);
  EXPECT_EQ(filter.why, "HTTP 400 code -1013: Filter failure: LOT_SIZE");
  EXPECT_EQ(
      classify_order_answer(
          answer(
              400,
              R"({"code":-2010,"msg":"Account has insufficient balance for requested action."})"))
          .outcome,
      OrderOutcome::kRejected);
  EXPECT_EQ(
      classify_order_answer(answer(400, R"({"code":-2010,"msg":"Duplicate order sent."})")).outcome,
      OrderOutcome::kDuplicate);
  EXPECT_EQ(
      classify_order_answer(
          answer(
              400,
              R"({"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."})"))
          .outcome,
      OrderOutcome::kClockSkew);
}

TEST(OrderAnswer, AnythingThatMayHaveExecutedIsUnknown) {
  HttpResponse timeout;
  timeout.error = boost::asio::error::timed_out;
  timeout.step = "read";
  EXPECT_EQ(classify_order_answer(timeout).outcome, OrderOutcome::kUnknown);
  EXPECT_EQ(classify_order_answer(answer(502, "<html>Bad gateway</html>")).outcome,
            OrderOutcome::kUnknown);
  EXPECT_EQ(
      classify_order_answer(
          answer(
              400,
              R"({"code":-1007,"msg":"Timeout waiting for response from backend server. Send status unknown; execution status unknown."})"))
          .outcome,
      OrderOutcome::kUnknown);
  EXPECT_EQ(classify_order_answer(answer(400, R"({"code":-1006,"msg":"x"})")).outcome,
            OrderOutcome::kUnknown);
  EXPECT_EQ(classify_order_answer(answer(403, "WAF")).outcome, OrderOutcome::kUnknown);
  EXPECT_EQ(classify_order_answer(answer(400, "not json")).outcome, OrderOutcome::kUnknown);
  const auto limited = classify_order_answer(answer(
      429, R"({"code":-1003,"msg":"Too much request weight used"})", {{"Retry-After", "7"}}));
  EXPECT_EQ(limited.outcome, OrderOutcome::kUnknown);
  EXPECT_TRUE(limited.rate_limited);
  EXPECT_EQ(limited.retry_after_ns, 7 * kNsPerSecond);
  const auto banned = classify_order_answer(
      answer(418, R"({"code":-1003,"msg":"IP banned"})", {{"Retry-After", "120"}}));
  EXPECT_EQ(banned.outcome, OrderOutcome::kUnknown);
  EXPECT_TRUE(banned.banned);
}

TEST(RateLimitTracker, FollowsHeadersAndBans) {
  RateLimitTracker tracker(1200, 50, 160000);
  const TimeNs minute = 1'000 * kNsPerMinute;
  tracker.observe(answer(200, "",
                         {{"x-mbx-used-weight-1m", "1070"},
                          {"X-MBX-ORDER-COUNT-10S", "45"},
                          {"X-MBX-ORDER-COUNT-1D", "100"}}),
                  minute);
  EXPECT_EQ(tracker.used_weight(), 1070);
  EXPECT_TRUE(tracker.may_send(10, false, minute));                // 1080 <= 90 % of 1200
  EXPECT_FALSE(tracker.may_send(20, false, minute));               // 1090 > 1080
  EXPECT_FALSE(tracker.may_send(1, true, minute));                 // 46 orders > 90 % of 50
  EXPECT_TRUE(tracker.may_send(20, true, minute + kNsPerMinute));  // both windows reset
  tracker.observe(answer(429, "", {{"Retry-After", "30"}}), minute);
  EXPECT_FALSE(tracker.may_send(1, false, minute + 29 * kNsPerSecond));
  EXPECT_TRUE(tracker.may_send(1, false, minute + kNsPerMinute));
  tracker.observe(answer(418, "", {{"Retry-After", "300"}}), minute);
  EXPECT_TRUE(tracker.banned(minute + 299 * kNsPerSecond));
  EXPECT_FALSE(tracker.may_send(1, false, minute + 299 * kNsPerSecond));
  EXPECT_FALSE(tracker.banned(minute + 300 * kNsPerSecond));
}

TEST(RateLimitTracker, SaysWhenARefusedRequestMayBeTriedAgain) {
  RateLimitTracker tracker(1200, 50, 160000);
  const TimeNs minute = 1'000 * kNsPerMinute;
  // An earlier run used the minute's budget: the next try is at the next 10-second boundary,
  // and the weight is free again at the minute's end.
  tracker.observe(answer(200, "", {{"X-MBX-USED-WEIGHT-1M", "1190"}}), minute + 3 * kNsPerSecond);
  EXPECT_FALSE(tracker.may_send(20, false, minute + 3 * kNsPerSecond));
  EXPECT_EQ(tracker.next_window_ns(minute + 3 * kNsPerSecond), minute + 10 * kNsPerSecond);
  EXPECT_FALSE(tracker.may_send(20, false, minute + 50 * kNsPerSecond));
  EXPECT_TRUE(tracker.may_send(20, false, minute + kNsPerMinute));
  tracker.observe(answer(429, "", {{"Retry-After", "30"}}), minute);
  EXPECT_EQ(tracker.next_window_ns(minute + kNsPerSecond), minute + 30 * kNsPerSecond);
}

TEST(ClockSkewGuard, AllowsOrdersOnlyWithAFreshSmallOffset) {
  ClockSkewGuard guard(500 * kNsPerMs, 60 * kNsPerSecond);
  const TimeNs now = 1'700'000'000 * kNsPerSecond;
  EXPECT_FALSE(guard.orders_allowed(now));
  guard.observe(now, now + 50 * kNsPerMs + 100 * kNsPerMs,
                now + 200 * kNsPerMs);  // server 50 ms ahead
  EXPECT_EQ(guard.offset_ns(), 50 * kNsPerMs);
  EXPECT_TRUE(guard.orders_allowed(now + kNsPerSecond));
  EXPECT_EQ(guard.server_now_ns(now), now + 50 * kNsPerMs);
  // Requests are dated with the server's time when the answer arrived: 50 ms ahead minus the
  // 100 ms the answer may have travelled, never ahead of the server's clock.
  EXPECT_EQ(guard.request_timestamp_ns(now), now - 50 * kNsPerMs);
  EXPECT_FALSE(guard.orders_allowed(now + 61 * kNsPerSecond));  // sample too old
  guard.observe(now, now + 2 * kNsPerSecond, now);              // 2 s off
  EXPECT_FALSE(guard.orders_allowed(now));
  EXPECT_NE(guard.status(now).find("2000 ms off"), std::string::npos) << guard.status(now);
  guard.observe(now, now, now);
  guard.invalidate();  // -1021
  EXPECT_FALSE(guard.orders_allowed(now));
}

// A slow sample (3 s round trip, as on a loaded host) whatever leg was slow: a request dated
// with it is never ahead of the server (Binance allows 1 s) and at most the round trip behind
// (it allows recvWindow, 5 s by default). The midpoint would be 1.5 s off one way or the other.
TEST(ClockSkewGuard, ASlowSampleNeverDatesARequestAheadOfTheServer) {
  const TimeNs now = 1'700'000'000 * kNsPerSecond;
  const DurationNs round_trip = 3 * kNsPerSecond;
  for (const DurationNs server_read_after : {DurationNs{0}, round_trip / 2, round_trip}) {
    for (const DurationNs true_offset : {-400 * kNsPerMs, DurationNs{0}, 300 * kNsPerMs}) {
      ClockSkewGuard guard(500 * kNsPerMs, 60 * kNsPerSecond);
      guard.observe(now, now + server_read_after + true_offset, now + round_trip);
      const TimeNs later = now + round_trip + 10 * kNsPerSecond;
      const TimeNs server_clock = later + true_offset;
      EXPECT_LE(guard.request_timestamp_ns(later), server_clock)
          << server_read_after << " " << true_offset;
      EXPECT_GE(guard.request_timestamp_ns(later), server_clock - round_trip)
          << server_read_after << " " << true_offset;
    }
  }
}

}  // namespace
}  // namespace sigex
