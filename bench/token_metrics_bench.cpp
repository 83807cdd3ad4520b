// Token Metrics intake costs: one 100-row trading-signals page through the client's envelope
// check, through the record parser, and the poller's whole path (combine pages, parse); and the
// exactly-once rule per record. These run once per poll, not per market event: the numbers
// show the intake is nowhere near a bottleneck, not that it is on a hot path.

#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "adapters/token_metrics/parse_page.h"
#include "adapters/token_metrics/parse_records.h"
#include "adapters/token_metrics/rest_client.h"
#include "engine/core/calendar.h"
#include "engine/signals/signal_gate.h"

namespace {

using namespace sigex;

InstrumentRegistry registry() {
  InstrumentRegistry instruments;
  Instrument btc;
  btc.symbol = Symbol::from("BTCUSDT");
  btc.token_id = 3375;
  instruments.add(btc);
  return instruments;
}

// 100 rows in the captured /v2/trading-signals shape, newest first.
std::string page_of_100() {
  std::string body =
      R"({"success":true,"message":"Data fetched successfully","length":100,"data":[)";
  const TimeNs start = parse_utc_timestamp("2025-01-01").value();
  for (int day = 99; day >= 0; --day) {
    if (day != 99) body += ',';
    body +=
        R"({"TOKEN_ID":3375,"TOKEN_NAME":"Bitcoin","TOKEN_SYMBOL":"BTC","DATE":")" +
        format_utc_date(start + day * kNsPerDay) + R"(T00:00:00.000Z","TRADING_SIGNAL":)" +
        std::to_string(day % 3 - 1) +
        R"(,"TOKEN_TREND":-1,"TRADING_SIGNALS_RETURNS":45098.7035,"HOLDING_RETURNS":7559.6422,"tm_link":"bitcoin","TM_TRADER_GRADE":26.48,"TM_INVESTOR_GRADE":58.23,"TM_LINK":"https://app.tokenmetrics.com/undefined"})";
  }
  return body + "]}";
}

void BM_ReadPageEnvelope100Rows(benchmark::State& state) {
  const std::string body = page_of_100();
  TmPageReader reader;
  for (auto _ : state) {
    auto page = reader.read(body, false);
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ReadPageEnvelope100Rows);

void BM_ParseSignalPage100Rows(benchmark::State& state) {
  const InstrumentRegistry instruments = registry();
  TokenMetricsParser parser(instruments);
  std::string body = page_of_100();
  const std::size_t size = body.size();
  body.append(simdjson::SIMDJSON_PADDING, '\0');
  std::vector<InboundEvent> out;
  out.reserve(256);
  for (auto _ : state) {
    out.clear();
    auto parsed = parser.parse(std::string_view(body.data(), size), 1, out);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_ParseSignalPage100Rows);

void BM_PollerPathOnePage100Rows(benchmark::State& state) {
  const InstrumentRegistry instruments = registry();
  TokenMetricsParser parser(instruments);
  TmPageReader reader;
  std::vector<TmResponsePage> pages(1);
  pages[0].body = page_of_100();
  pages[0].items = 100;
  std::vector<InboundEvent> out;
  out.reserve(256);
  std::string padded;
  for (auto _ : state) {
    const std::string frame = reader.combine(pages, "trading-signals");
    padded.assign(frame);
    padded.append(simdjson::SIMDJSON_PADDING, '\0');
    out.clear();
    auto parsed = parser.parse(std::string_view(padded.data(), frame.size()), 1, out);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_PollerPathOnePage100Rows);

void BM_SignalExactlyOnceRule(benchmark::State& state) {
  std::vector<InboundEvent> events(1000);
  for (std::size_t i = 0; i < events.size(); ++i) {
    events[i].kind = MarketEventKind::kTradingSignal;
    events[i].trading_signal = TradingSignal{0,
                                             SignalTimeframe::kHourly,
                                             1,
                                             1,
                                             static_cast<TokenId>(3000 + i % 50),
                                             static_cast<TimeNs>(i / 50) * kNsPerHour,
                                             0};
  }
  for (auto _ : state) {
    SignalLatest latest;
    for (const auto& event : events) benchmark::DoNotOptimize(latest.admit(event));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(events.size()));
}
BENCHMARK(BM_SignalExactlyOnceRule);

}  // namespace
