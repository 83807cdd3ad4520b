#include "engine/portfolio/margin.h"

#include <gtest/gtest.h>

#include "engine/portfolio/portfolio.h"
#include "support/test_support.h"

// Worked examples from ../shared/reference/binance-usdm-futures.md §10 and Binance's own
// bracket table (../shared/data/freqtrade/binance_leverage_tiers.BTC-ETH-excerpt.json).

namespace sigex {
namespace {

using namespace sigex::testing;

Instrument registered(Instrument instrument) {
  InstrumentRegistry registry;
  registry.add(instrument);
  return registry.get(0);
}

// A perpetual whose only bracket is the reference's example: MMR 0.4 %, cum 0.
Instrument one_bracket(std::int64_t rate = 400'000) {
  Instrument instrument = btcusdt_perpetual();
  instrument.bracket_count = 1;
  instrument.bracket_table[0] = MarginBracket{money("1000000000"), Rate{rate}, Money{0}, 125};
  return registered(instrument);
}

TEST(Margin, MaintenanceAmountsAreBinancesCum) {
  // Binance publishes cum 0, 50, 950, 11450 for BTCUSDT's first four brackets.
  const Instrument btc = registered(btcusdt_perpetual());
  ASSERT_EQ(btc.brackets().size(), 4u);
  EXPECT_EQ(btc.brackets()[0].maintenance_amount, money("0"));
  EXPECT_EQ(btc.brackets()[1].maintenance_amount, money("50"));
  EXPECT_EQ(btc.brackets()[2].maintenance_amount, money("950"));
  EXPECT_EQ(btc.brackets()[3].maintenance_amount, money("11450"));
}

TEST(Margin, FaqBracketExampleGivesCum1300) {
  // FAQ-LIQ: 250000 × (1 % − 0.5 %) + 50 = 1300.
  Instrument instrument = btcusdt_perpetual();
  instrument.bracket_count = 3;
  instrument.bracket_table[0] = MarginBracket{money("10000"), Rate{400'000}, Money{0}, 125};
  instrument.bracket_table[1] = MarginBracket{money("250000"), Rate{500'000}, Money{0}, 100};
  instrument.bracket_table[2] = MarginBracket{money("1000000"), Rate{1'000'000}, Money{0}, 50};
  const Instrument derived = registered(instrument);
  EXPECT_EQ(derived.brackets()[1].maintenance_amount, money("10"));
  EXPECT_EQ(derived.brackets()[2].maintenance_amount, money("1260"));
  // The reference's figure uses cum 50 below 250000: 250000 × 0.005 + 50 = 1300.
  instrument.bracket_table[0] = MarginBracket{money("50000"), Rate{400'000}, Money{0}, 125};
  instrument.bracket_table[1] = MarginBracket{money("250000"), Rate{500'000}, Money{0}, 100};
  EXPECT_EQ(registered(instrument).brackets()[2].maintenance_amount, money("1300"));
}

TEST(Margin, MaintenanceMarginUsesTheBracketOfTheNotional) {
  const Instrument btc = registered(btcusdt_perpetual());
  EXPECT_EQ(maintenance_margin(btc, money("40000")), money("160"));     // 0.4 %
  EXPECT_EQ(maintenance_margin(btc, money("100000")), money("450"));    // 0.5 % − 50
  EXPECT_EQ(maintenance_margin(btc, money("1000000")), money("5550"));  // 0.65 % − 950
}

TEST(Margin, InitialMarginIsNotionalOverLeverage) {
  EXPECT_EQ(initial_margin(registered(btcusdt_perpetual(20)), money("50000")), money("2500"));
}

TEST(Margin, LiquidationPriceOfTheReferenceExample) {
  // Isolated long, WB = 1000, Q = 1, EP = 50000, MMR = 0.004, cum = 0 -> LP = 49196.79;
  // the same short -> 50796.81.
  const Instrument instrument = one_bracket();
  const auto long_price =
      liquidation_price(instrument, quantity("1"), price("50000"), money("1000"));
  ASSERT_TRUE(long_price.has_value());
  EXPECT_EQ(format_decimal(long_price->raw, 8).substr(0, 8), "49196.78");
  EXPECT_NEAR(to_double_for_report(long_price->raw, 8), 49196.79, 0.005);
  const auto short_price =
      liquidation_price(instrument, quantity("-1"), price("50000"), money("1000"));
  ASSERT_TRUE(short_price.has_value());
  EXPECT_NEAR(to_double_for_report(short_price->raw, 8), 50796.81, 0.005);
  // At that price the margin balance equals the maintenance margin (the definition).
  const Money notional_at = position_notional(instrument, quantity("1"), *long_price);
  const Money balance = money("1000") + notional_at - money("50000");
  EXPECT_LE(std::llabs((balance - maintenance_margin(instrument, notional_at)).raw),
            money("0.0001").raw);
}

TEST(Margin, UnleveragedLongCannotBeLiquidated) {
  // A long backed by its whole notional has a liquidation price at or below zero.
  EXPECT_FALSE(
      liquidation_price(one_bracket(), quantity("1"), price("50000"), money("60000")).has_value());
  EXPECT_FALSE(liquidation_price(one_bracket(), Quantity{0}, price("50000"), money("1")));
}

TEST(Margin, FundingPaymentLongsPayWhenTheRateIsPositive) {
  // Funding = |qty| × mark × rate; a positive rate: longs pay, shorts receive.
  const Instrument btc = registered(btcusdt_perpetual());
  EXPECT_EQ(funding_payment(btc, quantity("0.5"), price("40000"), Rate{10'000}), money("-2"));
  EXPECT_EQ(funding_payment(btc, quantity("-0.5"), price("40000"), Rate{10'000}), money("2"));
  EXPECT_EQ(funding_payment(btc, quantity("-0.5"), price("40000"), Rate{-300'000}), money("-60"));
  EXPECT_EQ(funding_payment(btc, Quantity{0}, price("40000"), Rate{10'000}), money("0"));
}

class PerpetualPortfolio : public ::testing::Test {
 protected:
  PerpetualPortfolio() {
    registry_.add(btcusdt());
    Instrument perpetual = btcusdt_perpetual(5);  // the same symbol on the other market
    perpetual.token_id = 0;                       // signals go to the spot pair
    registry_.add(perpetual);
  }
  void mark(Price value) {
    quotes_.apply(MarkPrice{1, 0, 1, value, Rate{0}, 0});
    quotes_.apply(BestBidOffer{1, 0, 1, value, quantity("1"), value, quantity("1"), 1});
  }
  InstrumentRegistry registry_;
  QuoteBook quotes_{2};
};

TEST_F(PerpetualPortfolio, ShortGainsWhenThePriceFalls) {
  Portfolio portfolio(registry_, money("10000"));
  portfolio.apply_fill(1, Side::kSell, price("50000"), quantity("0.2"), money("5"));
  EXPECT_EQ(portfolio.position(1).quantity, quantity("-0.2"));
  EXPECT_EQ(portfolio.position(1).entry_price, price("50000"));
  EXPECT_EQ(portfolio.cash(), money("9995"));  // only the fee left the wallet
  mark(price("45000"));
  EXPECT_EQ(portfolio.unrealised_pnl(1, quotes_), money("1000"));
  EXPECT_EQ(portfolio.equity(quotes_), money("10995"));
  EXPECT_EQ(portfolio.short_exposure(quotes_), money("9000"));
  EXPECT_EQ(portfolio.long_exposure(quotes_), money("0"));
  const FillResult closed =
      portfolio.apply_fill(1, Side::kBuy, price("45000"), quantity("0.2"), money("4.5"));
  EXPECT_EQ(closed.realised_pnl, money("1000"));
  EXPECT_EQ(portfolio.position(1).quantity, Quantity{0});
  EXPECT_EQ(portfolio.cash(), money("10990.5"));
  EXPECT_EQ(portfolio.equity(quotes_), money("10990.5"));
}

TEST_F(PerpetualPortfolio, AFillThroughZeroClosesThenOpensAtTheFillPrice) {
  Portfolio portfolio(registry_, money("10000"));
  portfolio.apply_fill(1, Side::kBuy, price("40000"), quantity("0.1"), money("0"));
  portfolio.apply_fill(1, Side::kBuy, price("42000"), quantity("0.1"), money("0"));
  EXPECT_EQ(portfolio.position(1).entry_price, price("41000"));
  const FillResult flipped =
      portfolio.apply_fill(1, Side::kSell, price("43000"), quantity("0.5"), money("0"));
  EXPECT_EQ(flipped.realised_pnl, money("400"));  // 0.2 × (43000 − 41000)
  EXPECT_EQ(portfolio.position(1).quantity, quantity("-0.3"));
  EXPECT_EQ(portfolio.position(1).entry_price, price("43000"));
  EXPECT_EQ(portfolio.position(1).cost_basis, money("12900"));
}

TEST_F(PerpetualPortfolio, FundingMovesTheWalletAndIsTotalledBothWays) {
  Portfolio portfolio(registry_, money("1000"));
  portfolio.apply_funding(1, money("-2"));
  portfolio.apply_funding(1, money("0.5"));
  EXPECT_EQ(portfolio.cash(), money("998.5"));
  EXPECT_EQ(portfolio.position(1).funding, money("-1.5"));
  EXPECT_EQ(portfolio.funding_paid(), money("2"));
  EXPECT_EQ(portfolio.funding_received(), money("0.5"));
}

TEST_F(PerpetualPortfolio, MarginAndLiquidationPriceAtTheMark) {
  Portfolio portfolio(registry_, money("1000"));
  portfolio.apply_fill(1, Side::kBuy, price("50000"), quantity("0.1"), money("0"));
  mark(price("50000"));
  const MarginState state = portfolio.margin(1, quotes_);
  EXPECT_EQ(state.notional, money("5000"));
  EXPECT_EQ(state.initial_margin, money("1000"));    // 5x
  EXPECT_EQ(state.maintenance_margin, money("20"));  // 0.4 %
  ASSERT_TRUE(state.liquidation_price.has_value());
  // (1000 − 5000) / (0.1 × 0.004 − 0.1) = 40160.64...
  EXPECT_NEAR(to_double_for_report(state.liquidation_price->raw, 8), 40160.64, 0.01);
  const AccountMargin account = portfolio.account_margin(quotes_);
  EXPECT_EQ(account.margin_balance, money("1000"));
  EXPECT_EQ(account.margin_ratio_bps, 200);  // 20 / 1000
  // Spot holdings are not margin: buying spot does not change the perpetual's numbers except
  // through the shared cash.
  mark(price("41000"));
  EXPECT_EQ(portfolio.account_margin(quotes_).margin_balance, money("100"));
}

// Venues mixed: spot on one account, the perpetual on another. Cross margin is per account:
// the other account's cash neither backs the position nor moves with its funding.
TEST(PerpetualAccounts, EachVenueAccountHasItsOwnCashAndMargin) {
  InstrumentRegistry registry;
  Instrument spot = btcusdt();
  spot.venue = VenueName::from("coinbase");
  registry.add(spot);
  Instrument perpetual = btcusdt_perpetual(5);
  perpetual.token_id = 0;
  perpetual.venue = VenueName::from("binance");
  registry.add(perpetual);
  Portfolio portfolio(registry, {CashAccount{VenueName::from("binance"), money("1000")},
                                 CashAccount{VenueName::from("coinbase"), money("500")}});
  EXPECT_EQ(portfolio.account_of(0), 1u);
  EXPECT_EQ(portfolio.account_of(1), 0u);
  EXPECT_EQ(portfolio.starting_cash(), money("1500"));
  portfolio.apply_fill(0, Side::kBuy, price("50000"), quantity("0.005"), money("1"));
  EXPECT_EQ(portfolio.cash(1), money("249"));
  EXPECT_EQ(portfolio.cash(0), money("1000"));
  EXPECT_EQ(portfolio.cash(), money("1249"));
  portfolio.apply_fill(1, Side::kBuy, price("50000"), quantity("0.1"), money("0"));
  QuoteBook quotes(2);
  quotes.apply(MarkPrice{1, 0, 1, price("50000"), Rate{0}, 0});
  quotes.apply(
      BestBidOffer{1, 0, 1, price("50000"), quantity("1"), price("50000"), quantity("1"), 1});
  quotes.apply(
      BestBidOffer{0, 0, 1, price("50000"), quantity("1"), price("50000"), quantity("1"), 1});
  // The same liquidation price as with a 1 000 wallet alone: Coinbase's cash does not back it.
  EXPECT_EQ(portfolio.wallet_for(1, quotes), money("1000"));
  const MarginState state = portfolio.margin(1, quotes);
  ASSERT_TRUE(state.liquidation_price.has_value());
  EXPECT_NEAR(to_double_for_report(state.liquidation_price->raw, 8), 40160.64, 0.01);
  EXPECT_EQ(portfolio.account_margin(0, quotes).margin_balance, money("1000"));
  EXPECT_EQ(portfolio.account_margin(0, quotes).initial_margin, money("1000"));
  EXPECT_EQ(portfolio.account_margin(1, quotes).margin_balance, money("249"));
  EXPECT_EQ(portfolio.account_margin(1, quotes).initial_margin, money("0"));
  // Funding moves the perpetual's account only; status shows the perpetual account's margin.
  portfolio.apply_funding(1, money("-2"));
  EXPECT_EQ(portfolio.cash(0), money("998"));
  EXPECT_EQ(portfolio.cash(1), money("249"));
  EXPECT_EQ(portfolio.account_margin(quotes).margin_balance, money("998"));
  // Equity is every account's: both cash balances, the spot holding, the perpetual's PnL (0).
  EXPECT_EQ(portfolio.equity(quotes), money("998") + money("249") + money("250"));
}

}  // namespace
}  // namespace sigex

#include "engine/portfolio/balance_check.h"

namespace sigex {
namespace {

using namespace sigex::testing;

TEST(PerpetualReconciliation, AnyPositionTheJournalDoesNotExplainBlocksTrading) {
  InstrumentRegistry registry;
  registry.add(btcusdt_perpetual(5));
  Portfolio portfolio(registry, money("10000"));
  portfolio.apply_fill(0, Side::kSell, price("50000"), quantity("0.2"), money("0"));
  EXPECT_TRUE(compare_with_account(portfolio, registry, {{0, quantity("-0.2")}}).empty());
  for (const char* venue : {"-0.3", "-0.1", "0.2", "0"}) {
    const auto differences = compare_with_account(portfolio, registry, {{0, quantity(venue)}});
    ASSERT_EQ(differences.size(), 1u) << venue;
    EXPECT_TRUE(differences[0].blocks_trading) << venue;
    EXPECT_EQ(differences[0].sigex, quantity("-0.2"));
  }
}

}  // namespace
}  // namespace sigex
