#include "engine/sim/simulated_venue.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

class SimulatedVenueTest : public ::testing::Test {
 protected:
  SimulatedVenueTest() : instruments_(two_instruments()) {
    config_.order_latency_ns = 10;
    config_.maker_fee_bps = 2;
    config_.taker_fee_bps = 10;
    config_.bar_participation_bps = 1000;
  }

  InboundEvent quote(TimeNs at, std::string_view bid, std::string_view bid_size,
                     std::string_view ask, std::string_view ask_size) {
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    event.best_bid_offer =
        BestBidOffer{0, 0, at, price(bid), quantity(bid_size), price(ask), quantity(ask_size), 1};
    return event;
  }

  InboundEvent trade(TimeNs at, std::string_view at_price, std::string_view size) {
    InboundEvent event;
    event.kind = MarketEventKind::kTrade;
    event.trade = TradeTick{0, AggressorSide::kSeller, at, at, price(at_price), quantity(size), 1};
    return event;
  }

  InboundEvent bar(TimeNs at, std::string_view open, std::string_view high, std::string_view low,
                   std::string_view close, std::string_view volume) {
    InboundEvent event;
    event.kind = MarketEventKind::kBar;
    event.bar = Bar{0,           true,        at,         at,           at - 100,        at - 1,
                    price(open), price(high), price(low), price(close), quantity(volume)};
    return event;
  }

  OrderCommand order(Side side, OrderType type, TimeInForce tif, std::string_view limit,
                     std::string_view size, std::string_view id = "o1", TimeNs at = 0) {
    OrderCommand command{};
    command.kind = OrderCommandKind::kNew;
    command.side = side;
    command.type = type;
    command.time_in_force = tif;
    command.instrument = 0;
    command.client_order_id = ClientOrderId::from(id);
    command.price = type == OrderType::kMarket ? Price{0} : price(limit);
    command.quantity = quantity(size);
    command.created_time_ns = at;
    return command;
  }

  std::vector<ExecutionEvent> poll(SimulatedVenue& venue, TimeNs at) {
    std::vector<ExecutionEvent> out;
    venue.poll(at, out);
    return out;
  }

  InstrumentRegistry instruments_;
  SimulatedVenueConfig config_;
};

TEST_F(SimulatedVenueTest, NothingHappensBeforeTheOrderArrives) {
  SimulatedVenue venue(instruments_, config_, money("100000"));
  venue.on_market(quote(0, "100", "1", "101", "1"));
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kImmediateOrCancel, "101", "0.5"));
  EXPECT_TRUE(poll(venue, 9).empty());
  EXPECT_EQ(venue.next_event_time_ns(), 10);
  EXPECT_TRUE(poll(venue, 19).empty());  // answers travel back with the same latency
  const auto answers = poll(venue, 20);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].kind, ExecutionKind::kAccepted);
  EXPECT_EQ(answers[1].kind, ExecutionKind::kFill);
  EXPECT_EQ(answers[1].receive_time_ns, 20);
}

TEST_F(SimulatedVenueTest, PartialFillAgainstDisplayedSizeThenIocExpiry) {
  SimulatedVenue venue(instruments_, config_, money("100000"));
  venue.on_market(quote(0, "100", "1", "101", "0.4"));
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kImmediateOrCancel, "102", "1"));
  const auto answers = poll(venue, 100);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[1].kind, ExecutionKind::kFill);
  EXPECT_EQ(answers[1].price, price("101"));  // takes at the ask, not at its limit
  EXPECT_EQ(answers[1].quantity, quantity("0.4"));
  EXPECT_EQ(answers[1].liquidity, Liquidity::kTaker);
  EXPECT_EQ(answers[1].fee, money("0.0404"));  // 40.4 * 10 bps
  EXPECT_EQ(answers[2].kind, ExecutionKind::kExpired);
  EXPECT_EQ(venue.account().position(0).quantity, quantity("0.4"));
}

// Venues mixed in one configuration: each instrument pays its own venue's spot fees, in its
// venue's asset (Binance: a buy's fee in the coin bought; Coinbase: in the quote currency).
TEST_F(SimulatedVenueTest, EachInstrumentPaysItsOwnVenuesFeesInItsVenuesAsset) {
  const InstrumentRegistry mixed = instruments_on_two_venues();
  config_.venue_fees = {{VenueName::from("binance"), {10, 10, SimulatedFeeAsset::kBase}},
                        {VenueName::from("coinbase"), {40, 60, SimulatedFeeAsset::kQuote}}};
  SimulatedVenue venue(mixed, config_, money("100000"));
  venue.on_market(quote(0, "100", "10", "101", "10"));
  InboundEvent eth = quote(0, "100", "10", "101", "10");
  eth.best_bid_offer.instrument = 1;
  venue.on_market(eth);
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kImmediateOrCancel, "101", "1"));
  OrderCommand on_coinbase =
      order(Side::kBuy, OrderType::kLimit, TimeInForce::kImmediateOrCancel, "101", "1", "o2");
  on_coinbase.instrument = 1;
  venue.send(on_coinbase);
  const auto answers = poll(venue, 100);
  std::vector<ExecutionEvent> fills;
  for (const ExecutionEvent& event : answers)
    if (event.kind == ExecutionKind::kFill) fills.push_back(event);
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].fee_asset, FeeAsset::kBase);
  EXPECT_EQ(fills[0].fee_quantity, quantity("0.001")) << "10 bps of the coin bought";
  EXPECT_EQ(fills[1].fee_asset, FeeAsset::kQuote);
  EXPECT_EQ(fills[1].fee, money("0.606")) << "Coinbase's 60 bps taker fee on 101";
  // Instruments of a venue without its own table pay the defaults.
  EXPECT_EQ(venue.spot_fees(btcusdt()).taker_fee_bps, 10);
  EXPECT_EQ(venue.spot_fees(btcusdt()).fee_asset, SimulatedFeeAsset::kQuote);
}

TEST_F(SimulatedVenueTest, DisplayedSizeIsNotTakenTwice) {
  SimulatedVenue venue(instruments_, config_, money("100000"));
  venue.on_market(quote(0, "100", "1", "101", "0.5"));
  venue.send(order(Side::kBuy, OrderType::kMarket, TimeInForce::kGoodTillCancel, "", "0.4", "a"));
  venue.send(order(Side::kBuy, OrderType::kMarket, TimeInForce::kGoodTillCancel, "", "0.4", "b"));
  auto answers = poll(venue, 100);
  ASSERT_EQ(answers.size(), 4u);  // accepted a, fill a 0.4, accepted b, fill b 0.1
  EXPECT_EQ(answers[3].quantity, quantity("0.1"));
  // The market order's remainder takes from the next quote.
  venue.on_market(quote(200, "100", "1", "102", "5"));
  answers = poll(venue, 300);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].price, price("102"));
  EXPECT_EQ(answers[0].quantity, quantity("0.3"));
}

TEST_F(SimulatedVenueTest, RestingLimitFillsAsMakerAtItsPrice) {
  SimulatedVenue venue(instruments_, config_, money("100000"));
  venue.on_market(quote(0, "100", "1", "101", "1"));
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "100.5", "1"));
  auto answers = poll(venue, 20);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].kind, ExecutionKind::kAccepted);
  venue.on_market(trade(30, "100.40", "0.3"));           // a trade through our price
  venue.on_market(quote(40, "100", "1", "100.5", "2"));  // the ask comes down to us
  answers = poll(venue, 100);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].quantity, quantity("0.3"));
  EXPECT_EQ(answers[1].quantity, quantity("0.7"));
  for (const auto& fill : answers) {
    EXPECT_EQ(fill.price, price("100.5"));
    EXPECT_EQ(fill.liquidity, Liquidity::kMaker);
  }
  EXPECT_EQ(answers[0].fee + answers[1].fee, money("0.02010000"));  // 100.5 * 2 bps
}

// Each venue's account pays for its own orders, and a resting buy holds its cash as the
// exchange locks the quote asset: the next buy is refused though the account's balance, or
// the other account, would cover it.
TEST_F(SimulatedVenueTest, EachVenueAccountPaysItsOwnBuysAndRestingBuysHoldTheirCash) {
  const InstrumentRegistry mixed = instruments_on_two_venues();
  SimulatedVenue venue(mixed, config_,
                       {CashAccount{VenueName::from("binance"), money("150")},
                        CashAccount{VenueName::from("coinbase"), money("10000")}});
  venue.on_market(quote(0, "100", "10", "101", "10"));
  InboundEvent eth = quote(0, "100", "10", "101", "10");
  eth.best_bid_offer.instrument = 1;
  venue.on_market(eth);
  // 90 rests on Binance's 150; another 90 there is refused, Coinbase's 10 000 notwithstanding.
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "90", "1", "r1"));
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "90", "1", "r2"));
  OrderCommand on_coinbase =
      order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "90", "50", "c1");
  on_coinbase.instrument = 1;
  venue.send(on_coinbase);
  const auto answers = poll(venue, 100);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].kind, ExecutionKind::kAccepted);
  EXPECT_EQ(answers[1].kind, ExecutionKind::kRejected);
  EXPECT_EQ(answers[1].venue_error_code, -2010);  // insufficient balance
  EXPECT_EQ(answers[2].kind, ExecutionKind::kAccepted) << "Coinbase's own 10 000 pays 4 500";
  EXPECT_EQ(venue.account().cash(0), money("150"));
  EXPECT_EQ(venue.account().cash(1), money("10000"));
  EXPECT_EQ(venue.account().cash(), money("10150"));
}

TEST_F(SimulatedVenueTest, FiltersRejectWithBinanceCodes) {
  SimulatedVenue venue(instruments_, config_, money("100"));
  venue.on_market(quote(0, "100", "1", "101", "1"));
  venue.send(
      order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "100.001", "0.1", "tick"));
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "100", "0.000001",
                   "step"));
  venue.send(
      order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "100", "0.01", "small"));
  venue.send(
      order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "100", "2", "broke"));
  venue.send(
      order(Side::kSell, OrderType::kLimit, TimeInForce::kGoodTillCancel, "100", "1", "short"));
  const auto answers = poll(venue, 100);
  ASSERT_EQ(answers.size(), 5u);
  EXPECT_EQ(answers[0].venue_error_code, -1013);  // PRICE_FILTER
  EXPECT_EQ(answers[1].venue_error_code, -1013);  // LOT_SIZE
  EXPECT_EQ(answers[2].venue_error_code, -1013);  // NOTIONAL: 1 USDT < 5
  EXPECT_EQ(answers[3].venue_error_code, -2010);  // insufficient balance
  EXPECT_EQ(answers[4].venue_error_code, -2010);  // nothing to sell
  for (const auto& answer : answers) EXPECT_EQ(answer.kind, ExecutionKind::kRejected);
}

TEST_F(SimulatedVenueTest, CancelRestingAndUnknownOrders) {
  SimulatedVenue venue(instruments_, config_, money("1000"));
  venue.on_market(quote(0, "100", "1", "101", "1"));
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "99", "1"));
  OrderCommand cancel{};
  cancel.kind = OrderCommandKind::kCancel;
  cancel.client_order_id = ClientOrderId::from("o1");
  cancel.created_time_ns = 50;
  venue.send(cancel);
  cancel.client_order_id = ClientOrderId::from("ghost");
  venue.send(cancel);
  const auto answers = poll(venue, 200);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[1].kind, ExecutionKind::kCanceled);
  EXPECT_EQ(answers[2].kind, ExecutionKind::kCancelRejected);
  EXPECT_EQ(answers[2].venue_error_code, -2011);
}

TEST_F(SimulatedVenueTest, BarFillsAtOpenOrLimitWithinParticipation) {
  SimulatedVenue venue(instruments_, config_, money("100000"));
  venue.send(
      order(Side::kBuy, OrderType::kLimit, TimeInForce::kImmediateOrCancel, "105", "2", "a"));
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kGoodTillCancel, "95", "1", "b"));
  EXPECT_EQ(poll(venue, 50).size(), 2u);  // both accepted; no quote yet
  venue.on_market(bar(1000, "100", "110", "90", "108", "10"));
  const auto answers = poll(venue, 2000);
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(answers[0].price, price("100"));      // at the open: it was within the limit
  EXPECT_EQ(answers[0].quantity, quantity("1"));  // 10 % of the bar's volume
  EXPECT_EQ(answers[0].liquidity, Liquidity::kTaker);
  EXPECT_EQ(answers[1].kind, ExecutionKind::kExpired);  // IOC remainder
  EXPECT_EQ(answers[2].price, price("95"));             // the low reached the limit
  EXPECT_EQ(answers[2].liquidity, Liquidity::kMaker);
}

// A bar that began before the order existed is the order's past: filling at its open would
// be look-ahead (an order made on a signal published at D+1 00:05 filled at D's open). The
// order waits for a bar that opened when it was made, within 1 % of the bar's length.
TEST_F(SimulatedVenueTest, ABarThatOpenedBeforeTheOrderDoesNotFillIt) {
  SimulatedVenue venue(instruments_, config_, money("100000"));
  const TimeNs day = kNsPerDay;
  // Made at day 1 + 5 min: the bar of day 0 (received at day 1) is its past.
  venue.send(order(Side::kBuy, OrderType::kLimit, TimeInForce::kImmediateOrCancel, "200", "1", "a",
                   day + 5 * kNsPerMinute));
  EXPECT_EQ(poll(venue, day + 5 * kNsPerMinute + kNsPerSecond).size(), 1u);  // accepted
  InboundEvent past = bar(day, "100", "110", "90", "108", "100");
  past.bar.open_time_ns = 0;
  past.bar.close_time_ns = day - 1;
  venue.on_market(past);
  EXPECT_TRUE(poll(venue, day + 6 * kNsPerMinute).empty())
      << "filled at the open of a bar that began a day earlier";
  // The bar of day 1 opened 5 min before the order: within 1 % of a day (14.4 min), so it is
  // the order's bar, and it fills at its open.
  InboundEvent next = bar(2 * day, "120", "130", "115", "125", "100");
  next.bar.open_time_ns = day;
  next.bar.close_time_ns = 2 * day - 1;
  venue.on_market(next);
  const auto answers = poll(venue, 2 * day + kNsPerSecond);
  ASSERT_FALSE(answers.empty());
  EXPECT_EQ(answers[0].kind, ExecutionKind::kFill);
  EXPECT_EQ(answers[0].price, price("120"));
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

// Paper restarts: the simulated exchange comes back as the journal proves it was.
TEST_F(SimulatedVenueTest, RestoresFromTheJournalLikeAnExchangeThatKeptRunning) {
  SimulatedVenue venue(instruments_, config_, money("100000"));
  Order resting;
  resting.client_order_id = ClientOrderId::from("rest1");
  resting.instrument = 0;
  resting.side = Side::kBuy;
  resting.type = OrderType::kLimit;
  resting.time_in_force = TimeInForce::kGoodTillCancel;
  resting.state = OrderState::kPartiallyFilled;
  resting.price = price("99");
  resting.quantity = quantity("1");
  resting.filled_quantity = quantity("0.25");
  resting.venue_order_id = 41;
  Order done = resting;
  done.client_order_id = ClientOrderId::from("done1");
  done.state = OrderState::kFilled;
  done.venue_order_id = 40;
  Order never_arrived = resting;
  never_arrived.client_order_id = ClientOrderId::from("sent1");
  never_arrived.state = OrderState::kSent;
  never_arrived.venue_order_id = 0;
  const std::vector<FillRow> fills = {{0, 7, ClientOrderId::from("done1"), Side::kBuy, price("99"),
                                       quantity("1"), FillFee::in_quote(money("0.099")), 1},
                                      {0, 9, ClientOrderId::from("rest1"), Side::kBuy, price("99"),
                                       quantity("0.25"), FillFee::in_quote(money("0.02475")), 2}};
  venue.restore({done, resting, never_arrived}, fills);
  EXPECT_EQ(venue.account().position(0).quantity, quantity("1.25"));
  EXPECT_EQ(venue.account().cash(), money("100000") - money("123.75") - money("0.12375"));

  OrderCommand query{};
  query.kind = OrderCommandKind::kQuery;
  query.instrument = 0;
  query.client_order_id = ClientOrderId::from("rest1");
  venue.send(query);
  query.client_order_id = ClientOrderId::from("sent1");
  venue.send(query);
  query.client_order_id = ClientOrderId::from("done1");
  venue.send(query);
  auto answers = poll(venue, 100);
  ASSERT_EQ(answers.size(), 2u);  // a finished order's answers were all delivered already
  EXPECT_EQ(answers[0].kind, ExecutionKind::kAccepted);
  EXPECT_EQ(answers[0].venue_order_id, 41u);
  EXPECT_EQ(answers[1].kind, ExecutionKind::kNotFound);  // it never reached this venue

  // The resting remainder still fills, with a trade id after the journal's highest.
  venue.on_market(quote(200, "98", "5", "99", "5"));
  answers = poll(venue, 300);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].kind, ExecutionKind::kFill);
  EXPECT_EQ(answers[0].quantity, quantity("0.75"));
  EXPECT_EQ(answers[0].trade_id, 10u);
}

}  // namespace
}  // namespace sigex

namespace sigex {
namespace {

using namespace sigex::testing;

// The simulated venue for USD-M perpetuals: margin, reduce-only, funding and liquidation as
// Binance documents them.
class SimulatedPerpetualTest : public ::testing::Test {
 protected:
  SimulatedPerpetualTest() {
    registry_.add(btcusdt_perpetual(10));
    config_.order_latency_ns = 10;
    config_.perpetual_maker_fee_bps = 2;
    config_.perpetual_taker_fee_bps = 5;
    config_.liquidation_fee_bps = 125;
  }
  void start(std::string_view cash) {
    venue_ = std::make_unique<SimulatedVenue>(registry_, config_, money(cash));
  }
  void quote(TimeNs at, std::string_view price_text) {
    InboundEvent event;
    event.kind = MarketEventKind::kBestBidOffer;
    event.best_bid_offer = BestBidOffer{
        0, 0, at, price(price_text), quantity("100"), price(price_text), quantity("100"), 1};
    venue_->on_market(event);
  }
  void mark(TimeNs at, std::string_view price_text, std::int64_t rate = 0,
            TimeNs next_funding = 0) {
    InboundEvent event;
    event.kind = MarketEventKind::kMarkPrice;
    event.mark_price = MarkPrice{0, at, at, price(price_text), Rate{rate}, next_funding};
    venue_->on_market(event);
  }
  void funding(TimeNs at, std::int64_t rate, std::string_view mark_text = "0") {
    InboundEvent event;
    event.kind = MarketEventKind::kFundingRate;
    event.funding_rate = FundingRate{0, at, at, Rate{rate}, price(mark_text)};
    venue_->on_market(event);
  }
  std::vector<ExecutionEvent> send(Side side, std::string_view size, std::string_view id, TimeNs at,
                                   bool reduce_only = false) {
    OrderCommand command{};
    command.kind = OrderCommandKind::kNew;
    command.side = side;
    command.type = OrderType::kMarket;
    command.time_in_force = TimeInForce::kImmediateOrCancel;
    command.instrument = 0;
    command.client_order_id = ClientOrderId::from(id);
    command.quantity = quantity(size);
    command.created_time_ns = at;
    command.reduce_only = reduce_only;
    venue_->send(command);
    return answers(at + 100);
  }
  std::vector<ExecutionEvent> answers(TimeNs until) {
    std::vector<ExecutionEvent> out;
    venue_->poll(until, out);
    return out;
  }
  const Position& position() const { return venue_->account().position(0); }

  InstrumentRegistry registry_;
  SimulatedVenueConfig config_;
  std::unique_ptr<SimulatedVenue> venue_;
};

TEST_F(SimulatedPerpetualTest, ShortsNeedMarginAndPayTheFuturesTakerFee) {
  start("1000");
  quote(1, "50000");
  // 0.1 BTC = 5000 at 10x needs 500 of margin plus a 2.5 fee.
  auto events = send(Side::kSell, "0.1", "s1", 10);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, ExecutionKind::kAccepted);
  EXPECT_EQ(events[1].kind, ExecutionKind::kFill);
  EXPECT_EQ(events[1].fee, money("2.5"));
  EXPECT_EQ(events[1].fee_asset, FeeAsset::kQuote);
  EXPECT_EQ(position().quantity, quantity("-0.1"));
  // 0.2 more (10000, 1000 of margin) does not fit what is left (1000 − 2.5 − 500).
  events = send(Side::kSell, "0.2", "s2", 1000);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, ExecutionKind::kRejected);
  EXPECT_EQ(events[0].venue_error_code, -2019);
  EXPECT_EQ(events[0].rejection, RejectionKind::kFinal);
}

TEST_F(SimulatedPerpetualTest, ReduceOnlyNeverOpensAndClosesAtMostThePosition) {
  start("1000");
  quote(1, "50000");
  send(Side::kSell, "0.1", "s1", 10);
  auto events = send(Side::kSell, "0.01", "r1", 1000, true);  // would grow the short
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].venue_error_code, -2022);
  events = send(Side::kBuy, "0.5", "r2", 2000, true);  // larger than the short: closes it only
  ASSERT_GE(events.size(), 2u);
  EXPECT_EQ(events[1].kind, ExecutionKind::kFill);
  EXPECT_EQ(events[1].quantity, quantity("0.1"));
  EXPECT_EQ(position().quantity.raw, 0);
}

TEST_F(SimulatedPerpetualTest, PublishedFundingIsChargedOncePerSettlement) {
  start("10000");
  quote(1, "40000");
  send(Side::kBuy, "0.5", "b1", 10);
  const Money before = venue_->account().cash();
  funding(8 * kNsPerHour, 10'000);  // 0.01 %, no mark in the row: the latest price, 40000
  auto events = answers(9 * kNsPerHour);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, ExecutionKind::kFunding);
  EXPECT_EQ(events[0].funding, money("-2"));  // the long pays 0.5 × 40000 × 0.0001
  EXPECT_EQ(events[0].venue_time_ns, 8 * kNsPerHour);
  EXPECT_EQ(venue_->account().cash(), before - money("2"));
  funding(8 * kNsPerHour, 10'000);  // the same settlement again: nothing
  EXPECT_TRUE(answers(10 * kNsPerHour).empty());
  funding(16 * kNsPerHour, -20'000, "41000");  // negative: longs receive, at the row's mark
  events = answers(17 * kNsPerHour);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].funding, money("4.1"));
}

TEST_F(SimulatedPerpetualTest, TheMarkPriceStreamSettlesTheRateItAnnounced) {
  start("10000");
  quote(1, "40000");
  send(Side::kSell, "0.5", "s1", 10);
  mark(kNsPerHour, "40000", 30'000, 8 * kNsPerHour);  // announced: 0.03 % at 08:00
  mark(7 * kNsPerHour, "40100", 35'000, 8 * kNsPerHour);
  EXPECT_TRUE(answers(7 * kNsPerHour + 100).empty());
  mark(8 * kNsPerHour + 500, "40200", 10'000, 16 * kNsPerHour);  // past 08:00: settled
  const auto events = answers(9 * kNsPerHour);
  ASSERT_EQ(events.size(), 1u);
  // The short receives 0.5 × 40200 × 0.00035 = 7.035 (the last rate announced before 08:00).
  EXPECT_EQ(events[0].funding, money("7.035"));
}

TEST_F(SimulatedPerpetualTest, LiquidatesAtTheMarkWhenTheMarginRatioReaches100Percent) {
  start("600");
  quote(1, "50000");
  send(Side::kBuy, "0.1", "b1", 10);  // 5000 long on 600: liquidation near 44 200
  mark(100, "46000");
  EXPECT_TRUE(answers(200).empty());
  mark(300, "44000");
  const auto events = answers(1000);
  ASSERT_EQ(events.size(), 1u);
  const ExecutionEvent& liquidation = events[0];
  EXPECT_EQ(liquidation.kind, ExecutionKind::kVenueFill);
  EXPECT_EQ(liquidation.side, Side::kSell);
  EXPECT_EQ(liquidation.price, price("44000"));
  EXPECT_EQ(liquidation.quantity, quantity("0.1"));
  EXPECT_EQ(liquidation.fee, money("55"));  // 1.25 % of 4400
  EXPECT_TRUE(liquidation.client_order_id.view().starts_with("autoclose-"));
  EXPECT_EQ(position().quantity.raw, 0);
  // 600 − 2.5 (the entry's fee) − 600 (the loss) − 55 (the clearance fee)
  EXPECT_EQ(venue_->account().cash(), money("-57.5"));
}

}  // namespace
}  // namespace sigex
