// A trading process for crash tests: the real engine, OMS, journal and live Binance venue,
// composed as the daemon composes them, trading against the loopback exchange simulator. Its
// strategy buys `steps` lots of 0.01 BTC, one market order per step, the step number being the
// intent; with `usdm` it trades the BTCUSDT perpetual on the USD-M venue instead and sells the
// lots, building a short; with `coinbase` it buys BTC-USD on the live Coinbase venue; with `mixed`
// it trades two venues at once as `sigex run` composes them (AccountSet): BTCUSDT on Binance spot
// at BASE_URL and BTC-USDT on Coinbase at COINBASE_URL, step k on the first when k is even and
// on the second when odd. Crash tests kill it (SIGKILL at a failpoint or at a random moment) and
// start it again on the same state directory until it reports the target reached.
//
//   sigex-crash-driver STATE_DIR BASE_URL STEPS [adopt|usdm|coinbase]
//   sigex-crash-driver STATE_DIR BASE_URL STEPS mixed COINBASE_URL
// Exit 0: target reached, nothing open, nothing unresolved. Exit 2: could not start.
// Exit 3: no progress within the time limit. Exit 5: trading halted. Exit 4: the account shows
// orders of this strategy that the journal does not know (a lost journal); with `adopt` they are
// taken into the journal instead, as `sigex run --adopt-unknown-orders` does.
//
// The exchange may charge fees in the coin bought: the position is then net of them, so the
// steps done are counted by what the buys executed (gross), not by the position.

#include <cstdio>
#include <string>

#include "adapters/binance/execution_venue.h"
#include "adapters/binance/settings.h"
#include "adapters/binance_usdm/execution_venue.h"
#include "adapters/coinbase/execution_venue.h"
#include "adapters/coinbase/settings.h"
#include "engine/core/live_clock.h"
#include "engine/exe/venue_sets.h"
#include "engine/logging/log.h"
#include "engine/oms/account_history.h"
#include "engine/runtime/engine.h"
#include "support/coinbase_keys.h"

namespace sigex {
namespace {

constexpr std::int64_t kLot = 1'000'000;  // 0.01 BTC at 8 decimals

// What the strategy's orders on `side` executed, gross of fees taken from them, on every
// instrument.
std::int64_t traded(const OrderManager& orders, Side side) {
  std::int64_t total = 0;
  for (const Order& order : orders.orders())
    total += order.side == side ? order.filled_quantity.raw : 0;
  return total;
}

bool any_open(const OrderManager& orders, std::size_t instrument_count) {
  for (InstrumentId instrument = 0; instrument < instrument_count; ++instrument) {
    if (orders.has_open_order(instrument)) return true;
  }
  return false;
}

class StepTrader final : public Strategy {
 public:
  StepTrader(std::int64_t steps, Side side, const OrderManager& orders,
             std::size_t instrument_count)
      : target_(steps * kLot), side_(side), orders_(orders), instrument_count_(instrument_count) {}
  std::string_view tag() const override { return "crash"; }
  void on_quote(StrategyContext& context, const BestBidOffer&) override { act(context); }
  void on_order_update(StrategyContext& context, const Order&, OrderEvent event) override {
    // A refused order is not retried at once: a strategy must not hammer a venue that says no.
    if (event == OrderEvent::kReject) not_before_ns_ = context.now_ns() + kNsPerSecond;
    act(context);
  }

 private:
  void act(StrategyContext& context) {
    if (context.now_ns() < not_before_ns_ || any_open(orders_, instrument_count_)) return;
    const std::int64_t held = traded(orders_, side_);
    if (held >= target_) return;
    // Step k goes to instrument k mod the instrument count: with two venues, they alternate.
    const auto instrument = static_cast<InstrumentId>((held / kLot) % instrument_count_);
    if (!context.is_tradeable(instrument)) return;
    OrderIntent intent;
    intent.instrument = instrument;
    intent.side = side_;
    intent.type = OrderType::kMarket;
    intent.quantity = Quantity{kLot};
    intent.intent = IntentKey::of({held / kLot});
    context.submit(intent);
  }

  std::int64_t target_;
  Side side_;
  const OrderManager& orders_;
  std::size_t instrument_count_;
  TimeNs not_before_ns_ = 0;
};

int run(const std::string& state_dir, const std::string& base_url, std::int64_t steps,
        bool adopt_unknown, bool usdm, bool coinbase, const std::string& coinbase_url) {
  const bool mixed = !coinbase_url.empty();
  InstrumentRegistry instruments;
  Instrument btc;
  btc.symbol = Symbol::from(coinbase ? "BTC-USD" : "BTCUSDT");
  btc.base_asset = AssetCode::from("BTC");
  btc.quote_asset = AssetCode::from(coinbase ? "USD" : "USDT");
  btc.tick_size = Price{1'000'000};
  btc.step_size = Quantity{1'000};
  btc.min_quantity = Quantity{1'000};
  if (usdm) {
    btc.kind = InstrumentKind::kPerpetual;
    btc.leverage = 10;
    btc.bracket_table[btc.bracket_count++] =
        MarginBracket{Money{50'000'000'000'000'000}, Rate{400'000}, Money{0}, 125};
  }
  if (mixed) {
    // Two venues: each instrument names its own, both quoted in the portfolio's one cash asset.
    btc.venue = VenueName::from("binance");
    Instrument on_coinbase = btc;
    on_coinbase.symbol = Symbol::from("BTC-USDT");
    on_coinbase.venue = VenueName::from("coinbase");
    instruments.add(btc);
    instruments.add(on_coinbase);
  } else {
    instruments.add(btc);
  }

  std::string error;
  auto journal = Journal::open(state_dir, Durability::kFull, error);
  if (!journal) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  LiveClock clock;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  BinanceExecutionConfig config;
  config.rest.rest_url = base_url;
  config.ws_api_url = "ws://" + base_url.substr(base_url.find("://") + 3) + "/ws-api/v3";
  config.rest.recv_window_ns = 1 * kNsPerSecond;
  config.rest.timeouts.request_ns = 300 * kNsPerMs;
  config.poll_interval_ns = 20 * kNsPerMs;
  config.rest.orders_per_10s =
      10'000;  // the simulator has no order-rate limit; the test trades fast
  config.history_lookback_ns = kNsPerDay;
  std::unique_ptr<LiveVenue> venue_owner;
  DurationNs recv_window_ns = config.rest.recv_window_ns;
  const auto coinbase_settings = [](const std::string& url) {
    CoinbaseExecutionConfig coinbase_config;
    coinbase_config.rest_url = url;
    coinbase_config.user_ws_url = "ws://" + url.substr(url.find("://") + 3);
    coinbase_config.timeouts.request_ns = 300 * kNsPerMs;
    coinbase_config.create_retry_wait_ns = 20 * kNsPerMs;
    coinbase_config.poll_interval_ns = 20 * kNsPerMs;
    coinbase_config.history_lookback_ns = kNsPerDay;
    return coinbase_config;
  };
  if (mixed) {
    // As `sigex run` composes several accounts: one AccountSet, each account over its venue's
    // view of the instruments, orders routed by instrument.
    ExecutionConfig execution;
    execution.enabled = true;
    auto binance = std::make_shared<BinanceExecutionSettings>();
    binance->config = config;
    auto on_coinbase = std::make_shared<CoinbaseExecutionSettings>();
    on_coinbase->config = coinbase_settings(coinbase_url);
    AccountConfig binance_account;
    binance_account.venue = "binance";
    binance_account.settings = binance;
    AccountConfig coinbase_account;
    coinbase_account.venue = "coinbase";
    coinbase_account.settings = on_coinbase;
    execution.accounts = {binance_account, coinbase_account};
    std::vector<VenueKeys> keys;
    keys.push_back({Secret(std::string("sim-api-key")), Secret(std::string("sim-secret"))});
    keys.push_back(
        {Secret(std::string(testing::kCdpKeyName)), Secret(std::string(testing::kCdpEcPem))});
    venue_owner = AccountSet::make(execution, instruments, std::move(keys), clock,
                                   journal->watermark(), error);
    if (!venue_owner) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 2;
    }
    recv_window_ns = kJwtLifetimeNs;  // the shared policy waits for the most lenient venue
  } else if (coinbase) {
    const CoinbaseExecutionConfig coinbase_config = coinbase_settings(base_url);
    auto signer = CoinbaseSigner::make(Secret(std::string(testing::kCdpKeyName)),
                                       Secret(std::string(testing::kCdpEcPem)), error);
    if (!signer) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 2;
    }
    venue_owner = std::make_unique<CoinbaseExecutionVenue>(
        instruments, coinbase_config, std::move(signer), clock,
        std::make_unique<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client),
        journal->watermark());
    recv_window_ns = kJwtLifetimeNs;
  } else if (usdm) {
    UsdmExecutionConfig usdm_config;
    usdm_config.binance = config;
    usdm_config.binance.rest.market = BinanceMarket::kUsdm;
    usdm_config.binance.rest.orders_per_day = 0;
    usdm_config.binance.ws_api_url.clear();
    usdm_config.user_stream_url =
        "ws://" + base_url.substr(base_url.find("://") + 3) + "/private/ws";
    venue_owner = std::make_unique<UsdmExecutionVenue>(
        instruments, usdm_config, Secret(std::string("sim-api-key")),
        make_hmac_signer(Secret(std::string("sim-secret"))), clock, tls, journal->watermark());
  } else {
    venue_owner = std::make_unique<BinanceExecutionVenue>(
        instruments, config, Secret(std::string("sim-api-key")),
        make_hmac_signer(Secret(std::string("sim-secret"))), clock, tls, journal->watermark());
  }
  LiveVenue& venue = *venue_owner;
  if (!venue.start(error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 2;
  }
  RiskConfig risk;  // the throttles would stop the rapid steps this test needs
  risk.max_orders_per_instrument = 0;
  risk.max_orders_total = 0;
  risk.max_fills = 0;
  Engine engine(instruments, clock, *journal, venue, risk, Money{1'000'000 * 100'000'000LL});
  // Coinbase: no resend while a create could still be accepted (its JWT's lifetime).
  engine.set_resolution_policy(
      {recv_window_ns, 200 * kNsPerMs, 100 * kNsPerMs, 2,
       coinbase || mixed ? recv_window_ns + 500 * kNsPerMs : 500 * kNsPerMs});
  const Side side = usdm ? Side::kSell : Side::kBuy;
  if (mixed) {
    // Each instrument waits out its own account's window, as `sigex run` sets it
    // (instrument_resolution): the Binance order is not held to the Coinbase JWT's 120 s.
    engine.set_instrument_resolution({{config.rest.recv_window_ns, 500 * kNsPerMs},
                                      {kJwtLifetimeNs, kJwtLifetimeNs + 500 * kNsPerMs}});
  }
  engine.add_strategy(
      std::make_unique<StepTrader>(steps, side, engine.orders(), instruments.size()));
  std::set<std::string, std::less<>> known = journal->acknowledged_orders();
  for (const Order& order : journal->load_orders()) known.emplace(order.client_order_id.view());
  const auto unknown =
      orders_unknown_to_journal(venue.account_history(), engine.strategy_tags(), known);
  if (!unknown.empty()) {
    if (!adopt_unknown) {
      std::fprintf(
          stderr,
          "the account shows %zu order(s) of this strategy that the journal does not know\n",
          unknown.size());
      venue.stop();
      return 4;
    }
    adopt_account_orders(
        *journal, instruments, engine.strategy_tags(), unknown,
        [&](const AccountOrder& order) { return venue.history_fills(order); }, clock.now_ns());
  }
  engine.start();

  const TimeNs give_up = clock.now_ns() + 60 * kNsPerSecond;
  while (clock.now_ns() < give_up) {
    for (InstrumentId instrument = 0; instrument < instruments.size(); ++instrument) {
      InboundEvent quote;
      quote.kind = MarketEventKind::kBestBidOffer;
      quote.best_bid_offer.instrument = instrument;
      quote.best_bid_offer.receive_time_ns = clock.now_ns();
      quote.best_bid_offer.bid_price = Price{5'999'999'000'000};
      quote.best_bid_offer.ask_price = Price{6'000'000'000'000};
      quote.best_bid_offer.bid_quantity = Quantity{100'000'000};
      quote.best_bid_offer.ask_quantity = Quantity{100'000'000};
      engine.process(quote);
    }
    if (traded(engine.orders(), side) == steps * kLot &&
        !any_open(engine.orders(), instruments.size()) && engine.orders().pending_lookups() == 0) {
      std::printf("position %lld fills %lld\n",
                  static_cast<long long>(engine.portfolio().position(0).quantity.raw),
                  static_cast<long long>(journal->count_rows("fills")));
      venue.stop();
      return 0;
    }
    if (engine.halted()) {
      std::fprintf(stderr, "halted: %s\n", engine.halt_reason().c_str());
      return 5;
    }
    venue.wait_for_answers(20 * kNsPerMs);
    engine.run_due();
  }
  // No progress: what was left, for the test's log.
  for (const Order& order : engine.orders().orders()) {
    if (is_terminal(order.state)) continue;
    std::fprintf(stderr, "no progress: order %s %s, filled %lld of %lld\n",
                 std::string(order.client_order_id.view()).c_str(),
                 std::string(to_string(order.state)).c_str(),
                 static_cast<long long>(order.filled_quantity.raw),
                 static_cast<long long>(order.quantity.raw));
  }
  std::fprintf(stderr, "no progress: %zu lookup(s) pending, next due in %lld ms\n",
               engine.orders().pending_lookups(),
               static_cast<long long>((engine.orders().next_due_ns() - clock.now_ns()) / kNsPerMs));
  return 3;
}

}  // namespace
}  // namespace sigex

int main(int argc, char** argv) {
  const std::string mode = argc >= 5 ? argv[4] : "";
  if ((argc != 4 && argc != 5 && argc != 6) || (mode == "mixed") != (argc == 6)) {
    std::fprintf(stderr,
                 "usage: sigex-crash-driver STATE_DIR BASE_URL STEPS [adopt|usdm|coinbase]\n"
                 "       sigex-crash-driver STATE_DIR BASE_URL STEPS mixed COINBASE_URL\n");
    return 2;
  }
  return sigex::run(argv[1], argv[2], std::stoll(argv[3]), mode == "adopt", mode == "usdm",
                    mode == "coinbase", argc == 6 ? argv[5] : "");
}
