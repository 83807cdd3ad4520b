// sigex-coinbase-sim: Coinbase Advanced Trade on 127.0.0.1 for demos and manual runs: the
// market data websocket and products endpoint (a seeded random walk of each product's book)
// and, with --trading-port, the signed trading REST API and `user` channel, accepting the JWTs
// of the CDP keys whose public halves are given.
//   sigex-coinbase-sim --port 18443 --product BTC-USD:3000000
//   sigex-coinbase-sim --port 18443 --product BTC-USD:3000000 --trading-port 18444
//       --public-key cdp-key.pub.pem --balance USD=10000 --price 30000.00   (one line)
// (`openssl pkey -in cdp-key.pem -pubout` gives an EC key's public half.) Runs until interrupted.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include <CLI/CLI.hpp>

#include "tools/coinbase_simulator/market_simulator.h"
#include "tools/coinbase_simulator/trading_simulator.h"
#include "tools/sim_http/stop_signal.h"

int main(int argc, char** argv) {
  CLI::App app{"sigex-coinbase-sim: loopback Coinbase Advanced Trade simulator"};
  std::vector<std::string> products;
  int port = 0;
  int trading_port = -1;
  std::uint64_t seed = 1;
  std::int64_t interval_us = 1000;
  std::vector<std::string> public_keys;
  std::vector<std::string> balances;
  std::string price = "30000.00";
  app.add_option("--product", products, "PRODUCT-ID[:MID_IN_CENTS], e.g. BTC-USD:3000000");
  app.add_option("--port", port, "market data port on 127.0.0.1 (0 = any free port)");
  app.add_option("--seed", seed, "random walk seed");
  app.add_option("--update-interval-us", interval_us, "pause between level2 updates");
  app.add_option("--trading-port", trading_port, "also serve trading on this port (0 = any)");
  app.add_option("--public-key", public_keys, "PEM file of a CDP public key to accept (trading)");
  app.add_option("--balance", balances, "CURRENCY=AMOUNT of the trading account, e.g. USD=10000");
  app.add_option("--price", price, "the trading simulator's price of the first product");
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
  std::printf("sigex-coinbase-sim: market data %s\n", simulator.url().c_str());
  std::unique_ptr<sigex::CoinbaseTradingSimulator> trading;
  if (trading_port >= 0) {
    sigex::CoinbaseTradingSimulatorOptions trading_options;
    trading_options.port = static_cast<std::uint16_t>(trading_port);
    trading_options.product_id = options.products.front().product_id;
    trading_options.price = price;
    for (const auto& path : public_keys) {
      std::ifstream file(path);
      std::stringstream text;
      text << file.rdbuf();
      if (!file) {
        std::fprintf(stderr, "sigex-coinbase-sim: cannot read %s\n", path.c_str());
        return 2;
      }
      trading_options.public_keys.push_back(text.str());
    }
    if (!balances.empty()) trading_options.balances.clear();
    for (const auto& balance : balances) {
      const auto equals = balance.find('=');
      if (equals == std::string::npos) {
        std::fprintf(stderr, "sigex-coinbase-sim: --balance wants CURRENCY=AMOUNT\n");
        return 2;
      }
      trading_options.balances[balance.substr(0, equals)] = balance.substr(equals + 1);
    }
    trading = std::make_unique<sigex::CoinbaseTradingSimulator>(trading_options);
    if (!trading->start(error)) {
      std::fprintf(stderr, "sigex-coinbase-sim: %s\n", error.c_str());
      return 2;
    }
    std::printf("sigex-coinbase-sim: trading %s, user channel ws://127.0.0.1:%u\n",
                trading->url().c_str(), trading->port());
  }
  std::fflush(stdout);
  stop.wait();
  if (trading) trading->stop();
  simulator.stop();
  return 0;
}
