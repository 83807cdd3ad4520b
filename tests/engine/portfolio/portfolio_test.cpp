#include "engine/portfolio/portfolio.h"

#include "engine/portfolio/balance_check.h"

#include <gtest/gtest.h>

#include <string>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TEST(Portfolio, BuyThenSellRealisesPnlAndChargesFees) {
  const InstrumentRegistry instruments = two_instruments();
  Portfolio portfolio(instruments, money("10000"));
  portfolio.apply_fill(0, Side::kBuy, price("50000"), quantity("0.1"), money("5"));
  EXPECT_EQ(portfolio.cash(), money("4995"));
  EXPECT_EQ(portfolio.position(0).quantity, quantity("0.1"));
  EXPECT_EQ(portfolio.position(0).entry_price, price("50000"));
  portfolio.apply_fill(0, Side::kBuy, price("52000"), quantity("0.1"), money("5.2"));
  EXPECT_EQ(portfolio.position(0).entry_price, price("51000"));

  const FillResult result =
      portfolio.apply_fill(0, Side::kSell, price("55000"), quantity("0.1"), money("5.5"));
  EXPECT_EQ(result.realised_pnl, money("400"));  // (55000 - 51000) * 0.1
  EXPECT_EQ(portfolio.position(0).quantity, quantity("0.1"));
  EXPECT_EQ(portfolio.position(0).cost_basis, money("5100"));
  EXPECT_EQ(portfolio.total_fees(), money("15.7"));
  EXPECT_EQ(portfolio.cash(),
            money("10000") - money("5000") - money("5200") + money("5500") - money("15.7"));
}

TEST(Portfolio, EquityMarksPositionsAtTheReference) {
  const InstrumentRegistry instruments = two_instruments();
  Portfolio portfolio(instruments, money("1000"));
  portfolio.apply_fill(1, Side::kBuy, price("2000"), quantity("0.25"), money("0"));
  QuoteBook quotes(instruments.size());
  BestBidOffer quote{1, 0, 1, price("2199"), quantity("1"), price("2201"), quantity("1"), 1};
  quotes.apply(quote);
  EXPECT_EQ(portfolio.market_value(1, quotes), money("550"));  // mid 2200
  EXPECT_EQ(portfolio.unrealised_pnl(1, quotes), money("50"));
  EXPECT_EQ(portfolio.equity(quotes), money("1050"));
}

TEST(Portfolio, TotalsOverAWideUniverseAddUpEveryInstrumentThoughOnlyHeldOnesAreVisited) {
  // 200 instruments, every other one a perpetual; positions open, grow, flip and close on a
  // few. Equity, exposure, account margin and the cross-margin wallet are summed over the
  // held positions only: after every fill they must equal the sums over all 200.
  InstrumentRegistry instruments;
  for (int i = 0; i < 200; ++i) {
    Instrument instrument = i % 2 == 0 ? btcusdt() : btcusdt_perpetual();
    instrument.symbol = Symbol::from("T" + std::to_string(i) + "USDT");
    instrument.token_id = 0;  // no Token Metrics token: symbols only
    instruments.add(instrument);
  }
  Portfolio portfolio(instruments, money("1000000"));
  QuoteBook quotes(instruments.size());
  for (InstrumentId id = 0; id < instruments.size(); ++id) {
    quotes.apply(
        BestBidOffer{id, 0, 1, price("49990"), quantity("1"), price("50010"), quantity("1"), 1});
  }
  struct Fill {
    InstrumentId instrument;
    Side side;
    const char* price;
    const char* quantity;
  };
  const Fill fills[] = {
      {4, Side::kBuy, "50000", "0.2"},   {7, Side::kSell, "50100", "0.1"},
      {150, Side::kBuy, "49000", "0.3"}, {7, Side::kBuy, "50200", "0.3"},  // flips long
      {4, Side::kSell, "51000", "0.2"},  {199, Side::kSell, "48000", "0.05"},
      {7, Side::kSell, "50300", "0.2"},  // flat
      {0, Side::kBuy, "50000", "0.01"},
  };
  for (const Fill& fill : fills) {
    portfolio.apply_fill(fill.instrument, fill.side, price(fill.price), quantity(fill.quantity),
                         money("0.5"));
    Money equity = portfolio.cash() - portfolio.other_asset_fees_value();
    Money longs{0};
    Money shorts{0};
    AccountMargin margin;
    margin.margin_balance = equity;
    for (InstrumentId id = 0; id < instruments.size(); ++id) {
      const Money value = portfolio.market_value(id, quotes);
      (value.raw > 0 ? longs : shorts) += value.raw > 0 ? value : -value;
      const bool perpetual = instruments.get(id).is_perpetual();
      equity += perpetual ? portfolio.unrealised_pnl(id, quotes) : value;
      if (!perpetual) continue;
      margin.margin_balance += portfolio.unrealised_pnl(id, quotes);
      margin.initial_margin += portfolio.margin(id, quotes).initial_margin;
      margin.maintenance_margin += portfolio.margin(id, quotes).maintenance_margin;
    }
    ASSERT_EQ(portfolio.equity(quotes), equity) << fill.instrument;
    ASSERT_EQ(portfolio.long_exposure(quotes), longs) << fill.instrument;
    ASSERT_EQ(portfolio.short_exposure(quotes), shorts) << fill.instrument;
    const AccountMargin account = portfolio.account_margin(quotes);
    ASSERT_EQ(account.margin_balance, margin.margin_balance) << fill.instrument;
    ASSERT_EQ(account.initial_margin, margin.initial_margin) << fill.instrument;
    ASSERT_EQ(account.maintenance_margin, margin.maintenance_margin) << fill.instrument;
    for (const InstrumentId held : {InstrumentId{7}, InstrumentId{150}, InstrumentId{199}}) {
      Money wallet = portfolio.cash() - portfolio.other_asset_fees_value();
      for (InstrumentId id = 1; id < instruments.size(); id += 2) {
        if (id == held) continue;
        wallet +=
            portfolio.unrealised_pnl(id, quotes) - portfolio.margin(id, quotes).maintenance_margin;
      }
      ASSERT_EQ(portfolio.wallet_for(held, quotes), wallet) << fill.instrument << " " << held;
    }
  }
  EXPECT_EQ(portfolio.position(7).quantity, Quantity{0});
  EXPECT_GT(portfolio.short_exposure(quotes), Money{0});  // 199 is short
}

// Start-up: each venue account's cash against what its venue reported; only a shortfall is
// returned, an account the venues reported nothing for is left out.
TEST(Portfolio, EachAccountsCashIsComparedWithWhatItsVenueHolds) {
  const InstrumentRegistry registry = instruments_on_two_venues();
  Portfolio portfolio(registry, {CashAccount{VenueName::from("binance"), money("6000")},
                                 CashAccount{VenueName::from("coinbase"), money("4000")}});
  portfolio.apply_fill(1, Side::kBuy, price("2000"), quantity("1"), money("2"));  // coinbase
  const std::vector<HeldCash> held{{VenueName::from("coinbase"), money("1998")},
                                   {VenueName::from("binance"), money("5999")}};
  const auto shortfalls = compare_cash_with_accounts(portfolio, held, "USDT");
  ASSERT_EQ(shortfalls.size(), 1u);
  EXPECT_EQ(shortfalls[0].account, 0u);
  EXPECT_EQ(shortfalls[0].venue.view(), "binance");
  EXPECT_EQ(shortfalls[0].held, money("5999"));
  EXPECT_EQ(shortfalls[0].sigex, money("6000"));
  // Rounding dust (under 0.01 % of what sigex may spend) is not a shortfall.
  EXPECT_TRUE(compare_cash_with_accounts(portfolio,
                                         {{VenueName::from("binance"), money("5999.41")}}, "USDT")
                  .empty());
  EXPECT_EQ(account_reported_by(portfolio, held[0]), 1u);
  EXPECT_FALSE(account_reported_by(portfolio, {VenueName::from("kraken"), money("1")}));
  EXPECT_TRUE(compare_cash_with_accounts(portfolio, {held[0]}, "USDT").empty());
  // One account: whatever its one venue reported.
  const Portfolio single(registry, money("100"));
  EXPECT_EQ(compare_cash_with_accounts(single, {{VenueName::from("binance"), money("99")}}, "USDT")
                .size(),
            1u);
}

// What a venue account holds, as its venue reports it while running, against what sigex may
// spend there: less limits spending at once; two short reports in a row announce it, one
// without ends it; the start-up comparison's shortfall is announced already.
TEST(VenueCashWatch, AShortfallLimitsSpendingAtOnceAndIsAnnouncedWhenSeenTwice) {
  VenueCashWatch watch(2);
  EXPECT_EQ(watch.spendable(0, money("600")), money("600"));  // nothing reported yet
  EXPECT_FALSE(watch.held(0));
  EXPECT_EQ(watch.report(0, money("200"), money("600")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(watch.spendable(0, money("600")), money("200"));
  EXPECT_EQ(watch.announced_shortfall(0, money("600")), money("0"));
  EXPECT_EQ(watch.report(0, money("150"), money("550")), VenueCashWatch::Change::kShort);
  EXPECT_EQ(watch.announced_shortfall(0, money("550")), money("400"));
  EXPECT_EQ(watch.report(0, money("150"), money("550")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(watch.spendable(1, money("5000")), money("5000"));  // the other account
  EXPECT_EQ(watch.report(0, money("900"), money("550")), VenueCashWatch::Change::kEnough);
  EXPECT_EQ(watch.spendable(0, money("550")), money("550"));
  EXPECT_EQ(watch.announced_shortfall(0, money("550")), money("0"));
  // A short report, then one that is not: never announced.
  EXPECT_EQ(watch.report(1, money("10"), money("5000")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(watch.report(1, money("5000"), money("5000")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(watch.report(1, money("10"), money("5000")), VenueCashWatch::Change::kNone);
  // Rounding dust (under 0.01 % of the budget) is not a shortfall, though it is not spent.
  EXPECT_EQ(watch.report(1, money("4999.9"), money("5000")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(watch.report(1, money("4999.9"), money("5000")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(watch.spendable(1, money("5000")), money("4999.9"));
  EXPECT_EQ(watch.report(1, money("4999"), money("5000")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(watch.report(1, money("4999"), money("5000")), VenueCashWatch::Change::kShort);
  // Start-up: the comparison logged it already; the next short report says nothing new.
  VenueCashWatch started(1);
  EXPECT_EQ(started.report(0, money("10"), money("300"), /*announced=*/true),
            VenueCashWatch::Change::kNone);
  EXPECT_EQ(started.announced_shortfall(0, money("300")), money("290"));
  EXPECT_EQ(started.report(0, money("10"), money("300")), VenueCashWatch::Change::kNone);
  EXPECT_EQ(started.report(0, money("300"), money("300")), VenueCashWatch::Change::kEnough);
}

TEST(Portfolio, FlatAfterFullSellResetsCost) {
  const InstrumentRegistry instruments = two_instruments();
  Portfolio portfolio(instruments, money("1000"));
  portfolio.apply_fill(0, Side::kBuy, price("30000"), quantity("0.01"), money("0"));
  portfolio.apply_fill(0, Side::kSell, price("29000"), quantity("0.01"), money("0"));
  EXPECT_EQ(portfolio.position(0).quantity.raw, 0);
  EXPECT_EQ(portfolio.position(0).cost_basis.raw, 0);
  EXPECT_EQ(portfolio.position(0).realised_pnl, money("-10"));
  EXPECT_EQ(portfolio.position(0).entry_price.raw, 0);
}

TEST(Portfolio, SellingMoreThanHeldIsABrokenInvariant) {
  const InstrumentRegistry instruments = two_instruments();
  Portfolio portfolio(instruments, money("1000"));
  EXPECT_DEATH(portfolio.apply_fill(0, Side::kSell, price("1"), quantity("1"), money("0")),
               "spot sell");
}

}  // namespace
}  // namespace sigex
