// Property test: the engine (OMS, journal, portfolio) driven by random venue behaviour against
// a simple model of what the venue really did. For each scenario the model decides each
// order's true fate (rejected, or accepted with some fills and then filled, canceled, expired
// or left open); the venue's messages about it are then delivered duplicated, reordered,
// mixed with "outcome unknown" noise, and interrupted by restarts (the engine rebuilt from its
// journal, answering lookups with the truth). Some orders' lookups lag: the venue says "does
// not exist" for longer than the OMS's minimum resend wait, and when asked to prove it, finds
// the order's trades (absence unproven). Some fills pay their fee in the coin bought.
// Whatever the order of news, afterwards:
//  * every true fill is counted exactly once (order, portfolio and journal agree with the model);
//  * the position is net of the fees taken from the coins bought;
//  * no order is ever filled beyond its quantity;
//  * the final state is the true one;
//  * no order is sent twice (one kNew per client id), however long a lookup lags.

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "engine/core/simulated_clock.h"
#include "engine/runtime/engine.h"
#include "support/recording_venue.h"
#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

enum class Fate { kRejected, kFilled, kCanceled, kExpired, kOpen };

struct TrueOrder {
  Fate fate = Fate::kOpen;
  std::vector<ExecutionEvent> fills;
  Quantity filled{0};
  Quantity fees_in_coin{0};    // taken from the coins bought
  TimeNs visible_from_ns = 0;  // before this, lookups lag: "does not exist"
};

// Submits `count` buy orders on the first quote it sees.
class Submitter final : public Strategy {
 public:
  explicit Submitter(int count) : count_(count) {}
  std::string_view tag() const override { return "prop"; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    for (int i = 0; i < count_; ++i) {
      OrderIntent intent;
      intent.instrument = quote.instrument;
      intent.side = Side::kBuy;
      intent.time_in_force = TimeInForce::kGoodTillCancel;
      intent.price = quote.ask_price;
      intent.quantity = quantity("0.01");
      intent.intent = IntentKey{static_cast<std::uint64_t>(100 + i)};
      ids.push_back(*context.submit(intent));
    }
    count_ = 0;
  }
  std::vector<ClientOrderId> ids;

 private:
  int count_;
};

// What the scenarios went through, to show they reach the interesting places.
struct ScenarioStats {
  int restarts = 0;
  int lookups_answered = 0;
  int refilled = 0;  // fills delivered again by a lookup after a restart
  int lagged = 0;    // lookups answered "does not exist" although the order existed
  int unproven = 0;  // proofs of absence that found the order's trace
  int fees_in_coin = 0;
};

class Scenario {
 public:
  Scenario(std::uint64_t seed, ScenarioStats& stats)
      : stats(stats), random_(seed), instruments_(two_instruments()) {}

  void run() {
    open();
    Submitter* submitter = nullptr;
    {
      auto strategy = std::make_unique<Submitter>(pick(1, 4));
      submitter = strategy.get();
      engine_->add_strategy(std::move(strategy));
      engine_->start();
      engine_->process(quote());
    }
    const std::vector<ClientOrderId> ids = submitter->ids;
    ASSERT_FALSE(ids.empty());
    std::uint64_t next_trade = 1;
    std::vector<ExecutionEvent> news;
    for (const auto& id : ids) {
      TrueOrder truth = decide(id, next_trade);
      for (const auto& event : messages_about(id, truth)) news.push_back(event);
      truths_[std::string(id.view())] = std::move(truth);
    }
    // Shuffle a little: swap random neighbours (reports overtaking each other).
    for (std::size_t i = 0; i + 1 < news.size(); ++i) {
      if (chance(25)) std::swap(news[i], news[i + 1]);
    }
    for (const auto& event : news) {
      if (chance(8)) restart();
      deliver(event);
      if (chance(15)) deliver(event);  // duplicated
    }
    // Whatever is still unresolved is looked up, minutes long (past every lookup lag and the
    // OMS's minimum resend wait); the venue answers with the truth once its lag is over.
    for (int round = 0; round < 80; ++round) {
      clock_.advance_to(clock_.now_ns() + 5 * kNsPerSecond);
      engine_->run_due();
      answer_lookups();
    }
    check(ids);
    stats.restarts += restarts_;
  }

 private:
  void open() {
    std::string error;
    journal_ = Journal::open(directory_.path(), Durability::kNormal, error);
    ASSERT_TRUE(journal_) << error;
    engine_ = std::make_unique<Engine>(instruments_, clock_, *journal_, venue_, RiskConfig{},
                                       money("1000000"));
  }

  void restart() {
    ++restarts_;
    engine_.reset();
    journal_.reset();
    open();
    engine_->add_strategy(std::make_unique<Submitter>(0));
    engine_->start();
    engine_->run_due();                // sends the lookups for what the journal shows open
    if (chance(50)) answer_lookups();  // answered at once, repeating fills counted before
  }

  TrueOrder decide(const ClientOrderId& id, std::uint64_t& next_trade) {
    TrueOrder truth;
    if (chance(15)) {
      truth.fate = Fate::kRejected;
      return truth;
    }
    // The venue's lookups lag behind this order for 90 to 300 s: longer than the resend wait.
    if (chance(30)) truth.visible_from_ns = clock_.now_ns() + pick(90, 300) * kNsPerSecond;
    const bool fee_in_coin = chance(50);
    const int fills = pick(0, 3);
    std::int64_t left = quantity("0.01").raw;
    for (int i = 0; i < fills && left > 0; ++i) {
      const std::int64_t size =
          i + 1 == fills ? left : std::min<std::int64_t>(left, pick(1, 6) * std::int64_t{100'000});
      ExecutionEvent fill =
          fill_of(id, next_trade++, price("50000"), Quantity{size}, money("0.01"));
      if (fee_in_coin) {
        fill.fee_asset = FeeAsset::kBase;
        fill.fee_quantity = Quantity{(size + 999) / 1000};  // 0.1 %, rounded up
        truth.fees_in_coin += fill.fee_quantity;
        ++stats.fees_in_coin;
      }
      truth.fills.push_back(fill);
      truth.filled += Quantity{size};
      left -= size;
    }
    if (left == 0) {
      truth.fate = Fate::kFilled;
    } else {
      const int end = pick(0, 2);
      truth.fate = end == 0 ? Fate::kCanceled : end == 1 ? Fate::kExpired : Fate::kOpen;
    }
    return truth;
  }

  std::vector<ExecutionEvent> messages_about(const ClientOrderId& id, const TrueOrder& truth) {
    std::vector<ExecutionEvent> out;
    if (chance(20)) out.push_back(answer(ExecutionKind::kUnknown, id));  // a timeout first
    if (truth.fate == Fate::kRejected) {
      out.push_back(answer(ExecutionKind::kRejected, id));
      return out;
    }
    out.push_back(answer(ExecutionKind::kAccepted, id));
    for (const auto& fill : truth.fills) out.push_back(fill);
    if (truth.fate == Fate::kCanceled) out.push_back(answer(ExecutionKind::kCanceled, id));
    if (truth.fate == Fate::kExpired) out.push_back(answer(ExecutionKind::kExpired, id));
    return out;
  }

  void deliver(const ExecutionEvent& event) {
    venue_.answers.push_back(event);
    engine_->run_due();
  }

  void answer_lookups() {
    std::vector<OrderCommand> sent;
    sent.swap(venue_.sent);
    for (const auto& command : sent) {
      if (command.kind == OrderCommandKind::kNew)
        ++new_orders_[std::string(command.client_order_id.view())];
      if (command.kind != OrderCommandKind::kQuery) continue;
      const TrueOrder& truth = truths_.at(std::string(command.client_order_id.view()));
      ++stats.lookups_answered;
      if (clock_.now_ns() < truth.visible_from_ns) {
        // The lookup lags. Asked for proof, the venue finds the order's trades (or, with no
        // fill yet, its place in the book): never proof of absence.
        ExecutionEvent lag =
            answer(command.prove_absence ? ExecutionKind::kUnknown : ExecutionKind::kNotFound,
                   command.client_order_id);
        if (command.prove_absence) {
          lag.absence = AbsenceEvidence::kUnproven;
          ++stats.unproven;
        }
        ++stats.lagged;
        deliver(lag);
        continue;
      }
      stats.refilled += static_cast<int>(truth.fills.size());
      for (const auto& event : messages_about(command.client_order_id, truth)) {
        if (event.kind != ExecutionKind::kUnknown) deliver(event);
      }
    }
    engine_->run_due();
  }

  void check(const std::vector<ClientOrderId>& ids) {
    for (const auto& command : venue_.sent) {
      if (command.kind == OrderCommandKind::kNew)
        ++new_orders_[std::string(command.client_order_id.view())];
    }
    Quantity all_fills{0};
    for (const auto& id : ids) {
      const TrueOrder& truth = truths_.at(std::string(id.view()));
      const Order* order = engine_->orders().find(id.view());
      ASSERT_NE(order, nullptr);
      EXPECT_EQ(order->filled_quantity, truth.filled) << id.view();
      EXPECT_LE(order->filled_quantity, order->quantity);
      EXPECT_EQ(new_orders_[std::string(id.view())], 1) << id.view() << " sent more than once";
      switch (truth.fate) {
        case Fate::kRejected:
          EXPECT_EQ(order->state, OrderState::kRejected);
          break;
        case Fate::kFilled:
          EXPECT_EQ(order->state, OrderState::kFilled);
          break;
        case Fate::kCanceled:
          EXPECT_EQ(order->state, OrderState::kCanceled);
          break;
        case Fate::kExpired:
          EXPECT_EQ(order->state, OrderState::kExpired);
          break;
        case Fate::kOpen:
          EXPECT_TRUE(order->state == OrderState::kAccepted ||
                      order->state == OrderState::kPartiallyFilled)
              << to_string(order->state);
          break;
      }
      all_fills += truth.filled;
    }
    Quantity fees_in_coin{0};
    for (const auto& id : ids) fees_in_coin += truths_.at(std::string(id.view())).fees_in_coin;
    EXPECT_EQ(engine_->portfolio().position(0).quantity, all_fills - fees_in_coin);
    Quantity journaled{0};
    for (const auto& fill : journal_->load_fills()) journaled += fill.quantity;
    EXPECT_EQ(journaled, all_fills);
  }

  BestBidOffer quote_record() const {
    BestBidOffer bbo{};
    bbo.instrument = 0;
    bbo.receive_time_ns = clock_.now_ns();
    bbo.bid_price = price("49999");
    bbo.ask_price = price("50000");
    bbo.bid_quantity = quantity("1");
    bbo.ask_quantity = quantity("1");
    return bbo;
  }
  InboundEvent quote() const {
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    event.best_bid_offer = quote_record();
    return event;
  }

  int pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  bool chance(int percent) { return pick(1, 100) <= percent; }

  ScenarioStats& stats;
  std::mt19937_64 random_;
  TemporaryDirectory directory_;
  InstrumentRegistry instruments_;
  SimulatedClock clock_{1'000 * kNsPerSecond};
  RecordingVenue venue_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Engine> engine_;
  std::map<std::string, TrueOrder> truths_;
  std::map<std::string, int> new_orders_;
  int restarts_ = 0;
};

TEST(OrderProperty, RandomVenueNewsNeverDoubleCountsOrResends) {
  ScenarioStats stats;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    Scenario scenario(seed, stats);
    scenario.run();
    if (::testing::Test::HasFailure()) break;
  }
  // The scenarios did reach the interesting places.
  EXPECT_GT(stats.restarts, 100);
  EXPECT_GT(stats.lookups_answered, 100);
  EXPECT_GT(stats.refilled, 50);
  EXPECT_GT(stats.lagged, 100);
  EXPECT_GT(stats.unproven, 10);
  EXPECT_GT(stats.fees_in_coin, 100);
}

}  // namespace
}  // namespace sigex
