// sigex-coinbase-sim: a Coinbase Advanced Trade market data websocket on 127.0.0.1 (a seeded
// random walk of each product's book), for demos and manual runs of `sigex record` and
// `sigex run` with [market_data.coinbase].
//   sigex-coinbase-sim --port 8443 --product BTC-USD:3000000 --product ETH-USD:200000
// Runs until interrupted.

#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/coinbase_simulator/market_simulator.h"
#include "tools/sim_http/stop_signal.h"

int main(int argc, char** argv) {
  CLI::App app{"sigex-coinbase-sim: loopback Coinbase Advanced Trade market data simulator"};
  std::vector<std::string> products;
  int port = 0;
  std::uint64_t seed = 1;
  std::int64_t interval_us = 1000;
  app.add_option("--product", products, "PRODUCT-ID[:MID_IN_CENTS], e.g. BTC-USD:3000000");
  app.add_option("--port", port, "port on 127.0.0.1 (0 = any free port)");
  app.add_option("--seed", seed, "random walk seed");
  app.add_option("--update-interval-us", interval_us, "pause between level2 updates");
  CLI11_PARSE(app, argc, argv);
  const sigex::StopSignals stop;  // before any thread starts

  sigex::CoinbaseMarketSimulatorOptions options;
  options.port = static_cast<std::uint16_t>(port);
  options.seed = seed;
  options.update_interval_us = interval_us;
  if (!products.empty()) options.products.clear();
  for (const auto& text : products) {
    sigex::CoinbaseProduct product;
    const auto colon = text.find(':');
    product.product_id = text.substr(0, colon);
    if (colon != std::string::npos) product.mid_cents = std::stoll(text.substr(colon + 1));
    options.products.push_back(product);
  }
  sigex::CoinbaseMarketSimulator simulator(options);
  std::string error;
  if (!simulator.start(error)) {
    std::fprintf(stderr, "sigex-coinbase-sim: %s\n", error.c_str());
    return 2;
  }
  std::printf("sigex-coinbase-sim: %s\n", simulator.url().c_str());
  std::fflush(stdout);
  stop.wait();
  simulator.stop();
  return 0;
}
