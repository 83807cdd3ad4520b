#include "adapters/binance/rest_outcome.h"

#include <cstdlib>

#include <fmt/format.h>
#include <simdjson.h>

namespace sigex {
namespace {

std::int64_t header_number(const HttpResponse& response, std::string_view name) {
  const auto value = response.header(name);
  if (!value || value->empty()) return -1;
  std::int64_t number = 0;
  for (const char c : *value) {
    if (c < '0' || c > '9') return -1;
    number = number * 10 + (c - '0');
  }
  return number;
}

}  // namespace

std::optional<BinanceError> parse_binance_error(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root)) return std::nullopt;
  std::int64_t code = 0;
  if (root["code"].get_int64().get(code)) return std::nullopt;
  BinanceError error;
  error.code = static_cast<int>(code);
  std::string_view message;
  if (!root["msg"].get_string().get(message)) error.message = std::string(message.substr(0, 200));
  return error;
}

std::string_view to_string(OrderOutcome outcome) {
  switch (outcome) {
    case OrderOutcome::kAccepted:
      return "accepted";
    case OrderOutcome::kRejected:
      return "rejected";
    case OrderOutcome::kUnknown:
      return "unknown";
    case OrderOutcome::kDuplicate:
      return "duplicate";
    case OrderOutcome::kClockSkew:
      return "clock_skew";
  }
  return "?";
}

std::string describe_failure(std::string_view what, const HttpResponse& response) {
  if (response.transport_failed()) {
    return fmt::format("Binance {}: {} failed: {}", what, response.step, response.error.message());
  }
  std::string text = fmt::format("Binance {}: HTTP {}", what, response.status);
  const auto venue_error = parse_binance_error(response.body);
  if (venue_error)
    text += fmt::format(", error {} \"{}\"", venue_error->code, venue_error->message);
  const int code = venue_error ? venue_error->code : 0;
  if (code == -1022) {
    text += " (the signing secret does not belong to the API key, or the key type is wrong)";
  } else if (code == -2014 || code == -2015 || response.status == 401 || response.status == 403) {
    text += " (check the API key, its permissions and IP restrictions)";
  } else if (code == -1021) {
    text += " (the local clock is off; check time synchronisation)";
  } else if (response.status == 418 || response.status == 429) {
    text += " (request rate limit; wait for Retry-After)";
  }
  return text;
}

OrderAnswer classify_order_answer(const HttpResponse& response) {
  OrderAnswer answer;
  if (response.transport_failed()) {
    answer.why = "no answer (" + response.step + ": " + response.error.message() + ")";
    return answer;  // kUnknown: it may have reached the matching engine
  }
  const int status = response.status;
  if (const std::int64_t seconds = header_number(response, "Retry-After"); seconds >= 0) {
    answer.retry_after_ns = seconds * kNsPerSecond;
  }
  if (status == 200) {
    answer.outcome = OrderOutcome::kAccepted;
    return answer;
  }
  if (const auto error = parse_binance_error(response.body)) answer.error = *error;
  const int code = answer.error.code;
  answer.why = "HTTP " + std::to_string(status) +
               (code != 0 ? " code " + std::to_string(code) : "") +
               (answer.error.message.empty() ? "" : ": " + answer.error.message);
  if (status == 418) {
    answer.banned = true;
    return answer;
  }
  if (status == 429 || code == -1003 || code == -1015) answer.rate_limited = true;
  if (status >= 500 || status == 429 || status == 403 || code == -1006 || code == -1007 ||
      code == 0) {
    return answer;  // kUnknown
  }
  // Spot says -2010 "Duplicate order sent."; USD-M says -4116 "ClientOrderId is duplicated."
  if ((code == -2010 && answer.error.message.find("Duplicate order") != std::string::npos) ||
      code == -4116) {
    answer.outcome = OrderOutcome::kDuplicate;
  } else if (code == -1021) {
    answer.outcome = OrderOutcome::kClockSkew;
  } else {
    answer.outcome = OrderOutcome::kRejected;
  }
  return answer;
}

void RateLimitTracker::observe(const HttpResponse& response, TimeNs now_ns) {
  const TimeNs minute = now_ns / kNsPerMinute;
  const TimeNs ten_seconds = now_ns / (10 * kNsPerSecond);
  const TimeNs day = now_ns / kNsPerDay;
  if (const auto weight = header_number(response, "X-MBX-USED-WEIGHT-1M"); weight >= 0) {
    used_weight_ = weight;
    weight_minute_ = minute;
  }
  if (const auto orders = header_number(response, "X-MBX-ORDER-COUNT-10S"); orders >= 0) {
    orders_10s_ = orders;
    orders_window_ = ten_seconds;
  }
  if (const auto orders = header_number(response, "X-MBX-ORDER-COUNT-1D"); orders >= 0) {
    orders_day_ = orders;
    orders_day_start_ = day;
  }
  const DurationNs retry_after =
      std::max<std::int64_t>(header_number(response, "Retry-After"), 0) * kNsPerSecond;
  if (response.status == 429) {
    // Without Retry-After, wait for the current minute's weight to reset.
    blocked_until_ns_ = std::max(
        blocked_until_ns_, retry_after > 0 ? now_ns + retry_after : (minute + 1) * kNsPerMinute);
  } else if (response.status == 418) {
    banned_until_ns_ =
        std::max(banned_until_ns_, now_ns + (retry_after > 0 ? retry_after : 2 * kNsPerMinute));
    blocked_until_ns_ = std::max(blocked_until_ns_, banned_until_ns_);
  }
}

bool RateLimitTracker::may_send(std::int64_t weight, bool is_order, TimeNs now_ns,
                                int reserve_percent) const {
  if (now_ns < blocked_until_ns_) return false;
  auto within = [&](std::int64_t used, std::int64_t extra, std::int64_t limit) {
    if (limit <= 0) return true;
    return (used + extra) * 100 <= limit * (100 - reserve_percent);
  };
  // A count observed in an earlier window has been reset by the venue since.
  const std::int64_t weight_used = weight_minute_ == now_ns / kNsPerMinute ? used_weight_ : 0;
  if (!within(weight_used, weight, weight_limit_)) return false;
  if (is_order) {
    const std::int64_t in_10s = orders_window_ == now_ns / (10 * kNsPerSecond) ? orders_10s_ : 0;
    const std::int64_t in_day = orders_day_start_ == now_ns / kNsPerDay ? orders_day_ : 0;
    if (!within(in_10s, 1, orders_10s_limit_) || !within(in_day, 1, orders_day_limit_))
      return false;
  }
  return true;
}

TimeNs RateLimitTracker::next_window_ns(TimeNs now_ns) const {
  if (now_ns < blocked_until_ns_) return blocked_until_ns_;
  // Every count's window ends on a 10-second boundary (the minute's and the day's too).
  return (now_ns / (10 * kNsPerSecond) + 1) * 10 * kNsPerSecond;
}

void ClockSkewGuard::observe(TimeNs sent_ns, TimeNs server_time_ns, TimeNs received_ns) {
  offset_ns_ = server_time_ns - (sent_ns + (received_ns - sent_ns) / 2);
  behind_offset_ns_ = server_time_ns - received_ns;
  sampled_at_ns_ = received_ns;
  have_sample_ = true;
}

bool ClockSkewGuard::orders_allowed(TimeNs now_ns) const {
  return have_sample_ && now_ns - sampled_at_ns_ <= max_sample_age_ns_ &&
         std::llabs(offset_ns()) <= max_skew_ns_;
}

std::string ClockSkewGuard::status(TimeNs now_ns) const {
  if (!have_sample_) return "no server time measured yet (or -1021 received): no new orders";
  if (now_ns - sampled_at_ns_ > max_sample_age_ns_)
    return "the last server time sample is too old: no new orders";
  if (std::llabs(offset_ns()) > max_skew_ns_) {
    return "the local clock is " + std::to_string(offset_ns() / kNsPerMs) +
           " ms off the exchange's (limit " + std::to_string(max_skew_ns_ / kNsPerMs) +
           " ms): no new orders; check time synchronisation";
  }
  return "clock within " + std::to_string(max_skew_ns_ / kNsPerMs) + " ms of the exchange";
}

}  // namespace sigex
