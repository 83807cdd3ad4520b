#pragma once

// The configuration file of a paper (or live) daemon that trades ETHUSDT (and BTCUSDT) on the
// loopback feed simulator: the one the daemon tests start and the daemon benchmark measures.

#include <string>

#include <fmt/format.h>

namespace sigex::testing {

struct DaemonConfig {
  std::string state_dir;
  std::string control_socket;
  int feed_port = 0;
  std::string mode = "paper";
  std::string metrics_listen = "127.0.0.1:0";
  std::string strategy_tag = "sfpaper";
  bool btc = false;
  std::string extra_service;  // more [service] lines
  std::string risk = "max_order_notional = \"2000\"";
  std::string token_metrics_url;                                     // "" : no [token_metrics]
  std::string tm_key_source = "api_key_env = \"SIGEX_TM_API_KEY\"";  // where its key is
  std::string extra;                                                 // appended sections
  std::string eth_extra;       // more ETHUSDT instrument lines (e.g. kind = "perpetual")
  std::string strategy_extra;  // more [strategy.signal_follow] lines
  std::string eth_step = "0.0001";
  std::string engine_cash = "starting_cash = \"10000\"";  // [engine]'s cash line(s)
};

inline std::string daemon_config_text(const DaemonConfig& c) {
  return fmt::format(R"(
[engine]
cash_asset = "USDT"
{engine_cash}
state_dir = "{state}"

[logging]
level = "info"

[service]
mode = "{mode}"
control_socket = "{socket}"
metrics_listen = "{metrics}"
stop_timeout_s = 10
max_loop_silence_s = 1
{service}

[[instruments]]
symbol = "ETHUSDT"
base_asset = "ETH"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "{eth_step}"
min_quantity = "{eth_step}"
min_notional = "5"
token_id = 3306
token_symbol = "ETH"
{eth_extra}
{btc}
[market_data.binance]
ws_url = "ws://127.0.0.1:{feed}/stream"
rest_url = "http://127.0.0.1:{feed}"
book_ticker = true
trade_stream = "trade"
depth = false
stale_after_ms = 5000

[venue.simulated]
order_latency_us = 5000

[risk]
{risk}
max_quote_age_ms = 60000
price_collar_bps = 500

[strategy.signal_follow]
tag = "{tag}"
order_notional = "1000"
entry_grade = "50"
exit_grade = "0"
stop_loss_bps = 0
price_tolerance_bps = 50
max_signal_age_s = 259200
max_grade_age_s = 259200
{strategy_extra}

[signals]
max_daily_signal_age_s = 259200   # the test's signals are dated up to two days back
max_grade_age_s = 259200
{tm}
{extra}
)",
                     fmt::arg("state", c.state_dir), fmt::arg("socket", c.control_socket),
                     fmt::arg("mode", c.mode), fmt::arg("metrics", c.metrics_listen),
                     fmt::arg("engine_cash", c.engine_cash), fmt::arg("service", c.extra_service),
                     fmt::arg("feed", c.feed_port), fmt::arg("risk", c.risk),
                     fmt::arg("tag", c.strategy_tag), fmt::arg("eth_extra", c.eth_extra),
                     fmt::arg("eth_step", c.eth_step), fmt::arg("strategy_extra", c.strategy_extra),
                     fmt::arg("btc", c.btc ? R"(
[[instruments]]
symbol = "BTCUSDT"
base_asset = "BTC"
quote_asset = "USDT"
tick_size = "0.01"
step_size = "0.00001"
min_quantity = "0.00001"
min_notional = "5"
token_id = 3375
token_symbol = "BTC"
)"
                                           : ""),
                     fmt::arg("tm", c.token_metrics_url.empty()
                                        ? ""
                                        : fmt::format(R"(
[token_metrics]
base_url = "{}"
{}
api_key_credential = ""
resolve_tokens = false
request_timeout_ms = 5000
[token_metrics.daily_signals]
interval_s = 3600
[token_metrics.grades]
enabled = false
)",
                                                      c.token_metrics_url, c.tm_key_source)),
                     fmt::arg("extra", c.extra));
}

}  // namespace sigex::testing
