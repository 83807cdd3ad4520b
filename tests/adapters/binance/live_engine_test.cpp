// The whole live path (engine, risk, OMS, journal and the Binance venue) against the loopback
// exchange simulator, with a strategy as impatient as a real one: it asks for its exit again
// on every market event while it holds anything. Each fault ends with the same checks: at most
// one exchange order per intent, every fill journaled once, the position equal to what the
// account holds, a bounded number of requests and journal rows, and the operator told.
//
// The engine runs on a simulated clock (market events every 50 ms of it); the venue signs and
// waits on the real clock, as the exchange simulator checks signatures and bans in real time.

#include <gtest/gtest.h>
#include <chrono>

#include "adapters/binance/execution_venue.h"
#include "engine/core/live_clock.h"
#include "engine/core/simulated_clock.h"
#include "engine/runtime/engine.h"
#include "support/test_support.h"
#include "tools/exchange_simulator/exchange_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// Buys once, then sells everything it holds (rounded down to the step) on every quote while
// it holds at least the minimum quantity: the pattern that turned refusals into storms.
class BuyThenExit final : public Strategy {
 public:
  explicit BuyThenExit(Quantity size) : size_(size) {}
  std::string_view tag() const override { return "t"; }
  void on_quote(StrategyContext& context, const BestBidOffer&) override {
    const Instrument& instrument = context.instruments().get(0);
    if (context.has_open_order(0)) return;
    OrderIntent intent;
    intent.instrument = 0;
    intent.type = OrderType::kMarket;
    if (!bought_) {
      intent.side = Side::kBuy;
      intent.quantity = size_;
      intent.intent = IntentKey{1};
      bought_ = context.submit(intent).has_value();
      return;
    }
    const Quantity held = context.position(0).quantity;
    if (!exit_ || held < instrument.min_quantity) return;
    intent.side = Side::kSell;
    intent.quantity = Quantity{held.raw / instrument.step_size.raw * instrument.step_size.raw};
    intent.intent = IntentKey{2};
    intent.reduce_only = true;
    if (context.submit(intent)) ++exits_asked_;
  }
  bool exit_ = true;
  int exits_asked_ = 0;

 private:
  Quantity size_;
  bool bought_ = false;
};

class LiveEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.exchange_info_path = binance_exchange_info_path();
    options_.retry_after_s = 1;
  }

  void start(Quantity size = quantity("0.001")) {
    simulator_ = std::make_unique<ExchangeSimulator>(options_);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
    simulator_->set_price("BTCUSDT", price("60000"));
    instruments_.add(btcusdt());
    config_.rest.rest_url = simulator_->base_url();
    config_.rest.timeouts.request_ns = 300 * kNsPerMs;
    config_.poll_interval_ns = 50 * kNsPerMs;
    config_.ws_api_url.clear();
    config_.history_lookback_ns = kNsPerDay;
    journal_ = Journal::open(directory_.path(), Durability::kNormal, error);
    ASSERT_TRUE(journal_) << error;
    venue_ = std::make_unique<BinanceExecutionVenue>(
        instruments_, config_, Secret(std::string("sim-api-key")),
        make_hmac_signer(Secret(std::string("sim-secret"))), live_clock_, tls_,
        journal_->watermark());
    ASSERT_TRUE(venue_->start(error)) << error;
    RiskConfig risk;
    risk.max_orders_per_instrument = 0;  // the throttles are not what is tested here
    risk.max_orders_total = 0;
    engine_ =
        std::make_unique<Engine>(instruments_, clock_, *journal_, *venue_, risk, money("100000"));
    ResolutionPolicy policy;
    policy.min_resend_wait_ns = 10 * kNsPerSecond;
    engine_->set_resolution_policy(policy);
    auto strategy = std::make_unique<BuyThenExit>(size);
    strategy_ = strategy.get();
    engine_->add_strategy(std::move(strategy));
    engine_->start();
  }

  // Market events every 50 ms of engine time for `duration`, or until `done`.
  template <typename Done>
  bool run_for(DurationNs duration, Done done) {
    const TimeNs end = clock_.now_ns() + duration;
    while (clock_.now_ns() < end) {
      clock_.advance_to(clock_.now_ns() + 50 * kNsPerMs);
      InboundEvent quote;
      quote.kind = MarketEventKind::kBestBidOffer;
      quote.best_bid_offer.instrument = 0;
      quote.best_bid_offer.receive_time_ns = clock_.now_ns();
      quote.best_bid_offer.bid_price = price("59999.99");
      quote.best_bid_offer.ask_price = price("60000");
      quote.best_bid_offer.bid_quantity = quantity("10");
      quote.best_bid_offer.ask_quantity = quantity("10");
      engine_->process(quote);
      // The venue answers on its own thread: simulated time moves on only once it has handled
      // every command (bounded in real time), however busy the machine is.
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (venue_->commands_pending() > 0 && std::chrono::steady_clock::now() < deadline) {
        venue_->wait_for_answers(kNsPerMs);
      }
      venue_->wait_for_answers(kNsPerMs);
      engine_->run_due();
      if (done()) return true;
    }
    return done();
  }
  bool run_for(DurationNs duration) {
    return run_for(duration, [] { return false; });
  }

  const Order& order_with(IntentKey intent, std::uint32_t sequence = 0) {
    for (const Order& order : engine_->orders().orders()) {
      if (order.intent == intent && order.sequence == sequence) return order;
    }
    static const Order none;
    return none;
  }
  bool bought() { return order_with(IntentKey{1}).state == OrderState::kFilled; }

  // Every fill once, the position what the account holds.
  void expect_books_match_the_account() {
    EXPECT_EQ(static_cast<std::uint64_t>(journal_->count_rows("fills")), simulator_->trades());
    EXPECT_EQ(engine_->portfolio().position(0).quantity.raw, simulator_->balance("BTC"));
    EXPECT_EQ(simulator_->max_orders_per_id(), 1);
  }

  TemporaryDirectory directory_;
  ExchangeSimulatorOptions options_;
  std::unique_ptr<ExchangeSimulator> simulator_;
  InstrumentRegistry instruments_;
  BinanceExecutionConfig config_;
  LiveClock live_clock_;
  SimulatedClock clock_{1'800'000'000LL * kNsPerSecond};
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<BinanceExecutionVenue> venue_;
  std::unique_ptr<Engine> engine_;
  BuyThenExit* strategy_ = nullptr;
};

TEST_F(LiveEngineTest, AFeeInTheCoinBoughtLeavesANetPositionThatSellsWithoutARefusal) {
  options_.fee_asset = SimFeeAsset::kReceived;  // Binance spot's default
  start();
  ASSERT_TRUE(run_for(30 * kNsPerSecond,
                      [&] { return order_with(IntentKey{2}).state == OrderState::kFilled; }));
  // 0.001 bought, 0.000001 of it taken as the fee: 0.000999 held, 0.00099 sellable (step).
  EXPECT_EQ(order_with(IntentKey{1}).filled_quantity, quantity("0.001"));
  EXPECT_EQ(order_with(IntentKey{2}).quantity, quantity("0.00099"));
  EXPECT_EQ(engine_->portfolio().position(0).quantity,
            quantity("0.000009"));  // dust below the minimum
  EXPECT_EQ(simulator_->order_requests(), 2u);
  EXPECT_EQ(engine_->counters().venue_rejections, 0u);
  expect_books_match_the_account();
  // The fee's worth is counted: 0.000001 BTC at 60000 = 0.06 USDT, plus the sell's in USDT.
  EXPECT_EQ(engine_->portfolio().position(0).fees, money("0.06") + order_with(IntentKey{2}).fees);
}

TEST_F(LiveEngineTest, FeesPaidInBnbAreBookedInBnbAndValuedInTheCashAsset) {
  options_.fee_asset = SimFeeAsset::kBnb;
  options_.balances["BNB"] = money("1");
  start();
  ASSERT_TRUE(run_for(30 * kNsPerSecond,
                      [&] { return order_with(IntentKey{2}).state == OrderState::kFilled; }));
  EXPECT_EQ(order_with(IntentKey{2}).quantity, quantity("0.001"));  // nothing taken from the coins
  EXPECT_EQ(engine_->portfolio().position(0).quantity.raw, 0);
  expect_books_match_the_account();
  ASSERT_EQ(engine_->portfolio().other_asset_fees().size(), 1u);
  const OtherAssetFees& bnb = engine_->portfolio().other_asset_fees()[0];
  EXPECT_EQ(bnb.asset.view(), "BNB");
  EXPECT_EQ(bnb.amount, money("1").raw - simulator_->balance("BNB"));
  EXPECT_GT(bnb.value.raw, 0);  // valued at BNBUSDT
  EXPECT_EQ(engine_->portfolio().equity(engine_->quotes()),
            engine_->portfolio().cash() - bnb.value);  // flat: cash less the BNB spent
}

TEST_F(LiveEngineTest, AnExitThatCannotSucceedStopsTheInstrumentInsteadOfLooping) {
  start();
  ASSERT_TRUE(run_for(10 * kNsPerSecond, [&] { return bought(); }));
  strategy_->exit_ = false;
  run_for(kNsPerSecond);
  simulator_->set_balance("BTC",
                          0);  // the coins left the account (a withdrawal, a fee sigex never saw)
  strategy_->exit_ = true;
  const auto halted = [&] {
    return engine_->trading_states().get("instrument:BTCUSDT").state == TradingState::kHalted;
  };
  ASSERT_TRUE(run_for(300 * kNsPerSecond, halted));
  // Another minute of market events, each one asking for the exit again.
  run_for(60 * kNsPerSecond);
  EXPECT_LE(simulator_->order_requests(), 2u) << "one refused exit, not one per market event";
  EXPECT_TRUE(halted());
  EXPECT_EQ(engine_->counters().alerts, 1u);
  EXPECT_LE(journal_->count_rows("orders"), 2);
  EXPECT_LE(journal_->count_rows("risk_denials"), 3) << "a denial per minute, not per event";
  EXPECT_GT(engine_->counters().denials_not_journaled, 100u);
}

TEST_F(LiveEngineTest, RetryableRefusalsAreRetriedWithBackoffNotOnEveryEvent) {
  start();
  ASSERT_TRUE(run_for(10 * kNsPerSecond, [&] { return bought(); }));
  for (int i = 0; i < 4; ++i) simulator_->inject(ExchangeFault::kRejectRetryable);
  const TimeNs started = clock_.now_ns();
  ASSERT_TRUE(run_for(120 * kNsPerSecond,
                      [&] { return engine_->portfolio().position(0).quantity.raw == 0; }));
  // Four refusals, waits of 1, 2, 4 and 8 s between them: 15 s at least, 6 requests in all.
  EXPECT_EQ(simulator_->order_requests(), 6u);
  EXPECT_GE(clock_.now_ns() - started, 15 * kNsPerSecond);
  EXPECT_EQ(engine_->counters().venue_rejections, 4u);
  EXPECT_EQ(engine_->trading_states().get("instrument:BTCUSDT").state, TradingState::kActive);
  expect_books_match_the_account();
}

TEST_F(LiveEngineTest, AnOrderRefusedByTheClockGuardWaitsAndGoesOutOnceWhenTheClockIsBack) {
  config_.clock_check_interval_ns = 100 * kNsPerMs;
  config_.clock_recheck_interval_ns = 100 * kNsPerMs;
  config_.rest.clock_sample_max_age_ns = 10 * kNsPerSecond;
  start();
  strategy_->exit_ = false;
  // The exchange's clock jumps 5 s ahead; two clock checks later the guard has seen it.
  simulator_->set_server_offset_ms(5000);
  ASSERT_TRUE(simulator_->wait_for_requests(simulator_->requests() + 3, 5000));
  const std::uint64_t before = simulator_->order_requests();
  run_for(20 * kNsPerSecond);  // 400 market events, the buy asked for on each until it exists
  EXPECT_EQ(simulator_->order_requests(), before) << "nothing sent while the clock is off";
  EXPECT_EQ(journal_->count_rows("orders"), 1)
      << "one journaled order for the intent, not one per event";
  EXPECT_NE(venue_->waiting_reason().find("off the exchange"), std::string::npos)
      << venue_->waiting_reason();
  EXPECT_EQ(venue_->counters().orders_waiting.load(), 1u);
  simulator_->set_server_offset_ms(0);
  ASSERT_TRUE(run_for(60 * kNsPerSecond, [&] { return bought(); }));
  EXPECT_EQ(simulator_->order_requests(), before + 1);
  EXPECT_EQ(venue_->counters().orders_waiting.load(), 0u);
  expect_books_match_the_account();
}

TEST_F(LiveEngineTest, AnOrderThatWaitsTooLongIsGivenUpAndJournaledNotReminted) {
  config_.clock_check_interval_ns = 100 * kNsPerMs;
  config_.clock_recheck_interval_ns = 100 * kNsPerMs;
  config_.max_order_wait_ns = 300 * kNsPerMs;
  start();
  simulator_->set_server_offset_ms(5000);
  ASSERT_TRUE(simulator_->wait_for_requests(simulator_->requests() + 3, 5000));
  run_for(60 * kNsPerSecond);
  EXPECT_EQ(simulator_->order_requests(), 0u);
  EXPECT_GE(venue_->counters().orders_given_up.load(), 1u);
  // Each given-up order waits out the retry backoff before the next: a handful a minute.
  EXPECT_LE(journal_->count_rows("orders"), 8);
  EXPECT_EQ(order_with(IntentKey{1}).state, OrderState::kRejected);
  EXPECT_EQ(order_with(IntentKey{1}).rejection, RejectionKind::kLocal);
}

TEST_F(LiveEngineTest, ABanOnAnyRequestIsAlertedAtOnce) {
  config_.clock_check_interval_ns = 100 * kNsPerMs;
  start();
  strategy_->exit_ = false;
  simulator_->ban_for(10);  // answered on the next clock check, not an order
  const std::uint64_t requests = simulator_->requests();
  // The next clock check reaches the exchange and is answered 418; nothing more is sent.
  ASSERT_TRUE(simulator_->wait_for_requests(requests + 1, 5000));
  std::vector<ExecutionEvent> drained;
  for (int i = 0; i < 100 && !venue_->banned(); ++i) {
    venue_->poll(0, drained);  // so that the wait below waits (up to 50 ms) for the I/O thread
    venue_->wait_for_answers(50 * kNsPerMs);
  }
  EXPECT_TRUE(venue_->banned());
  EXPECT_EQ(simulator_->requests(), requests + 1) << "no request during the ban";
  EXPECT_EQ(venue_->counters().alerts.load(), 1u);
  EXPECT_EQ(venue_->counters().orders_sent.load(), 0u);
}

}  // namespace
}  // namespace sigex
