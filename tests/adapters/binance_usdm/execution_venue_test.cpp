// The live Binance USD-M venue and the OMS together against the loopback exchange simulator
// serving the futures API. Each fault test ends with the three invariants: at most one
// exchange order per intent, every exchange fill counted exactly once, and the position on the
// exchange equal to what the OMS's fills say (shorts included). The OMS runs on a simulated
// clock; the venue signs with the real one, as the simulator checks.

#include "adapters/binance_usdm/execution_venue.h"

#include <gtest/gtest.h>

#include "adapters/binance/decimals.h"
#include "engine/core/live_clock.h"
#include "engine/core/simulated_clock.h"
#include "engine/oms/order_manager.h"
#include "support/test_support.h"
#include "tools/exchange_simulator/exchange_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr DurationNs kSecond = kNsPerSecond;

std::string usdm_exchange_info_path() {
  return std::string(SIGEX_SOURCE_DIR) +
         "/tests/data/nautilus-usdm/http_futures_market_exchange_info.json";
}

class UsdmVenueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.market = SimMarket::kUsdm;
    options_.exchange_info_path = usdm_exchange_info_path();
    options_.retry_after_s = 1;
    options_.fee_bps = 5;
    configure_simulator();
    simulator_ = std::make_unique<ExchangeSimulator>(options_);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
    simulator_->set_price("BTCUSDT", price("60000"));
    instruments_.add(btcusdt_perpetual(10));
    config_.binance.rest.rest_url = simulator_->base_url();
    config_.binance.rest.timeouts.request_ns = 300 * kNsPerMs;
    config_.binance.poll_interval_ns = 50 * kNsPerMs;
    config_.user_stream_url.clear();  // REST only: the stream has its own tests below
    configure();
    open_session();
  }

  virtual void configure_simulator() {}
  virtual void configure() {}

  void open_session() {
    std::string error;
    journal_ = Journal::open(directory_.path(), Durability::kFull, error);
    ASSERT_TRUE(journal_) << error;
    venue_ = std::make_unique<UsdmExecutionVenue>(
        instruments_, config_, Secret(std::string("sim-api-key")),
        make_hmac_signer(Secret(std::string("sim-secret"))), live_clock_, tls_,
        journal_->watermark());
    ASSERT_TRUE(venue_->start(error)) << error;
    orders_ = std::make_unique<OrderManager>(instruments_, *journal_, *venue_);
    orders_->set_resolution_policy({5 * kSecond, 1 * kSecond, kSecond / 2, 3});
  }

  void restart() {
    orders_.reset();
    venue_.reset();
    journal_.reset();
    open_session();
    orders_->restore_from_journal(clock_.now_ns());
  }

  OrderIntent intent(Side side, const char* size = "0.01", bool reduce_only = false,
                     std::uint64_t key = 42) {
    OrderIntent order;
    order.instrument = 0;
    order.side = side;
    order.type = OrderType::kMarket;
    order.time_in_force = TimeInForce::kGoodTillCancel;
    order.quantity = quantity(size);
    order.reduce_only = reduce_only;
    order.intent = IntentKey{key};
    return order;
  }

  // Hands venue answers to the OMS until `done`; deadlines pass by moving the OMS clock. Fills
  // are added up as the engine would (signed: buys +, sells -); funding and the venue's own
  // fills are kept apart.
  template <typename Done>
  bool pump(Done done, int rounds = 400) {
    for (int round = 0; round < rounds; ++round) {
      orders_->run_due(clock_.now_ns());
      if (done()) return true;
      if (!venue_->wait_for_answers(100 * kNsPerMs)) {
        const TimeNs next = orders_->next_due_ns();
        if (next != ExecutionVenue::kNever) clock_.advance_to(next);
        continue;
      }
      std::vector<ExecutionEvent> events;
      venue_->poll(clock_.now_ns(), events);
      for (const auto& event : events) {
        if (event.kind == ExecutionKind::kFunding) {
          funding_.push_back(event);
          continue;
        }
        if (event.kind == ExecutionKind::kPositionReport) {
          position_reports_.push_back(event);
          continue;
        }
        if (event.kind == ExecutionKind::kAccountCash) {
          cash_reports_.push_back(event.cash);
          continue;
        }
        if (event.kind == ExecutionKind::kVenueFill) {
          if (orders_->first_sighting(event.instrument, event.trade_id)) {
            venue_fills_.push_back(event);
            position_ += event.side == Side::kBuy ? event.quantity : Quantity{-event.quantity.raw};
          }
          continue;
        }
        const auto update = orders_->apply(event, clock_.now_ns());
        if (update && update->new_fill) {
          journal_->record_fill(*update->order, event, PositionRow{});
          position_ +=
              update->order->side == Side::kBuy ? event.quantity : Quantity{-event.quantity.raw};
          ++fills_;
        }
      }
    }
    return done();
  }

  bool terminal(const ClientOrderId& id) {
    const Order* order = orders_->find(id.view());
    return order != nullptr && is_terminal(order->state);
  }

  // The exchange's position, at the instrument's scale.
  Quantity exchange_position() {
    return Quantity{
        from_venue(simulator_->position("BTCUSDT"), instruments_.get(0).quantity_scale)};
  }

  void expect_one_order_fills_once_and_positions_agree(const ClientOrderId& id) {
    EXPECT_EQ(simulator_->orders_with_id(std::string(id.view())), 1);
    EXPECT_EQ(simulator_->max_orders_per_id(), 1);
    EXPECT_EQ(fills_ + venue_fills_.size(), simulator_->trades());
    EXPECT_EQ(position_, exchange_position());
  }

  TemporaryDirectory directory_;
  ExchangeSimulatorOptions options_;
  std::unique_ptr<ExchangeSimulator> simulator_;
  InstrumentRegistry instruments_;
  UsdmExecutionConfig config_;
  LiveClock live_clock_;
  SimulatedClock clock_{1'000'000 * kSecond};
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<UsdmExecutionVenue> venue_;
  std::unique_ptr<OrderManager> orders_;
  Quantity position_{0};
  std::uint64_t fills_ = 0;
  std::vector<ExecutionEvent> funding_;
  std::vector<ExecutionEvent> venue_fills_;
  std::vector<ExecutionEvent> position_reports_;
  std::vector<Money> cash_reports_;  // kAccountCash: the USDT wallet, in order
  bool wallet_reported(Money wallet) const {
    return !cash_reports_.empty() && cash_reports_.back() == wallet;
  }
  Money exchange_wallet() const { return Money{simulator_->balance("USDT")}; }
};

TEST_F(UsdmVenueTest, StartUpSetsCrossMarginAndTheConfiguredLeverage) {
  EXPECT_EQ(simulator_->margin_type("BTCUSDT"), "CROSSED");
  EXPECT_EQ(simulator_->leverage("BTCUSDT"), 10);
  ASSERT_EQ(venue_->start_holdings().size(), 1u);
  EXPECT_EQ(venue_->start_holdings()[0].held, quantity("0"));
  // The futures wallet of the cash asset (GET /fapi/v3/balance).
  ASSERT_EQ(venue_->start_cash().size(), 1u);
  EXPECT_EQ(venue_->start_cash()[0].venue.view(), "binance_usdm");
  EXPECT_EQ(venue_->start_cash()[0].held.raw, simulator_->balance("USDT"));
  EXPECT_GT(venue_->start_cash()[0].held.raw, 0);
}

TEST_F(UsdmVenueTest, AnAccountInHedgeModeIsRefusedAtStartUp) {
  simulator_->set_hedge_mode(true);
  UsdmExecutionVenue venue(instruments_, config_, Secret(std::string("sim-api-key")),
                           make_hmac_signer(Secret(std::string("sim-secret"))), live_clock_, tls_,
                           journal_->watermark());
  std::string error;
  EXPECT_FALSE(venue.start(error));
  EXPECT_NE(error.find("hedge mode"), std::string::npos) << error;
}

TEST_F(UsdmVenueTest, ASpotInstrumentIsRefusedByTheFuturesVenue) {
  InstrumentRegistry spot;
  spot.add(btcusdt());
  UsdmExecutionVenue venue(spot, config_, Secret(std::string("sim-api-key")),
                           make_hmac_signer(Secret(std::string("sim-secret"))), live_clock_, tls_,
                           journal_->watermark());
  std::string error;
  EXPECT_FALSE(venue.start(error));
  EXPECT_NE(error.find("perpetuals only"), std::string::npos) << error;
}

TEST_F(UsdmVenueTest, AShortIsOpenedThenClosedReduceOnly) {
  const ClientOrderId open = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(open); }));
  EXPECT_EQ(orders_->find(open.view())->state, OrderState::kFilled);
  EXPECT_EQ(exchange_position(), quantity("-0.01"));
  const ClientOrderId close =
      *orders_->submit(0, "gt", intent(Side::kBuy, "0.01", true, 43), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(close); }));
  EXPECT_EQ(orders_->find(close.view())->state, OrderState::kFilled);
  EXPECT_EQ(exchange_position(), quantity("0"));
  expect_one_order_fills_once_and_positions_agree(close);
  EXPECT_EQ(orders_->counters().lookups, 0u);
}

TEST_F(UsdmVenueTest, AReduceOnlyOrderThatWouldOpenAPositionIsAFinalRejection) {
  const ClientOrderId id =
      *orders_->submit(0, "gt", intent(Side::kBuy, "0.01", true), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  const Order& order = *orders_->find(id.view());
  EXPECT_EQ(order.state, OrderState::kRejected);
  EXPECT_EQ(order.last_venue_error, -2022);
  EXPECT_EQ(order.rejection, RejectionKind::kFinal);
  EXPECT_EQ(simulator_->orders_placed(), 0u);
}

TEST_F(UsdmVenueTest, AnOrderOverTheMarginIsAFinalRejectionNothingPlaced) {
  // 20 BTC at 60 000 with 10x leverage needs 120 000 USDT of margin; the wallet has 100 000.
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell, "20"), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  const Order& order = *orders_->find(id.view());
  EXPECT_EQ(order.state, OrderState::kRejected);
  EXPECT_EQ(order.last_venue_error, -2019);
  EXPECT_EQ(order.rejection, RejectionKind::kFinal);
  EXPECT_EQ(simulator_->orders_placed(), 0u);
  EXPECT_EQ(exchange_position(), quantity("0"));
}

TEST_F(UsdmVenueTest, AReduceOnlyCloseUnderTheMinimumNotionalIsSent) {
  const ClientOrderId open = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(open); }));
  // 0.001 BTC at 60 000 is 60 USDT: above Binance's 10. At 5 000 it is 5, below: a spot venue
  // would refuse it; USD-M sends a reduce-only one.
  simulator_->set_price("BTCUSDT", price("5000"));
  Price limit{0};
  Quantity size = quantity("0.001");
  std::string why;
  EXPECT_TRUE(venue_->normalize(Side::kBuy, OrderType::kMarket, limit, size, price("5000"), 0, why))
      << why;
  // An order that would open (or grow) a position below the minimum is still refused.
  size = quantity("0.001");
  EXPECT_FALSE(
      venue_->normalize(Side::kSell, OrderType::kMarket, limit, size, price("5000"), 0, why));
}

// The order reaches the book, the answer does not: looked up, adopted, never resent.
class PlacedThenLost : public UsdmVenueTest, public ::testing::WithParamInterface<ExchangeFault> {};

TEST_P(PlacedThenLost, IsLookedUpAndAdoptedNeverResent) {
  simulator_->inject(GetParam(), 1000);
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kFilled);
  expect_one_order_fills_once_and_positions_agree(id);
  EXPECT_EQ(position_, quantity("-0.01"));
  EXPECT_EQ(orders_->counters().resends, 0u);
  EXPECT_EQ(simulator_->order_requests(), 1u);
}

}  // namespace
void PrintTo(ExchangeFault fault, std::ostream* out) { *out << to_string(fault); }
namespace {

INSTANTIATE_TEST_SUITE_P(UsdmFaults, PlacedThenLost,
                         ::testing::Values(ExchangeFault::kServerErrorAfterPlacing,
                                           ExchangeFault::kBackendTimeoutAfterPlacing,
                                           ExchangeFault::kSlowAfterPlacing,
                                           ExchangeFault::kCutAfterPlacing,
                                           ExchangeFault::kResetAfterPlacing,
                                           ExchangeFault::kDuplicateAfterPlacing),
                         [](const auto& info) { return std::string(to_string(info.param)); });

// The order never reaches the book: proven absent (order history, trades and the position
// agree), then resent once with the same id.
class NeverPlaced : public UsdmVenueTest, public ::testing::WithParamInterface<ExchangeFault> {};

TEST_P(NeverPlaced, IsResentOnceWithTheSameIdAfterProofOfAbsence) {
  simulator_->inject(GetParam());
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kFilled);
  expect_one_order_fills_once_and_positions_agree(id);
  EXPECT_EQ(orders_->counters().resends, 1u);
  EXPECT_EQ(simulator_->order_requests(), 2u);
}

INSTANTIATE_TEST_SUITE_P(UsdmFaults, NeverPlaced,
                         ::testing::Values(ExchangeFault::kServerErrorBeforePlacing,
                                           ExchangeFault::kResetBeforePlacing,
                                           ExchangeFault::kRateLimited,
                                           ExchangeFault::kFalseDuplicate),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST_F(UsdmVenueTest, ALookupThatLagsBehindTheOrderNeverTradesTwice) {
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  simulator_->inject_lookup_lag(3);
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  expect_one_order_fills_once_and_positions_agree(id);
  EXPECT_EQ(orders_->counters().resends, 0u);
}

TEST_F(UsdmVenueTest, ABanStopsEveryRequestAndTheOrderIsResolvedAfterIt) {
  simulator_->inject(ExchangeFault::kBanned);
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return venue_->banned(); }));
  EXPECT_GE(venue_->alerts(), 1u);
  ASSERT_TRUE(pump([&] { return terminal(id); }, 2000));
  expect_one_order_fills_once_and_positions_agree(id);
}

TEST_F(UsdmVenueTest, FundingIsReadFromTheIncomeListAndHandedOnOnce) {
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  // A short receives positive funding: 0.01 BTC x 60 000 x 0.01 % = 0.06 USDT.
  simulator_->settle_funding("BTCUSDT", 10'000, price("60000"));
  restart();  // start-up reads the income list of the lookback
  ASSERT_TRUE(pump([&] { return funding_.size() >= 1; }));
  EXPECT_EQ(funding_[0].funding, money("0.06"));
  EXPECT_EQ(funding_[0].instrument, 0u);
  EXPECT_EQ(venue_->start_holdings()[0].held, quantity("-0.01"));  // the short, from positionRisk
  EXPECT_EQ(position_, exchange_position());
}

// ---- A liquidation -----------------------------------------------------------------------

class UsdmPositionCheckTest : public UsdmVenueTest {
 protected:
  void configure() override { config_.position_check_interval_ns = 100 * kNsPerMs; }
};

TEST_F(UsdmPositionCheckTest, ALiquidationWhoseReportWasLostIsFoundInTheOrderHistory) {
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  simulator_->set_price("BTCUSDT", price("65000"));
  simulator_->liquidate("BTCUSDT");  // no stream: nobody hears of it
  ASSERT_TRUE(pump([&] { return venue_fills_.size() == 1; }));
  EXPECT_TRUE(venue_fills_[0].client_order_id.view().starts_with("autoclose-"));
  EXPECT_EQ(venue_fills_[0].side, Side::kBuy);
  EXPECT_EQ(venue_fills_[0].quantity, quantity("0.01"));
  EXPECT_EQ(position_, quantity("0"));
  EXPECT_EQ(exchange_position(), quantity("0"));
  EXPECT_EQ(venue_->usdm_counters().position_mismatches.load(), 0u);
}

TEST_F(UsdmPositionCheckTest, APositionNothingExplainsIsReportedForTheEngineToHalt) {
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  // Someone buys 0.02 on the same account by hand: the short becomes a long.
  simulator_->place_foreign("BTCUSDT", "by-hand-1", quantity("0.02"));
  ASSERT_TRUE(pump([&] { return !position_reports_.empty(); }));
  EXPECT_EQ(position_reports_[0].quantity, quantity("0.01"));
  EXPECT_EQ(position_reports_[0].instrument, 0u);
  EXPECT_TRUE(venue_fills_.empty()) << "not the venue's own order: nothing is booked";
  EXPECT_GE(venue_->usdm_counters().position_mismatches.load(), 1u);
}

// A crash after the order filled and before its answer arrived: the restart reads the position
// (the fill is in it), then resolves the order and is handed its fill. The fill is the
// journal's news, not the account's: the position the venue keeps is not moved twice, so the
// position checks that follow find nothing to report.
TEST_F(UsdmPositionCheckTest, AFillAlreadyInThePositionReadAtStartUpIsNotCountedTwice) {
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return simulator_->trades() == 1; }));
  restart();
  EXPECT_EQ(venue_->start_holdings()[0].held, quantity("-0.01"));
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kFilled);
  const std::uint64_t checks = venue_->usdm_counters().position_checks.load();
  ASSERT_TRUE(pump([&] { return venue_->usdm_counters().position_checks.load() >= checks + 3; }));
  EXPECT_EQ(venue_->usdm_counters().position_mismatches.load(), 0u);
  EXPECT_TRUE(position_reports_.empty());
  EXPECT_EQ(simulator_->max_orders_per_id(), 1);
  EXPECT_EQ(exchange_position(), quantity("-0.01"));
}

// An order whose answer was lost has filled: until its lookup answers, the venue's position
// differs from the fills handed on by that fill. That is a fill in flight, not a fill sigex
// never heard of: no check may report it (the engine would halt the instrument), however many
// run meanwhile, and the first one after the lookup finds nothing to report.
TEST_F(UsdmPositionCheckTest, AnOrderInDoubtHoldsThePositionChecksBackUntilItsLookupAnswers) {
  simulator_->inject(ExchangeFault::kCutAfterPlacing);
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  // The OMS is not pumped: its lookup waits while the venue's checks run.
  const std::uint64_t checks = venue_->usdm_counters().position_checks.load();
  std::vector<ExecutionEvent> held_back;
  while (venue_->usdm_counters().position_checks.load() < checks + 4) {
    venue_->wait_for_answers(100 * kNsPerMs);
    venue_->poll(clock_.now_ns(), held_back);
  }
  EXPECT_EQ(simulator_->trades(), 1u);
  EXPECT_EQ(exchange_position(), quantity("-0.01"));
  for (const ExecutionEvent& event : held_back)
    EXPECT_NE(event.kind, ExecutionKind::kPositionReport) << "a fill in flight was reported";
  EXPECT_EQ(venue_->usdm_counters().position_mismatches.load(), 0u);
  for (const ExecutionEvent& event : held_back) orders_->apply(event, clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  EXPECT_EQ(orders_->find(id.view())->state, OrderState::kFilled);
  const std::uint64_t resolved = venue_->usdm_counters().position_checks.load();
  ASSERT_TRUE(pump([&] { return venue_->usdm_counters().position_checks.load() >= resolved + 3; }));
  EXPECT_TRUE(position_reports_.empty());
  EXPECT_EQ(venue_->usdm_counters().position_mismatches.load(), 0u);
  EXPECT_EQ(simulator_->max_orders_per_id(), 1);
}

// ---- User data stream (listenKey) ------------------------------------------------------------

// The wallet is read every balance_interval (GET /fapi/v3/balance) and handed to the engine.
class UsdmBalancePollTest : public UsdmVenueTest {
 protected:
  void configure() override { config_.binance.balance_interval_ns = 50 * kNsPerMs; }
};

TEST_F(UsdmBalancePollTest, TheWalletIsReadPeriodicallyAndHandedToTheEngine) {
  ASSERT_TRUE(pump([&] { return wallet_reported(money("100000")); }));
  simulator_->set_balance("USDT", 40LL * 100'000'000);  // withdrawn while running
  ASSERT_TRUE(pump([&] { return wallet_reported(money("40")); }));
}

class UsdmUserStreamTest : public UsdmVenueTest {
 protected:
  void configure() override {
    const std::string url = simulator_->base_url();
    config_.user_stream_url = "ws://" + url.substr(url.find("://") + 3) + "/private/ws";
    config_.binance.stream_poll_interval_ns = 3600 * kSecond;
    config_.listen_key_keepalive_ns = 200 * kNsPerMs;
    config_.position_check_interval_ns = 3600 * kSecond;
    config_.funding_poll_interval_ns = 3600 * kSecond;
  }
  void SetUp() override {
    UsdmVenueTest::SetUp();
    ASSERT_TRUE(simulator_->wait_for_subscriptions(1, 5000));
    ASSERT_TRUE(pump(
        [&] { return venue_->stream_live() && venue_->counters().reconciliations.load() >= 2; }));
  }
};

TEST_F(UsdmUserStreamTest, ALiquidationOverTheStreamIsAVenueFillHandedOnOnce) {
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  simulator_->duplicate_next_reports(1);
  simulator_->set_price("BTCUSDT", price("65000"));
  simulator_->liquidate("BTCUSDT");
  ASSERT_TRUE(pump([&] { return venue_fills_.size() == 1; }));
  EXPECT_TRUE(venue_fills_[0].client_order_id.view().starts_with("autoclose-"));
  EXPECT_EQ(position_, exchange_position());
  EXPECT_EQ(exchange_position(), quantity("0"));
}

TEST_F(UsdmUserStreamTest, AFundingAnnouncementOnTheStreamMakesTheVenueReadIt) {
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kBuy), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  simulator_->settle_funding("BTCUSDT", 10'000, price("60000"));  // a long pays
  ASSERT_TRUE(pump([&] { return funding_.size() == 1; }));
  EXPECT_EQ(funding_[0].funding, money("-0.06"));
  EXPECT_EQ(venue_->usdm_counters().funding_payments.load(), 1u);
}

// ACCOUNT_UPDATE carries the wallet after every change, whatever its reason (ORDER: a fill's
// commission; WITHDRAW): each is handed on at once.
TEST_F(UsdmUserStreamTest, TheWalletIsPushedAfterEveryChangeAndHandedToTheEngine) {
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kBuy), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id) && wallet_reported(exchange_wallet()); }));
  EXPECT_LT(exchange_wallet(), money("100000"));  // the commission
  simulator_->set_balance("USDT", 70LL * 100'000'000);
  ASSERT_TRUE(pump([&] { return wallet_reported(money("70")); }));
}

TEST_F(UsdmUserStreamTest, TheListenKeyIsKeptAliveAndAnExpiredOneIsReplaced) {
  ASSERT_TRUE(pump([&] { return simulator_->listen_key_keepalives() >= 1; }));
  simulator_->expire_listen_key();
  ASSERT_TRUE(simulator_->wait_for_subscriptions(2, 10'000));  // a new key, a new connection
  ASSERT_TRUE(pump([&] { return venue_->stream_live(); }));
  // Orders still flow and fill once.
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  expect_one_order_fills_once_and_positions_agree(id);
}

TEST_F(UsdmUserStreamTest, RotatedKeysAskForTheListenKeyAgainAndTheOldKeyIsNeverUsedAfter) {
  simulator_->add_api_key("sim-api-key-2", "sim-secret-2");
  std::string error;
  ASSERT_TRUE(venue_->rotate_keys(
      {Secret(std::string("sim-api-key-2")), Secret(std::string("sim-secret-2"))}, error))
      << error;
  ASSERT_TRUE(simulator_->wait_for_subscriptions(2, 10'000));
  ASSERT_TRUE(pump([&] {
    return simulator_->streams_with_key("sim-api-key-2") == 1 &&
           simulator_->streams_with_key("sim-api-key") == 0 && venue_->stream_live() &&
           venue_->keys_retiring() == 0;
  }));
  simulator_->revoke_api_key("sim-api-key");
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  expect_one_order_fills_once_and_positions_agree(id);
  ASSERT_TRUE(pump([&] { return simulator_->listen_key_keepalives() >= 2; }));
  EXPECT_TRUE(venue_->stream_live());  // revoking the old key did not end the new stream
  EXPECT_EQ(simulator_->requests_with_revoked_key(), 0u);
}

TEST_F(UsdmUserStreamTest, DuplicatedAndReorderedReportsCountEachFillOnce) {
  simulator_->reorder_next_reports();
  simulator_->duplicate_next_reports(3);
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id) && orders_->duplicate_fills() >= 1; }));
  expect_one_order_fills_once_and_positions_agree(id);
}

TEST_F(UsdmUserStreamTest, WhileTheStreamIsDownOrdersArePolledThenItComesBack) {
  simulator_->set_user_stream_available(false);
  ASSERT_TRUE(pump([&] { return !venue_->stream_live(); }));
  const ClientOrderId id = *orders_->submit(0, "gt", intent(Side::kSell), clock_.now_ns());
  ASSERT_TRUE(pump([&] { return terminal(id); }));
  expect_one_order_fills_once_and_positions_agree(id);
  simulator_->set_user_stream_available(true);
  ASSERT_TRUE(simulator_->wait_for_subscriptions(2, 10'000));
  ASSERT_TRUE(pump([&] { return venue_->stream_live(); }));
}

}  // namespace
}  // namespace sigex
