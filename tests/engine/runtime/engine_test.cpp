#include "engine/runtime/engine.h"

#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <vector>

#include "engine/core/simulated_clock.h"
#include "engine/sim/simulated_venue.h"
#include "support/recording_venue.h"
#include "support/test_strategies.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// A journal in `directory` (null, and the test failed, when it cannot be opened).
std::unique_ptr<Journal> open_journal(const TemporaryDirectory& directory) {
  std::string error;
  auto journal = Journal::open(directory.path(), Durability::kNormal, error);
  EXPECT_TRUE(journal) << error;
  return journal;
}

// Runs what falls due up to `at`, then hands the engine a quote of `instrument` at `at`.
void quote_at(Engine& engine, SimulatedClock& clock, TimeNs at, InstrumentId instrument,
              std::string_view bid, std::string_view ask) {
  while (engine.next_due_time_ns() <= at) {
    clock.advance_to(engine.next_due_time_ns());
    engine.run_due();
  }
  clock.advance_to(at);
  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer =
      BestBidOffer{instrument, 0, at, price(bid), quantity("5"), price(ask), quantity("5"), 1};
  engine.process(event);
}

// Buys once on the first quote, sells everything once filled; records what it saw.
class ScriptedStrategy final : public Strategy {
 public:
  std::string_view tag() const override { return "test"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    if (bought_) return;
    bought_ = true;
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = Side::kBuy;
    intent.price = quote.ask_price;
    intent.quantity = quantity("0.01");
    intent.intent = IntentKey{1};
    buy_id = context.submit(intent);
    // An order far outside the collar is denied and never reaches the venue.
    intent.price = Price{quote.ask_price.raw * 2};
    intent.intent = IntentKey{2};
    denied = !context.submit(intent).has_value();
    context.set_timer(context.now_ns() + 1'000, 7);
  }
  void on_fill(StrategyContext& context, const Order& order, const ExecutionEvent&) override {
    ++fills;
    if (order.side == Side::kBuy && order.state == OrderState::kFilled) {
      OrderIntent intent;
      intent.instrument = order.instrument;
      intent.side = Side::kSell;
      intent.price = context.quote(order.instrument).bid;
      intent.quantity = context.position(order.instrument).quantity;
      intent.intent = IntentKey{3};
      context.submit(intent);
    }
  }
  void on_timer(StrategyContext& context, std::uint64_t tag) override {
    timer_tag = tag;
    timer_time = context.now_ns();
  }

  bool bought_ = false;
  bool denied = false;
  int fills = 0;
  std::uint64_t timer_tag = 0;
  TimeNs timer_time = 0;
  std::optional<ClientOrderId> buy_id;
};

TEST(Engine, SignalToFillRoundTripOnTheSimulatedVenue) {
  TemporaryDirectory directory;
  const InstrumentRegistry instruments = two_instruments();
  auto journal = open_journal(directory);
  ASSERT_TRUE(journal);
  SimulatedClock clock(1'000'000);
  SimulatedVenueConfig venue_config;
  venue_config.order_latency_ns = 100;
  SimulatedVenue venue(instruments, venue_config, money("10000"));
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerSecond;
  Engine engine(instruments, clock, *journal, venue, risk, money("10000"));
  engine.add_market_observer(&venue);
  auto owned = std::make_unique<ScriptedStrategy>();
  ScriptedStrategy& strategy = *owned;
  engine.add_strategy(std::move(owned));
  engine.start();

  auto feed = [&](TimeNs at, std::string_view bid, std::string_view ask) {
    quote_at(engine, clock, at, 0, bid, ask);
  };
  feed(1'000'000, "50000", "50001");
  feed(1'010'000, "50010", "50011");
  feed(1'020'000, "50010", "50011");

  EXPECT_TRUE(strategy.buy_id.has_value());
  EXPECT_TRUE(strategy.denied);
  EXPECT_EQ(strategy.fills, 2);
  EXPECT_EQ(strategy.timer_tag, 7u);
  EXPECT_EQ(strategy.timer_time, 1'001'000);
  EXPECT_EQ(engine.portfolio().position(0).quantity.raw, 0);
  EXPECT_EQ(engine.risk().denials(RiskDenial::kPriceCollar), 1u);
  EXPECT_EQ(engine.counters().orders_submitted, 2u);
  EXPECT_EQ(journal->count_rows("orders"), 2);
  EXPECT_EQ(journal->count_rows("fills"), 2);
  EXPECT_EQ(journal->count_rows("risk_denials"), 1);
  // Bought 0.01 at the ask 50001; the sell left when the buy's fill came back (200 ns later,
  // before the next quote) and hit the bid 50000. Fees are 10 bps each way.
  EXPECT_EQ(engine.portfolio().position(0).realised_pnl, money("-0.01"));
  EXPECT_EQ(engine.portfolio().cash(),
            money("10000") - money("0.01") - money("0.50001") - money("0.5"));
}

// Buys 0.01 at the ask on every quote, each quote a new intent.
class BuyEveryQuote final : public Strategy {
 public:
  std::string_view tag() const override { return "every"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.price = quote.ask_price;
    intent.quantity = quantity("0.01");
    intent.intent = IntentKey{++sequence_};
    context.submit(intent);
  }

 private:
  std::uint64_t sequence_ = 0;
};

// One engine on a recording venue, fed the same quotes and answers whether it rehearses the
// order path between them or not.
struct RehearsalRun {
  TemporaryDirectory directory;
  InstrumentRegistry instruments = two_instruments();
  std::unique_ptr<Journal> journal;
  SimulatedClock clock{1'000'000};
  RecordingVenue venue;
  std::unique_ptr<Engine> engine;

  explicit RehearsalRun(bool rehearse) {
    std::string error;
    journal = Journal::open(directory.path(), Durability::kNormal, error);
    RiskConfig risk;
    risk.max_quote_age_ns = kNsPerSecond;
    risk.max_orders_per_instrument = 2;  // a throttle the rehearsals must never fill
    risk.order_rate_window_ns = kNsPerSecond;
    engine = std::make_unique<Engine>(instruments, clock, *journal, venue, risk, money("10000"));
    engine->add_strategy(std::make_unique<BuyEveryQuote>());
    engine->start();
    const auto between = [&] {
      if (!rehearse) return;
      for (int i = 0; i < 5; ++i) engine->rehearse_order_path();
    };
    between();  // before any quote or order
    for (int i = 0; i < 4; ++i) {
      clock.advance_to(clock.now_ns() + 1'000);
      InboundEvent event;
      event.kind = MarketEventKind::kBestBidOffer;
      event.best_bid_offer = BestBidOffer{
          0, 0, clock.now_ns(), price("50000"), quantity("5"), price("50001"), quantity("5"), 1};
      engine->process(event);
      between();
      // The first order expires, so that its intent could be sent again; the others stay open.
      if (i == 0)
        venue.answers.push_back(answer(ExecutionKind::kExpired, venue.sent[0].client_order_id));
      engine->run_due();
      between();
    }
  }
};

TEST(Engine, RehearsingTheOrderPathDecidesNothingAndChangesNothing) {
  const RehearsalRun plain(false);
  const RehearsalRun rehearsed(true);
  // Two orders pass the throttle of two a second, the next two are denied: in both runs.
  ASSERT_EQ(plain.venue.sent.size(), 2u);
  ASSERT_EQ(rehearsed.venue.sent.size(), plain.venue.sent.size());
  for (const RehearsalRun* run : {&plain, &rehearsed}) {  // each journal has its own identity
    for (std::uint64_t key = 1; key <= 2; ++key) {
      EXPECT_EQ(
          run->venue.sent[key - 1].client_order_id,
          mint_client_order_id("every", run->journal->identity(), "BTCUSDT", IntentKey{key}, 0));
    }
  }
  EXPECT_EQ(rehearsed.engine->counters().orders_submitted, 2u);
  EXPECT_EQ(rehearsed.engine->risk().approvals(), plain.engine->risk().approvals());
  EXPECT_EQ(rehearsed.engine->risk().denials(RiskDenial::kOrderRateInstrument), 2u);
  EXPECT_EQ(plain.engine->risk().denials(RiskDenial::kOrderRateInstrument), 2u);
  EXPECT_EQ(rehearsed.engine->orders().orders().size(), plain.engine->orders().orders().size());
  for (const char* table : {"orders", "order_events", "risk_denials"}) {
    EXPECT_EQ(rehearsed.journal->count_rows(table), plain.journal->count_rows(table)) << table;
  }
  // 45 rehearsals. Before the first quote nothing can pass (no price); the first order's
  // intent, once it expired, could be sent again until the throttle filled with the second
  // order; after that none would pass.
  EXPECT_EQ(rehearsed.engine->rehearsals().total, 45u);
  EXPECT_EQ(rehearsed.engine->rehearsals().would_pass, 5u);
  EXPECT_EQ(plain.engine->rehearsals().total, 0u);
}

class LossLimitSession {
 public:
  LossLimitSession(const std::filesystem::path& state, SimulatedClock& clock,
                   const RiskConfig& risk)
      : instruments_(two_instruments()),
        venue_(instruments_, SimulatedVenueConfig{}, money("10000")) {
    std::string error;
    journal_ = Journal::open(state, Durability::kNormal, error);
    engine_ =
        std::make_unique<Engine>(instruments_, clock, *journal_, venue_, risk, money("10000"));
    engine_->add_market_observer(&venue_);
    auto owned = std::make_unique<BuyOnQuote>("buyer", BuyOnQuote::Times::kEveryQuote);
    strategy = owned.get();
    engine_->add_strategy(std::move(owned));
    engine_->start();
  }
  void quote(TimeNs at, std::string_view bid, std::string_view ask, SimulatedClock& clock) {
    clock.advance_to(at);
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    event.best_bid_offer =
        BestBidOffer{0, 0, at, price(bid), quantity("5"), price(ask), quantity("5"), 1};
    engine_->process(event);
  }
  Engine& engine() { return *engine_; }
  BuyOnQuote* strategy = nullptr;

 private:
  InstrumentRegistry instruments_;
  SimulatedVenue venue_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Engine> engine_;
};

TEST(Engine, DailyLossLimitHaltsAndStaysHaltedAcrossARestartUntilAnOperatorResumes) {
  TemporaryDirectory directory;
  SimulatedClock clock(1'000 * kNsPerSecond);
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerDay;
  risk.daily_loss_limit = money("50");
  {
    LossLimitSession session(directory.path(), clock, risk);
    session.quote(1'001 * kNsPerSecond, "50000", "50001", clock);  // buys 0.01
    session.quote(1'002 * kNsPerSecond, "49900", "49901", clock);  // buys again: -1 + -1
    EXPECT_EQ(session.strategy->accepted, 2);
    EXPECT_EQ(session.engine().trading_states().get("global").state, TradingState::kActive);
    // 0.02 BTC loses 200 USDT at 40 000: over the 50 USDT limit.
    session.quote(1'003 * kNsPerSecond, "40000", "40001", clock);
    const TradingStatus& status = session.engine().trading_states().get("global");
    EXPECT_EQ(status.state, TradingState::kHalted);
    EXPECT_NE(status.reason.find("daily_loss_limit"), std::string::npos) << status.reason;
    EXPECT_EQ(session.strategy->accepted, 2);  // the order in the crossing event was denied
    session.quote(1'004 * kNsPerSecond, "40000", "40001", clock);
    EXPECT_EQ(session.strategy->accepted, 2);
    EXPECT_GE(session.engine().risk().denials(RiskDenial::kTradingHalted), 2u);
  }
  {
    // A restart, the next UTC day, prices back up: still halted.
    LossLimitSession session(directory.path(), clock, risk);
    EXPECT_EQ(session.engine().trading_states().get("global").state, TradingState::kHalted);
    session.quote(kNsPerDay + 1'000 * kNsPerSecond, "50000", "50001", clock);
    EXPECT_EQ(session.strategy->accepted, 0);
    EXPECT_EQ(session.engine().risk().denials(RiskDenial::kTradingHalted), 1u);
    session.engine().set_trading_state("global", TradingState::kActive, "operator: resumed");
    session.quote(kNsPerDay + 1'001 * kNsPerSecond, "50000", "50001", clock);
    EXPECT_EQ(session.strategy->accepted, 1);
  }
  LossLimitSession session(directory.path(), clock, risk);
  EXPECT_EQ(session.engine().trading_states().get("global").state, TradingState::kActive);
}

TEST(Engine, MaxDrawdownFromThePeakHalts) {
  TemporaryDirectory directory;
  SimulatedClock clock(1'000 * kNsPerSecond);
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerDay;
  risk.max_drawdown_bps = 100;  // 1 % of the peak equity
  LossLimitSession session(directory.path(), clock, risk);
  session.quote(1'001 * kNsPerSecond, "50000", "50001", clock);  // buys 0.01
  // Each buy fills 5 ms later, when the next quote is processed.
  session.quote(1'002 * kNsPerSecond, "60000", "60001",
                clock);  // 0.01 up 10 000: a peak of ~10 099
  EXPECT_EQ(session.engine().trading_states().get("global").state, TradingState::kActive);
  session.quote(1'003 * kNsPerSecond, "58000", "58001", clock);  // 0.02 held: ~0.4 % below the peak
  EXPECT_EQ(session.engine().trading_states().get("global").state, TradingState::kActive);
  session.quote(1'004 * kNsPerSecond, "50000", "50001", clock);  // 0.03 held: ~2.8 % below
  const TradingStatus& status = session.engine().trading_states().get("global");
  EXPECT_EQ(status.state, TradingState::kHalted);
  EXPECT_NE(status.reason.find("max_drawdown"), std::string::npos) << status.reason;
}

// Rests one GTC buy 4 % under the ask.
class RestingBuyer final : public Strategy {
 public:
  std::string_view tag() const override { return "rest"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    if (placed) return;
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = Side::kBuy;
    intent.time_in_force = TimeInForce::kGoodTillCancel;
    intent.price = Price{quote.ask_price.raw / 100 * 96};
    intent.quantity = quantity("0.01");
    intent.intent = IntentKey{1};
    placed = context.submit(intent).has_value();
  }
  bool placed = false;
};

TEST(Engine, HaltingAnInstrumentCancelsItsRestingOrdersAndOnlyThose) {
  TemporaryDirectory directory;
  const InstrumentRegistry instruments = two_instruments();
  auto journal = open_journal(directory);
  ASSERT_TRUE(journal);
  SimulatedClock clock(1'000 * kNsPerSecond);
  SimulatedVenue venue(instruments, SimulatedVenueConfig{}, money("10000"));
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerDay;
  Engine engine(instruments, clock, *journal, venue, risk, money("10000"));
  engine.add_market_observer(&venue);
  auto owned = std::make_unique<RestingBuyer>();
  RestingBuyer& strategy = *owned;
  engine.add_strategy(std::move(owned));
  engine.start();
  auto quote = [&](TimeNs at, InstrumentId instrument, std::string_view bid, std::string_view ask) {
    quote_at(engine, clock, at, instrument, bid, ask);
  };
  quote(1'001 * kNsPerSecond, 0, "50000", "50001");
  quote(1'002 * kNsPerSecond, 0, "50000", "50001");
  ASSERT_TRUE(strategy.placed);
  ASSERT_TRUE(engine.orders().has_open_order(0));
  engine.set_trading_state(instrument_scope("ETHUSDT"), TradingState::kHalted, "operator: test");
  quote(1'003 * kNsPerSecond, 0, "50000", "50001");
  EXPECT_TRUE(engine.orders().has_open_order(0));  // another instrument's halt leaves it
  engine.set_trading_state(instrument_scope("BTCUSDT"), TradingState::kHalted, "operator: test");
  quote(1'004 * kNsPerSecond, 0, "50000", "50001");
  EXPECT_FALSE(engine.orders().has_open_order(0));
  EXPECT_EQ(engine.orders().orders().at(0).state, OrderState::kCanceled);
}

// Submits the next of its scripted resting buys on each quote, and records the verdicts and
// what its context says each account holds.
class ScriptedBuys final : public Strategy {
 public:
  struct Buy {
    InstrumentId instrument;
    std::string_view price;
    std::string_view quantity;
  };
  explicit ScriptedBuys(std::vector<Buy> buys) : buys_(std::move(buys)) {}
  std::string_view tag() const override { return "buys"; }
  void on_quote(StrategyContext& context, const BestBidOffer&) override {
    if (approved.size() == buys_.size()) return;
    const Buy& buy = buys_[approved.size()];
    OrderIntent intent;
    intent.instrument = buy.instrument;
    intent.side = Side::kBuy;
    intent.time_in_force = TimeInForce::kGoodTillCancel;
    intent.price = price(buy.price);
    intent.quantity = quantity(buy.quantity);
    intent.intent = IntentKey{approved.size() + 1};
    approved.push_back(context.submit(intent).has_value());
    account_cash = {context.account_cash(0), context.account_cash(1)};
    cash = context.cash();
  }
  std::vector<bool> approved;
  std::array<Money, 2> account_cash{};
  Money cash{0};

 private:
  std::vector<Buy> buys_;
};

// Instruments on two venues: a buy spends its own venue account's cash, less what that
// account's open buys hold, and never the other account's.
// Instruments on two venues, Binance's account with 600 and Coinbase's with 5 000; quotes stay
// fresh for a day.
struct TwoVenueAccounts {
  TemporaryDirectory directory;
  const InstrumentRegistry instruments = instruments_on_two_venues();
  std::unique_ptr<Journal> journal = open_journal(directory);
  SimulatedClock clock{1'000 * kNsPerSecond};
  const std::vector<CashAccount> accounts{{VenueName::from("binance"), money("600")},
                                          {VenueName::from("coinbase"), money("5000")}};
  RiskConfig risk = [] {
    RiskConfig config;
    config.max_quote_age_ns = kNsPerDay;
    return config;
  }();
};

TEST(Engine, ABuyIsCheckedAgainstItsOwnVenueAccountsCash) {
  TwoVenueAccounts set_up;
  auto& [directory, instruments, journal, clock, accounts, risk] = set_up;
  ASSERT_TRUE(journal);
  SimulatedVenue venue(instruments, SimulatedVenueConfig{}, accounts);
  Engine engine(instruments, clock, *journal, venue, risk, accounts);
  engine.add_market_observer(&venue);
  auto owned = std::make_unique<ScriptedBuys>(std::vector<ScriptedBuys::Buy>{
      {0, "48000", "0.01"},  // 480 of Binance's 600: rests
      {0, "48000", "0.01"},  // 480 more: Binance has 120 left, Coinbase's 5 000 do not count
      {1, "2900", "1"},      // 2 900 of Coinbase's 5 000: Binance's resting buy holds none
      {1, "2900", "1"},      // 2 900 more: Coinbase has 2 100 left
  });
  ScriptedBuys& strategy = *owned;
  engine.add_strategy(std::move(owned));
  engine.start();
  TimeNs at = 1'001 * kNsPerSecond;
  for (int i = 0; i < 4; ++i) {
    quote_at(engine, clock, at, 0, "50000", "50001");
    quote_at(engine, clock, at + kNsPerSecond, 1, "3000", "3001");
    at += 2 * kNsPerSecond;
  }
  EXPECT_EQ(strategy.approved, (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(engine.risk().denials(RiskDenial::kInsufficientBalance), 2u);
  EXPECT_EQ(strategy.account_cash[0], money("600"));  // resting buys spend nothing yet
  EXPECT_EQ(strategy.account_cash[1], money("5000"));
  EXPECT_EQ(strategy.cash, money("5600"));
  EXPECT_EQ(engine.orders().reserved_buy_notional(instruments, "binance"), money("480"));
  EXPECT_EQ(engine.orders().reserved_buy_notional(instruments, "coinbase"), money("2900"));
  EXPECT_EQ(engine.orders().reserved_buy_notional(instruments), money("3380"));
}

// While running, each venue reports what its account holds of the cash asset (kAccountCash:
// a balance push, a periodic read). An account holding less than sigex may spend there (a
// withdrawal) limits its buys and its strategies' sizing to what it holds at once, and never
// the other account's; two short reports in a row announce it (the metric), one without ends it.
TEST(Engine, AVenueAccountHoldingLessThanItsBudgetLimitsItsBuysToWhatItHolds) {
  TwoVenueAccounts set_up;
  auto& [directory, instruments, journal, clock, accounts, risk] = set_up;
  ASSERT_TRUE(journal);
  RecordingVenue venue;  // accepts nothing, fills nothing: each approved buy stays open
  Engine engine(instruments, clock, *journal, venue, risk, accounts);
  auto owned = std::make_unique<ScriptedBuys>(std::vector<ScriptedBuys::Buy>{
      {0, "48000", "0.005"},  // 240 of Binance's 600, but the account holds 200: denied
      {1, "2900", "1"},       // Coinbase's own 5 000: approved
      {0, "48000", "0.004"},  // 192 of the 200 held: approved
      {0, "48000", "0.004"},  // 192 more: the account holds 1 000 again, 408 of 600 left
  });
  ScriptedBuys& strategy = *owned;
  engine.add_strategy(std::move(owned));
  engine.start();
  const auto account_holds = [&](InstrumentId instrument, std::string_view held) {
    ExecutionEvent report{};
    report.kind = ExecutionKind::kAccountCash;
    report.instrument = instrument;
    report.cash = money(held);
    venue.answers.push_back(report);
    engine.run_due();
  };
  account_holds(0, "200");  // a withdrawal while running
  EXPECT_EQ(engine.spendable_cash(0), money("200"));
  EXPECT_EQ(engine.spendable_cash(1), money("5000"));
  EXPECT_EQ(engine.announced_cash_shortfall(0), money("0")) << "one report may race a fill";
  TimeNs at = 1'001 * kNsPerSecond;
  quote_at(engine, clock, at, 0, "50000", "50001");
  EXPECT_EQ(strategy.account_cash[0], money("200"));  // what strategies size to
  EXPECT_EQ(strategy.account_cash[1], money("5000"));
  EXPECT_EQ(strategy.cash, money("5600"));  // the books are unchanged
  quote_at(engine, clock, at += kNsPerSecond, 1, "3000", "3001");
  account_holds(0, "200");  // the periodic read says it again: announced
  EXPECT_EQ(engine.announced_cash_shortfall(0), money("400"));
  EXPECT_EQ(engine.announced_cash_shortfall(1), money("0"));
  quote_at(engine, clock, at += kNsPerSecond, 0, "50000", "50001");
  account_holds(0, "1000");  // funds added: the budget holds again
  EXPECT_EQ(engine.announced_cash_shortfall(0), money("0"));
  EXPECT_EQ(engine.spendable_cash(0), money("600"));
  quote_at(engine, clock, at += kNsPerSecond, 0, "50000", "50001");
  EXPECT_EQ(strategy.approved, (std::vector<bool>{false, true, true, true}));
  EXPECT_EQ(engine.risk().denials(RiskDenial::kInsufficientBalance), 1u);
  EXPECT_EQ(engine.orders().reserved_buy_notional(instruments, "binance"), money("384"));
}

TEST(Engine, RepeatedExecutionDisablesTheStrategyAcrossRestarts) {
  TemporaryDirectory directory;
  SimulatedClock clock(1'000 * kNsPerSecond);
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerDay;
  risk.max_fills = 3;
  risk.fill_window_ns = 60 * kNsPerSecond;
  {
    LossLimitSession session(directory.path(), clock, risk);
    for (int i = 1; i <= 6; ++i) session.quote((1'000 + i) * kNsPerSecond, "50000", "50001", clock);
    EXPECT_EQ(session.strategy->accepted, 4);  // the 4th fill trips the throttle
    EXPECT_TRUE(session.engine().trading_states().strategy_disabled("buyer"));
    EXPECT_EQ(session.engine().risk().denials(RiskDenial::kStrategyDisabled), 2u);
  }
  LossLimitSession session(directory.path(), clock, risk);
  session.quote(2'000 * kNsPerSecond, "50000", "50001", clock);
  EXPECT_EQ(session.strategy->accepted, 0);
}

TEST(Engine, AFailedJournalWriteHaltsTradingWithoutWaitingForIt) {
  TemporaryDirectory directory;
  const InstrumentRegistry instruments = two_instruments();
  auto journal = open_journal(directory);
  ASSERT_TRUE(journal);
  SimulatedClock clock(1'000'000);
  SimulatedVenue venue(instruments, SimulatedVenueConfig{}, money("10000"));
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerSecond;
  Engine engine(instruments, clock, *journal, venue, risk, money("10000"));
  auto owned = std::make_unique<ScriptedStrategy>();
  ScriptedStrategy& strategy = *owned;
  engine.add_strategy(std::move(owned));
  engine.start();
  // The id the strategy's first order will get, journaled beforehand: the writer thread's
  // insert of the real intent then fails as a duplicate.
  Order squatter;
  squatter.client_order_id =
      mint_client_order_id("test", journal->identity(), "BTCUSDT", IntentKey{1}, 0);
  ASSERT_TRUE(journal->record_intent(squatter, "BTCUSDT"));
  ASSERT_TRUE(journal->flush());

  InboundEvent event;
  event.kind = MarketEventKind::kBestBidOffer;
  event.best_bid_offer = BestBidOffer{
      0, 0, 1'000'000, price("50000"), quantity("5"), price("50001"), quantity("5"), 1};
  engine.process(event);
  ASSERT_TRUE(strategy.buy_id.has_value());
  EXPECT_FALSE(journal->flush());
  // The next event finds the failure and halts; a venue holding the order releases it unsent.
  clock.advance_to(1'010'000);
  event.best_bid_offer.receive_time_ns = 1'010'000;
  engine.process(event);
  EXPECT_TRUE(engine.halted());
  EXPECT_NE(engine.halt_reason().find("UNIQUE"), std::string::npos) << engine.halt_reason();
  EXPECT_EQ(journal->watermark().wait_for(journal->last_intent_sequence(), 0),
            DurabilityWatermark::Wait::kFailed);
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

class RecordingControl final : public MarketDataControl {
 public:
  void request_resync(InstrumentId instrument) override { requests.push_back(instrument); }
  std::vector<InstrumentId> requests;
};

TEST(Engine, InstrumentIsUntradeableExactlyWhileItsBookIsBroken) {
  TemporaryDirectory directory;
  const InstrumentRegistry instruments = two_instruments();
  auto journal = open_journal(directory);
  ASSERT_TRUE(journal);
  SimulatedClock clock(1'000);
  SimulatedVenue venue(instruments, SimulatedVenueConfig{}, money("10000"));
  Engine engine(instruments, clock, *journal, venue, RiskConfig{}, money("10000"));
  RecordingControl control;
  engine.set_market_data_control(&control);
  engine.start();

  auto depth = [&](std::uint8_t flags, std::uint64_t first, std::uint64_t last) {
    InboundEvent event;
    event.kind = MarketEventKind::kDepthLevel;
    event.depth = DepthLevel{};
    event.depth.instrument = 0;
    event.depth.flags = flags | DepthLevel::kFirstInMessage | DepthLevel::kLastInMessage;
    event.depth.side = Side::kBuy;
    event.depth.receive_time_ns = clock.now_ns();
    event.depth.price = price("100");
    event.depth.quantity = quantity("1");
    event.depth.first_update_id = first;
    event.depth.last_update_id = last;
    engine.process(event);
  };
  InboundEvent quote;
  quote.kind = MarketEventKind::kBestBidOffer;
  quote.best_bid_offer =
      BestBidOffer{0, 0, 1'000, price("100"), quantity("1"), price("101"), quantity("1"), 1};
  engine.process(quote);
  EXPECT_TRUE(engine.is_tradeable(0));  // no depth data: quotes alone decide
  depth(0, 5, 6);
  EXPECT_FALSE(engine.is_tradeable(0));  // depth seen, no snapshot yet
  depth(DepthLevel::kSnapshot, 6, 6);
  EXPECT_TRUE(engine.is_tradeable(0));
  depth(0, 9, 9);  // gap
  EXPECT_FALSE(engine.is_tradeable(0));
  EXPECT_EQ(control.requests, std::vector<InstrumentId>{0});
  EXPECT_TRUE(engine.is_tradeable(1) == false);  // never quoted
  depth(DepthLevel::kSnapshot, 9, 9);
  EXPECT_TRUE(engine.is_tradeable(0));
  engine.invalidate_book(0);  // e.g. the feed dropped records
  EXPECT_FALSE(engine.is_tradeable(0));
  EXPECT_EQ(control.requests.size(), 2u);
  EXPECT_EQ(engine.counters().resync_requests, 2u);
}

}  // namespace
}  // namespace sigex

#include "support/strategy_harness.h"

namespace sigex {
namespace {

using namespace sigex::testing;

// Buys `size` once, on the first quote.
class BuyOnce final : public Strategy {
 public:
  explicit BuyOnce(std::string_view size) : size_(size) {}
  std::string_view tag() const override { return "once"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    if (done_) return;
    done_ = true;
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = Side::kBuy;
    intent.price = quote.ask_price;
    intent.quantity = quantity(size_);
    intent.intent = IntentKey{1};
    context.submit(intent);
  }

 private:
  std::string_view size_;
  bool done_ = false;
};

// An engine trading one perpetual with 10 000 USDT, whose live venue reports only what a test
// hands it (answer()).
struct OnePerpetualEngine {
  OnePerpetualEngine() {
    registry.add(btcusdt_perpetual(10));
    journal = open_journal(directory);
    engine =
        std::make_unique<Engine>(registry, clock, *journal, venue, RiskConfig{}, money("10000"));
    engine->start();
  }
  void answer(const ExecutionEvent& event) {
    venue.answers.push_back(event);
    engine->run_due();
  }
  InstrumentRegistry registry;
  TemporaryDirectory directory;
  std::unique_ptr<Journal> journal;
  SimulatedClock clock{1'700'000'000LL * kNsPerSecond};
  RecordingVenue venue;
  std::unique_ptr<Engine> engine;
};

// The live venue reports the exchange's position when its fills do not explain it; the engine
// compares it with the journal's and halts the instrument only when they differ.
TEST(EnginePerpetuals, AnExchangePositionTheJournalDoesNotExplainHaltsTheInstrument) {
  OnePerpetualEngine session;
  const Engine& engine = *session.engine;
  ExecutionEvent report{};
  report.kind = ExecutionKind::kPositionReport;
  report.instrument = 0;
  report.quantity = quantity("0");  // what the journal says too: nothing to do
  session.answer(report);
  EXPECT_EQ(engine.trading_states().effective("BTCUSDT"), TradingState::kActive);
  EXPECT_EQ(engine.counters().alerts, 0u);
  report.quantity = quantity("-0.01");  // a short nobody in sigex opened
  session.answer(report);
  EXPECT_EQ(engine.trading_states().effective("BTCUSDT"), TradingState::kHalted);
  EXPECT_EQ(engine.counters().alerts, 1u);
  EXPECT_NE(engine.trading_states()
                .get(instrument_scope("BTCUSDT"))
                .reason.find("the exchange's position of BTCUSDT is -0.01"),
            std::string::npos);
}

// A futures wallet reported below sigex's (a withdrawal) is less to post margin from: the
// available margin shrinks by the difference at once, and comes back with the wallet.
TEST(EnginePerpetuals, AWalletReportedBelowSigexsLeavesLessMarginForNewOrders) {
  OnePerpetualEngine session;
  const Engine& engine = *session.engine;
  const Money before = engine.available_margin(0);
  ExecutionEvent report{};
  report.kind = ExecutionKind::kAccountCash;
  report.instrument = 0;
  report.cash = money("4000");  // 6 000 withdrawn from the wallet
  session.answer(report);
  EXPECT_EQ(engine.available_margin(0), before - money("6000"));
  EXPECT_EQ(engine.portfolio().cash(), money("10000"));  // sigex's books are unchanged
  report.cash = money("10000");
  session.answer(report);
  EXPECT_EQ(engine.available_margin(0), before);
}

TEST(EnginePerpetuals, FundingAndALiquidationAreBookedOnceJournaledAndRestored) {
  constexpr TimeNs kStart = 1'700'000'000LL * kNsPerSecond;
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(10));
  StrategyHarness harness(kStart, std::move(registry));
  RiskConfig risk;
  risk.max_quote_age_ns = kNsPerHour;
  risk.min_liquidation_distance_bps = 0;
  harness.prepare(risk);
  harness.add(std::make_unique<BuyOnce>("1.8"));  // 90 000 at 10x on 10 000
  harness.engine().start();
  harness.quote(0, "49999.9", "50000", "10");
  ASSERT_EQ(harness.engine().portfolio().position(0).quantity, quantity("1.8"));

  // A published settlement: the long pays 1.8 × 50000 × 0.0001 = 9.
  harness.at(kStart + kNsPerHour);
  InboundEvent funding;
  funding.kind = MarketEventKind::kFundingRate;
  funding.funding_rate =
      FundingRate{0, kStart + kNsPerHour, kStart + kNsPerHour, Rate{10'000}, price("50000")};
  harness.process(funding);
  EXPECT_EQ(harness.engine().portfolio().funding_paid(), money("9"));
  EXPECT_EQ(harness.engine().counters().funding_settlements, 1u);

  // The mark falls until the margin balance meets the maintenance margin.
  harness.at(kStart + 2 * kNsPerHour);
  harness.mark(0, "45000");  // margin balance 991, maintenance margin 355: not yet
  EXPECT_EQ(harness.engine().portfolio().position(0).quantity, quantity("1.8"));
  harness.mark(0, "44000");  // 9991 − 10800 < 0
  const Portfolio& portfolio = harness.engine().portfolio();
  EXPECT_EQ(portfolio.position(0).quantity.raw, 0) << "liquidated by the venue";
  EXPECT_EQ(harness.engine().counters().venue_fills, 1u);
  EXPECT_EQ(harness.engine().trading_states().effective("BTCUSDT"), TradingState::kHalted);
  EXPECT_EQ(portfolio.cash(), harness.venue().account().cash());
  const Money cash = portfolio.cash();
  const auto events = harness.journal().load_account_events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, AccountEventKind::kFunding);
  EXPECT_EQ(events[1].kind, AccountEventKind::kVenueFill);

  // A restart on the same journal books both again, once.
  SimulatedClock clock(kStart + 3 * kNsPerHour);
  SimulatedVenue venue(harness.instruments(), SimulatedVenueConfig{}, money("10000"));
  Engine restarted(harness.instruments(), clock, harness.journal(), venue, risk, money("10000"));
  restarted.start();
  EXPECT_EQ(restarted.portfolio().position(0).quantity.raw, 0);
  EXPECT_EQ(restarted.portfolio().cash(), cash);
  EXPECT_EQ(restarted.portfolio().funding_paid(), money("9"));
  EXPECT_EQ(restarted.trading_states().effective("BTCUSDT"), TradingState::kHalted);
}

}  // namespace
}  // namespace sigex
