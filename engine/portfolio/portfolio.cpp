#include "engine/portfolio/portfolio.h"

#include <algorithm>

#include "engine/core/check.h"

namespace sigex {

Portfolio::Portfolio(const InstrumentRegistry& instruments, Money starting_cash)
    : instruments_(instruments),
      positions_(instruments.size()),
      starting_cash_(starting_cash),
      cash_(starting_cash) {}

FillResult Portfolio::apply_fill(InstrumentId instrument_id, Side side, Price price,
                                 Quantity quantity, const FillFee& fee) {
  const Instrument& instrument = instruments_.get(instrument_id);
  Position& position = positions_[instrument_id];
  SIGEX_CHECK(quantity.raw > 0, "fill quantity must be positive");
  const auto value =
      notional(price, instrument.price_scale, quantity, instrument.quantity_scale, Rounding::kDown);
  SIGEX_CHECK(value.has_value(), "fill notional overflow");
  FillResult result;
  position.fees += fee.value;
  Quantity base_fee{0};
  switch (fee.asset) {
    case FeeAsset::kQuote:
      cash_ -= fee.value;
      break;
    case FeeAsset::kBase:
      base_fee = fee.quantity;
      break;
    case FeeAsset::kOther: {
      auto entry =
          std::find_if(other_fees_.begin(), other_fees_.end(),
                       [&](const OtherAssetFees& fees) { return fees.asset == fee.other_asset; });
      if (entry == other_fees_.end())
        entry = other_fees_.insert(other_fees_.end(), OtherAssetFees{fee.other_asset, 0, Money{0}});
      entry->amount += fee.quantity.raw;
      entry->value += fee.value;
      break;
    }
  }
  SIGEX_CHECK(base_fee.raw >= 0, "negative fee");
  if (side == Side::kBuy) {
    // What is held is what was bought less a fee taken from it; its cost is what that part
    // was bought for (the fee part is in `fees`).
    SIGEX_CHECK(base_fee <= quantity, "fee in the base asset larger than the fill");
    const Quantity kept = quantity - base_fee;
    const auto kept_value =
        notional(price, instrument.price_scale, kept, instrument.quantity_scale, Rounding::kDown);
    SIGEX_CHECK(kept_value.has_value(), "fill notional overflow");
    cash_ -= *value;
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
    cash_ += *value;
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

Money Portfolio::other_asset_fees_value() const {
  Money total{0};
  for (const auto& fees : other_fees_) total += fees.value;
  return total;
}

Money Portfolio::market_value(InstrumentId instrument_id, const QuoteBook& quotes) const {
  const Position& position = positions_[instrument_id];
  if (position.quantity.raw == 0) return Money{0};
  const Instrument& instrument = instruments_.get(instrument_id);
  Price mark = quotes.quote(instrument_id).reference();
  if (mark.raw == 0) mark = position.entry_price;
  const auto value = notional(mark, instrument.price_scale, position.quantity,
                              instrument.quantity_scale, Rounding::kDown);
  SIGEX_CHECK(value.has_value(), "market value overflow");
  return *value;
}

Money Portfolio::unrealised_pnl(InstrumentId instrument, const QuoteBook& quotes) const {
  return market_value(instrument, quotes) - positions_[instrument].cost_basis;
}

Money Portfolio::equity(const QuoteBook& quotes) const {
  Money total = cash_ - other_asset_fees_value();
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    total += market_value(static_cast<InstrumentId>(i), quotes);
  }
  return total;
}

Money Portfolio::gross_exposure(const QuoteBook& quotes) const {
  Money total{0};
  for (std::size_t i = 0; i < positions_.size(); ++i) {
    total += market_value(static_cast<InstrumentId>(i), quotes);
  }
  return total;
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
