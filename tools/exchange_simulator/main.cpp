// sigex-exchange-sim: a loopback Binance spot or USD-M (--market usdm) trading venue (signed
// REST, user data stream, matching at set prices, fees, balances or positions) for demos and
// manual runs of a live configuration against something that is not a real account.
//   sigex-exchange-sim --port 18081 --exchange-info
//   tests/data/nautilus/http_spot_market_exchange_info.json
//       --price BTCUSDT=60000 --balance USDT=10000 [--key sim-api-key --secret sim-secret]
//       [--fee-asset received|quote|bnb] [--market spot|usdm]
// Point [execution] rest_url at http://127.0.0.1:<port> and ws_api_url at
// ws://127.0.0.1:<port>/ws-api/v3 (USD-M: user_stream_url at ws://127.0.0.1:<port>/private/ws);
// the key and secret go where sigex reads keys. Runs until interrupted.

#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "engine/core/decimal.h"
#include "tools/exchange_simulator/exchange_simulator.h"
#include "tools/sim_http/stop_signal.h"

namespace {

// "NAME=DECIMAL" at 8 decimals; false when it is not.
bool split_amount(const std::string& text, std::string& name, std::int64_t& raw) {
  const auto equals = text.find('=');
  if (equals == std::string::npos || equals == 0) return false;
  const auto value = sigex::parse_decimal(text.substr(equals + 1), 8);
  if (!value || *value < 0) return false;
  name = text.substr(0, equals);
  raw = *value;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sigex-exchange-sim: loopback Binance spot or USD-M trading simulator"};
  sigex::ExchangeSimulatorOptions options;
  int port = 0;
  std::vector<std::string> prices, balances;
  std::string fee_asset = "received";
  std::string market = "spot";
  app.add_option("--port", port, "port on 127.0.0.1 (0 = any free port)");
  app.add_option("--key", options.api_key, "API key the simulator accepts");
  app.add_option("--secret", options.secret, "HMAC secret the simulator checks signatures with");
  app.add_option("--exchange-info", options.exchange_info_path,
                 "exchangeInfo JSON served to clients")
      ->required();
  app.add_option("--price", prices, "SYMBOL=PRICE: market orders fill here");
  app.add_option("--balance", balances, "ASSET=AMOUNT at start (default USDT=100000)");
  app.add_option("--fee-asset", fee_asset,
                 "spot: where commissions are charged: received, quote or bnb");
  app.add_option("--market", market,
                 "spot (/api/v3, the WebSocket API stream) or usdm (/fapi, positions, funding, "
                 "a listenKey stream at /private/ws/<key>)");
  CLI11_PARSE(app, argc, argv);
  const sigex::StopSignals stop;  // before any thread starts

  options.port = static_cast<std::uint16_t>(port);
  if (market == "usdm") {
    options.market = sigex::SimMarket::kUsdm;
    options.fee_bps = 5;  // USD-M's regular taker fee, in USDT
  } else if (market != "spot") {
    std::fprintf(stderr, "sigex-exchange-sim: --market %s: expected spot or usdm\n",
                 market.c_str());
    return 2;
  }
  if (fee_asset == "received") {
    options.fee_asset = sigex::SimFeeAsset::kReceived;
  } else if (fee_asset == "quote") {
    options.fee_asset = sigex::SimFeeAsset::kQuote;
  } else if (fee_asset == "bnb") {
    options.fee_asset = sigex::SimFeeAsset::kBnb;
  } else {
    std::fprintf(stderr, "sigex-exchange-sim: --fee-asset %s: expected received, quote or bnb\n",
                 fee_asset.c_str());
    return 2;
  }
  if (!balances.empty()) options.balances.clear();
  for (const auto& balance : balances) {
    std::string asset;
    std::int64_t raw = 0;
    if (!split_amount(balance, asset, raw)) {
      std::fprintf(stderr, "sigex-exchange-sim: --balance %s: expected ASSET=AMOUNT\n",
                   balance.c_str());
      return 2;
    }
    options.balances[asset] = sigex::Money{raw};
  }
  sigex::ExchangeSimulator simulator(options);
  std::string error;
  if (!simulator.start(error)) {
    std::fprintf(stderr, "sigex-exchange-sim: %s\n", error.c_str());
    return 2;
  }
  for (const auto& price : prices) {
    std::string symbol;
    std::int64_t raw = 0;
    if (!split_amount(price, symbol, raw) || raw == 0) {
      std::fprintf(stderr, "sigex-exchange-sim: --price %s: expected SYMBOL=PRICE\n",
                   price.c_str());
      return 2;
    }
    simulator.set_price(symbol, sigex::Price{raw});
  }
  std::printf("sigex-exchange-sim: %s  %s%s\n", simulator.base_url().c_str(),
              ("ws" + simulator.base_url().substr(4)).c_str(),
              options.market == sigex::SimMarket::kUsdm ? "/private/ws" : "/ws-api/v3");
  std::fflush(stdout);
  stop.wait();
  simulator.stop();
  return 0;
}
