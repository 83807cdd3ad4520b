#pragma once

// The two calculations every strategy that trades with marketable limits makes, in fixed
// point and in one place: the limit price a given distance through the touch, and the
// quantity a budget buys there within the instrument's rules.

#include <optional>

#include "engine/book/quote_book.h"
#include "engine/core/instrument.h"
#include "engine/core/money.h"
#include "engine/events/events.h"
#include "engine/order/order.h"

namespace sigex {

// `tolerance_bps` through the touch (the ask for a buy, the bid for a sell; the reference
// price when that side is empty), on the tick, rounded so the limit never goes further than
// asked (down for a buy, up for a sell). nullopt without any price.
std::optional<Price> marketable_limit(const Instrument& instrument, const Quote& quote, Side side,
                                      std::int64_t tolerance_bps);

// The most a new position may be worth for the account to carry it, keeping 1 % for fees and
// the price tolerance: 99 % of `cash` on spot; 99 % of `available_margin` × the instrument's
// leverage on a perpetual.
Money carry_limit(const Instrument& instrument, Money cash, Money available_margin);

// The intent every strategy sends: a marketable IOC limit order at `price`, caused by
// `intent`, for `reason` (static text); reduce-only when it may only shrink the position.
OrderIntent ioc_limit(InstrumentId instrument, Side side, Price price, Quantity quantity,
                      IntentKey intent, std::string_view reason, bool reduce_only = false);

// What `budget` buys at `price`, rounded down to the step; nullopt when that is below the
// instrument's minimum quantity or minimum notional.
std::optional<Quantity> quantity_within(Money budget, Price price, const Instrument& instrument);

}  // namespace sigex
