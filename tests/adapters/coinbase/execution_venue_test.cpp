// The live Coinbase venue against the loopback Coinbase trading simulator: every request is
// signed and verified; lost answers are resent with the same client_order_id and make one
// order; success:false with HTTP 200 is a rejection; a rate-limited order waits and leaves
// once; lookups that lag are not taken for absence; fills arrive once each.

#include "adapters/coinbase/execution_venue.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

#include "adapters/net/http_session.h"
#include "engine/core/live_clock.h"
#include "support/coinbase_keys.h"
#include "support/test_support.h"
#include "tools/coinbase_simulator/trading_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

std::unique_ptr<CoinbaseSigner> venue_signer(const char* secret) {
  std::string error;
  auto made =
      CoinbaseSigner::make(Secret(std::string(kCdpKeyName)), Secret(std::string(secret)), error);
  EXPECT_NE(made, nullptr) << error;
  return made;
}

Instrument traded_btc_usd() {
  Instrument instrument;
  instrument.symbol = Symbol::from("BTC-USD");
  instrument.base_asset = AssetCode::from("BTC");
  instrument.quote_asset = AssetCode::from("USD");
  instrument.price_scale = 2;
  instrument.quantity_scale = 8;
  instrument.tick_size = Price{1};
  instrument.step_size = Quantity{1};
  instrument.min_quantity = Quantity{1000};
  instrument.min_notional = money("1");
  return instrument;
}

class CoinbaseVenueTest : public ::testing::Test {
 protected:
  // `lag_ms`: how long a lagged list hides an order (kLagLookups, kLagFills).
  void start(int create_retries = 3, DurationNs poll_interval_ns = 20 * kNsPerMs,
             std::int64_t lag_ms = 400, DurationNs balance_interval_ns = 60 * kNsPerSecond) {
    CoinbaseTradingSimulatorOptions options;
    options.public_keys = {venue_signer(kCdpEcPem)->public_key_pem()};
    options.lag_ms = lag_ms;
    simulator_ = std::make_unique<CoinbaseTradingSimulator>(options);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
    instruments_.add(traded_btc_usd());
    CoinbaseExecutionConfig config;
    config.rest_url = simulator_->url();
    config.create_retries = create_retries;
    config.create_retry_wait_ns = 10 * kNsPerMs;
    config.poll_interval_ns = poll_interval_ns;
    config.stream_poll_interval_ns = poll_interval_ns;
    config.balance_interval_ns = balance_interval_ns;
    config.user_ws_url = "ws://127.0.0.1:" + std::to_string(simulator_->port());
    config.timeouts = HttpTimeouts{kNsPerSecond, kNsPerSecond, 2 * kNsPerSecond};
    auto tls = std::make_unique<boost::asio::ssl::context>(make_client_tls_context("", error));
    venue_ = std::make_unique<CoinbaseExecutionVenue>(instruments_, config, venue_signer(kCdpEcPem),
                                                      clock_, std::move(tls), durability_);
    ASSERT_TRUE(venue_->start(error)) << error;
  }
  // The process restarts: a new venue on the same account, without the user channel, polling
  // every `poll_interval_ns`. False with `error` when it cannot start.
  bool restart_polling_only(DurationNs poll_interval_ns, std::string& error) {
    venue_->stop();
    CoinbaseExecutionConfig config;
    config.rest_url = simulator_->url();
    config.user_ws_url.clear();
    config.poll_interval_ns = poll_interval_ns;
    auto tls = std::make_unique<boost::asio::ssl::context>(make_client_tls_context("", error));
    venue_ = std::make_unique<CoinbaseExecutionVenue>(instruments_, config, venue_signer(kCdpEcPem),
                                                      clock_, std::move(tls), durability_);
    return venue_->start(error);
  }
  void TearDown() override {
    if (venue_) venue_->stop();
    if (simulator_) simulator_->stop();
  }

  OrderCommand order(const char* id, Side side, OrderType type, const char* price,
                     const char* quantity, TimeInForce tif = TimeInForce::kGoodTillCancel) {
    OrderCommand command{};
    command.kind = OrderCommandKind::kNew;
    command.side = side;
    command.type = type;
    command.time_in_force = tif;
    command.instrument = 0;
    command.client_order_id.assign(id);
    command.price = Price{parse_decimal(price, 2).value()};
    command.quantity = Quantity{parse_decimal(quantity, 8).value()};
    command.created_time_ns = clock_.now_ns();
    return command;
  }
  OrderCommand about(OrderCommandKind kind, const char* id) {
    OrderCommand command{};
    command.kind = kind;
    command.instrument = 0;
    command.client_order_id.assign(id);
    command.created_time_ns = clock_.now_ns();
    return command;
  }

  // Collects the venue's events until `done` holds (the deadline only turns a hang into a
  // failure).
  bool collect_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (venue_->wait_for_answers(20 * kNsPerMs)) venue_->poll(clock_.now_ns(), events_);
      if (done()) return true;
    }
    return false;
  }
  std::size_t count(ExecutionKind kind) const {
    std::size_t n = 0;
    for (const auto& event : events_) n += event.kind == kind;
    return n;
  }
  void expect_one_order_per_id() const {
    for (const auto& [id, orders] : simulator_->orders_per_client_id()) EXPECT_EQ(orders, 1) << id;
  }

  LiveClock clock_;
  DurabilityWatermark durability_;
  InstrumentRegistry instruments_;
  std::unique_ptr<CoinbaseTradingSimulator> simulator_;
  std::unique_ptr<CoinbaseExecutionVenue> venue_;
  std::vector<ExecutionEvent> events_;
};

TEST_F(CoinbaseVenueTest, ARestingLimitOrderFillsOnceWhenThePriceCrossesIt) {
  start();
  venue_->send(order("cb-limit-1", Side::kBuy, OrderType::kLimit, "29000.00", "0.01"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kAccepted) == 1; }));
  simulator_->set_price("28900.00");
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  const ExecutionEvent* fill = nullptr;
  for (const auto& event : events_) {
    if (event.kind == ExecutionKind::kFill) fill = &event;
  }
  ASSERT_NE(fill, nullptr);
  EXPECT_EQ(fill->price.raw, 2900000);  // its limit: the maker's price
  EXPECT_EQ(fill->quantity.raw, 1'000'000);
  EXPECT_EQ(fill->fee_asset, FeeAsset::kQuote);  // Coinbase charges fees in the quote currency
  EXPECT_EQ(fill->fee, money("1.74"));           // 290 USD x 0.6 %
  EXPECT_EQ(fill->liquidity, Liquidity::kMaker);
  // Polling goes on (another order rests): the fill is never handed on twice.
  venue_->send(order("cb-limit-2", Side::kBuy, OrderType::kLimit, "20000.00", "0.01"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kAccepted) == 2; }));
  const std::uint64_t polls = venue_->counters().polls.load();
  ASSERT_TRUE(collect_until([&] { return venue_->counters().polls.load() > polls + 3; }));
  EXPECT_EQ(count(ExecutionKind::kFill), 1u);
  EXPECT_EQ(simulator_->balance("BTC"), "0.01000000");
  EXPECT_EQ(simulator_->orders_made(), 2u);
  EXPECT_EQ(simulator_->unauthorized(), 0u);  // every request carried a valid JWT
}

TEST_F(CoinbaseVenueTest, RehearsingTheSigningWhileIdleSendsNothing) {
  start();
  venue_->rehearse_signing_every(kNsPerMs);
  venue_->send(order("cb-warm-1", Side::kBuy, OrderType::kMarket, "0", "0.002"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  // From the order on, the idle I/O thread builds the body and signs a JWT again every ms.
  ASSERT_TRUE(collect_until([&] { return venue_->signing_rehearsals() >= 20; }));
  EXPECT_EQ(simulator_->create_requests(), 1u);
  EXPECT_EQ(simulator_->orders_made(), 1u);
  EXPECT_EQ(simulator_->unauthorized(), 0u);
  expect_one_order_per_id();
}

TEST_F(CoinbaseVenueTest, ALostAnswerIsSentAgainWithTheSameIdAndMakesOneOrder) {
  start();
  simulator_->inject(CoinbaseTradeFault::kLoseAnswerAfterCreate);
  venue_->send(order("cb-lost-1", Side::kBuy, OrderType::kMarket, "0", "0.002"));
  ASSERT_TRUE(collect_until(
      [&] { return count(ExecutionKind::kAccepted) == 1 && count(ExecutionKind::kFill) == 1; }));
  EXPECT_EQ(simulator_->orders_made(), 1u);
  EXPECT_EQ(simulator_->create_requests(), 2u);
  EXPECT_EQ(simulator_->repeated_creates(), 1u);  // the existing order came back
  EXPECT_EQ(venue_->counters().create_retries.load(), 1u);
  EXPECT_EQ(count(ExecutionKind::kUnknown), 0u);
  expect_one_order_per_id();
}

TEST_F(CoinbaseVenueTest, AServerErrorAfterTheCreateAndALostRequestBeforeItEachMakeOneOrder) {
  start();
  simulator_->inject(CoinbaseTradeFault::kServerErrorAfterCreate);
  venue_->send(order("cb-503-1", Side::kBuy, OrderType::kMarket, "0", "0.001"));
  simulator_->inject(CoinbaseTradeFault::kLoseRequestBeforeCreate);
  venue_->send(order("cb-drop-1", Side::kBuy, OrderType::kMarket, "0", "0.001"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 2; }));
  EXPECT_EQ(simulator_->orders_made(), 2u);
  EXPECT_EQ(count(ExecutionKind::kAccepted), 2u);
  expect_one_order_per_id();
}

TEST_F(CoinbaseVenueTest, AnOutcomeStillUnknownIsLookedUpAndALaggingListIsNotTakenForAbsence) {
  // The list lags for 3 s: long enough that the lookup meets the lag even on a loaded
  // sanitizer run (400 ms was not).
  start(/*create_retries=*/0, 20 * kNsPerMs, /*lag_ms=*/3000);
  simulator_->inject(CoinbaseTradeFault::kLagLookups);
  simulator_->inject(CoinbaseTradeFault::kLoseAnswerAfterCreate);
  venue_->send(order("cb-unknown-1", Side::kBuy, OrderType::kMarket, "0", "0.001"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kUnknown) == 1; }));
  // The order exists but the list does not show it yet: "not found" is never answered (it
  // would let the OMS give the order up and trade again). The lookup sends the create again
  // with the same id: Coinbase returns the existing order, nothing new is made.
  OrderCommand query = order("cb-unknown-1", Side::kBuy, OrderType::kMarket, "0", "0.001");
  query.kind = OrderCommandKind::kQuery;
  query.prove_absence = true;
  venue_->send(query);
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kAccepted) == 1; }));
  EXPECT_EQ(count(ExecutionKind::kNotFound), 0u);
  EXPECT_EQ(simulator_->repeated_creates(), 1u);
  // Its fill arrives once the fills list shows it.
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  EXPECT_EQ(simulator_->orders_made(), 1u);
  expect_one_order_per_id();
}

TEST_F(CoinbaseVenueTest, AQueryForAnOrderThatWasNeverSentMakesItOnceWithItsOwnId) {
  start(/*create_retries=*/0);
  simulator_->inject(CoinbaseTradeFault::kLoseRequestBeforeCreate);
  venue_->send(order("cb-never-1", Side::kBuy, OrderType::kMarket, "0", "0.001"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kUnknown) == 1; }));
  EXPECT_EQ(simulator_->orders_made(), 0u);
  OrderCommand query = order("cb-never-1", Side::kBuy, OrderType::kMarket, "0", "0.001");
  query.kind = OrderCommandKind::kQuery;
  venue_->send(query);
  venue_->send(query);  // asked twice: still one order
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  ASSERT_TRUE(collect_until([&] { return venue_->commands_pending() == 0; }));
  EXPECT_EQ(simulator_->orders_made(), 1u);
  expect_one_order_per_id();
}

TEST_F(CoinbaseVenueTest, SuccessFalseWithHttp200IsARejectionAndSoIsAnUnpayableOrder) {
  start();
  simulator_->inject(CoinbaseTradeFault::kRefuseWithSuccessFalse);
  venue_->send(order("cb-refused-1", Side::kBuy, OrderType::kMarket, "0", "0.001"));
  venue_->send(order("cb-too-big-1", Side::kBuy, OrderType::kMarket, "0", "100"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kRejected) == 2; }));
  EXPECT_EQ(events_[0].rejection, RejectionKind::kRetryable);  // UNKNOWN_FAILURE_REASON
  EXPECT_EQ(events_[1].rejection, RejectionKind::kFinal);      // INSUFFICIENT_FUND
  EXPECT_EQ(simulator_->orders_made(), 0u);
  EXPECT_EQ(count(ExecutionKind::kAccepted), 0u);
}

// As on Coinbase, a resting order puts what it may spend on hold: the next order is paid from
// what is available, and a restart's balances count the hold as the account's.
TEST_F(CoinbaseVenueTest, ARestingOrderHoldsItsCostAndTheNextIsPaidFromWhatIsAvailable) {
  start();
  // 0.5 BTC at 29 000 with the 0.6 % fee holds 14 587 of the 100 000 USD.
  venue_->send(order("cb-hold-1", Side::kBuy, OrderType::kLimit, "29000.00", "0.5"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kAccepted) == 1; }));
  // 3 BTC would cost 87 522: more than the 85 413 available, less than the balance.
  venue_->send(order("cb-hold-2", Side::kBuy, OrderType::kLimit, "29000.00", "3"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kRejected) == 1; }));
  EXPECT_EQ(events_.back().rejection, RejectionKind::kFinal);  // INSUFFICIENT_FUND
  EXPECT_EQ(simulator_->orders_made(), 1u);
  std::string error;
  ASSERT_TRUE(restart_polling_only(CoinbaseExecutionConfig{}.poll_interval_ns, error)) << error;
  ASSERT_EQ(venue_->start_cash().size(), 1u);
  EXPECT_EQ(venue_->start_cash()[0].held, money("100000")) << "available and on hold";
}

// The user channel pushes no balances: the accounts are read every balance_interval and the
// cash asset (available + hold) is handed to the engine, a withdrawal while running included.
TEST_F(CoinbaseVenueTest, TheCashBalanceIsReadPeriodicallyAndHandedToTheEngine) {
  start(3, 20 * kNsPerMs, 400, 50 * kNsPerMs);
  const auto reported = [&](std::string_view held) {
    for (auto event = events_.rbegin(); event != events_.rend(); ++event) {
      if (event->kind == ExecutionKind::kAccountCash) return event->cash == money(held);
    }
    return false;
  };
  venue_->send(order("cash-1", Side::kBuy, OrderType::kLimit, "29000.00", "0.01"));  // rests
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kAccepted) == 1; }));
  ASSERT_TRUE(collect_until([&] { return reported("100000"); })) << "what is on hold is still held";
  simulator_->set_balance("USD", "700");  // withdrawn while running
  ASSERT_TRUE(collect_until([&] { return reported("700"); }));
}

TEST_F(CoinbaseVenueTest, ARateLimitedOrderWaitsAndGoesOutOnce) {
  start();
  simulator_->inject(CoinbaseTradeFault::kRateLimited);
  venue_->send(order("cb-429-1", Side::kBuy, OrderType::kMarket, "0", "0.001"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  EXPECT_EQ(simulator_->orders_made(), 1u);
  EXPECT_EQ(simulator_->create_requests(), 2u);  // refused once, then sent once
  expect_one_order_per_id();
}

TEST_F(CoinbaseVenueTest, ACancelEndsARestingOrderAndTheKeysRotateWithoutARestart) {
  start();
  venue_->send(order("cb-rest-1", Side::kBuy, OrderType::kLimit, "20000.00", "0.01"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kAccepted) == 1; }));
  // New key deployed at the venue, loaded at a reload, the old one revoked.
  auto next = venue_signer(kCdpEd25519Secret);
  simulator_->add_key(next->public_key_pem());
  std::string error;
  ASSERT_TRUE(venue_->rotate_keys(
      VenueKeys{Secret(std::string(kCdpKeyName)), Secret(std::string(kCdpEd25519Secret))}, error))
      << error;
  // The operator's procedure: revoke the old key once no request under way still uses it.
  ASSERT_TRUE(collect_until([&] {
    return venue_->keys_retiring() == 0 &&
           simulator_->user_streams_with_key(next->public_key_pem()) == 1;
  }));  // the user channel subscribed again with the new key
  simulator_->revoke_key(venue_signer(kCdpEcPem)->public_key_pem());
  venue_->send(about(OrderCommandKind::kCancel, "cb-rest-1"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kCanceled) == 1; }));
  EXPECT_EQ(simulator_->unauthorized(), 0u);
  EXPECT_EQ(venue_->keys_retiring(), 0u);
}

// A crash after the order filled and before its answer came: the new process reads the
// balances (the fill is in them), then resolves the order and is handed its fill. What the
// venue believes the account holds moves once, so a sell is never sized beyond it.
TEST_F(CoinbaseVenueTest, AFillAlreadyInTheBalancesReadAtStartUpIsNotCountedTwice) {
  start(/*create_retries=*/0);
  simulator_->inject(CoinbaseTradeFault::kLoseAnswerAfterCreate);
  venue_->send(order("cb-crash-1", Side::kBuy, OrderType::kMarket, "0", "0.003"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kUnknown) == 1; }));
  ASSERT_EQ(simulator_->orders_made(), 1u);
  std::string error;
  ASSERT_TRUE(restart_polling_only(20 * kNsPerMs, error)) << error;
  EXPECT_EQ(venue_->start_holdings()[0].held.raw, 300'000);
  // The quote currency's account, available and on hold.
  ASSERT_EQ(venue_->start_cash().size(), 1u);
  EXPECT_EQ(venue_->start_cash()[0].venue.view(), "coinbase");
  EXPECT_GT(venue_->start_cash()[0].held.raw, 0);
  events_.clear();
  OrderCommand lookup = about(OrderCommandKind::kQuery, "cb-crash-1");
  venue_->send(lookup);
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  Price price{0};
  Quantity size{600'000};
  std::string why;
  ASSERT_TRUE(
      venue_->normalize(Side::kSell, OrderType::kMarket, price, size, Price{3'000'000}, 0, why))
      << why;
  EXPECT_EQ(size.raw, 300'000) << "a sell is sized to what the account holds, counted once";
  expect_one_order_per_id();
}

TEST_F(CoinbaseVenueTest, AtStartUpBalancesAndOpenOrdersAreReadAndReported) {
  start();
  venue_->send(order("cb-open-1", Side::kBuy, OrderType::kLimit, "20000.00", "0.01"));
  venue_->send(order("cb-buy-1", Side::kBuy, OrderType::kMarket, "0", "0.003"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  venue_->stop();
  // A new process: what the account holds, its history and its open order.
  std::string error;
  CoinbaseExecutionConfig config;
  config.rest_url = simulator_->url();
  config.user_ws_url.clear();  // polling only
  auto tls = std::make_unique<boost::asio::ssl::context>(make_client_tls_context("", error));
  CoinbaseExecutionVenue again(instruments_, config, venue_signer(kCdpEcPem), clock_,
                               std::move(tls), durability_);
  ASSERT_TRUE(again.start(error)) << error;
  ASSERT_EQ(again.start_holdings().size(), 1u);
  EXPECT_EQ(again.start_holdings()[0].held.raw, 300'000);
  EXPECT_EQ(again.account_history().size(), 2u);
  std::vector<ExecutionEvent> reported;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (reported.empty() && std::chrono::steady_clock::now() < deadline) {
    if (again.wait_for_answers(20 * kNsPerMs)) again.poll(clock_.now_ns(), reported);
  }
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].kind, ExecutionKind::kAccepted);
  EXPECT_EQ(reported[0].client_order_id.view(), "cb-open-1");
  for (const AccountOrder& order : again.account_history()) {
    if (order.client_order_id.view() == "cb-buy-1") {
      EXPECT_EQ(again.history_fills(order).size(), 1u);
    }
  }
  again.stop();
}

TEST_F(CoinbaseVenueTest, TheUserChannelDrivesFillsAndPollingCoversWhileItIsDown) {
  // Polls a minute apart: only the user channel can bring the fill quickly.
  start(3, 60 * kNsPerSecond);
  ASSERT_TRUE(collect_until([&] { return venue_->stream_live(); }));
  venue_->send(order("cb-pushed-1", Side::kBuy, OrderType::kLimit, "29000.00", "0.01"));
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kAccepted) == 1; }));
  simulator_->set_price("28900.00");
  ASSERT_TRUE(collect_until([&] { return count(ExecutionKind::kFill) == 1; }));
  // The channel goes away: the venue says so and falls back to polling at poll_interval.
  simulator_->set_user_stream_available(false);
  ASSERT_TRUE(collect_until([&] { return !venue_->stream_live(); }));
  simulator_->set_user_stream_available(true);
  ASSERT_TRUE(collect_until([&] { return venue_->stream_live(); }));  // back, with backoff
  EXPECT_GE(simulator_->user_subscriptions(), 2u);
  EXPECT_EQ(count(ExecutionKind::kFill), 1u);
}

}  // namespace
}  // namespace sigex
