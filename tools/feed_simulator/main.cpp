// sigex-feed-sim: serves a recorded Binance session on 127.0.0.1 as a live combined-stream
// websocket plus REST depth snapshots, for demos and manual testing of `sigex record`.
//   sigex-feed-sim --port 9443 --input btcusdt_20240808.gz:BTCUSDT --input btcusdt_20240809.gz
// Runs until interrupted.

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/sim_http/stop_signal.h"

#include "tools/feed_simulator/feed_simulator.h"

int main(int argc, char** argv) {
  CLI::App app{"sigex-feed-sim: loopback Binance spot market data simulator"};
  std::vector<std::string> inputs;
  int port = 0;
  std::int64_t interval_us = 1000;
  app.add_option("--input", inputs, "recorded file, optionally :SYMBOL of its REST snapshot")
      ->required();
  app.add_option("--port", port, "port on 127.0.0.1 (0 = any free port)");
  app.add_option("--frame-interval-us", interval_us, "pause between frames");
  CLI11_PARSE(app, argc, argv);
  const sigex::StopSignals stop;  // before any thread starts

  sigex::FeedSimulatorOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.frame_interval_us = interval_us;
  for (const auto& input : inputs) {
    const auto colon = input.rfind(':');
    if (colon != std::string::npos && colon + 1 < input.size() &&
        input.find('/', colon) == std::string::npos) {
      options.inputs.push_back({input.substr(0, colon), input.substr(colon + 1)});
    } else {
      options.inputs.push_back({input, ""});
    }
  }
  sigex::FeedSimulator simulator(options);
  std::string error;
  if (!simulator.start(error)) {
    std::fprintf(stderr, "sigex-feed-sim: %s\n", error.c_str());
    return 2;
  }
  std::printf("sigex-feed-sim: ws://127.0.0.1:%u/stream  http://127.0.0.1:%u\n", simulator.port(),
              simulator.port());
  std::fflush(stdout);
  stop.wait();
  simulator.stop();
  return 0;
}
