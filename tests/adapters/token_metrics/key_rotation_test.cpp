// Token Metrics API keys that rotate without a restart: the other key tried once on a 401/403,
// keys replaced at a reload while requests are in flight, intake halted by a refused key that
// resumes after a reload, and key files replaced on disk picked up by load_keys().

#include <atomic>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "adapters/net/digest.h"
#include "adapters/token_metrics/signal_poller.h"
#include "support/test_support.h"
#include "support/tm_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr const char* kOld = "tm-old-key-0123456789";
constexpr const char* kNew = "tm-new-key-9876543210";

LoadedKey key_of(const char* text, const char* slot) {
  return key_set_of(Secret(std::string(text)), slot)->active();
}

void write_key(const std::filesystem::path& path, const std::string& key) {
  std::ofstream(path) << key << "\n";
  ::chmod(path.c_str(), 0600);
}

class KeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(simulator_.start(error)) << error;
    add_daily_rows(simulator_, 5);
    simulator_.add_api_key(kOld);
    simulator_.add_api_key(kNew);
    config_ = simulator_config(simulator_);
    budget_ = CallBudget::open(directory_.path(), "token_metrics", 100000, 80, error);
    ASSERT_TRUE(budget_) << error;
  }

  static TmQuery query() {
    TmQuery query;
    query.endpoint = TmEndpoint::kTradingSignals;
    query.token_ids = {3375};
    query.start_day_ns = parse_utc_timestamp("2025-01-01").value();
    query.end_day_ns = parse_utc_timestamp("2025-01-05").value();
    return query;
  }

  TemporaryDirectory directory_;
  TmSimulator simulator_{TmSimulatorOptions{}};
  TokenMetricsConfig config_;
  SimulatedClock clock_{parse_utc_timestamp("2025-01-06T00:10:00").value()};
  RecordingWaiter waiter_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<CallBudget> budget_;
};

TEST_F(KeyRotationTest, ARevokedCurrentKeyFailsOverToTheNextOnceAndStaysThere) {
  auto keys = std::make_shared<KeySet>(
      std::vector<LoadedKey>{key_of(kOld, "current"), key_of(kNew, "next")});
  TokenMetricsClient client(config_, keys, budget_.get(), clock_, waiter_, tls_);
  ASSERT_EQ(client.fetch(query()).outcome, TmOutcome::kOk);
  EXPECT_EQ(simulator_.requests_with_key(kNew), 0U);

  simulator_.revoke_api_key(kOld);
  const TmFetch fetch = client.fetch(query());
  EXPECT_EQ(fetch.outcome, TmOutcome::kOk) << fetch.message;
  EXPECT_EQ(fetch.pages.size(), 1U);
  EXPECT_EQ(simulator_.requests_with_revoked_key(), 1U);  // the one that was refused
  EXPECT_EQ(client.metrics().key_fail_overs, 1U);
  EXPECT_EQ(keys->active().slot, "next");

  ASSERT_EQ(client.fetch(query()).outcome, TmOutcome::kOk);
  EXPECT_EQ(simulator_.requests_with_revoked_key(), 1U);  // never again
  EXPECT_EQ(keys->fail_overs(), 1U);
}

TEST_F(KeyRotationTest, BothKeysRefusedIsAnAuthFailureAfterOneTryOfEach) {
  auto keys = std::make_shared<KeySet>(
      std::vector<LoadedKey>{key_of(kOld, "current"), key_of(kNew, "next")});
  TokenMetricsClient client(config_, keys, budget_.get(), clock_, waiter_, tls_);
  simulator_.revoke_api_key(kOld);
  simulator_.revoke_api_key(kNew);
  const TmFetch fetch = client.fetch(query());
  EXPECT_EQ(fetch.outcome, TmOutcome::kAuthFailed);
  EXPECT_EQ(simulator_.requests(), 2U);  // one per key, no retry storm
  EXPECT_EQ(fetch.message.find(kOld), std::string::npos);
  EXPECT_EQ(fetch.message.find(kNew), std::string::npos);
}

TEST_F(KeyRotationTest, ASingleRefusedKeyIsNotRetried) {
  TokenMetricsClient client(config_, key_set_of(Secret(std::string(kOld))), budget_.get(), clock_,
                            waiter_, tls_);
  simulator_.revoke_api_key(kOld);
  EXPECT_EQ(client.fetch(query()).outcome, TmOutcome::kAuthFailed);
  EXPECT_EQ(simulator_.requests(), 1U);
}

TEST_F(KeyRotationTest, PollingHaltedByARefusedKeyResumesAfterAReloadWithAWorkingKey) {
  const InstrumentRegistry instruments = two_instruments();
  EventQueue<InboundEvent> queue(1024, 1);
  auto keys = std::make_shared<KeySet>(std::vector<LoadedKey>{key_of(kOld, "current")});
  SignalPoller poller(config_, instruments, queue, clock_, keys, budget_.get(), waiter_, tls_);
  simulator_.revoke_api_key(kOld);
  poller.poll_due(clock_.now_ns());
  ASSERT_TRUE(poller.halted());

  // A reload with the same key changes nothing: still halted.
  EXPECT_FALSE(keys->replace({key_of(kOld, "current")}));
  poller.keys_reloaded();
  clock_.advance_to(clock_.now_ns() + kNsPerHour);
  poller.poll_due(clock_.now_ns());
  EXPECT_TRUE(poller.halted());

  EXPECT_TRUE(keys->replace({key_of(kNew, "current")}));
  poller.keys_reloaded();
  poller.poll_due(clock_.now_ns());
  EXPECT_FALSE(poller.halted());
  EXPECT_GT(poller.metrics().records_emitted, 0U);
  EXPECT_GT(simulator_.requests_with_key(kNew), 0U);
}

// Rotation under load: a thread fetches without pause while the keys are replaced; once the
// replaced key is out of use (retiring() == 0) it is revoked. Every fetch succeeds and no
// request carries the revoked key after that.
TEST_F(KeyRotationTest, UnderLoadNoRequestUsesARevokedKeyAfterTheReloadCompletes) {
  auto keys = std::make_shared<KeySet>(std::vector<LoadedKey>{key_of(kOld, "current")});
  std::atomic<bool> stop{false};
  std::atomic<int> fetches{0}, failures{0};
  std::thread load([&] {
    TokenMetricsClient client(config_, keys, budget_.get(), clock_, waiter_, tls_);
    while (!stop.load()) {
      failures += client.fetch(query()).outcome == TmOutcome::kOk ? 0 : 1;
      ++fetches;
    }
  });
  while (fetches.load() < 20) std::this_thread::yield();
  keys->replace({key_of(kNew, "current")});
  while (keys->retiring() > 0) std::this_thread::yield();  // ctl reload waits for this
  simulator_.revoke_api_key(kOld);
  const int at_revocation = fetches.load();
  while (fetches.load() < at_revocation + 20) std::this_thread::yield();
  stop.store(true);
  load.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(simulator_.requests_with_revoked_key(), 0U);
  EXPECT_GT(simulator_.requests_with_key(kNew), 0U);
}

TEST(KeySet, AKeyFileReplacedOnDiskIsReadAtTheNextLoadAndEnvOnlyKeysAreKept) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "tm.key";
  write_key(path, kOld);
  TokenMetricsConfig config;
  config.api_key = {"", path.string(), "", "Token Metrics API key"};
  config.next_api_key = {"", "", "SIGEX_TEST_NEXT_KEY", "Token Metrics next API key"};
  auto environment = [](const std::string& name) {
    return name == "SIGEX_TEST_NEXT_KEY" ? std::string(kNew) : std::string();
  };
  auto first = load_keys(token_metrics_key_slots(config), {}, +environment);
  ASSERT_TRUE(first) << first.error();
  ASSERT_EQ(first->size(), 2U);
  KeySet keys(*first);
  EXPECT_EQ(keys.active().fingerprint, fingerprint(Secret(std::string(kOld))));

  write_key(path, "tm-third-key-5555");
  auto no_environment = [](const std::string&) { return std::string(); };  // scrubbed
  auto second = load_keys(token_metrics_key_slots(config), keys.keys(), +no_environment);
  ASSERT_TRUE(second) << second.error();
  EXPECT_TRUE(keys.replace(*second));
  EXPECT_EQ(keys.active().fingerprint, fingerprint(Secret(std::string("tm-third-key-5555"))));
  EXPECT_EQ(keys.keys()[1].fingerprint, fingerprint(Secret(std::string(kNew))));

  // A key file made readable by others is refused, naming the file, never the key.
  ::chmod(path.c_str(), 0644);
  auto refused = load_keys(token_metrics_key_slots(config), keys.keys(), +no_environment);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find(path.string()), std::string::npos);
  EXPECT_EQ(refused.error().find("tm-third-key"), std::string::npos);
}

TEST(KeySet, FingerprintsIdentifyWithoutRevealing) {
  const std::string print = fingerprint(Secret(std::string(kOld)));
  EXPECT_EQ(print.size(), std::string("sha256:").size() + 12);
  EXPECT_EQ(print.find("old"), std::string::npos);
  EXPECT_NE(print, fingerprint(Secret(std::string(kNew))));
  EXPECT_EQ(print, fingerprint(Secret(std::string(kOld))));
}

}  // namespace
}  // namespace sigex
