#include "engine/portfolio/portfolio.h"

#include "engine/core/check.h"

namespace sigex {

Portfolio::Portfolio(const InstrumentRegistry& instruments, Money starting_cash)
    : instruments_(instruments),
      positions_(instruments.size()),
      starting_cash_(starting_cash),
      cash_(starting_cash) {}

FillResult Portfolio::apply_fill(InstrumentId instrument_id, Side side, Price price,
                                 Quantity quantity, Money fee) {
  const Instrument& instrument = instruments_.get(instrument_id);
  Position& position = positions_[instrument_id];
  SIGEX_CHECK(quantity.raw > 0, "fill quantity must be positive");
  const auto value = notional(price, instrument.price_scale, quantity, instrument.quantity_scale,
                              Rounding::kDown);
  SIGEX_CHECK(value.has_value(), "fill notional overflow");
  FillResult result;
  position.fees += fee;
  cash_ -= fee;
  if (side == Side::kBuy) {
    cash_ -= *value;
    position.quantity += quantity;
    position.cost_basis += *value;
    ++position.buys;
  } else {
    SIGEX_CHECK(quantity <= position.quantity, "spot sell larger than the position");
    // Average cost of the part sold, proportional to the quantity.
    const auto cost = mul_div(position.cost_basis.raw, quantity.raw, position.quantity.raw,
                              Rounding::kDown);
    SIGEX_CHECK(cost.has_value(), "cost basis overflow");
    cash_ += *value;
    position.quantity -= quantity;
    position.cost_basis -= Money{*cost};
    if (position.quantity.raw == 0) position.cost_basis = Money{0};
    result.realised_pnl = *value - Money{*cost};
    position.realised_pnl += result.realised_pnl;
    ++position.sells;
  }
  if (position.quantity.raw > 0) {
    const auto average = average_price(position.cost_basis, position.quantity,
                                       instrument.price_scale, instrument.quantity_scale,
                                       Rounding::kDown);
    position.entry_price = average.value_or(Price{0});
  } else {
    position.entry_price = Price{0};
  }
  return result;
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
  Money total = cash_;
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
  return PositionRow{instrument,           instruments_.get(instrument).symbol,
                     position.quantity,    position.cost_basis,
                     position.realised_pnl, position.fees,
                     time_ns};
}

}  // namespace sigex
