// Coinbase Advanced Trade: the cost of reading its market data messages into records, and of
// signing a request (a fresh JWT per request, ES256 or EdDSA, which dominates the venue's
// part of tick-to-signed-order), and the whole venue-side path from a ticker message to a
// signed create request ready to write.
//
// Frames have the shapes of Coinbase's documented samples (exchange-apis.md §3.4) with
// consecutive sequence numbers, as one connection delivers them.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include <fmt/format.h>

#include "adapters/coinbase/parse_market_data.h"
#include "adapters/coinbase/signer.h"
#include "engine/core/decimal.h"
#include "support/coinbase_keys.h"

namespace sigex {
namespace {

using testing::kCdpEcPem;
using testing::kCdpEd25519Secret;
using testing::kCdpKeyName;

InstrumentRegistry registry() {
  InstrumentRegistry instruments;
  Instrument btc;
  btc.symbol = Symbol::from("BTC-USD");
  btc.base_asset = AssetCode::from("BTC");
  btc.quote_asset = AssetCode::from("USD");
  btc.price_scale = 2;
  btc.quantity_scale = 8;
  instruments.add(btc);
  return instruments;
}

// `count` messages of one connection: sequence_num 0, 1, 2, ... each padded for simdjson.
std::vector<std::string> frames(const char* channel, const char* events, std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::string frame = fmt::format(
        R"({{"channel":"{}","client_id":"","timestamp":"2023-02-09T20:30:37.167359596Z","sequence_num":{},"events":[{}]}})",
        channel, i, events);
    out.push_back(std::move(frame));
  }
  return out;
}

void run_parser(benchmark::State& state, const std::vector<std::string>& messages) {
  const InstrumentRegistry instruments = registry();
  CoinbaseParser parser(instruments);
  std::vector<std::string> padded;
  for (const auto& message : messages) padded.push_back(message + std::string(64, ' '));
  std::vector<InboundEvent> out;
  out.reserve(64);
  std::size_t index = 0;
  for (auto _ : state) {
    if (index == padded.size()) {
      index = 0;
      parser.new_connection();  // the sequence starts again: once per 4096 messages
    }
    out.clear();
    const std::string_view frame(padded[index].data(), messages[index].size());
    benchmark::DoNotOptimize(parser.parse(frame, 1, out));
    ++index;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_CoinbaseParseTicker(benchmark::State& state) {
  run_parser(
      state,
      frames(
          "ticker",
          R"({"type":"update","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"21932.98","volume_24_h":"16038.28770938","low_24_h":"21835.29","high_24_h":"23011.18","low_52_w":"15460","high_52_w":"48240","price_percent_chg_24_h":"-4.15775596190603","best_bid":"21931.98","best_bid_quantity":"8000.21","best_ask":"21933.98","best_ask_quantity":"8038.07770938"}]})",
          4096));
}
BENCHMARK(BM_CoinbaseParseTicker);

void BM_CoinbaseParseLevel2Update2Levels(benchmark::State& state) {
  // The first message is the snapshot; the rest are updates of two levels each.
  std::vector<std::string> messages = frames(
      "l2_data",
      R"({"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"2023-02-09T20:32:50.714964855Z","price_level":"21921.73","new_quantity":"0.06317902"},{"side":"offer","event_time":"2023-02-09T20:32:50.714964855Z","price_level":"21922.3","new_quantity":"0"}]})",
      4096);
  messages[0] = fmt::format(
      R"({{"channel":"l2_data","client_id":"","timestamp":"2023-02-09T20:32:50.714964855Z","sequence_num":0,"events":[{{"type":"snapshot","product_id":"BTC-USD","updates":[{{"side":"bid","event_time":"1970-01-01T00:00:00Z","price_level":"21921.73","new_quantity":"0.06317902"}}]}}]}})");
  run_parser(state, messages);
}
BENCHMARK(BM_CoinbaseParseLevel2Update2Levels);

void BM_CoinbaseParseMarketTrade(benchmark::State& state) {
  run_parser(
      state,
      frames(
          "market_trades",
          R"({"type":"update","trades":[{"trade_id":"123456789","product_id":"BTC-USD","price":"21932.98","size":"0.3","side":"BUY","time":"2019-08-14T20:42:27.265Z"}]})",
          4096));
}
BENCHMARK(BM_CoinbaseParseMarketTrade);

std::unique_ptr<CoinbaseSigner> make_signer(const char* secret) {
  std::string error;
  return CoinbaseSigner::make(Secret(std::string(kCdpKeyName)), Secret(std::string(secret)), error);
}

// A REST token: header and claims, base64url, the signature over them. Arg 0: ES256, 1: EdDSA.
void BM_CoinbaseRestJwt(benchmark::State& state) {
  auto signer = make_signer(state.range(0) == 0 ? kCdpEcPem : kCdpEd25519Secret);
  TimeNs now = 1'733'000'000 * kNsPerSecond;
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        signer->rest_token("POST", "api.coinbase.com", "/api/v3/brokerage/orders", now));
    now += 1000;
  }
  state.SetLabel(state.range(0) == 0 ? "ES256" : "EdDSA");
}
BENCHMARK(BM_CoinbaseRestJwt)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

// Ticker message -> best bid/ask record -> the create body of an IOC buy at the ask and its
// JWT: the venue-side work between a Coinbase tick and bytes ready to write (the engine's
// share is BM_MarketEventToSignedOrder's engine_* in execution_bench). Arg as above.
void BM_CoinbaseTickToSignedCreate(benchmark::State& state) {
  const InstrumentRegistry instruments = registry();
  CoinbaseParser parser(instruments);
  auto signer = make_signer(state.range(0) == 0 ? kCdpEcPem : kCdpEd25519Secret);
  const std::vector<std::string> messages = frames(
      "ticker",
      R"({"type":"update","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"21932.98","volume_24_h":"16038.28770938","low_24_h":"21835.29","high_24_h":"23011.18","low_52_w":"15460","high_52_w":"48240","price_percent_chg_24_h":"-4.15775596190603","best_bid":"21931.98","best_bid_quantity":"8000.21","best_ask":"21933.98","best_ask_quantity":"8038.07770938"}]})",
      4096);
  std::vector<std::string> padded;
  for (const auto& message : messages) padded.push_back(message + std::string(64, ' '));
  std::vector<InboundEvent> out;
  out.reserve(8);
  std::size_t index = 0;
  std::uint64_t order = 0;
  TimeNs now = 1'733'000'000 * kNsPerSecond;
  char price[kMaxDecimalText];
  for (auto _ : state) {
    if (index == padded.size()) {
      index = 0;
      parser.new_connection();
    }
    out.clear();
    (void)parser.parse(std::string_view(padded[index].data(), messages[index].size()), now, out);
    const Price ask = out.front().best_bid_offer.ask_price;
    const std::string body = fmt::format(
        R"({{"client_order_id":"sfcb-{}","product_id":"BTC-USD","side":"BUY","order_configuration":{{"sor_limit_ioc":{{"base_size":"0.001","limit_price":"{}"}}}}}})",
        ++order, std::string_view(price, write_decimal(ask.raw, 2, price, DecimalZeros::kTrimmed)));
    benchmark::DoNotOptimize(body);
    benchmark::DoNotOptimize(
        signer->rest_token("POST", "api.coinbase.com", "/api/v3/brokerage/orders", now));
    ++index;
    now += 1000;
  }
  state.SetLabel(state.range(0) == 0 ? "ES256" : "EdDSA");
}
BENCHMARK(BM_CoinbaseTickToSignedCreate)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sigex
