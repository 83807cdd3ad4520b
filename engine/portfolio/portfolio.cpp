#include "engine/portfolio/portfolio.h"

#include <algorithm>
#include <utility>

#include "engine/core/check.h"
#include "engine/portfolio/margin.h"

namespace sigex {

namespace {

// The margin ratio of balances and margins already added up.
AccountMargin with_ratio(AccountMargin margin) {
  if (margin.maintenance_margin.raw > 0) {
    margin.margin_ratio_bps = margin.margin_balance.raw <= 0
                                  ? 10'000
                                  : mul_div(margin.maintenance_margin.raw, 10'000,
                                            margin.margin_balance.raw, Rounding::kUp)
                                        .value_or(10'000);
  }
  return margin;
}

}  // namespace

Portfolio::Portfolio(const InstrumentRegistry& instruments, Money starting_cash)
    : Portfolio(instruments, {CashAccount{VenueName{}, starting_cash}}) {}

Portfolio::Portfolio(const InstrumentRegistry& instruments, std::vector<CashAccount> accounts)
    : instruments_(instruments),
      positions_(instruments.size()),
      accounts_(std::move(accounts)),
      account_of_(instruments.size(), 0) {
  SIGEX_CHECK(!accounts_.empty(), "a portfolio needs a cash account");
  for (const CashAccount& account : accounts_) cash_.push_back(account.starting_cash);
  trades_perpetuals_.assign(accounts_.size(), false);
  for (const Instrument& instrument : instruments.all()) {
    if (accounts_.size() > 1) {
      const auto account = std::find_if(
          accounts_.begin(), accounts_.end(),
          [&](const CashAccount& candidate) { return candidate.venue == instrument.venue; });
      SIGEX_CHECK(account != accounts_.end(), "an instrument's venue has no cash account");
      account_of_[instrument.id] = static_cast<std::size_t>(account - accounts_.begin());
    }
    if (instrument.is_perpetual()) trades_perpetuals_[account_of_[instrument.id]] = true;
  }
}

Money Portfolio::cash() const {
  Money total{0};
  for (const Money cash : cash_) total += cash;
  return total;
}

Money Portfolio::starting_cash() const {
  Money total{0};
  for (const CashAccount& account : accounts_) total += account.starting_cash;
  return total;
}

void Portfolio::book_fee(std::size_t account, Position& position, const FillFee& fee,
                         Quantity& base_fee) {
  position.fees += fee.value;
  switch (fee.asset) {
    case FeeAsset::kQuote:
      cash_[account] -= fee.value;
      break;
    case FeeAsset::kBase:
      base_fee = fee.quantity;
      break;
    case FeeAsset::kOther: {
      auto entry =
          std::find_if(other_fees_.begin(), other_fees_.end(), [&](const OtherAssetFees& fees) {
            return fees.asset == fee.other_asset && fees.account == account;
          });
      if (entry == other_fees_.end()) {
        entry = other_fees_.insert(other_fees_.end(),
                                   OtherAssetFees{fee.other_asset, account, 0, Money{0}});
      }
      entry->amount += fee.quantity.raw;
      entry->value += fee.value;
      break;
    }
  }
}

FillResult Portfolio::apply_fill(InstrumentId instrument_id, Side side, Price price,
                                 Quantity quantity, const FillFee& fee) {
  const FillResult result = book_fill(instrument_id, side, price, quantity, fee);
  if (positions_[instrument_id].quantity.raw != 0) {
    held_.insert(instrument_id);
  } else {
    held_.erase(instrument_id);
  }
  return result;
}

FillResult Portfolio::book_fill(InstrumentId instrument_id, Side side, Price price,
                                Quantity quantity, const FillFee& fee) {
  const Instrument& instrument = instruments_.get(instrument_id);
  Position& position = positions_[instrument_id];
  const std::size_t account = account_of_[instrument_id];
  Money& cash = cash_[account];
  SIGEX_CHECK(quantity.raw > 0, "fill quantity must be positive");
  Quantity base_fee{0};
  if (instrument.is_perpetual()) {
    // Futures fees are never taken from the contract: one in the base asset is booked as cash.
    FillFee charged = fee;
    if (charged.asset == FeeAsset::kBase) charged = FillFee::in_quote(fee.value);
    book_fee(account, position, charged, base_fee);
    return apply_perpetual_fill(instrument, position, cash, side, price, quantity);
  }
  const auto value =
      notional(price, instrument.price_scale, quantity, instrument.quantity_scale, Rounding::kDown);
  SIGEX_CHECK(value.has_value(), "fill notional overflow");
  FillResult result;
  book_fee(account, position, fee, base_fee);
  SIGEX_CHECK(base_fee.raw >= 0, "negative fee");
  if (side == Side::kBuy) {
    // What is held is what was bought less a fee taken from it; its cost is what that part
    // was bought for (the fee part is in `fees`).
    SIGEX_CHECK(base_fee <= quantity, "fee in the base asset larger than the fill");
    const Quantity kept = quantity - base_fee;
    const auto kept_value =
        notional(price, instrument.price_scale, kept, instrument.quantity_scale, Rounding::kDown);
    SIGEX_CHECK(kept_value.has_value(), "fill notional overflow");
    cash -= *value;
    position.quantity += kept;
    position.cost_basis += *kept_value;
    ++position.buys;
  } else {
    const Quantity removed = quantity + base_fee;
    SIGEX_CHECK(removed <= position.quantity, "spot sell larger than the position");
    // Average cost of the part sold (and of a fee taken in the base asset), proportional to
    // the quantity.
    const auto cost =
        mul_div(position.cost_basis.raw, quantity.raw, position.quantity.raw, Rounding::kDown);
    const auto cost_removed =
        mul_div(position.cost_basis.raw, removed.raw, position.quantity.raw, Rounding::kDown);
    SIGEX_CHECK(cost.has_value() && cost_removed.has_value(), "cost basis overflow");
    cash += *value;
    position.quantity -= removed;
    position.cost_basis -= Money{*cost_removed};
    if (position.quantity.raw == 0) position.cost_basis = Money{0};
    result.realised_pnl = *value - Money{*cost};
    position.realised_pnl += result.realised_pnl;
    ++position.sells;
  }
  if (position.quantity.raw > 0) {
    const auto average =
        average_price(position.cost_basis, position.quantity, instrument.price_scale,
                      instrument.quantity_scale, Rounding::kDown);
    position.entry_price = average.value_or(Price{0});
  } else {
    position.entry_price = Price{0};
  }
  return result;
}

FillResult Portfolio::apply_perpetual_fill(const Instrument& instrument, Position& position,
                                           Money& cash, Side side, Price price, Quantity quantity) {
  const auto value_of = [&](Quantity amount) {
    const auto value =
        notional(price, instrument.price_scale, amount, instrument.quantity_scale, Rounding::kDown);
    SIGEX_CHECK(value.has_value(), "fill notional overflow");
    return *value;
  };
  FillResult result;
  const bool buy = side == Side::kBuy;
  const bool long_position = position.quantity.raw > 0;
  Quantity opening = quantity;
  if (position.quantity.raw != 0 && long_position != buy) {
    // The fill closes (part of) the position first: realised = side × closed × (exit − entry).
    const Quantity held = magnitude(position.quantity);
    const Quantity closed = std::min(quantity, held);
    const auto cost = mul_div(position.cost_basis.raw, closed.raw, held.raw, Rounding::kDown);
    SIGEX_CHECK(cost.has_value(), "cost basis overflow");
    const Money exit_value = value_of(closed);
    result.realised_pnl = long_position ? exit_value - Money{*cost} : Money{*cost} - exit_value;
    position.realised_pnl += result.realised_pnl;
    cash += result.realised_pnl;
    position.cost_basis -= Money{*cost};
    position.quantity.raw += buy ? closed.raw : -closed.raw;
    if (position.quantity.raw == 0) position.cost_basis = Money{0};
    opening = quantity - closed;
  }
  if (opening.raw > 0) {
    position.cost_basis += value_of(opening);
    position.quantity.raw += buy ? opening.raw : -opening.raw;
  }
  if (buy) {
    ++position.buys;
  } else {
    ++position.sells;
  }
  const Quantity held = magnitude(position.quantity);
  position.entry_price = held.raw > 0
                             ? average_price(position.cost_basis, held, instrument.price_scale,
                                             instrument.quantity_scale, Rounding::kDown)
                                   .value_or(Price{0})
                             : Price{0};
  return result;
}

void Portfolio::apply_funding(InstrumentId instrument, Money amount) {
  positions_[instrument].funding += amount;
  cash_[account_of_[instrument]] += amount;
  if (amount.raw >= 0) {
    funding_received_ += amount;
  } else {
    funding_paid_ -= amount;
  }
}

Money Portfolio::funding_received() const { return funding_received_; }
Money Portfolio::funding_paid() const { return funding_paid_; }

Money Portfolio::other_asset_fees_value() const {
  Money total{0};
  for (const auto& fees : other_fees_) total += fees.value;
  return total;
}

Money Portfolio::other_asset_fees_value(std::size_t account) const {
  Money total{0};
  for (const auto& fees : other_fees_) total += fees.account == account ? fees.value : Money{0};
  return total;
}

Money Portfolio::market_value(InstrumentId instrument_id, const QuoteBook& quotes) const {
  const Position& position = positions_[instrument_id];
  if (position.quantity.raw == 0) return Money{0};
  const Instrument& instrument = instruments_.get(instrument_id);
  Price mark = quotes.quote(instrument_id).valuation();
  if (mark.raw == 0) mark = position.entry_price;
  const auto value = notional(mark, instrument.price_scale, position.quantity,
                              instrument.quantity_scale, Rounding::kDown);
  SIGEX_CHECK(value.has_value(), "market value overflow");
  return *value;
}

Money Portfolio::unrealised_of_perpetual(InstrumentId instrument, const QuoteBook& quotes) const {
  // side × (|quantity| × mark − entry notional): market_value is already signed.
  const Position& position = positions_[instrument];
  const Money value = market_value(instrument, quotes);
  return position.quantity.raw >= 0 ? value - position.cost_basis : value + position.cost_basis;
}

Money Portfolio::unrealised_pnl(InstrumentId instrument, const QuoteBook& quotes) const {
  if (instruments_.get(instrument).is_perpetual())
    return unrealised_of_perpetual(instrument, quotes);
  return market_value(instrument, quotes) - positions_[instrument].cost_basis;
}

Money Portfolio::equity(const QuoteBook& quotes) const {
  Money total = cash() - other_asset_fees_value();
  for (const InstrumentId id : held_) {
    total += instruments_.get(id).is_perpetual() ? unrealised_of_perpetual(id, quotes)
                                                 : market_value(id, quotes);
  }
  return total;
}

Money Portfolio::gross_exposure(const QuoteBook& quotes) const {
  return long_exposure(quotes) + short_exposure(quotes);
}

Money Portfolio::long_exposure(const QuoteBook& quotes) const {
  Money total{0};
  for (const InstrumentId id : held_) {
    const Money value = market_value(id, quotes);
    if (value.raw > 0) total += value;
  }
  return total;
}

Money Portfolio::short_exposure(const QuoteBook& quotes) const {
  Money total{0};
  for (const InstrumentId id : held_) {
    const Money value = market_value(id, quotes);
    if (value.raw < 0) total -= value;
  }
  return total;
}

MarginState Portfolio::margin(InstrumentId instrument_id, const QuoteBook& quotes) const {
  MarginState state = margin_without_liquidation(instrument_id, quotes);
  if (state.notional.raw == 0) return state;
  const Instrument& instrument = instruments_.get(instrument_id);
  const Position& position = positions_[instrument_id];
  const Money wallet = wallet_for(instrument_id, quotes);
  state.liquidation_price =
      liquidation_price(instrument, position.quantity, position.entry_price, wallet);
  return state;
}

Money Portfolio::wallet_for(InstrumentId instrument_id, const QuoteBook& quotes) const {
  // Cross margin: the wallet behind a position is the wallet less the other positions'
  // maintenance margin plus their unrealised PnL (Binance's WB − TMM1 + UPNL1).
  const std::size_t account = account_of_[instrument_id];
  Money wallet = cash_[account] - other_asset_fees_value(account);
  for (const InstrumentId other : held_) {
    if (other == instrument_id || !instruments_.get(other).is_perpetual() ||
        account_of_[other] != account) {
      continue;
    }
    wallet += unrealised_of_perpetual(other, quotes) -
              margin_without_liquidation(other, quotes).maintenance_margin;
  }
  return wallet;
}

MarginState Portfolio::margin_without_liquidation(InstrumentId instrument_id,
                                                  const QuoteBook& quotes) const {
  const Instrument& instrument = instruments_.get(instrument_id);
  const Position& position = positions_[instrument_id];
  MarginState state;
  if (!instrument.is_perpetual() || position.quantity.raw == 0) return state;
  Price mark = quotes.quote(instrument_id).valuation();
  if (mark.raw == 0) mark = position.entry_price;
  state.notional = position_notional(instrument, position.quantity, mark);
  state.initial_margin = initial_margin(instrument, state.notional);
  state.maintenance_margin = maintenance_margin(instrument, state.notional);
  return state;
}

AccountMargin Portfolio::account_margin(const QuoteBook& quotes) const {
  AccountMargin total;
  for (std::size_t account = 0; account < accounts_.size(); ++account) {
    if (!trades_perpetuals_[account]) continue;
    const AccountMargin margin = account_margin(account, quotes);
    total.margin_balance += margin.margin_balance;
    total.initial_margin += margin.initial_margin;
    total.maintenance_margin += margin.maintenance_margin;
  }
  return with_ratio(total);
}

AccountMargin Portfolio::account_margin(std::size_t account, const QuoteBook& quotes) const {
  AccountMargin margin;
  margin.margin_balance = cash_[account] - other_asset_fees_value(account);
  for (const InstrumentId id : held_) {
    if (!instruments_.get(id).is_perpetual() || account_of_[id] != account) continue;
    const MarginState state = margin_without_liquidation(id, quotes);
    margin.margin_balance += unrealised_of_perpetual(id, quotes);
    margin.initial_margin += state.initial_margin;
    margin.maintenance_margin += state.maintenance_margin;
  }
  return with_ratio(margin);
}

Money Portfolio::total_fees() const {
  Money total{0};
  for (const auto& position : positions_) total += position.fees;
  return total;
}

Money Portfolio::total_realised_pnl() const {
  Money total{0};
  for (const auto& position : positions_) total += position.realised_pnl;
  return total;
}

PositionRow Portfolio::row(InstrumentId instrument, TimeNs time_ns) const {
  const Position& position = positions_[instrument];
  return PositionRow{instrument,
                     instruments_.get(instrument).symbol,
                     position.quantity,
                     position.cost_basis,
                     position.realised_pnl,
                     position.fees,
                     time_ns};
}

}  // namespace sigex
