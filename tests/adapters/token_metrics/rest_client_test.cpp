// The Token Metrics client against the loopback simulator, one injected fault at a time: the
// right outcome, the exact number of calls (each counted in the budget), waits that follow
// Retry-After or the backoff, and never a partial result.

#include "adapters/token_metrics/rest_client.h"

#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "support/test_support.h"
#include "support/tm_support.h"
#include "tools/feed_simulator/tls_proxy.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class TokenMetricsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(simulator_.start(error)) << error;
    add_daily_rows(simulator_, 29);
    config_ = simulator_config(simulator_);
    config_.page_limit = 10;  // 29 rows: pages of 10, 10, 9
    budget_ = CallBudget::open(directory_.path(), "token_metrics", 1000, 80, error);
    ASSERT_TRUE(budget_) << error;
  }

  TokenMetricsClient client(std::string key = "tm-simulator-key") {
    return TokenMetricsClient(config_, key_set_of(Secret(std::move(key))), budget_.get(), clock_,
                              waiter_, tls_);
  }

  static TmQuery january() {
    TmQuery query;
    query.endpoint = TmEndpoint::kTradingSignals;
    query.token_ids = {3375};
    query.start_day_ns = parse_utc_timestamp("2025-01-01").value();
    query.end_day_ns = parse_utc_timestamp("2025-01-29").value();
    return query;
  }

  TemporaryDirectory directory_;
  TmSimulator simulator_{TmSimulatorOptions{}};
  TokenMetricsConfig config_;
  SimulatedClock clock_{parse_utc_timestamp("2025-02-01T00:10:00").value()};
  RecordingWaiter waiter_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<CallBudget> budget_;
};

std::size_t total_items(const TmFetch& fetch) {
  std::size_t items = 0;
  for (const auto& page : fetch.pages) items += page.items;
  return items;
}

TEST_F(TokenMetricsClientTest, PagesUntilAShortPageOnOneConnection) {
  auto tm = client();
  const TmFetch fetch = tm.fetch(january());
  ASSERT_EQ(fetch.outcome, TmOutcome::kOk) << fetch.message;
  EXPECT_EQ(fetch.pages.size(), 3u);
  EXPECT_EQ(total_items(fetch), 29u);
  EXPECT_EQ(tm.metrics().calls, 3u);
  EXPECT_EQ(budget_->used(clock_.now_ns()), 3);
  EXPECT_EQ(simulator_.connections(), 1u);  // keep-alive
  const auto log = simulator_.request_log();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(
      log[0].target,
      "/v2/trading-signals?token_id=3375&startDate=2025-01-01&endDate=2025-01-29&limit=10&page=1");
  EXPECT_EQ(log[2].target.substr(log[2].target.size() - 6), "page=3");
  EXPECT_EQ(simulator_.keys_seen(), std::vector<std::string>{"tm-simulator-key"});
}

TEST_F(TokenMetricsClientTest, RateLimitHonoursRetryAfter) {
  simulator_.inject({TmFault::kRateLimited, 7});
  auto tm = client();
  const TmFetch fetch = tm.fetch(january());
  ASSERT_EQ(fetch.outcome, TmOutcome::kOk) << fetch.message;
  EXPECT_EQ(total_items(fetch), 29u);
  ASSERT_EQ(waiter_.delays.size(), 1u);
  EXPECT_EQ(waiter_.delays[0], 7 * kNsPerSecond);
  EXPECT_EQ(tm.metrics().rate_limited, 1u);
  EXPECT_EQ(tm.metrics().calls, 4u);
  EXPECT_EQ(budget_->used(clock_.now_ns()), 4);
}

TEST_F(TokenMetricsClientTest, RetryAfterIsCapped) {
  config_.max_retry_after_ns = 30 * kNsPerSecond;
  simulator_.inject({TmFault::kRateLimited, 86'400});
  auto tm = client();
  ASSERT_EQ(tm.fetch(january()).outcome, TmOutcome::kOk);
  ASSERT_EQ(waiter_.delays.size(), 1u);
  EXPECT_EQ(waiter_.delays[0], 30 * kNsPerSecond);
}

TEST_F(TokenMetricsClientTest, RateLimitWithoutRetryAfterBacksOffExponentially) {
  simulator_.inject({TmFault::kRateLimitedNoHeader}, 2);
  auto tm = client();
  ASSERT_EQ(tm.fetch(january()).outcome, TmOutcome::kOk);
  ASSERT_EQ(waiter_.delays.size(), 2u);
  EXPECT_GE(waiter_.delays[0], config_.backoff_initial_ns / 2);
  EXPECT_LE(waiter_.delays[0], config_.backoff_initial_ns);
  EXPECT_GE(waiter_.delays[1], config_.backoff_initial_ns / 2);
  EXPECT_LE(waiter_.delays[1], 2 * config_.backoff_initial_ns);
}

TEST_F(TokenMetricsClientTest, TransientFailuresAreRetriedAndCounted) {
  struct Case {
    TmFault fault;
    std::uint64_t TmClientMetrics::*counter;
  };
  for (const Case& c : {Case{TmFault::kServerError, &TmClientMetrics::server_errors},
                        Case{TmFault::kTruncated, &TmClientMetrics::malformed},
                        Case{TmFault::kCutConnection, &TmClientMetrics::transport_errors},
                        Case{TmFault::kSuccessFalse, &TmClientMetrics::success_false}}) {
    SCOPED_TRACE(static_cast<int>(c.fault));
    simulator_.inject({c.fault});
    auto tm = client();
    const TmFetch fetch = tm.fetch(january());
    ASSERT_EQ(fetch.outcome, TmOutcome::kOk) << fetch.message;
    EXPECT_EQ(total_items(fetch), 29u);
    EXPECT_EQ(tm.metrics().*c.counter, 1u);
    EXPECT_EQ(tm.metrics().calls, 4u);
    EXPECT_EQ(tm.metrics().retries, 1u);
  }
}

TEST_F(TokenMetricsClientTest, SlowAnswerTimesOutAndIsRetried) {
  config_.timeouts.request_ns = 200 * kNsPerMs;
  simulator_.inject({TmFault::kSlow, 0, 3000});
  auto tm = client();
  const TmFetch fetch = tm.fetch(january());
  ASSERT_EQ(fetch.outcome, TmOutcome::kOk) << fetch.message;
  EXPECT_EQ(tm.metrics().timeouts, 1u);
  EXPECT_EQ(total_items(fetch), 29u);
}

TEST_F(TokenMetricsClientTest, PersistentFailureOnALaterPageGivesNothing) {
  config_.max_attempts = 2;
  simulator_.inject({TmFault::kSlow, 0, 0});      // page 1: served normally
  simulator_.inject({TmFault::kServerError}, 2);  // page 2: fails on both attempts
  auto tm = client();
  const TmFetch fetch = tm.fetch(january());
  EXPECT_EQ(fetch.outcome, TmOutcome::kGaveUp);
  EXPECT_TRUE(fetch.pages.empty());  // page 1 is not handed out alone
  EXPECT_NE(fetch.message.find("page 2 failed 2 times"), std::string::npos) << fetch.message;
  EXPECT_EQ(tm.metrics().calls, 3u);
}

TEST_F(TokenMetricsClientTest, AuthFailuresHaltWithoutRetryOrKey) {
  for (const TmFault fault : {TmFault::kUnauthorized, TmFault::kForbidden}) {
    simulator_.inject({fault});
    auto tm = client("tm-canary-auth-0001");
    const TmFetch fetch = tm.fetch(january());
    EXPECT_EQ(fetch.outcome, TmOutcome::kAuthFailed);
    EXPECT_EQ(tm.metrics().calls, 1u);
    EXPECT_TRUE(waiter_.delays.empty());
    EXPECT_NE(fetch.message.find("refused the API key"), std::string::npos) << fetch.message;
    EXPECT_EQ(fetch.message.find("tm-canary"), std::string::npos);
  }
  // A wrong key gets the simulator's own 401.
  auto wrong = client("tm-wrong-key");
  EXPECT_EQ(wrong.fetch(january()).outcome, TmOutcome::kAuthFailed);
}

TEST_F(TokenMetricsClientTest, PaymentRequiredSaysWhy) {
  simulator_.inject({TmFault::kPaymentRequired});
  auto tm = client();
  const TmFetch fetch = tm.fetch(january());
  EXPECT_EQ(fetch.outcome, TmOutcome::kPaymentRequired);
  EXPECT_NE(fetch.message.find("quota is exhausted"), std::string::npos) << fetch.message;
  EXPECT_NE(fetch.message.find("pay-per-call"), std::string::npos);
  EXPECT_EQ(tm.metrics().calls, 1u);
}

TEST_F(TokenMetricsClientTest, RemovedEndpointIsNotFound) {
  simulator_.inject({TmFault::kNotFound});
  auto tm = client();
  EXPECT_EQ(tm.fetch(january()).outcome, TmOutcome::kNotFound);
}

TEST_F(TokenMetricsClientTest, RepeatingPagesStopPaging) {
  simulator_.set_repeat_pages(true);
  auto tm = client();
  const TmFetch fetch = tm.fetch(january());
  ASSERT_EQ(fetch.outcome, TmOutcome::kOk);
  EXPECT_EQ(fetch.pages.size(), 1u);
  EXPECT_EQ(tm.metrics().repeated_pages, 1u);
  EXPECT_EQ(tm.metrics().calls, 2u);
}

TEST_F(TokenMetricsClientTest, BudgetStopsCallsAndGivesNothingPartial) {
  std::string error;
  auto small = CallBudget::open(directory_.path() / "small", "token_metrics", 2, 80, error);
  ASSERT_TRUE(small) << error;
  TokenMetricsClient tm(config_, key_set_of(Secret(std::string("tm-simulator-key"))), small.get(),
                        clock_, waiter_, tls_);
  const TmFetch fetch = tm.fetch(january());
  EXPECT_EQ(fetch.outcome, TmOutcome::kBudgetExhausted);
  EXPECT_TRUE(fetch.pages.empty());
  EXPECT_EQ(simulator_.requests(), 2u);
  EXPECT_EQ(small->used(clock_.now_ns()), 2);
  EXPECT_NE(fetch.message.find("used up for 2025-02"), std::string::npos) << fetch.message;
}

TEST_F(TokenMetricsClientTest, HttpsVerifiesTheServerAndKeepsTheConnection) {
  TlsProxy proxy(simulator_.port());
  const std::string ca_file = (directory_.path() / "test-ca.pem").string();
  std::string error;
  ASSERT_TRUE(proxy.start(ca_file, error)) << error;
  config_.base_url = "https://127.0.0.1:" + std::to_string(proxy.port()) + "/v2";
  {
    // Not trusted: the system store does not know the test certificate. Retried, never
    // downgraded to plain text.
    auto untrusted = client();
    const TmFetch fetch = untrusted.fetch(january());
    EXPECT_EQ(fetch.outcome, TmOutcome::kGaveUp);
    EXPECT_NE(fetch.message.find("tls_handshake"), std::string::npos) << fetch.message;
    EXPECT_EQ(simulator_.requests(), 0u);
  }
  auto trusted_tls = make_client_tls_context(ca_file, error);
  ASSERT_TRUE(error.empty()) << error;
  TokenMetricsClient trusted(config_, key_set_of(Secret(std::string("tm-simulator-key"))),
                             budget_.get(), clock_, waiter_, trusted_tls);
  const TmFetch fetch = trusted.fetch(january());
  ASSERT_EQ(fetch.outcome, TmOutcome::kOk) << fetch.message;
  EXPECT_EQ(total_items(fetch), 29u);
  EXPECT_EQ(trusted.connects(), 1u);  // three pages over one TLS connection
}

TEST_F(TokenMetricsClientTest, KeyNeverGoesOverPlainHttpBeyondLoopback) {
  config_.base_url = "http://api.tokenmetrics.com/v2";
  auto tm = client();
  std::string error;
  EXPECT_FALSE(tm.valid(error));
  EXPECT_NE(error.find("must be an https:// URL"), std::string::npos) << error;
  EXPECT_NE(tm.fetch(january()).outcome, TmOutcome::kOk);
  EXPECT_EQ(tm.metrics().calls, 0u);
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.example.com"));
}

TEST(CallBudget, PersistsAcrossReopenAndResetsEachMonth) {
  TemporaryDirectory directory;
  const TimeNs november = parse_utc_timestamp("2026-11-28T10:00:00").value();
  const TimeNs december = parse_utc_timestamp("2026-12-01T00:00:00").value();
  std::string error;
  {
    auto budget = CallBudget::open(directory.path(), "token_metrics", 3, 80, error);
    ASSERT_TRUE(budget) << error;
    EXPECT_TRUE(budget->try_spend(november));
    EXPECT_TRUE(budget->try_spend(november));
  }
  auto budget = CallBudget::open(directory.path(), "token_metrics", 3, 80, error);
  ASSERT_TRUE(budget) << error;
  EXPECT_EQ(budget->used(november), 2);
  EXPECT_TRUE(budget->try_spend(november));
  EXPECT_FALSE(budget->try_spend(november));
  EXPECT_NE(budget->last_error().find("2026-11"), std::string::npos);
  EXPECT_EQ(budget->used(november), 3);
  EXPECT_TRUE(budget->try_spend(december));
  EXPECT_EQ(budget->remaining(december), 2);
}

TEST(CallBudget, WarnsOnceAtTheWarningShare) {
  TemporaryDirectory directory;
  std::ostringstream lines;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "budget", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines)));
  const TimeNs now = parse_utc_timestamp("2026-11-28T10:00:00").value();
  std::string error;
  auto budget = CallBudget::open(directory.path(), "token_metrics", 10, 80, error);
  ASSERT_TRUE(budget) << error;
  for (int call = 1; call <= 7; ++call) ASSERT_TRUE(budget->try_spend(now));
  EXPECT_EQ(lines.str().find("call budget"), std::string::npos);
  ASSERT_TRUE(budget->try_spend(now));  // 8 of 10
  ASSERT_TRUE(budget->try_spend(now));
  ASSERT_TRUE(budget->try_spend(now));
  EXPECT_FALSE(budget->try_spend(now));  // 100 %: refused
  spdlog::set_default_logger(previous);
  const std::string text = lines.str();
  EXPECT_NE(text.find("8 of 10 calls used in 2026-11 (80%)"), std::string::npos) << text;
  EXPECT_EQ(text.find("calls used", text.find("calls used") + 1), std::string::npos)
      << text;  // once
  EXPECT_EQ(budget->used(now), 10);
}

TEST(DateWindows, NeverLongerThanTheLimit) {
  const TimeNs from = parse_utc_timestamp("2025-01-01").value();
  const TimeNs to = parse_utc_timestamp("2025-03-15").value();
  const auto windows = split_date_range(from, to, 29);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(format_utc_date(windows[0].first), "2025-01-01");
  EXPECT_EQ(format_utc_date(windows[0].second), "2025-01-29");
  EXPECT_EQ(format_utc_date(windows[1].first), "2025-01-30");
  EXPECT_EQ(format_utc_date(windows[2].second), "2025-03-15");
  for (const auto& [start, end] : windows) EXPECT_LE((end - start) / kNsPerDay, 28);
}

}  // namespace
}  // namespace sigex
