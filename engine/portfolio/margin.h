#pragma once

// Margin arithmetic of linear USDT-margined perpetuals (Binance USD-M), in fixed point. The
// formulas and their sources are in ../shared/reference/binance-usdm-futures.md §10:
//
//   notional             |quantity| × mark price
//   initial margin       notional / leverage
//   maintenance margin   notional × rate − amount, with the bracket that holds the notional
//   bracket amount       Binance's cum, derived by InstrumentRegistry::add (instrument.h)
//   liquidation price    one-way mode: LP = (WB + cum − s·Q·EP) / (Q·MMR − s·Q), the root of
//                        WB + s·Q·(P − EP) = Q·P·MMR − cum; s = +1 long, −1 short; WB is the
//                        wallet balance available to the position (cross: the wallet less the
//                        other positions' maintenance margin plus their unrealised PnL)
//   funding payment      to the account: −s × |Q| × mark × rate (a positive rate: longs pay)

#include <optional>
#include <vector>

#include "engine/core/instrument.h"

namespace sigex {

// The bracket that holds `notional` (the last one when it exceeds every cap). The instrument
// must have brackets.
const MarginBracket& bracket_for(const Instrument& instrument, Money notional);

// |quantity| × price at the money scale, rounded up (margin is never understated).
Money position_notional(const Instrument& instrument, Quantity quantity, Price price);

// notional / leverage, rounded up.
Money initial_margin(const Instrument& instrument, Money notional);

// notional × rate − amount of the bracket that holds it; never negative.
Money maintenance_margin(const Instrument& instrument, Money notional);

// The estimated liquidation price of a one-way position of `quantity` (signed) entered at
// `entry` with `wallet` of margin behind it. Brackets are re-chosen at the result's notional
// as Binance's FAQ says. nullopt when flat or when the position cannot be liquidated (a long
// whose liquidation price would be ≤ 0).
std::optional<Price> liquidation_price(const Instrument& instrument, Quantity quantity, Price entry,
                                       Money wallet);

// What a funding settlement pays the account (negative: the account pays).
Money funding_payment(const Instrument& instrument, Quantity quantity, Price mark, Rate rate);

}  // namespace sigex
