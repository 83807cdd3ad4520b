#include "engine/console/operator_console.h"

#include <gtest/gtest.h>

#include <vector>

namespace sigex {
namespace {

// Records what the console asked of its host.
class FakeHost final : public ConsoleHost {
 public:
  std::size_t control(const ControlAction& action) override {
    actions.push_back(action);
    return 3;
  }
  std::string reload() override { return "ok\nreloaded\n"; }
  DaemonStatus status() const override {
    DaemonStatus status;
    status.mode = "paper";
    status.state_dir = "/var/lib/sigex";
    return status;
  }
  std::string metrics() const override { return "sigex_ready 1\n"; }
  std::string check_scope(std::string_view scope) const override {
    return scope == "global" || scope == "BTCUSDT" ? "" : "not an instrument of this configuration";
  }
  void state_changed() override { ++changes; }

  std::vector<ControlAction> actions;
  int changes = 0;
};

TEST(OperatorConsole, TradingStateVerbsNeedAKnownScopeAndAReasonAndAreRecorded) {
  FakeHost host;
  OperatorConsole console(host);
  EXPECT_EQ(console.handle("halt BTCUSDT exchange maintenance"), "ok\nBTCUSDT is HALTED\n");
  ASSERT_EQ(host.actions.size(), 1u);
  EXPECT_EQ(host.actions[0].kind, ControlKind::kSetTradingState);
  EXPECT_EQ(host.actions[0].scope, "BTCUSDT");
  EXPECT_EQ(host.actions[0].state, "HALTED");
  EXPECT_EQ(host.actions[0].text, "operator: exchange maintenance");
  EXPECT_EQ(host.changes, 1);
  EXPECT_EQ(console.handle("resume ETHBTC why"),
            "error: scope \"ETHBTC\": not an instrument of this configuration\n");
  EXPECT_EQ(console.handle("reduce global"),
            "error: a reason is required (it is journaled with the change)\n");
  EXPECT_EQ(host.actions.size(), 1u) << "refused requests change nothing";
}

TEST(OperatorConsole, FlattenStatusMetricsReloadAndUnknownVerbs) {
  FakeHost host;
  OperatorConsole console(host);
  EXPECT_EQ(console.handle("flatten"),
            "error: a reason is required (it is journaled with the change)\n");
  EXPECT_NE(console.handle("flatten end of day").find("3 resting order(s) being canceled"),
            std::string::npos);
  EXPECT_EQ(host.actions.back().kind, ControlKind::kFlatten);
  EXPECT_EQ(host.actions.back().text, "end of day");
  const std::string status = console.handle("status");
  EXPECT_TRUE(status.starts_with("ok\n"));
  EXPECT_NE(status.find("/var/lib/sigex"), std::string::npos);
  const std::string json = console.handle("status json");
  EXPECT_NE(json.find("\"mode\": \"paper\""), std::string::npos) << json;
  EXPECT_EQ(console.handle("metrics"), "sigex_ready 1\n");
  EXPECT_EQ(console.handle("reload"), "ok\nreloaded\n");
  EXPECT_NE(console.handle("sell everything").find("error: unknown request \"sell\""),
            std::string::npos);
}

}  // namespace
}  // namespace sigex

#include "engine/console/service_metrics.h"
#include "support/strategy_harness.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// A short on a perpetual shows up in the metrics with the margin, funding and its estimated
// liquidation price; a spot-only process has none of these families.
TEST(PerpetualMetrics, MarginFundingAndLiquidationPrice) {
  constexpr TimeNs kStart = 1'700'000'000LL * kNsPerSecond;
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(5));
  StrategyHarness harness(kStart, std::move(registry));
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerHour;
  harness.prepare(risk);
  harness.engine().start();
  ServiceMetrics metrics;
  const auto render = [&] {
    return render_metrics(metrics, harness.engine(), "paper", MetricsComponents{}, 0, true, kStart,
                          kStart);
  };
  const std::string text = render();
  EXPECT_NE(text.find("sigex_margin_ratio 0"), std::string::npos) << text;
  EXPECT_NE(text.find("sigex_liquidation_price{instrument=\"BTCUSDT\"} 0"), std::string::npos);

  StrategyHarness spot(kStart);
  spot.prepare(risk);
  spot.engine().start();
  const std::string spot_text =
      render_metrics(metrics, spot.engine(), "paper", MetricsComponents{}, 0, true, kStart, kStart);
  EXPECT_EQ(spot_text.find("sigex_margin_ratio"), std::string::npos);
  EXPECT_EQ(spot_text.find("sigex_liquidation_price"), std::string::npos);
}

}  // namespace
}  // namespace sigex
