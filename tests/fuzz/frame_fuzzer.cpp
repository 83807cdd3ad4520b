// libFuzzer target for every parser of untrusted wire input: Binance frames (streams, REST
// snapshots, recorded REST envelopes, USD-M mark prices and funding rows), Binance USD-M user
// data events and account bodies, Coinbase Advanced Trade messages (market data with its
// sequence state, order, fill, account, cancel and product bodies), and Token Metrics
// responses; and the Binance parser with its bookTicker shape scanner against simdjson alone.
// Built and run by tools/fuzz.sh with AddressSanitizer and UndefinedBehaviorSanitizer.

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "adapters/binance/parse_market_data.h"
#include "adapters/binance_usdm/parse_account.h"
#include "adapters/binance_usdm/parse_user_stream.h"
#include "adapters/coinbase/parse_market_data.h"
#include "adapters/coinbase/parse_orders.h"
#include "adapters/coinbase/parse_products.h"
#include "adapters/token_metrics/parse_records.h"
#include "engine/core/check.h"
#include "tests/fuzz/fuzz_instruments.h"

using sigex::fuzz::instruments;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static sigex::BinanceParser binance(instruments());
  static sigex::TokenMetricsParser token_metrics(instruments());
  static std::vector<sigex::InboundEvent> out;
  std::string frame(reinterpret_cast<const char*>(data), size);
  frame.reserve(size + simdjson::SIMDJSON_PADDING);
  out.clear();
  const auto parsed = binance.parse(frame, 1, 0, out);
  SIGEX_CHECK(parsed.has_value() || out.empty(), "a failed parse left records behind");
  if (parsed) SIGEX_CHECK(*parsed == out.size(), "record count does not match");
  // The bookTicker shape scanner is invisible: simdjson alone gives the same records or error.
  static sigex::BinanceParser binance_simdjson_only(instruments(),
                                                    sigex::BinanceParser::ShapeScan::kOff);
  static std::vector<sigex::InboundEvent> reference;
  reference.clear();
  const auto referenced = binance_simdjson_only.parse(frame, 1, 0, reference);
  SIGEX_CHECK(parsed.has_value() == referenced.has_value(), "the shape scanner disagrees");
  if (!parsed) {
    SIGEX_CHECK(parsed.error().code == referenced.error().code,
                "the shape scanner's error differs");
  } else {
    SIGEX_CHECK(out.size() == reference.size(), "the shape scanner's record count differs");
    for (std::size_t i = 0; i < out.size(); ++i) {
      SIGEX_CHECK(out[i].kind == reference[i].kind, "the shape scanner's record kind differs");
      if (out[i].kind != sigex::MarketEventKind::kBestBidOffer) continue;
      const sigex::BestBidOffer& x = out[i].best_bid_offer;
      const sigex::BestBidOffer& y = reference[i].best_bid_offer;
      SIGEX_CHECK(std::tie(x.instrument, x.venue_time_ns, x.receive_time_ns, x.bid_price,
                           x.bid_quantity, x.ask_price, x.ask_quantity, x.update_id) ==
                      std::tie(y.instrument, y.venue_time_ns, y.receive_time_ns, y.bid_price,
                               y.bid_quantity, y.ask_price, y.ask_quantity, y.update_id),
                  "the shape scanner's record differs");
    }
  }
  out.clear();
  const auto signals = token_metrics.parse(frame, 1, out);
  SIGEX_CHECK(signals.has_value() || out.empty(), "a failed page left records behind");
  (void)sigex::parse_usdm_user_event(frame);
  if (const auto positions = sigex::parse_position_risk(frame)) {
    (void)sigex::held_perpetuals(*positions, instruments());
  }
  (void)sigex::parse_funding_income(frame);
  // Coinbase: the parser keeps its connection's sequence across inputs, as it does live. A
  // failed message leaves only the resets of the gap it makes.
  static sigex::CoinbaseParser coinbase(instruments());
  out.clear();
  const auto coinbase_parsed = coinbase.parse(frame, 1, out);
  for (const auto& event : out) {
    SIGEX_CHECK(
        coinbase_parsed.has_value() || event.kind == sigex::MarketEventKind::kMarketDataReset,
        "a failed Coinbase message left records other than resets");
  }
  if (coinbase_parsed) SIGEX_CHECK(*coinbase_parsed == out.size(), "record count does not match");
  std::string cursor;
  (void)sigex::parse_create_answer(frame);
  (void)sigex::parse_order(frame);
  (void)sigex::parse_order_list(frame, cursor);
  (void)sigex::parse_fills(frame, cursor);
  (void)sigex::parse_accounts(frame, cursor);
  (void)sigex::parse_cancel_results(frame);
  if (const auto products = sigex::parse_products(frame)) {
    std::vector<sigex::Instrument> awaiting(1);
    awaiting[0].symbol = sigex::Symbol::from("BTC-USD");
    awaiting[0].tick_size = sigex::Price{0};
    std::string error;
    (void)sigex::apply_product_rules(awaiting, *products, "USD", true, error);
  }
  return 0;
}
