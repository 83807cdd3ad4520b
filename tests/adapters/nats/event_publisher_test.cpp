// [service] publish_events against a real nats-server with JetStream on loopback: every journal
// row is published once, in order, with its row in a header; a new publisher (a restart)
// resumes after the last row the stream holds and sends nothing twice; a server that is down
// at start or restarted meanwhile delays the events, never loses them.

#include "adapters/nats/event_publisher.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "adapters/nats/connection.h"
#include "engine/journal/journal.h"
#include "support/nats_server.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr DurationNs kWait = 20 * kNsPerSecond;

class EventPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    ASSERT_TRUE(server_.start(error)) << error;
    config_.url = server_.url();
    config_.poll_interval_ns = 20 * kNsPerMs;
    config_.connect_timeout_ns = 500 * kNsPerMs;
    auto journal = Journal::open(directory_.path() / "state", Durability::kFull, error);
    ASSERT_TRUE(journal) << error;
  }

  std::unique_ptr<EventPublisher> publisher() {
    auto made =
        std::make_unique<EventPublisher>(config_, directory_.path() / "state" / "journal.db",
                                         "desk-1", std::vector<Instrument>{btcusdt()});
    std::string error;
    EXPECT_TRUE(made->start(error)) << error;
    return made;
  }

  // An order with one event and one fill, and the position after it, as the engine journals
  // them.
  void add_filled_order(int n) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((directory_.path() / "state" / "journal.db").c_str(), &db), SQLITE_OK);
    const std::string id = "sf-" + std::to_string(n);
    const std::string sql =
        "INSERT INTO orders (client_order_id, strategy, instrument, symbol, side, type, "
        "time_in_force, price, quantity, intent_key, sequence, state, created_ns, updated_ns) "
        "VALUES ('" +
        id + "', 0, 0, 'BTCUSDT', 'BUY', 'LIMIT', 'IOC', 6000000000000, 100000, " +
        std::to_string(n) + ", " + std::to_string(n) +
        ", 'FILLED', 1, 2);"
        "INSERT INTO order_events (client_order_id, event, state, venue_error, time_ns) VALUES ('" +
        id +
        "', 'fill', 'FILLED', 0, 2);"
        "INSERT INTO fills (instrument, trade_id, client_order_id, price, quantity, fee, "
        "liquidity, time_ns) VALUES (0, " +
        std::to_string(n) + ", '" + id +
        "', 6000000000000, 100000, 600000, 'TAKER', 2);"
        "INSERT OR REPLACE INTO positions (instrument, symbol, quantity, cost_basis, realised_pnl, "
        "fees, time_ns) VALUES (0, 'BTCUSDT', " +
        std::to_string(100000 * n) + ", 0, 0, 0, " + std::to_string(n) + ");";
    char* message = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
        << (message ? message : "");
    sqlite3_free(message);
    sqlite3_close(db);
  }

  std::uint64_t stream_messages() {
    std::string error;
    auto watcher = NatsConnection::connect(config_, error);
    EXPECT_TRUE(watcher) << error;
    if (!watcher) return 0;
    const auto count = watcher->stream_messages(config_.events_stream, error);
    EXPECT_TRUE(count) << error;
    return count.value_or(0);
  }

  std::string last_header(const std::string& kind) {
    std::string error;
    auto watcher = NatsConnection::connect(config_, error);
    if (!watcher) return error;
    return watcher
        ->last_header(config_.events_stream, "sigex.events.desk-1." + kind, "Sigex-Row", error)
        .value_or(error);
  }

  TemporaryDirectory directory_;
  NatsServer server_{directory_.path() / "nats"};
  NatsConfig config_;
};

TEST_F(EventPublisherTest, EveryRowIsPublishedOnceAndARestartResumesAfterTheLastOne) {
  add_filled_order(1);
  add_filled_order(2);
  {
    auto events = publisher();
    // 2 order events, 2 fills, 1 position (its latest state).
    ASSERT_TRUE(events->wait_for_published(5, kWait));
    EXPECT_EQ(events->counters().duplicates.load(), 0u);
    events->stop();
  }
  EXPECT_EQ(stream_messages(), 5u);
  EXPECT_EQ(last_header("fill"), "2");
  EXPECT_EQ(last_header("order"), "2");
  {
    auto events = publisher();  // a restart: resumes after row 2
    add_filled_order(3);
    ASSERT_TRUE(events->wait_for_published(3, kWait));
    events->stop();
    // The position is sent again at a new connection: the stream drops the repeat.
    EXPECT_LE(events->counters().published.load() - events->counters().duplicates.load(), 3u);
  }
  EXPECT_EQ(stream_messages(), 8u) << "rows 1 and 2 were not sent again";
  EXPECT_EQ(last_header("fill"), "3");
}

TEST_F(EventPublisherTest, AServerDownAtStartOrRestartedDelaysEventsAndLosesNone) {
  const std::uint16_t port = server_.port();
  server_.stop();
  add_filled_order(1);
  auto events = publisher();  // starts although nothing answers
  ASSERT_TRUE(events->wait_for_failure(kWait)) << "it tried, and waits for the server";
  EXPECT_FALSE(events->counters().connected.load());
  NatsServer again(directory_.path() / "nats", port);
  std::string error;
  ASSERT_TRUE(again.start(error)) << error;
  ASSERT_TRUE(events->wait_for_published(3, kWait)) << "caught up once the server came";
  again.stop();  // restarted under the publisher, with the same store
  add_filled_order(2);
  NatsServer third(directory_.path() / "nats", port);
  ASSERT_TRUE(third.start(error)) << error;
  ASSERT_TRUE(events->wait_for_published(6, kWait));
  events->stop();
  EXPECT_EQ(stream_messages(), 6u);
  EXPECT_EQ(last_header("fill"), "2");
}

}  // namespace
}  // namespace sigex
