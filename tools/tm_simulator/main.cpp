// sigex-tm-sim: serves Token Metrics-shaped signals and grades on 127.0.0.1 for demos and
// manual testing of `sigex fetch-history` and signal polling.
//   sigex-tm-sim --port 8089 --key tm-demo --token 3375:BTC:Bitcoin
//       --fixture trading-signals=config/data/samples/daily_trading_signals_btc.jsonl.gz
//       [--as-of 2021-10-06]
// --as-of serves the fixture as if today were that day: every row's date moves by (today -
// DATE), so a paper daemon polling now sees that day's signals as fresh ones (the README's
// paper demo). Runs until interrupted.

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/sim_http/stop_signal.h"

#include "engine/core/calendar.h"
#include "engine/core/live_clock.h"
#include "tools/tm_simulator/tm_simulator.h"

int main(int argc, char** argv) {
  CLI::App app{"sigex-tm-sim: loopback Token Metrics API simulator"};
  int port = 0;
  std::string key = "tm-simulator-key";
  std::vector<std::string> fixtures, tokens;
  app.add_option("--port", port, "port on 127.0.0.1 (0 = any free port)");
  app.add_option("--key", key, "API key the simulator accepts");
  bool x402 = false;
  app.add_flag("--x402", x402,
               "pay-per-call: answer 402 with x402 requirements and serve only paid requests");
  std::string pay_to = sigex::TmX402Options{}.pay_to;
  app.add_option("--x402-pay-to", pay_to, "the address payments must go to");
  app.add_option("--fixture", fixtures, "ENDPOINT=recorded file of envelopes")->required();
  app.add_option("--token", tokens, "ID:SYMBOL:NAME served by /tokens");
  std::string as_of;
  app.add_option("--as-of", as_of,
                 "serve the fixtures as if today (UTC) were this day, YYYY-MM-DD");
  CLI11_PARSE(app, argc, argv);
  const sigex::StopSignals stop;  // before any thread starts

  sigex::TmSimulatorOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.api_key = key;
  options.x402.enabled = x402;
  options.x402.pay_to = pay_to;
  sigex::TmSimulator simulator(options);
  std::string error;
  if (!as_of.empty()) {
    const auto day = sigex::parse_utc_timestamp(as_of);
    if (!day || *day % sigex::kNsPerDay != 0) {
      std::fprintf(stderr, "sigex-tm-sim: --as-of %s: expected a UTC day such as 2021-10-07\n",
                   as_of.c_str());
      return 2;
    }
    const sigex::TimeNs today = sigex::LiveClock().now_ns() / sigex::kNsPerDay * sigex::kNsPerDay;
    simulator.set_date_shift(today - *day);
  }
  for (const auto& fixture : fixtures) {
    const auto equals = fixture.find('=');
    if (equals == std::string::npos ||
        !simulator.load_recorded(fixture.substr(0, equals), fixture.substr(equals + 1), error)) {
      std::fprintf(stderr, "sigex-tm-sim: --fixture %s: %s\n", fixture.c_str(),
                   error.empty() ? "expected ENDPOINT=FILE" : error.c_str());
      return 2;
    }
  }
  for (const auto& token : tokens) {
    const auto first = token.find(':');
    const auto second = token.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) {
      std::fprintf(stderr, "sigex-tm-sim: --token %s: expected ID:SYMBOL:NAME\n", token.c_str());
      return 2;
    }
    simulator.add_token({std::stoll(token.substr(0, first)), token.substr(second + 1),
                         token.substr(first + 1, second - first - 1)});
  }
  if (!simulator.start(error)) {
    std::fprintf(stderr, "sigex-tm-sim: %s\n", error.c_str());
    return 2;
  }
  std::printf("sigex-tm-sim: %s\n", simulator.base_url().c_str());
  std::fflush(stdout);
  stop.wait();
  simulator.stop();
  return 0;
}
