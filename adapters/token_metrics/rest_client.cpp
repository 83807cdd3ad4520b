#include "adapters/token_metrics/rest_client.h"

#include <array>
#include <cstdio>
#include <cstring>
#include <random>

#include <boost/beast/core/error.hpp>

#include "engine/core/calendar.h"
#include "engine/logging/log.h"

namespace sigex {
namespace {

constexpr std::array<std::pair<TmEndpoint, std::string_view>, 7> kPaths = {{
    {TmEndpoint::kTradingSignals, "trading-signals"},
    {TmEndpoint::kHourlyTradingSignals, "hourly-trading-signals"},
    {TmEndpoint::kTmGrade, "tm-grade"},
    {TmEndpoint::kTmGradeHistory, "tm-grade-history"},
    {TmEndpoint::kTraderGrades, "trader-grades"},
    {TmEndpoint::kTokens, "tokens"},
    {TmEndpoint::kTopMarketCapTokens, "top-market-cap-tokens"},
}};

template <typename List>
std::string join(const List& values) {
  std::string text;
  for (const auto& value : values) {
    if (!text.empty()) text += "%2C";
    text += fmt::format("{}", value);
  }
  return text;
}

// Retry-After: delta-seconds or an IMF-fixdate ("Wed, 21 Oct 2015 07:28:00 GMT").
std::optional<DurationNs> retry_after(std::string_view value, TimeNs now_ns) {
  std::int64_t seconds = 0;
  bool digits = !value.empty() && value.size() < 10;
  for (const char c : value) digits &= c >= '0' && c <= '9';
  if (digits) {
    for (const char c : value) seconds = seconds * 10 + (c - '0');
    return seconds * kNsPerSecond;
  }
  char weekday[4] = {}, month_name[4] = {};
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  const std::string text(value);
  if (std::sscanf(text.c_str(), "%3s, %d %3s %d %d:%d:%d GMT", weekday, &day, month_name, &year,
                  &hour, &minute, &second) != 7) {
    return std::nullopt;
  }
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned month = 0; month < 12; ++month) {
    if (std::strcmp(month_name, kMonths[month]) == 0) {
      const TimeNs at = days_from_civil(year, month + 1, static_cast<unsigned>(day)) * kNsPerDay +
                        hour * kNsPerHour + minute * kNsPerMinute + second * kNsPerSecond;
      return at > now_ns ? at - now_ns : 0;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view path_of(TmEndpoint endpoint) {
  for (const auto& [candidate, path] : kPaths) {
    if (candidate == endpoint) return path;
  }
  return "?";
}

std::optional<TmEndpoint> endpoint_named(std::string_view name) {
  for (const auto& [endpoint, path] : kPaths) {
    if (path == name) return endpoint;
  }
  return std::nullopt;
}

bool takes_dates(TmEndpoint endpoint) {
  return endpoint == TmEndpoint::kTradingSignals || endpoint == TmEndpoint::kTmGradeHistory ||
         endpoint == TmEndpoint::kTraderGrades;
}

std::string_view to_string(TmOutcome outcome) {
  switch (outcome) {
    case TmOutcome::kOk:
      return "ok";
    case TmOutcome::kBudgetExhausted:
      return "budget_exhausted";
    case TmOutcome::kAuthFailed:
      return "auth_failed";
    case TmOutcome::kPaymentRequired:
      return "payment_required";
    case TmOutcome::kNotFound:
      return "not_found";
    case TmOutcome::kBadRequest:
      return "bad_request";
    case TmOutcome::kGaveUp:
      return "gave_up";
    case TmOutcome::kStopped:
      return "stopped";
  }
  return "?";
}

std::vector<std::pair<TimeNs, TimeNs>> split_date_range(TimeNs from_day_ns, TimeNs to_day_ns,
                                                        int window_days) {
  std::vector<std::pair<TimeNs, TimeNs>> windows;
  const TimeNs first = from_day_ns / kNsPerDay * kNsPerDay;
  const TimeNs last = to_day_ns / kNsPerDay * kNsPerDay;
  for (TimeNs start = first; start <= last; start += window_days * kNsPerDay) {
    windows.emplace_back(start, std::min(last, start + (window_days - 1) * kNsPerDay));
  }
  return windows;
}

TokenMetricsClient::TokenMetricsClient(const TokenMetricsConfig& config,
                                       std::shared_ptr<KeySet> keys, CallBudget* budget,
                                       const Clock& clock, Waiter& waiter,
                                       boost::asio::ssl::context& tls)
    : config_(config),
      keys_(std::move(keys)),
      budget_(budget),
      clock_(clock),
      waiter_(waiter),
      backoff_(config.backoff_initial_ns, config.backoff_max_ns,
               config.random_seed != 0 ? config.random_seed : std::random_device{}()) {
  const auto url = parse_url(config.base_url);
  if (url && may_carry_secrets(*url)) {
    base_ = *url;
    base_path_ = url->target;
    while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
    session_ = std::make_unique<HttpSession>(*base_, tls, config.timeouts);
  }
}

TokenMetricsClient::~TokenMetricsClient() = default;

bool TokenMetricsClient::valid(std::string& error) const {
  if (!base_) {
    error = "token_metrics.base_url '" + config_.base_url +
            "' must be an https:// URL (plain http:// only for a loopback simulator: the API key "
            "must not cross a network in clear text)";
    return false;
  }
  return true;
}

std::uint64_t TokenMetricsClient::connects() const { return session_ ? session_->connects() : 0; }

std::string TokenMetricsClient::target_of(const TmQuery& query, int page) const {
  std::string target = base_path_ + "/" + std::string(path_of(query.endpoint)) + "?";
  if (!query.token_ids.empty()) target += "token_id=" + join(query.token_ids) + "&";
  if (!query.symbols.empty()) target += "symbol=" + join(query.symbols) + "&";
  if (query.top_k > 0) target += "top_k=" + std::to_string(query.top_k) + "&";
  if (query.start_day_ns != 0 || query.end_day_ns != 0) {
    target += "startDate=" + format_utc_date(query.start_day_ns) +
              "&endDate=" + format_utc_date(query.end_day_ns) + "&";
  }
  target += "limit=" + std::to_string(config_.page_limit) + "&page=" + std::to_string(page);
  return target;
}

TmFetch TokenMetricsClient::fetch(const TmQuery& query) {
  TmFetch result;
  if (!base_) {
    result.outcome = TmOutcome::kBadRequest;
    valid(result.message);
    return result;
  }
  const std::string endpoint(path_of(query.endpoint));
  for (int page = 1;; ++page) {
    if (page > config_.max_pages) {
      ++metrics_.page_limit_hits;
      log_warn("Token Metrics {}: stopped paging after {} pages", endpoint, config_.max_pages);
      break;
    }
    const std::string target = target_of(query, page);
    TmResponsePage accepted;
    bool have_page = false;
    backoff_.reset();
    bool failed_over = false;
    std::string payment;  // X-PAYMENT of the paid retry
    bool paid = false;    // one payment per page, whatever happens
    for (int attempt = 1; attempt <= config_.max_attempts && !have_page; ++attempt) {
      if (waiter_.stopped()) {
        result = {TmOutcome::kStopped, "stopped", {}};
        return result;
      }
      if (budget_ != nullptr && !budget_->try_spend(clock_.now_ns())) {
        ++metrics_.budget_refusals;
        result = {TmOutcome::kBudgetExhausted, budget_->last_error(), {}};
        return result;
      }
      ++metrics_.calls;
      // One key for the whole request, whatever a reload does meanwhile.
      const LoadedKey key = payer_ ? LoadedKey{} : keys_->active();
      std::vector<HttpHeader> headers;
      if (payer_) {
        headers = {{"x-coinbase-402", "true"}, {"x-payment-token", config_.x402.payment_token}};
        if (!payment.empty()) headers.push_back({"X-PAYMENT", payment});
      } else {
        headers = {
            {config_.key_header, key.secret ? std::string(key.secret->reveal()) : std::string()}};
      }
      const HttpResponse response = session_->get(target, headers);
      if (!payment.empty()) {
        payer_->answered(response.header("X-PAYMENT-RESPONSE"), response.status, response.body);
        payment.clear();
      } else if (payer_ && response.status == 402 && !paid) {
        const std::string resource = config_.base_url + target.substr(base_path_.size());
        auto header = payer_->pay(response.body, resource, clock_.now_ns());
        paid = true;
        if (!header) {
          ++metrics_.payment_refusals;
          result = {header.error().over_budget ? TmOutcome::kBudgetExhausted
                                               : TmOutcome::kPaymentRequired,
                    header.error().message,
                    {}};
          log_error("Token Metrics {}: {}", endpoint, result.message);
          return result;
        }
        ++metrics_.payments;
        payment = std::move(*header);
        --attempt;  // the paid request is the same attempt
        continue;
      }
      DurationNs wait_ns = 0;
      switch (classify(response, accepted, result, wait_ns)) {
        case Attempt::kPage:
          have_page = true;
          break;
        case Attempt::kFatal:
          if (result.outcome == TmOutcome::kAuthFailed && !failed_over) {
            if (const auto other = keys_->fail_over(key.fingerprint)) {
              ++metrics_.key_fail_overs;
              failed_over = true;
              log_warn(
                  "Token Metrics refused the {} API key {} (HTTP {}); trying the {} key {} once",
                  key.slot, key.fingerprint, response.status, other->slot, other->fingerprint);
              --attempt;  // the other key gets a full attempt
              break;
            }
          }
          log_error("Token Metrics {}: {}", endpoint, result.message);
          result.pages.clear();
          return result;
        case Attempt::kRetry:
          if (attempt == config_.max_attempts) break;
          ++metrics_.retries;
          if (wait_ns <= 0) wait_ns = backoff_.next();
          log_warn("Token Metrics {} page {}: {}; retry {} in {} ms", endpoint, page,
                   result.message, attempt, wait_ns / kNsPerMs);
          if (!waiter_.wait_for(wait_ns)) {
            result = {TmOutcome::kStopped, "stopped", {}};
            return result;
          }
          break;
      }
    }
    if (!have_page) {
      result.outcome = TmOutcome::kGaveUp;
      result.message = fmt::format("page {} failed {} times; last: {}", page, config_.max_attempts,
                                   result.message);
      log_error("Token Metrics {}: {}", endpoint, result.message);
      result.pages.clear();
      return result;
    }
    // An API that ignores `page` answers every page with page 1: stop instead of looping.
    if (!result.pages.empty() && accepted.items > 0 && accepted.body == result.pages.back().body) {
      ++metrics_.repeated_pages;
      log_warn("Token Metrics {}: page {} repeats page {}; paging stopped", endpoint, page,
               page - 1);
      break;
    }
    ++metrics_.pages_ok;
    const std::size_t items = accepted.items;
    const TimeNs oldest_ns = accepted.oldest_time_ns;
    result.pages.push_back(std::move(accepted));
    if (items < static_cast<std::size_t>(config_.page_limit)) break;
    if (query.stop_before_ns != 0 && oldest_ns != 0 && oldest_ns < query.stop_before_ns) break;
  }
  result.outcome = TmOutcome::kOk;
  result.message.clear();
  return result;
}

TokenMetricsClient::Attempt TokenMetricsClient::classify(const HttpResponse& response,
                                                         TmResponsePage& page, TmFetch& result,
                                                         DurationNs& wait_ns) {
  if (response.transport_failed()) {
    if (response.error == boost::beast::error::timeout) {
      ++metrics_.timeouts;
      result.message = "timed out (" + response.step + ")";
    } else {
      ++metrics_.transport_errors;
      result.message = response.step + " failed: " + response.error.message();
    }
    return Attempt::kRetry;
  }
  const int status = response.status;
  auto body_message = [&]() {
    const auto parsed = page_reader_.read(response.body, false);
    return parsed && !parsed->message.empty() ? ": " + parsed->message : std::string();
  };
  if (status == 429) {
    ++metrics_.rate_limited;
    result.message = "rate limited (HTTP 429)";
    if (const auto header = response.header("Retry-After")) {
      if (const auto delay = retry_after(*header, clock_.now_ns())) {
        wait_ns = std::min(*delay, config_.max_retry_after_ns);
        if (wait_ns == 0) wait_ns = 1;  // "now": still yield once
      }
    }
    return Attempt::kRetry;
  }
  if (status >= 500) {
    ++metrics_.server_errors;
    result.message = "server error (HTTP " + std::to_string(status) + ")";
    return Attempt::kRetry;
  }
  if (status == 401 || status == 403) {
    ++metrics_.auth_failures;
    result.outcome = TmOutcome::kAuthFailed;
    result.message =
        "Token Metrics refused the API key (HTTP " + std::to_string(status) + body_message() +
        "); signal intake is halted until the key is fixed and sigex restarted or reloaded";
    return Attempt::kFatal;
  }
  if (status == 402) {
    ++metrics_.payment_required;
    result.outcome = TmOutcome::kPaymentRequired;
    result.message =
        payer_ != nullptr
            ? "Token Metrics answered 402 to a paid request (the payment was not settled" +
                  body_message() + "); signal intake is halted"
            : "Token Metrics answered 402 Payment Required: the plan's monthly API quota is "
              "exhausted, or this endpoint needs pay-per-call (access = \"x402\"); signal "
              "intake is halted";
    return Attempt::kFatal;
  }
  if (status == 404) {
    ++metrics_.not_found;
    result.outcome = TmOutcome::kNotFound;
    result.message =
        "HTTP 404: the endpoint does not exist (Token Metrics removes endpoints; check the "
        "configured grade endpoint)";
    return Attempt::kFatal;
  }
  if (status != 200) {
    if (status == 400)
      ++metrics_.bad_requests;
    else
      ++metrics_.other_http_errors;
    result.outcome = TmOutcome::kBadRequest;
    result.message = "HTTP " + std::to_string(status) + body_message();
    return Attempt::kFatal;
  }
  const auto parsed = page_reader_.read(response.body, false);
  if (!parsed) {
    ++metrics_.malformed;
    result.message = "malformed response body (" + std::string(parsed.error().what) + ")";
    return Attempt::kRetry;
  }
  if (!parsed->success) {
    ++metrics_.success_false;
    result.message =
        "success:false" + (parsed->message.empty() ? std::string() : ": " + parsed->message);
    return Attempt::kRetry;
  }
  page.receive_time_ns = clock_.now_ns();
  page.body = response.body;
  page.items = parsed->items;
  page.oldest_time_ns = parsed->oldest_time_ns;
  return Attempt::kPage;
}

}  // namespace sigex
