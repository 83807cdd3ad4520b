#include "engine/exe/app_config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "adapters/binance/settings.h"
#include "strategies/grade_rebalance/settings.h"
#include "strategies/signal_follow/settings.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// One instrument, all a configuration needs besides the section under test.
constexpr const char* kBtcUsdt = R"([[instruments]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.00001"
)";

// The [strategy.signal_follow] settings of `config` (a default one when it has none).
const SignalFollowConfig& signal_follow(const AppConfig& config) {
  static const SignalFollowConfig kNone;
  const auto* settings = config.strategy_settings<SignalFollowSettings>();
  return settings != nullptr ? settings->config : kNone;
}

TEST(AppConfig, BundledConfigsAreValid) {
  for (const char* name : {"backtest-daily.toml", "backtest-tick.toml"}) {
    ConfigErrors errors;
    const AppConfig config =
        load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/" + name, errors);
    EXPECT_TRUE(errors.empty()) << name << ": " << errors.messages().front();
    EXPECT_NE(config.strategy_settings<SignalFollowSettings>(), nullptr);
    EXPECT_FALSE(config.backtest.inputs.empty());
  }
}

// The policy for decimal keys: a bare integer is accepted everywhere and is exact
// (`entry_grade = 55` is `entry_grade = "55"`); a float is refused everywhere, with the string
// to write instead. Checked over every bundled configuration with every quoted integer
// written bare.
TEST(AppConfig, BareIntegersAreExactDecimalsEverywhereAndFloatsAreRefused) {
  for (const char* name : {"backtest-daily.toml", "backtest-rebalance.toml", "backtest-tick.toml",
                           "run-paper.toml", "run-live.toml"}) {
    const std::string path = std::string(SIGEX_SOURCE_DIR) + "/config/" + name;
    std::ifstream in(path);
    const std::string quoted((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
    const std::string bare =
        std::regex_replace(quoted, std::regex(R"re(= "(-?[0-9]+)")re"), "= $1");
    ASSERT_NE(bare, quoted) << name
                            << " has no quoted integer to write bare";  // keeps the test honest
    ConfigErrors quoted_errors, bare_errors;
    const AppConfig a = load_app_config_text(quoted, path, quoted_errors);
    const AppConfig b = load_app_config_text(bare, path, bare_errors);
    EXPECT_TRUE(quoted_errors.empty()) << name;
    EXPECT_TRUE(bare_errors.empty())
        << name << ": " << (bare_errors.empty() ? "" : bare_errors.messages().front());
    EXPECT_EQ(a.engine.starting_cash, b.engine.starting_cash) << name;
    EXPECT_EQ(signal_follow(a).entry_grade_hundredths, signal_follow(b).entry_grade_hundredths)
        << name;
    EXPECT_EQ(signal_follow(a).exit_grade_hundredths, signal_follow(b).exit_grade_hundredths)
        << name;
    EXPECT_EQ(signal_follow(a).order_notional, signal_follow(b).order_notional) << name;
    EXPECT_EQ(a.risk.max_order_notional, b.risk.max_order_notional) << name;
    ASSERT_EQ(a.instruments.size(), b.instruments.size()) << name;
    for (std::size_t i = 0; i < a.instruments.size(); ++i) {
      EXPECT_EQ(a.instruments[i].min_notional, b.instruments[i].min_notional) << name;
    }
  }
  ConfigErrors errors;
  const std::string path = std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml";
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text = std::regex_replace(text, std::regex(R"re(entry_grade = "55")re"), "entry_grade = 55");
  const AppConfig bare = load_app_config_text(text, path, errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(signal_follow(bare).entry_grade_hundredths, 5500);
  text = std::regex_replace(text, std::regex(R"(entry_grade = 55)"), "entry_grade = 55.5");
  load_app_config_text(text, path, errors);
  ASSERT_EQ(errors.messages().size(), 1u);
  EXPECT_NE(errors.messages()[0].find("write it as a string: entry_grade = \"55.5\""),
            std::string::npos)
      << errors.messages()[0];
}

TEST(AppConfig, RecordingConfigsAreValid) {
  for (const char* name : {"record-binance.toml", "record-simulator.toml"}) {
    ConfigErrors errors;
    const AppConfig config =
        load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/" + name, errors);
    EXPECT_TRUE(errors.empty()) << name << ": " << errors.messages().front();
    EXPECT_FALSE(config.instruments.empty());
  }
  ConfigErrors errors;
  const AppConfig defaults =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/record-binance.toml", errors);
  const auto* binance =
      dynamic_cast<const BinanceMarketDataSettings*>(defaults.market_data.feeds.at(0).get());
  ASSERT_NE(binance, nullptr) << "[market_data.binance] is read by the Binance venue type";
  EXPECT_EQ(binance->config.ws_url, BinanceMarketDataConfig{}.ws_url);
  EXPECT_EQ(binance->config.reconnect_after_ns, BinanceMarketDataConfig{}.reconnect_after_ns);
}

TEST(AppConfig, MarketDataLimitsAreChecked) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "md.toml").string();
  std::ofstream(path) << R"(
[[instruments]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.00001"

[market_data]
queue_capacity = 2048

[market_data.binance]
trade_stream = "trades"
snapshot_limit = 5000
stale_after_ms = 500
watchdog_interval_ms = 1000
)";
  ConfigErrors errors;
  load_app_config(path, errors);
  std::string all;
  for (const auto& message : errors.messages()) all += message + "\n";
  for (const char* expected : {"trade_stream: expected", "stale_after_ms: must be longer",
                               "queue_capacity: must be at least 20000 (the largest depth snapshot "
                               "of [market_data.binance]"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << "missing: " << expected << "\n" << all;
  }
}

TEST(AppConfig, BrokenConfigListsEveryProblem) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "broken.toml").string();
  std::ofstream(path) << R"(
[engine]
starting_cash = "-5"
cash_asset = "USDT"

[[instruments]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "EUR"
tick_size = "0.001"
price_scale = 2
step_size = 0.1
colour = "blue"

[backtest]
start = "yesterday"

[[backtest.inputs]]
path = "missing.gz"

[risk]
price_collar_bps = 0

[strategy.signal_follow]
tag = "not valid!"
entry_grade = "120"
)";
  ConfigErrors errors;
  load_app_config(path, errors);
  std::string all;
  for (const auto& message : errors.messages()) all += message + "\n";
  for (const char* expected :
       {"starting_cash: must not be negative", "quote_asset: must equal engine.cash_asset",
        "tick_size: invalid decimal \"0.001\"", "step_size: a float is not accepted",
        "unknown key 'colour' in [instruments[0]]", "start: expected a UTC date", "no such file",
        "price_collar_bps: must be between", "tag: 1..8 characters",
        "entry_grade: must be within 0..100"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << "missing: " << expected << "\n" << all;
  }
  EXPECT_NE(all.find(path + ":"), std::string::npos);
}

// Strategies come from the registry: each registered type reads its own table, an unknown
// table is named, two strategies cannot share a tag, and the engine gets them in the
// registry's order whatever the file's order.
TEST(AppConfig, StrategiesAreReadThroughTheRegistry) {
  const std::string path = std::string(SIGEX_SOURCE_DIR) + "/config/backtest-daily.toml";
  std::ifstream in(path);
  const std::string base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ConfigErrors errors;
  AppConfig config =
      load_app_config_text(base + "\n[strategy.grade_rebalance]\ntag = \"gr\"\n", path, errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  ASSERT_EQ(config.strategies.size(), 2u);
  EXPECT_NE(dynamic_cast<const SignalFollowSettings*>(config.strategies[0].get()), nullptr);
  EXPECT_EQ(config.strategies[1]->tag(), "gr");
  ASSERT_NE(config.strategy_settings<GradeRebalanceSettings>(), nullptr);

  const std::string tag(config.strategies[0]->tag());
  load_app_config_text(base + "\n[strategy.grade_rebalance]\ntag = \"" + tag + "\"\n", path,
                       errors);
  ASSERT_EQ(errors.messages().size(), 1u);
  EXPECT_NE(errors.messages()[0].find("grade_rebalance.tag: must differ from signal_follow.tag"),
            std::string::npos)
      << errors.messages()[0];

  ConfigErrors unknown;
  load_app_config_text(base + "\n[strategy.momentum]\nlookback = 5\n", path, unknown);
  ASSERT_FALSE(unknown.empty());
  EXPECT_NE(unknown.messages()[0].find("unknown key 'momentum'"), std::string::npos)
      << unknown.messages()[0];
}

// Venues come from the registry too: [execution] venue names a registered type, whose own
// keys it reads; a [market_data.<venue>] table of an unknown venue is named.
TEST(AppConfig, VenuesAreReadThroughTheRegistry) {
  const std::string path = std::string(SIGEX_SOURCE_DIR) + "/config/run-paper.toml";
  std::ifstream in(path);
  const std::string base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ConfigErrors errors;
  const AppConfig config = load_app_config_text(base, path, errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  ASSERT_EQ(config.market_data.feeds.size(), 1u);
  EXPECT_EQ(config.market_data.feeds.front()->venue(), "binance");

  ConfigErrors unknown_venue;
  load_app_config_text(base + "\n[execution]\nvenue = \"kraken\"\n", path, unknown_venue);
  ASSERT_FALSE(unknown_venue.empty());
  EXPECT_NE(unknown_venue.messages()[0].find("venue: expected one of \"binance\""),
            std::string::npos)
      << unknown_venue.messages()[0];

  ConfigErrors unknown_table;
  load_app_config_text(base + "\n[market_data.kraken]\nws_url = \"wss://ws.kraken.com\"\n", path,
                       unknown_table);
  ASSERT_FALSE(unknown_table.empty());
  EXPECT_NE(unknown_table.messages()[0].find("unknown key 'kraken'"), std::string::npos)
      << unknown_table.messages()[0];
}

TEST(AppConfig, TokenMetricsConfigsAreValid) {
  for (const char* name : {"token-metrics.toml", "fetch-history-simulator.toml"}) {
    ConfigErrors errors;
    const AppConfig config =
        load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/" + name, errors);
    EXPECT_TRUE(errors.empty()) << name << ": " << errors.messages().front();
    EXPECT_TRUE(config.token_metrics.enabled);
  }
  ConfigErrors errors;
  const AppConfig full =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/token-metrics.toml", errors);
  const TokenMetricsConfig defaults;
  EXPECT_EQ(full.token_metrics.base_url, defaults.base_url);
  EXPECT_EQ(full.token_metrics.monthly_call_budget, defaults.monthly_call_budget);
  EXPECT_EQ(full.token_metrics.daily_signals.offset_ns, defaults.daily_signals.offset_ns);
  EXPECT_EQ(full.token_metrics.api_key.credential, defaults.api_key.credential);
  EXPECT_EQ(full.signals.max_daily_signal_age_ns, SignalGateConfig{}.max_daily_signal_age_ns);
}

TEST(AppConfig, TokenMetricsMistakesAreReported) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "tm.toml").string();
  std::ofstream(path) << R"(
[[instruments]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.00001"
token_id = 3375

[token_metrics]
base_url = "http://api.tokenmetrics.com/v2"
api_key = "tm-should-never-be-here"
monthly_call_budget = 100
grade_endpoint = "investor-grades"
page_limit = 500

[token_metrics.daily_signals]
interval_s = 600
offset_s = 600
)";
  ConfigErrors errors;
  load_app_config(path, errors);
  std::string all;
  for (const auto& message : errors.messages()) all += message + "\n";
  EXPECT_NE(all.find("never goes into the configuration file"), std::string::npos) << all;
  EXPECT_EQ(all.find("tm-should-never-be-here"), std::string::npos) << all;
  EXPECT_NE(all.find("grade_endpoint"), std::string::npos) << all;
  EXPECT_NE(all.find("page_limit"), std::string::npos) << all;
  EXPECT_NE(all.find("offset_s"), std::string::npos) << all;
  EXPECT_NE(all.find("calls a month"), std::string::npos) << all;
  EXPECT_NE(all.find("base_url: must be an https:// URL"), std::string::npos) << all;
}

TEST(AppConfig, ExecutionConfigIsValidAndMatchesTheDefaults) {
  ConfigErrors errors;
  const AppConfig config =
      load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/execution-binance.toml", errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  const BinanceExecutionConfig defaults;
  EXPECT_TRUE(config.execution.enabled);
  const auto* settings =
      dynamic_cast<const BinanceExecutionSettings*>(config.execution.accounts.at(0).settings.get());
  ASSERT_NE(settings, nullptr);
  const BinanceExecutionConfig& binance = settings->config;
  EXPECT_EQ(binance.rest.rest_url, defaults.rest.rest_url);
  EXPECT_EQ(binance.ws_api_url, defaults.ws_api_url);
  EXPECT_EQ(binance.rest.recv_window_ns, defaults.rest.recv_window_ns);
  EXPECT_EQ(binance.poll_interval_ns, defaults.poll_interval_ns);
  EXPECT_EQ(config.execution.accounts.at(0).api_secret.env,
            binance_venue_type().default_api_secret.env);
  const ResolutionPolicy& policy = config.resolution;
  EXPECT_EQ(policy.recv_window_ns, 5 * kNsPerSecond);
  EXPECT_EQ(policy.settle_ns, 5 * kNsPerSecond);
  EXPECT_EQ(policy.not_found_confirmations, 3);
  EXPECT_EQ(policy.min_resend_wait_ns, 60 * kNsPerSecond);
  EXPECT_EQ(binance.max_order_wait_ns, defaults.max_order_wait_ns);
  EXPECT_EQ(binance.history_lookback_ns, 7 * kNsPerDay);
}

TEST(AppConfig, ExecutionMistakesAreReported) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "execution.toml").string();
  std::ofstream(path) << R"(
[[instruments]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.00001"

[execution]
venue = "kraken"
key_type = "rsa"
api_secret = "never-here-secret"
rest_url = "http://api.binance.com"
ws_api_url = "ws://ws-api.binance.com/ws-api/v3"
recv_window_ms = 90000
not_found_confirmations = 0
)";
  ConfigErrors errors;
  load_app_config(path, errors);
  std::string all;
  for (const auto& message : errors.messages()) all += message + "\n";
  EXPECT_EQ(all.find("never-here-secret"), std::string::npos) << all;
  for (const char* expected : {"venue", "key_type", "keys never go into the configuration file",
                               "rest_url: must be an https://", "ws_api_url: must be a wss://",
                               "recv_window_ms", "not_found_confirmations"}) {
    EXPECT_NE(all.find(expected), std::string::npos) << expected << " in\n" << all;
  }
}

TEST(AppConfig, LiveModeWithoutAnExecutionSectionIsAnError) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "live.toml").string();
  std::ofstream(path) << "[service]\nmode = \"live\"\n\n" << kBtcUsdt;
  ConfigErrors errors;
  load_app_config(path, errors);
  ASSERT_EQ(errors.messages().size(), 1u);
  EXPECT_NE(errors.messages()[0].find("mode = \"live\" needs an [execution] section"),
            std::string::npos)
      << errors.messages()[0];
}

// [service] io_poll_us is read in microseconds, up to a second; a larger or negative value is
// named.
TEST(AppConfig, ServiceMicrosecondSettingsAreReadAndBounded) {
  struct Setting {
    const char* key;
    const char* too_large;
    const char* bound;
    DurationNs (*read)(const AppConfig&);
  };
  const Setting settings[] = {
      {"io_poll_us", "1000001", "1000000",
       [](const AppConfig& config) { return config.service.threads.io_poll_ns; }},
      {"warm_order_path_us", "60000001", "60000000",
       [](const AppConfig& config) { return config.service.warm_order_path_ns; }},
  };
  TemporaryDirectory directory;
  for (const Setting& setting : settings) {
    const auto write = [&](std::string_view value) {
      auto path = (directory.path() / "paper.toml").string();
      std::ofstream(path) << "[service]\nmode = \"paper\"\n"
                          << setting.key << " = " << value << "\n\n"
                          << kBtcUsdt;
      return path;
    };
    ConfigErrors errors;
    const AppConfig config = load_app_config(write("250"), errors);
    ASSERT_TRUE(errors.messages().empty()) << errors.messages().front();
    EXPECT_EQ(setting.read(config), 250 * kNsPerUs) << setting.key;
    for (const char* value : {setting.too_large, "-1"}) {
      ConfigErrors wrong;
      load_app_config(write(value), wrong);
      ASSERT_EQ(wrong.messages().size(), 1u) << setting.key << " = " << value;
      EXPECT_NE(wrong.messages()[0].find(setting.key), std::string::npos) << wrong.messages()[0];
      EXPECT_NE(wrong.messages()[0].find(setting.bound), std::string::npos) << wrong.messages()[0];
    }
  }
}

TEST(AppConfig, FeeAssetsAndRetryBackoffAreRead) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "fees.toml").string();
  std::ofstream(path) << R"(
[[instruments]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.00001"

[venue.simulated]
fee_asset = "third"
third_fee_asset = "BNB"
third_fee_asset_price = "612.5"

[risk]
retry_backoff_initial_ms = 500
retry_backoff_max_s = 60
)";
  ConfigErrors errors;
  const AppConfig config = load_app_config(path, errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  EXPECT_EQ(config.simulated_venue.fee_asset, SimulatedFeeAsset::kThird);
  EXPECT_EQ(config.simulated_venue.third_fee_asset.view(), "BNB");
  EXPECT_EQ(config.simulated_venue.third_fee_asset_price, money("612.5"));
  EXPECT_EQ(config.risk.retry_backoff_initial_ns, 500 * kNsPerMs);
  EXPECT_EQ(config.risk.retry_backoff_max_ns, 60 * kNsPerSecond);
  std::ofstream(path, std::ios::app) << "\n[service]\nallow_core_dumps = 3\n";
  ConfigErrors wrong;
  load_app_config(path, wrong);
  EXPECT_FALSE(wrong.empty());
}

TEST(AppConfig, MissingInstrumentsIsAnError) {
  TemporaryDirectory directory;
  const auto path = (directory.path() / "empty.toml").string();
  std::ofstream(path) << "[engine]\n";
  ConfigErrors errors;
  load_app_config(path, errors);
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors.messages()[0].find("at least one [[instruments]]"), std::string::npos);
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

std::string bundled(const char* name) {
  std::ifstream in(std::string(SIGEX_SOURCE_DIR) + "/config/" + name);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::string problems_of(const std::string& text) {
  ConfigErrors errors;
  load_app_config_text(text, std::string(SIGEX_SOURCE_DIR) + "/config/x.toml", errors);
  std::string all;
  for (const auto& message : errors.messages()) all += message + "\n";
  return all;
}

// Perpetuals in the configuration: the bundled ones are valid, and each mistake is named.
TEST(AppConfigPerpetuals, BundledPerpetualConfigsAreValid) {
  for (const char* name : {"backtest-grade-trend-perp.toml", "backtest-signal-both-perp.toml",
                           "backtest-tick-perp.toml"}) {
    ConfigErrors errors;
    const AppConfig config =
        load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/" + name, errors);
    ASSERT_TRUE(errors.empty()) << name << ": " << errors.messages().front();
    ASSERT_EQ(config.instruments.size(), 1u);
    EXPECT_TRUE(config.instruments[0].is_perpetual());
    EXPECT_GT(config.instruments[0].bracket_count, 0);
  }
  const AppConfig perp = [] {
    ConfigErrors errors;
    return load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/backtest-grade-trend-perp.toml",
                           errors);
  }();
  const InstrumentRegistry registry = build_registry(perp);
  EXPECT_EQ(registry.get(0).brackets().size(), 12u);
  EXPECT_EQ(registry.get(0).brackets()[11].maintenance_amount, money("421481450"))
      << "Binance's published cum of BTCUSDT's last bracket";
  EXPECT_EQ(perp.risk.max_leverage, std::vector<int>{3});
}

// The live USD-M examples are valid, and the execution venue must trade every instrument's
// kind: a perpetual on the spot venue (or spot on the futures venue) is named with the fix.
TEST(AppConfigPerpetuals, TheExecutionVenueMustTradeEachInstrumentsKind) {
  for (const char* name : {"run-live-usdm.toml", "execution-binance-usdm.toml"}) {
    ConfigErrors errors;
    const AppConfig config =
        load_app_config(std::string(SIGEX_SOURCE_DIR) + "/config/" + name, errors);
    ASSERT_TRUE(errors.empty()) << name << ": " << errors.messages().front();
    ASSERT_EQ(config.execution.accounts.size(), 1u);
    EXPECT_EQ(config.execution.accounts[0].venue, "binance_usdm");
    EXPECT_TRUE(config.execution.accounts[0].settings->trades(InstrumentKind::kPerpetual));
    EXPECT_FALSE(config.execution.accounts[0].settings->trades(InstrumentKind::kSpot));
  }
  const std::string usdm = bundled("run-live-usdm.toml");
  const std::string spot = bundled("run-live.toml");
  std::string on_spot = usdm;
  on_spot.replace(on_spot.find("[execution]\nvenue = \"binance_usdm\""), 34,
                  "[execution]\nvenue = \"binance\"\nws_api_url = \"\"");
  EXPECT_NE(problems_of(on_spot).find("[[instruments]] BTCUSDT is a perpetual, which [execution] "
                                      "venue = \"binance\" does not trade (perpetuals trade on "
                                      "venue = \"binance_usdm\")"),
            std::string::npos)
      << problems_of(on_spot);
  std::string on_futures = spot;
  on_futures.replace(on_futures.find("[execution]\nvenue = \"binance\""), 29,
                     "[execution]\nvenue = \"binance_usdm\"");
  EXPECT_NE(problems_of(on_futures).find("[[instruments]] ETHUSDT is spot"), std::string::npos)
      << problems_of(on_futures);
}

TEST(AppConfigPerpetuals, EachMistakeIsNamed) {
  const std::string spot = bundled("backtest-grade-trend.toml");
  const std::string perp = bundled("backtest-grade-trend-perp.toml");
  const auto replace = [](std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return text.replace(at, from.size(), to);
  };
  EXPECT_NE(problems_of(replace(perp, "kind = \"perpetual\"", "kind = \"future\""))
                .find("kind: expected \"spot\" or \"perpetual\""),
            std::string::npos);
  EXPECT_NE(
      problems_of(replace(spot, "token_symbol = \"BTC\"", "token_symbol = \"BTC\"\nleverage = 2"))
          .find("leverage: only for kind = \"perpetual\""),
      std::string::npos);
  // Without brackets: required, and where to find them.
  std::string no_brackets = perp.substr(0, perp.find("[[instruments.brackets]]")) + "\n" +
                            perp.substr(perp.find("[backtest]"));
  EXPECT_NE(problems_of(no_brackets).find("brackets: required for a perpetual"), std::string::npos)
      << problems_of(no_brackets);
  EXPECT_NE(problems_of(replace(perp, "notional_cap = \"600000\"", "notional_cap = \"40000\""))
                .find("notional_cap: must be larger than the previous bracket's"),
            std::string::npos);
  EXPECT_NE(problems_of(replace(perp, "max_leverage = 3 ", "max_leverage = 1 "))
                .find("leverage: must not exceed max_leverage (1)"),
            std::string::npos);
  EXPECT_NE(problems_of(replace(spot, "mode = \"long_only\"", "mode = \"long_short\""))
                .find("grade_trend.mode: \"long_short\" and \"short_only\" need short positions"),
            std::string::npos);
  const std::string daily = bundled("backtest-daily.toml");
  EXPECT_NE(problems_of(replace(daily, "[strategy.signal_follow]",
                                "[strategy.signal_follow]\ndirection = \"both\""))
                .find("signal_follow.direction: \"short\" and \"both\" need short positions"),
            std::string::npos);
  EXPECT_NE(problems_of(replace(perp, "[[backtest.inputs]]\npath",
                                "[[backtest.inputs]]\nmarket = \"coin\"\npath"))
                .find("market: expected \"spot\" or \"usdm\""),
            std::string::npos);
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

// Several venues in one configuration: a feed per [market_data.<venue>] table, an account per
// [execution.<venue>] table, and every instrument served by exactly one of each.
TEST(AppConfigVenues, InstrumentsOfBinanceAndCoinbaseShareOneConfiguration) {
  const std::string text = bundled("run-live-multi-venue.toml");
  ConfigErrors errors;
  const AppConfig config = load_app_config_text(
      text, std::string(SIGEX_SOURCE_DIR) + "/config/run-live-multi-venue.toml", errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  ASSERT_EQ(config.market_data.feeds.size(), 2u);
  EXPECT_EQ(config.market_data.feeds[0]->venue(), "binance");
  EXPECT_EQ(config.market_data.feeds[1]->venue(), "coinbase");
  ASSERT_EQ(config.execution.accounts.size(), 2u);
  EXPECT_EQ(config.execution.accounts[1].api_key.env, "SIGEX_COINBASE_API_KEY");
  // Paper fills each venue's instruments with its own fees.
  ASSERT_EQ(config.simulated_venue.venue_fees.size(), 2u);
  EXPECT_EQ(config.simulated_venue.venue_fees[0].venue.view(), "binance");
  EXPECT_EQ(config.simulated_venue.venue_fees[0].fees.fee_asset, SimulatedFeeAsset::kBase);
  EXPECT_EQ(config.simulated_venue.venue_fees[1].fees.taker_fee_bps, 60);
  // The OMS's shared policy is the most lenient venue's (a Coinbase JWT lives 120 s); each
  // instrument waits out its own account's window and resend wait.
  EXPECT_EQ(config.resolution.recv_window_ns, 120 * kNsPerSecond);
  {
    const InstrumentRegistry registry = build_registry(config);
    const auto by_instrument = instrument_resolution(config, registry);
    ASSERT_EQ(by_instrument.size(), registry.size());
    for (InstrumentId id = 0; id < registry.size(); ++id) {
      const bool on_coinbase = registry.get(id).venue.view() == "coinbase";
      EXPECT_EQ(by_instrument[id].recv_window_ns,
                on_coinbase ? 120 * kNsPerSecond : BinanceRestConfig{}.recv_window_ns)
          << registry.get(id).symbol.view();
      // settle_ms = 5000 in the example: Coinbase 120 + 5 s, Binance the 60 s default.
      EXPECT_EQ(by_instrument[id].min_resend_wait_ns,
                on_coinbase ? 125 * kNsPerSecond : 60 * kNsPerSecond)
          << registry.get(id).symbol.view();
    }
    // min_resend_wait_s as written holds for every venue.
    ConfigErrors written_errors;
    std::string written = text;
    written.replace(written.find("settle_ms = 5000"), 16,
                    "settle_ms = 5000\nmin_resend_wait_s = 300");
    const AppConfig waits = load_app_config_text(
        written, std::string(SIGEX_SOURCE_DIR) + "/config/run-live-multi-venue.toml",
        written_errors);
    ASSERT_TRUE(written_errors.empty()) << written_errors.messages().front();
    for (const auto& instrument : instrument_resolution(waits, build_registry(waits)))
      EXPECT_EQ(instrument.min_resend_wait_ns, 300 * kNsPerSecond);
    // One account: the shared policy is that account's, nothing per instrument.
    ConfigErrors single_errors;
    const AppConfig single = load_app_config(
        std::string(SIGEX_SOURCE_DIR) + "/config/execution-binance.toml", single_errors);
    EXPECT_TRUE(instrument_resolution(single, build_registry(single)).empty());
  }
  for (const Instrument& instrument : config.instruments) {
    const MarketDataSettings* feed = config.market_data.feed_for(instrument);
    const AccountConfig* account = config.execution.account_for(instrument);
    ASSERT_NE(feed, nullptr) << instrument.symbol.view();
    ASSERT_NE(account, nullptr) << instrument.symbol.view();
    EXPECT_EQ(feed->venue(), instrument.venue.view());
    EXPECT_EQ(account->venue, instrument.venue.view());
  }
  // Views of the registry: each venue lists its own, ids stay the registry's.
  const InstrumentRegistry registry = build_registry(config);
  const InstrumentRegistry coinbase = registry.view("coinbase", 2);
  ASSERT_EQ(coinbase.all().size(), 1u);
  EXPECT_EQ(coinbase.all()[0].symbol.view(), "BTC-USDT");
  EXPECT_EQ(coinbase.size(), registry.size());
  EXPECT_EQ(coinbase.get(0).symbol.view(), registry.get(0).symbol.view());
  EXPECT_EQ(coinbase.find_by_symbol("ETHUSDT"), nullptr);
  EXPECT_NE(registry.view("binance", 2).find_by_symbol("ETHUSDT"), nullptr);

  const auto replace = [](std::string from_text, const std::string& from, const std::string& to) {
    const auto at = from_text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return from_text.replace(at, from.size(), to);
  };
  // An instrument that names no venue when there are several.
  EXPECT_NE(problems_of(replace(text, "venue = \"coinbase\"\n", ""))
                .find("[[instruments]] BTC-USDT: give venue = one of \"binance\", \"coinbase\" "
                      "(several market data venues are configured)"),
            std::string::npos)
      << problems_of(replace(text, "venue = \"coinbase\"\n", ""));
  // A venue without a feed, or without an account.
  EXPECT_NE(problems_of(replace(text, "venue = \"coinbase\"\n", "venue = \"binance_usdm\"\n"))
                .find("venue = \"binance_usdm\" has no [market_data.binance_usdm] table"),
            std::string::npos);
  EXPECT_NE(
      problems_of(replace(text, "venues = [\"binance\", \"coinbase\"]", "venues = [\"binance\"]"))
          .find("[[instruments]] BTC-USDT: venue = \"coinbase\" is not one of the [execution] "
                "venues"),
      std::string::npos);
  // An account listed without its table, a venue listed twice, an unknown one.
  EXPECT_NE(problems_of(replace(text, "[execution.coinbase]", "[execution.unused]"))
                .find("\"coinbase\" needs an [execution.coinbase] table"),
            std::string::npos);
  EXPECT_NE(problems_of(replace(text, "venues = [\"binance\", \"coinbase\"]",
                                "venues = [\"binance\", \"coinbase\", \"binance\"]"))
                .find("\"binance\" is listed twice"),
            std::string::npos);
  EXPECT_NE(problems_of(replace(text, "venue = \"coinbase\"\n", "venue = \"kraken\"\n"))
                .find("venue: expected one of \"binance\", \"binance_usdm\", \"coinbase\""),
            std::string::npos);
}

// Instruments on several venues: each venue's account has its own cash, and the configuration
// says how much; every venue named, none twice-counted, nothing named that trades nowhere.
TEST(AppConfigVenues, EachVenueAccountStartsWithTheCashItsTableGives) {
  const std::string text = bundled("run-live-multi-venue.toml");
  ConfigErrors errors;
  const AppConfig config = load_app_config_text(
      text, std::string(SIGEX_SOURCE_DIR) + "/config/run-live-multi-venue.toml", errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  const std::vector<CashAccount> accounts = config.engine.cash_accounts();
  ASSERT_EQ(accounts.size(), 2u);
  EXPECT_EQ(accounts[0].venue.view(), "binance");
  EXPECT_EQ(accounts[0].starting_cash, money("6000"));
  EXPECT_EQ(accounts[1].venue.view(), "coinbase");
  EXPECT_EQ(accounts[1].starting_cash, money("4000"));
  EXPECT_EQ(config.engine.starting_cash, money("10000")) << "the accounts' sum";
  const InstrumentRegistry registry = build_registry(config);
  const Portfolio portfolio(registry, accounts);
  for (InstrumentId id = 0; id < registry.size(); ++id) {
    EXPECT_EQ(portfolio.accounts()[portfolio.account_of(id)].venue, registry.get(id).venue)
        << registry.get(id).symbol.view();
  }

  const auto replace = [](std::string from_text, const std::string& from, const std::string& to) {
    const auto at = from_text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return from_text.replace(at, from.size(), to);
  };
  const std::string coinbase_line = "coinbase = \"4000\"";
  EXPECT_NE(problems_of(replace(text, coinbase_line, ""))
                .find("[engine.venue_cash] coinbase: required: the instruments trade on 2 venues"),
            std::string::npos)
      << problems_of(replace(text, coinbase_line, ""));
  const std::string without_table =
      replace(replace(replace(text, "[engine.venue_cash]", ""), coinbase_line, ""),
              "binance = \"6000\"", "");
  EXPECT_NE(problems_of(without_table).find("[engine.venue_cash] binance: required"),
            std::string::npos)
      << problems_of(without_table);
  EXPECT_NE(problems_of(replace(text, "cash_asset = \"USDT\"",
                                "cash_asset = \"USDT\"\nstarting_cash = \"10000\""))
                .find("starting_cash: give either starting_cash or [engine.venue_cash]"),
            std::string::npos);
  EXPECT_NE(problems_of(replace(text, coinbase_line, "coinbase = \"0\""))
                .find("coinbase: must be positive"),
            std::string::npos);
  EXPECT_NE(problems_of(replace(text, coinbase_line, coinbase_line + "\nbinance_usdm = \"5\""))
                .find("[engine.venue_cash] binance_usdm: no instrument trades on this venue"),
            std::string::npos);
  // One venue: starting_cash is its account's.
  const std::string single = bundled("run-paper.toml");
  EXPECT_NE(problems_of(single + "\n[engine.venue_cash]\nbinance = \"100\"\n")
                .find("the instruments trade on one venue: give [engine] starting_cash instead"),
            std::string::npos)
      << problems_of(single + "\n[engine.venue_cash]\nbinance = \"100\"\n");
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

// [nats] and publish_events: the example is valid, and each mistake is named.
TEST(AppConfigNats, TheEventsExampleIsValidAndMistakesAreNamed) {
  const std::string text = bundled("run-paper-events.toml");
  ConfigErrors errors;
  const AppConfig config = load_app_config_text(
      text, std::string(SIGEX_SOURCE_DIR) + "/config/run-paper-events.toml", errors);
  ASSERT_TRUE(errors.empty()) << errors.messages().front();
  EXPECT_TRUE(config.service.publish_events);
  EXPECT_EQ(config.nats.engine, "desk-1");
  EXPECT_EQ(config.nats.duplicate_window_ns, 120 * kNsPerSecond);
  std::string broken = text;
  broken.replace(broken.find("engine = \"desk-1\""), 17, "engine = \"desk.1\"");
  EXPECT_NE(problems_of(broken).find("engine: 1..64 letters, digits"), std::string::npos)
      << problems_of(broken);
  broken = text;
  broken.replace(broken.find("url = \"nats://127.0.0.1:4222\""), 29, "url = \"http://x:4222\"");
  EXPECT_NE(problems_of(broken).find("url: expected nats://host:port"), std::string::npos)
      << problems_of(broken);
  broken = text;
  broken.replace(broken.find("credentials_file = \"\""), 21, "password = \"s3cret\"");
  EXPECT_NE(problems_of(broken).find("credentials never go into the configuration file"),
            std::string::npos)
      << problems_of(broken);
  EXPECT_EQ(problems_of(broken).find("s3cret"), std::string::npos) << "the value is never shown";
}

}  // namespace
}  // namespace sigex
