#include "engine/portfolio/portfolio.h"

#include <gtest/gtest.h>

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
