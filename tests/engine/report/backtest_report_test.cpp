#include "engine/report/backtest_report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "engine/core/calendar.h"
#include "support/strategy_harness.h"

namespace sigex {
namespace {

using namespace sigex::testing;

constexpr TimeNs kT0 = 1'700'000'000 * kNsPerSecond;  // 2023-11-14T22:13:20Z
constexpr TimeNs kSecond = kNsPerSecond;

// Buys 0.01 on the first quote of the first instrument and sells it all once filled.
class OneRoundTrip final : public Strategy {
 public:
  std::string_view tag() const override { return "test"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    if (submitted_) return;
    submitted_ = true;
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = Side::kBuy;
    intent.price = quote.ask_price;
    intent.quantity = quantity("0.01");
    intent.intent = IntentKey{1};
    intent.reason = "bullish_signal";
    context.submit(intent);
  }
  void on_fill(StrategyContext& context, const Order& order, const ExecutionEvent&) override {
    if (order.side != Side::kBuy || order.state != OrderState::kFilled) return;
    OrderIntent intent;
    intent.instrument = order.instrument;
    intent.side = Side::kSell;
    intent.price = context.quote(order.instrument).bid;
    intent.quantity = context.position(order.instrument).quantity;
    intent.intent = IntentKey{2};
    intent.reason = "take_profit";
    context.submit(intent);
  }

 private:
  bool submitted_ = false;
};

class BacktestReportTest : public ::testing::Test {
 protected:
  BacktestReportTest() {
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerSecond;
    harness_.prepare(risk);
    harness_.add(std::make_unique<OneRoundTrip>());
    report_ =
        std::make_unique<BacktestReport>(harness_.engine(), /*equity_interval_ns=*/10 * kSecond,
                                         /*benchmark_fee_bps=*/10);
    harness_.engine().add_observer(report_.get());
    harness_.engine().add_market_observer(report_.get());
    harness_.engine().start();
  }

  void quote(TimeNs at, std::string_view bid, std::string_view ask) {
    harness_.wait(at - harness_.clock().now_ns());
    harness_.quote(0, bid, ask, "5");
  }

  TemporaryDirectory directory_;
  std::string error_;
  StrategyHarness harness_{kT0};
  std::unique_ptr<BacktestReport> report_;
};

TEST_F(BacktestReportTest, CountsOrdersFillsAndOneRoundTripWithItsExitReason) {
  quote(kT0, "50000", "50001");
  quote(kT0 + 25 * kSecond, "50100", "50101");
  report_->finish(harness_.clock().now_ns());
  const ReportMetrics m = report_->metrics();
  EXPECT_EQ(m.orders, 2u);
  EXPECT_EQ(m.fills, 2u);
  EXPECT_EQ(m.round_trips, 1u);
  EXPECT_EQ(m.winning_round_trips, 0u) << "bought at the ask, sold at the bid, paid two fees";
  EXPECT_EQ(m.start_ns, kT0);
  EXPECT_EQ(m.end_ns, kT0 + 25 * kSecond);
  EXPECT_EQ(m.starting_equity, money("10000"));

  ASSERT_TRUE(report_->write(directory_.path() / "out", BacktestReport::RunFacts{}, error_))
      << error_;
  const std::string trades = read_file(directory_.path() / "out" / "trades.csv");
  EXPECT_EQ(std::count(trades.begin(), trades.end(), '\n'), 2) << trades;
  EXPECT_NE(trades.find("take_profit"), std::string::npos) << trades;
  const std::string fills = read_file(directory_.path() / "out" / "fills.csv");
  EXPECT_EQ(std::count(fills.begin(), fills.end(), '\n'), 3) << fills;
  const std::string summary = read_file(directory_.path() / "out" / "summary.json");
  EXPECT_NE(summary.find("\"orders\": 2,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"trades\": 1,"), std::string::npos) << summary;
  EXPECT_NE(summary.find("\"annualised_figures\": \"not meaningful: less than 30 days of data\""),
            std::string::npos);
  const std::string html = read_file(directory_.path() / "out" / "report.html");
  EXPECT_EQ(html.substr(0, 15), "<!DOCTYPE html>");
  EXPECT_NE(html.find("<th>take_profit</th><td>1</td>"), std::string::npos)
      << "trades by exit reason";
}

TEST_F(BacktestReportTest, EquityIsSampledAtIntervalBoundariesAndOnceAtTheEnd) {
  quote(kT0, "50000", "50001");
  quote(kT0 + 25 * kSecond, "50000", "50001");
  quote(kT0 + 31 * kSecond, "50000", "50001");
  report_->finish(kT0 + 33 * kSecond);
  ASSERT_TRUE(report_->write(directory_.path() / "out", BacktestReport::RunFacts{}, error_))
      << error_;
  const std::string equity = read_file(directory_.path() / "out" / "equity.csv");
  // The first event, the boundaries +20 s and +30 s that events closed, and the end.
  EXPECT_EQ(std::count(equity.begin(), equity.end(), '\n'), 5) << equity;
  for (const TimeNs at : {kT0, kT0 + 20 * kSecond, kT0 + 30 * kSecond, kT0 + 33 * kSecond}) {
    EXPECT_NE(equity.find("\n" + format_utc_timestamp(at) + ","), std::string::npos) << equity;
  }
}

TEST_F(BacktestReportTest, BuyAndHoldPaysTheTakerFeeOnItsShareOfEachPricedInstrument) {
  quote(kT0, "49999", "50001");  // the reference price is the mid
  report_->finish(harness_.clock().now_ns());
  // Half the cash buys BTC at 50000 less 10 bps; ETH never has a price, so its half stays cash.
  const std::string equity = [&] {
    EXPECT_TRUE(report_->write(directory_.path() / "out", BacktestReport::RunFacts{}, error_))
        << error_;
    return read_file(directory_.path() / "out" / "equity.csv");
  }();
  EXPECT_NE(equity.find(",9995.00\n"), std::string::npos) << equity;
}

TEST_F(BacktestReportTest, AnOutputDirectoryThatCannotBeCreatedIsNamed) {
  std::ofstream(directory_.path() / "file") << "x";
  EXPECT_FALSE(
      report_->write(directory_.path() / "file" / "out", BacktestReport::RunFacts{}, error_));
  EXPECT_NE(error_.find("cannot create"), std::string::npos) << error_;
  EXPECT_NE(error_.find("file/out"), std::string::npos) << error_;
}

}  // namespace
}  // namespace sigex
