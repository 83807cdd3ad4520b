// AccountSet: several live accounts as one venue. Orders, lookups, normalisation and history
// fills go to the account that trades the instrument; answers of every account come back
// through one poll; each account sees only its own instruments; one account failing to start
// stops the ones started.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/core/live_clock.h"
#include "engine/exe/venue_sets.h"
#include "engine/journal/durability.h"

namespace sigex {
namespace {

struct FakeAccount final : LiveVenue {
  FakeAccount(std::string venue, const InstrumentRegistry& instruments)
      : venue(std::move(venue)), instruments(instruments) {}

  void send(const OrderCommand& command) override { sent.push_back(command); }
  void poll(TimeNs, std::vector<ExecutionEvent>& out) override {
    out.insert(out.end(), answers.begin(), answers.end());
    answers.clear();
  }
  TimeNs next_event_time_ns() const override { return next; }
  bool normalize(Side, OrderType, Price&, Quantity& quantity, Price, InstrumentId,
                 std::string&) const override {
    quantity.raw = normalized_to;
    return true;
  }
  bool start(std::string& error) override {
    if (fail_start) error = venue + " refused";
    started = !fail_start;
    return started;
  }
  void stop() override { started = false; }
  bool wait_for_answers(DurationNs) override { return !answers.empty(); }
  const std::vector<AccountOrder>& account_history() const override { return history; }
  std::vector<ExecutionEvent> history_fills(const AccountOrder&) override {
    ++history_fill_calls;
    return {};
  }
  std::vector<HeldQuantity> start_holdings() const override {
    std::vector<HeldQuantity> held;
    for (const Instrument& instrument : instruments.all()) held.push_back({instrument.id, {}});
    return held;
  }
  std::vector<HeldCash> start_cash() const override {
    return {{VenueName::from(venue), Money{cash}}};
  }
  DurationNs history_lookback_ns() const override { return lookback; }
  void set_wire_latency(LatencyHistogram*) override {}
  void poll_for_commands(DurationNs) override {}
  void rehearse_signing_every(DurationNs) override {}
  bool rotate_keys(VenueKeys, std::string&) override { return true; }
  std::string key_fingerprint() const override { return venue + "-print"; }
  std::size_t keys_retiring() const override { return 1; }
  void write_metrics(MetricsExposition& out, TimeNs) const override {
    out.single("sigex_venue_test", "gauge", "Test.", 1);
  }
  void write_status(DaemonStatus& status, TimeNs) const override {
    status.orders_waiting = waiting;
    status.waiting_reason = venue + " busy";
  }

  std::string venue;
  const InstrumentRegistry& instruments;
  std::vector<OrderCommand> sent;
  std::vector<ExecutionEvent> answers;
  std::vector<AccountOrder> history;
  TimeNs next = ExecutionVenue::kNever;
  std::int64_t normalized_to = 0;
  bool fail_start = false;
  bool started = false;
  int history_fill_calls = 0;
  DurationNs lookback = kNsPerDay;
  std::int64_t cash = 0;  // of the cash asset at start-up
  std::uint64_t waiting = 0;
};

// Makes FakeAccounts and keeps a pointer to each for the test.
struct FakeSettings final : ExecutionSettings {
  FakeSettings(std::string name, std::vector<FakeAccount*>& made)
      : name(std::move(name)), made(made) {}
  std::string_view venue() const override { return name; }
  DurationNs recv_window_ns() const override { return kNsPerSecond; }
  bool trades(InstrumentKind kind) const override { return kind == InstrumentKind::kSpot; }
  std::unique_ptr<LiveVenue> make_venue(const InstrumentRegistry& instruments, VenueKeys,
                                        const Clock&, const DurabilityWatermark&,
                                        std::string&) const override {
    auto account = std::make_unique<FakeAccount>(name, instruments);
    made.push_back(account.get());
    return account;
  }
  std::string name;
  std::vector<FakeAccount*>& made;
};

class AccountSetTest : public ::testing::Test {
 protected:
  AccountSetTest() {
    for (const auto& [symbol, venue] :
         {std::pair{"ETHUSDT", "binance"}, std::pair{"BTC-USDT", "coinbase"},
          std::pair{"BTCUSDT", "binance"}}) {
      Instrument instrument;
      instrument.symbol.assign(symbol);
      instrument.venue.assign(venue);
      instruments.add(instrument);
    }
    for (const char* venue : {"binance", "coinbase"}) {
      AccountConfig account;
      account.venue = venue;
      account.settings = std::make_shared<FakeSettings>(venue, made);
      config.accounts.push_back(account);
    }
    config.enabled = true;
  }
  std::unique_ptr<AccountSet> make() {
    std::string error;
    std::vector<VenueKeys> keys(2);
    auto set = AccountSet::make(config, instruments, std::move(keys), clock, watermark, error);
    EXPECT_TRUE(set) << error;
    return set;
  }

  InstrumentRegistry instruments;
  ExecutionConfig config;
  std::vector<FakeAccount*> made;
  LiveClock clock;
  DurabilityWatermark watermark;
};

TEST_F(AccountSetTest, EachCommandGoesToTheAccountThatTradesItsInstrument) {
  auto set = make();
  ASSERT_EQ(made.size(), 2u);
  FakeAccount& binance = *made[0];
  FakeAccount& coinbase = *made[1];
  ASSERT_EQ(binance.instruments.all().size(), 2u) << "each account sees only its instruments";
  ASSERT_EQ(coinbase.instruments.all().size(), 1u);
  EXPECT_EQ(coinbase.instruments.all()[0].id, 1) << "ids stay the registry's";

  for (InstrumentId id : {0, 1, 2, 1}) {
    OrderCommand command{};
    command.instrument = id;
    set->send(command);
  }
  ASSERT_EQ(binance.sent.size(), 2u);
  EXPECT_EQ(binance.sent[0].instrument, 0);
  EXPECT_EQ(binance.sent[1].instrument, 2);
  ASSERT_EQ(coinbase.sent.size(), 2u);
  EXPECT_EQ(coinbase.sent[1].instrument, 1);

  binance.normalized_to = 11;
  coinbase.normalized_to = 22;
  Price price{1};
  Quantity quantity{5};
  std::string why;
  ASSERT_TRUE(set->normalize(Side::kBuy, OrderType::kLimit, price, quantity, price, 1, why));
  EXPECT_EQ(quantity.raw, 22);
  ASSERT_TRUE(set->normalize(Side::kBuy, OrderType::kLimit, price, quantity, price, 2, why));
  EXPECT_EQ(quantity.raw, 11);

  // Answers of both come back through one poll; the earliest due time of either.
  ExecutionEvent answer{};
  answer.instrument = 0;
  binance.answers.push_back(answer);
  answer.instrument = 1;
  coinbase.answers.push_back(answer);
  coinbase.next = 42;
  EXPECT_EQ(set->next_event_time_ns(), 42);
  EXPECT_TRUE(set->wait_for_answers(1000));
  std::vector<ExecutionEvent> out;
  set->poll(0, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(set->wait_for_answers(1000));
}

TEST_F(AccountSetTest, StartGathersHistoryAndHoldingsAndOneFailureStopsTheStartedOnes) {
  auto set = make();
  FakeAccount& binance = *made[0];
  FakeAccount& coinbase = *made[1];
  AccountOrder order;
  order.instrument = 1;
  coinbase.history.push_back(order);
  order.instrument = 0;
  binance.history.push_back(order);
  coinbase.lookback = kNsPerHour;
  std::string error;
  ASSERT_TRUE(set->start(error)) << error;
  ASSERT_EQ(set->account_history().size(), 2u);
  EXPECT_EQ(set->start_holdings().size(), 3u);
  ASSERT_EQ(set->start_cash().size(), 2u) << "each account's cash";
  EXPECT_EQ(set->start_cash()[0].venue.view(), "binance");
  EXPECT_EQ(set->start_cash()[1].venue.view(), "coinbase");
  EXPECT_EQ(set->history_lookback_ns(), kNsPerHour) << "the shortest reach is what is checked";
  set->history_fills(set->account_history()[0]);
  set->history_fills(set->account_history()[1]);
  EXPECT_EQ(binance.history_fill_calls, 1);
  EXPECT_EQ(coinbase.history_fill_calls, 1);
  EXPECT_EQ(set->key_fingerprint(), "binance binance-print, coinbase coinbase-print");
  EXPECT_EQ(set->keys_retiring(), 2u);
  std::string rotate_error;
  EXPECT_FALSE(set->rotate_keys({}, rotate_error)) << "several accounts rotate one by one";

  // Metrics: one family, a venue label per account; status sums what waits.
  MetricsExposition metrics;
  set->write_metrics(metrics, 0);
  EXPECT_EQ(metrics.take(),
            "# HELP sigex_venue_test Test.\n# TYPE sigex_venue_test gauge\n"
            "sigex_venue_test{venue=\"binance\"} 1\nsigex_venue_test{venue=\"coinbase\"} 1\n");
  binance.waiting = 2;
  coinbase.waiting = 1;
  DaemonStatus status;
  set->write_status(status, 0);
  EXPECT_EQ(status.orders_waiting, 3u);
  EXPECT_EQ(status.waiting_reason, "binance: binance busy; coinbase: coinbase busy");

  set->stop();
  coinbase.fail_start = true;
  error.clear();
  EXPECT_FALSE(set->start(error));
  EXPECT_EQ(error, "[execution.coinbase]: coinbase refused");
  EXPECT_FALSE(binance.started) << "the account started first is stopped again";
}

}  // namespace
}  // namespace sigex
