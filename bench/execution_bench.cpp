// Market event in memory -> signed Binance order request ready to write: the quote goes
// through the engine (quote book, strategy, venue rules, risk, OMS writing the intent into the
// event's open journal transaction) to the venue port, where the request is built and
// HMAC-signed exactly as the live venue does it. Per-event latency is recorded and reported as
// p50/p99/p99.9 counters; durable_* adds the event's journal commit, after which the live
// venue lets the bytes go (write-ahead).
//
// The journal lives on /dev/shm when it exists, with synchronous=NORMAL: this measures sigex's
// own work. With synchronous=FULL (live mode) each intent adds one fsync of the device, which
// BM_JournalIntentFsync shows separately.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "adapters/binance/binance_rest_client.h"
#include "engine/core/simulated_clock.h"
#include "engine/runtime/engine.h"

namespace sigex {
namespace {

std::filesystem::path scratch(const char* name) {
  const std::filesystem::path base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  auto path = base / name;
  std::filesystem::remove_all(path);
  return path;
}

InstrumentRegistry instruments() {
  InstrumentRegistry registry;
  Instrument btc;
  btc.symbol = Symbol::from("BTCUSDT");
  btc.base_asset = AssetCode::from("BTC");
  btc.quote_asset = AssetCode::from("USDT");
  btc.price_scale = 2;
  btc.tick_size = Price{1};
  btc.step_size = Quantity{1'000};
  btc.min_quantity = Quantity{1'000};
  registry.add(btc);
  return registry;
}

// The venue port as the live venue's I/O thread would serve it: signs the request at once.
class SigningVenue final : public ExecutionVenue {
 public:
  SigningVenue(const InstrumentRegistry& instruments, const Clock& clock, boost::asio::ssl::context& tls)
      : instruments_(instruments),
        rest_(config(), Secret(std::string("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A")),
              make_hmac_signer(Secret(std::string("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))),
              clock, tls) {}
  void send(const OrderCommand& command) override {
    request_ = rest_.new_order_request(command, instruments_.get(command.instrument), command.created_time_ns / kNsPerMs);
    done_ = std::chrono::steady_clock::now();
    // Answered (an IOC that expired) so that open orders stay few, as in real trading.
    ExecutionEvent expired{};
    expired.kind = ExecutionKind::kExpired;
    expired.instrument = command.instrument;
    expired.client_order_id = command.client_order_id;
    answers_.push_back(expired);
  }
  void poll(TimeNs, std::vector<ExecutionEvent>& out) override {
    out.insert(out.end(), answers_.begin(), answers_.end());
    answers_.clear();
  }
  TimeNs next_event_time_ns() const override { return answers_.empty() ? kNever : 0; }

  std::chrono::steady_clock::time_point done() const { return done_; }
  std::size_t bytes() const { return request_.first.size() + request_.second.size(); }

 private:
  static BinanceRestConfig config() {
    BinanceRestConfig config;
    config.rest_url = "https://api.binance.com";
    return config;
  }
  const InstrumentRegistry& instruments_;
  BinanceRestClient rest_;
  std::pair<std::string, std::string> request_;
  std::chrono::steady_clock::time_point done_;
  std::vector<ExecutionEvent> answers_;
};

// Buys 0.001 BTC at the ask on every quote; each quote is a new intent.
class EveryQuote final : public Strategy {
 public:
  std::string_view tag() const override { return "bench"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = Side::kBuy;
    intent.type = OrderType::kLimit;
    intent.price = quote.ask_price;
    intent.quantity = Quantity{100'000};
    intent.intent = IntentKey{++sequence_};
    context.submit(intent);
  }

 private:
  std::uint64_t sequence_ = 0;
};

double percentile(std::vector<double>& values, double fraction) {
  const auto at = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(at), values.end());
  return values[at];
}

void BM_MarketEventToSignedOrder(benchmark::State& state) {
  const InstrumentRegistry registry = instruments();
  const auto directory = scratch("sigex-execution-bench");
  std::string error;
  auto journal = Journal::open(directory, Durability::kNormal, error);
  if (!journal) {
    state.SkipWithError(error.c_str());
    return;
  }
  SimulatedClock clock(1'700'000'000 * kNsPerSecond);
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  SigningVenue venue(registry, clock, tls);
  RiskConfig risk;
  Engine engine(registry, clock, *journal, venue, risk, Money{1'000'000'000 * 100'000'000LL});
  engine.add_strategy(std::make_unique<EveryQuote>());
  engine.start();
  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer.instrument = 0;
  event.best_bid_offer.bid_price = Price{6'000'000};
  event.best_bid_offer.ask_price = Price{6'000'001};
  event.best_bid_offer.bid_quantity = Quantity{100'000'000};
  event.best_bid_offer.ask_quantity = Quantity{100'000'000};
  std::vector<double> latencies;
  std::vector<double> durable;  // until the event's journal commit: when the bytes may leave
  latencies.reserve(1'000'000);
  durable.reserve(1'000'000);
  for (auto _ : state) {
    clock.advance_to(clock.now_ns() + 1'000);
    event.best_bid_offer.receive_time_ns = clock.now_ns();
    state.PauseTiming();
    engine.run_due();  // the previous order's answer: not part of this event's path
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    engine.process(event);
    const auto committed = std::chrono::steady_clock::now();
    const double nanoseconds = std::chrono::duration<double, std::nano>(venue.done() - start).count();
    latencies.push_back(nanoseconds);
    durable.push_back(std::chrono::duration<double, std::nano>(committed - start).count());
    state.SetIterationTime(nanoseconds * 1e-9);
  }
  if (engine.counters().orders_submitted != latencies.size()) state.SkipWithError("an order was not submitted");
  state.counters["p50_ns"] = percentile(latencies, 0.50);
  state.counters["p99_ns"] = percentile(latencies, 0.99);
  state.counters["p999_ns"] = percentile(latencies, 0.999);
  state.counters["durable_p50_ns"] = percentile(durable, 0.50);
  state.counters["durable_p99_ns"] = percentile(durable, 0.99);
  state.counters["request_bytes"] = static_cast<double>(venue.bytes());
  journal.reset();
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_MarketEventToSignedOrder)->UseManualTime()->Iterations(20'000)->Unit(benchmark::kMicrosecond);

// Signing alone: the HMAC-SHA256 request body of a new order.
void BM_SignNewOrderRequest(benchmark::State& state) {
  const InstrumentRegistry registry = instruments();
  SimulatedClock clock(1'700'000'000 * kNsPerSecond);
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  SigningVenue venue(registry, clock, tls);
  OrderCommand command{};
  command.kind = OrderCommandKind::kNew;
  command.type = OrderType::kLimit;
  command.price = Price{6'000'001};
  command.quantity = Quantity{100'000};
  command.client_order_id = ClientOrderId::from("bench-0123456789abcdef-1");
  for (auto _ : state) {
    command.created_time_ns += kNsPerMs;
    venue.send(command);
  }
}
BENCHMARK(BM_SignNewOrderRequest);

// One intent row (order + send event, one commit). Argument 0: synchronous=NORMAL on /dev/shm,
// the share of BM_MarketEventToSignedOrder that is SQLite. Argument 1: synchronous=FULL on the
// build directory's device: the fsync live mode adds per order.
void BM_JournalIntent(benchmark::State& state) {
  const bool full = state.range(0) == 1;
  const auto directory = full ? std::filesystem::current_path() / "sigex-fsync-bench" : scratch("sigex-intent-bench");
  std::filesystem::remove_all(directory);
  std::string error;
  auto journal = Journal::open(directory, full ? Durability::kFull : Durability::kNormal, error);
  if (!journal) {
    state.SkipWithError(error.c_str());
    return;
  }
  Order order;
  order.quantity = Quantity{100'000};
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    order.client_order_id = ClientOrderId::from("bench-" + std::to_string(++sequence));
    if (!journal->record_intent(order, "BTCUSDT")) state.SkipWithError("journal write failed");
  }
  journal.reset();
  std::filesystem::remove_all(directory);
}
BENCHMARK(BM_JournalIntent)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace sigex
