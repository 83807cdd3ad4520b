// The signed REST client against the loopback exchange simulator: requests the simulator
// verifies like Binance (key, HMAC signature, recvWindow), and every fault that leaves an
// order's fate open comes back Unknown and is settled by asking for the order by client id,
// never by resending it blindly.

#include "adapters/binance/rest_client.h"
#include "adapters/binance/parse_exchange_info.h"

#include <gtest/gtest.h>

#include "engine/core/live_clock.h"
#include "support/test_support.h"
#include "tools/exchange_simulator/exchange_simulator.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class BinanceRestClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.exchange_info_path = binance_exchange_info_path();
    start_simulator();
  }

  void start_simulator() {
    simulator_ = std::make_unique<ExchangeSimulator>(options_);
    std::string error;
    ASSERT_TRUE(simulator_->start(error)) << error;
    simulator_->set_price("BTCUSDT", price("60000"));
    config_.rest_url = simulator_->base_url();
    config_.timeouts.request_ns = 300 * kNsPerMs;
    // Binance's longest window: a loaded sanitizer run takes seconds per request, and these
    // tests are about answers, not about how late a request may arrive.
    config_.recv_window_ns = 60 * kNsPerSecond;
  }

  std::unique_ptr<BinanceRestClient> client(std::string secret = "sim-secret") {
    auto rest = std::make_unique<BinanceRestClient>(config_, Secret(std::string("sim-api-key")),
                                                    make_hmac_signer(Secret(std::move(secret))),
                                                    clock_, tls_);
    std::string error;
    EXPECT_TRUE(rest->sync_clock(error)) << error;
    return rest;
  }

  static OrderCommand market_buy(const char* id) {
    OrderCommand command{};
    command.kind = OrderCommandKind::kNew;
    command.side = Side::kBuy;
    command.type = OrderType::kMarket;
    command.instrument = 0;
    command.client_order_id = ClientOrderId::from(id);
    command.quantity = quantity("0.01");
    return command;
  }

  ExchangeSimulatorOptions options_;
  std::unique_ptr<ExchangeSimulator> simulator_;
  BinanceRestConfig config_;
  LiveClock clock_;
  boost::asio::ssl::context tls_{boost::asio::ssl::context::tls_client};
  Instrument btc_ = btcusdt();
};

TEST_F(BinanceRestClientTest, SignedOrderIsAcceptedWithItsFills) {
  auto rest = client();
  const OrderCall call = rest->new_order(market_buy("sf-0000000000000001-1"), btc_);
  ASSERT_EQ(call.answer.outcome, OrderOutcome::kAccepted) << call.answer.why;
  ASSERT_TRUE(call.report);
  EXPECT_EQ(call.report->status, VenueOrderStatus::kFilled);
  ASSERT_EQ(call.report->fills.size(), 1u);
  EXPECT_EQ(call.report->fills[0].price, price("60000"));
  EXPECT_EQ(call.report->fills[0].quantity, quantity("0.01"));
  EXPECT_EQ(simulator_->signature_failures(), 0u);
  EXPECT_GT(rest->rate_limits().used_weight(), 0);
  const auto info = parse_exchange_info(rest->exchange_info().body);
  ASSERT_TRUE(info);
  EXPECT_NE(info->find("BTCUSDT"), nullptr);
}

TEST_F(BinanceRestClientTest, WrongSecretIsRejectedNotUnknown) {
  auto rest = client("not-the-secret");
  const OrderCall call = rest->new_order(market_buy("sf-0000000000000001-1"), btc_);
  EXPECT_EQ(call.answer.outcome, OrderOutcome::kRejected);
  EXPECT_EQ(call.answer.error.code, -1022);
  EXPECT_EQ(simulator_->orders_placed(), 0u);
}

TEST_F(BinanceRestClientTest, UnknownOutcomesAreSettledByLookupNeverByResend) {
  for (const ExchangeFault fault :
       {ExchangeFault::kServerErrorAfterPlacing, ExchangeFault::kBackendTimeoutAfterPlacing,
        ExchangeFault::kSlowAfterPlacing, ExchangeFault::kCutAfterPlacing}) {
    SCOPED_TRACE(static_cast<int>(fault));
    auto rest = client();
    const std::string id = "sf-00000000000000a" + std::to_string(static_cast<int>(fault)) + "-1";
    const std::uint64_t placed_before = simulator_->orders_placed();
    simulator_->inject(fault, 2000);
    const OrderCall call = rest->new_order(market_buy(id.c_str()), btc_);
    EXPECT_EQ(call.answer.outcome, OrderOutcome::kUnknown) << call.answer.why;
    // The lookup finds the order: it traded once; nothing is sent again.
    const OrderCall lookup = rest->query_order("BTCUSDT", id);
    ASSERT_EQ(lookup.answer.outcome, OrderOutcome::kAccepted) << lookup.answer.why;
    ASSERT_TRUE(lookup.report);
    EXPECT_EQ(lookup.report->status, VenueOrderStatus::kFilled);
    EXPECT_EQ(simulator_->orders_placed(), placed_before + 1);
  }
}

TEST_F(BinanceRestClientTest, AnOrderThatNeverArrivedIsProvenAbsent) {
  auto rest = client();
  simulator_->inject(ExchangeFault::kServerErrorBeforePlacing);
  const OrderCall call = rest->new_order(market_buy("sf-00000000000000b1-1"), btc_);
  EXPECT_EQ(call.answer.outcome, OrderOutcome::kUnknown);
  const OrderCall lookup = rest->query_order("BTCUSDT", "sf-00000000000000b1-1");
  EXPECT_EQ(lookup.answer.error.code, -2013);  // "Order does not exist."
  EXPECT_EQ(simulator_->orders_placed(), 0u);
}

TEST_F(BinanceRestClientTest, DuplicateOfAnOpenOrderIsAdopted) {
  auto rest = client();
  OrderCommand resting = market_buy("sf-00000000000000c1-1");
  resting.type = OrderType::kLimit;
  resting.time_in_force = TimeInForce::kGoodTillCancel;
  resting.price = price("50000");  // below the market: rests
  const OrderCall first = rest->new_order(resting, btc_);
  ASSERT_EQ(first.answer.outcome, OrderOutcome::kAccepted) << first.answer.why;
  EXPECT_EQ(first.report->status, VenueOrderStatus::kNew);
  const OrderCall again = rest->new_order(resting, btc_);
  EXPECT_EQ(again.answer.outcome, OrderOutcome::kDuplicate);
  EXPECT_EQ(simulator_->orders_placed(), 1u);
  const OrderCall cancel = rest->cancel_order("BTCUSDT", "sf-00000000000000c1-1");
  ASSERT_EQ(cancel.answer.outcome, OrderOutcome::kAccepted) << cancel.answer.why;
  EXPECT_EQ(cancel.report->status, VenueOrderStatus::kCanceled);
  // Binance's rule alone would not save a filled order from a blind resend: the id is free
  // again once the order is no longer open. This is why the engine dedupes by its own journal.
  EXPECT_EQ(rest->new_order(resting, btc_).answer.outcome, OrderOutcome::kAccepted);
  EXPECT_EQ(simulator_->orders_placed(), 2u);
}

TEST_F(BinanceRestClientTest, RateLimitsAndBansStopSending) {
  auto rest = client();
  simulator_->inject(ExchangeFault::kRateLimited);
  const OrderCall limited = rest->new_order(market_buy("sf-00000000000000d1-1"), btc_);
  EXPECT_EQ(limited.answer.outcome, OrderOutcome::kUnknown);
  EXPECT_TRUE(limited.answer.rate_limited);
  EXPECT_EQ(limited.answer.retry_after_ns, 30 * kNsPerSecond);
  const std::uint64_t requests = simulator_->order_requests();
  const OrderCall held = rest->new_order(market_buy("sf-00000000000000d2-1"), btc_);
  EXPECT_FALSE(held.sent);  // Retry-After is honoured locally
  EXPECT_EQ(simulator_->order_requests(), requests);

  auto fresh = client();
  simulator_->inject(ExchangeFault::kBanned);
  const OrderCall banned = fresh->new_order(market_buy("sf-00000000000000d3-1"), btc_);
  EXPECT_TRUE(banned.answer.banned);
  EXPECT_TRUE(fresh->rate_limits().banned(clock_.now_ns()));
}

TEST_F(BinanceRestClientTest, ClockSkewBlocksOrdersAndMinus1021ForcesAResync) {
  auto rest = client();
  simulator_->inject(ExchangeFault::kTimestampRejected);
  const OrderCall rejected = rest->new_order(market_buy("sf-00000000000000e1-1"), btc_);
  EXPECT_EQ(rejected.answer.outcome, OrderOutcome::kClockSkew);
  const OrderCall blocked = rest->new_order(market_buy("sf-00000000000000e2-1"), btc_);
  EXPECT_FALSE(blocked.sent);  // never a blind resend: first measure the clock again
  std::string error;
  ASSERT_TRUE(rest->sync_clock(error)) << error;
  EXPECT_EQ(rest->new_order(market_buy("sf-00000000000000e2-1"), btc_).answer.outcome,
            OrderOutcome::kAccepted);

  // An exchange clock 3 s away from ours: no orders, with the reason.
  simulator_.reset();
  options_.server_offset_ms = 3000;
  start_simulator();
  auto skewed = client();
  const OrderCall refused = skewed->new_order(market_buy("sf-00000000000000e3-1"), btc_);
  EXPECT_FALSE(refused.sent);
  EXPECT_NE(refused.answer.why.find("off the exchange"), std::string::npos) << refused.answer.why;
}

}  // namespace
}  // namespace sigex
