#include "engine/sim/simulated_venue.h"

#include <algorithm>
#include <utility>

#include "engine/core/check.h"
#include "engine/portfolio/margin.h"

namespace sigex {
namespace {

constexpr std::int32_t kFilterFailure = -1013;
constexpr std::int32_t kNewOrderRejected = -2010;
constexpr std::int32_t kCancelRejected = -2011;
constexpr std::int32_t kOrderDoesNotExist = -2013;
constexpr std::int32_t kMarginInsufficient = -2019;  // USD-M
constexpr std::int32_t kReduceOnlyRejected = -2022;  // USD-M

bool is_marketable_buy(const OrderCommand& command, Price ask) {
  return command.type == OrderType::kMarket || command.price >= ask;
}
bool is_marketable_sell(const OrderCommand& command, Price bid) {
  return command.type == OrderType::kMarket || command.price <= bid;
}

}  // namespace

SimulatedVenue::SimulatedVenue(const InstrumentRegistry& instruments, SimulatedVenueConfig config,
                               Money starting_cash)
    : SimulatedVenue(instruments, std::move(config), {CashAccount{VenueName{}, starting_cash}}) {}

SimulatedVenue::SimulatedVenue(const InstrumentRegistry& instruments, SimulatedVenueConfig config,
                               std::vector<CashAccount> accounts)
    : instruments_(instruments),
      config_(std::move(config)),
      account_(instruments, std::move(accounts)),
      prices_(instruments.size()),
      markets_(instruments.size()) {
  for (const Instrument& instrument : instruments.all()) {
    has_perpetuals_ = has_perpetuals_ || instrument.is_perpetual();
  }
}

void SimulatedVenue::restore(const std::vector<Order>& orders, const std::vector<FillRow>& fills,
                             const std::vector<AccountEventRow>& account_events) {
  for (const FillRow& fill : fills) {
    account_.apply_fill(fill.instrument, fill.side, fill.price, fill.quantity, fill.fee);
    next_trade_id_ = std::max(next_trade_id_, fill.trade_id + 1);
  }
  for (const AccountEventRow& event : account_events) {
    if (event.kind == AccountEventKind::kFunding) {
      account_.apply_funding(event.instrument, event.amount);
      MarketState& market = markets_[event.instrument];
      market.settled_funding_ns = std::max(market.settled_funding_ns, event.event_id);
    } else {
      account_.apply_fill(event.instrument, event.side, event.price, event.quantity,
                          FillFee::in_quote(event.fee));
      next_trade_id_ = std::max(next_trade_id_, static_cast<std::uint64_t>(event.event_id) + 1);
    }
  }
  for (const Order& order : orders) {
    // Sent, not answered: it never reached this in-process venue (a lookup says "not found").
    if (order.state == OrderState::kIntent || order.state == OrderState::kSent ||
        order.state == OrderState::kUnknown) {
      continue;
    }
    seen_client_ids_.insert(std::string(order.client_order_id.view()));
    next_venue_order_id_ = std::max(next_venue_order_id_, order.venue_order_id + 1);
    // A cancel in flight at the stop never arrived: the order still rests.
    if (order.state != OrderState::kAccepted && order.state != OrderState::kPartiallyFilled &&
        order.state != OrderState::kPendingCancel) {
      continue;
    }
    live_orders_.push_back(
        LiveOrder{command_for(order, OrderCommandKind::kNew, order.created_time_ns),
                  order.venue_order_id, order.filled_quantity, true});
  }
}

void SimulatedVenue::send(const OrderCommand& command) {
  in_flight_.push_back(InFlight{command.created_time_ns + config_.order_latency_ns, command});
}

TimeNs SimulatedVenue::next_event_time_ns() const {
  TimeNs next = kNever;
  if (!in_flight_.empty()) next = std::min(next, in_flight_.front().arrival_ns);
  if (!outgoing_.empty()) next = std::min(next, outgoing_.front().delivery_ns);
  return next;
}

void SimulatedVenue::poll(TimeNs now_ns, std::vector<ExecutionEvent>& out) {
  process_arrivals(now_ns);
  while (!outgoing_.empty() && outgoing_.front().delivery_ns <= now_ns) {
    ExecutionEvent event = outgoing_.front().event;
    event.receive_time_ns = outgoing_.front().delivery_ns;
    out.push_back(event);
    outgoing_.pop_front();
  }
}

void SimulatedVenue::process_arrivals(TimeNs now_ns) {
  while (!in_flight_.empty() && in_flight_.front().arrival_ns <= now_ns) {
    const InFlight next = in_flight_.front();
    in_flight_.pop_front();
    switch (next.command.kind) {
      case OrderCommandKind::kNew:
        arrive(next.command, next.arrival_ns);
        break;
      case OrderCommandKind::kCancel:
        arrive_cancel(next.command, next.arrival_ns);
        break;
      case OrderCommandKind::kQuery:
        arrive_query(next.command, next.arrival_ns);
        break;
    }
  }
  remove_finished();
}

std::int32_t SimulatedVenue::check_filters(const OrderCommand& command) const {
  const Instrument& instrument = instruments_.get(command.instrument);
  if (command.quantity.raw <= 0) return kFilterFailure;
  if (command.quantity.raw % instrument.step_size.raw != 0) return kFilterFailure;  // LOT_SIZE
  if (command.quantity < instrument.min_quantity) return kFilterFailure;
  Price price = command.price;
  if (command.type == OrderType::kLimit) {
    if (price.raw <= 0 || price.raw % instrument.tick_size.raw != 0) {
      return kFilterFailure;  // PRICE_FILTER
    }
  } else {
    const MarketState& market = markets_[command.instrument];
    price = command.side == Side::kBuy ? market.best.ask_price : market.best.bid_price;
  }
  if (price.raw > 0) {
    const auto value = notional(price, instrument.price_scale, command.quantity,
                                instrument.quantity_scale, Rounding::kDown);
    // Binance USD-M exempts reduce-only orders from the minimum notional.
    if (!value || (*value < instrument.min_notional && !command.reduce_only)) {
      return kFilterFailure;  // NOTIONAL
    }
  }
  return 0;
}

std::int32_t SimulatedVenue::check_margin(const OrderCommand& command) const {
  const Instrument& instrument = instruments_.get(command.instrument);
  const Quantity position = account_.position(command.instrument).quantity;
  const bool buy = command.side == Side::kBuy;
  const bool reduces = buy ? position.raw < 0 : position.raw > 0;
  if (command.reduce_only) return reduces ? 0 : kReduceOnlyRejected;
  // Only what the order would open needs margin; what it closes frees it.
  Quantity opening = command.quantity;
  if (reduces) {
    const Quantity held = magnitude(position);
    opening = command.quantity > held ? command.quantity - held : Quantity{0};
  }
  if (opening.raw == 0) return 0;
  const MarketState& market = markets_[command.instrument];
  // A market order is priced at the touch it takes (the valuation price without one).
  Price price = command.price;
  if (command.type == OrderType::kMarket) {
    price = buy ? market.best.ask_price : market.best.bid_price;
    if (price.raw <= 0) price = prices_.quote(command.instrument).valuation();
  }
  const std::size_t paying = account_.account_of(command.instrument);
  const AccountMargin account = account_.account_margin(paying, prices_);
  Money committed = account.initial_margin;
  for (const LiveOrder& order : live_orders_) {
    const Instrument& other = instruments_.get(order.command.instrument);
    if (!order.resting || !other.is_perpetual() || order.command.reduce_only ||
        account_.account_of(other.id) != paying) {
      continue;
    }
    const Price at = order.command.type == OrderType::kLimit
                         ? order.command.price
                         : prices_.quote(order.command.instrument).valuation();
    committed +=
        initial_margin(other, position_notional(other, order.command.quantity - order.filled, at));
  }
  const Money order_notional = position_notional(instrument, opening, price);
  const Money fee =
      apply_basis_points(order_notional, config_.perpetual_taker_fee_bps, Rounding::kUp)
          .value_or(order_notional);
  const Money needed = initial_margin(instrument, order_notional) + fee;
  return account.margin_balance - committed >= needed ? 0 : kMarginInsufficient;
}

bool SimulatedVenue::has_balance_for(const OrderCommand& command) const {
  const Instrument& instrument = instruments_.get(command.instrument);
  if (command.side == Side::kSell) {
    Quantity committed{0};
    for (const auto& order : live_orders_) {
      if (order.command.instrument == command.instrument && order.command.side == Side::kSell) {
        committed += order.command.quantity - order.filled;
      }
    }
    return committed + command.quantity <= account_.position(command.instrument).quantity;
  }
  // A buy is paid from its venue's account, less what the account's resting buys hold.
  const std::size_t paying = account_.account_of(command.instrument);
  const MarketState& market = markets_[command.instrument];
  const Price price = command.type == OrderType::kLimit ? command.price : market.best.ask_price;
  const auto value = notional(price, instrument.price_scale, command.quantity,
                              instrument.quantity_scale, Rounding::kUp);
  const auto fee =
      value ? apply_basis_points(*value, spot_fees(instrument).taker_fee_bps, Rounding::kUp)
            : Result<Money>(Money{0});
  return value && fee && *value + *fee <= free_cash(paying);
}

Money SimulatedVenue::resting_hold(const LiveOrder& order) const {
  // A resting spot buy holds its remaining notional at its limit price, as the exchange locks
  // the quote asset until the order ends.
  const Instrument& instrument = instruments_.get(order.command.instrument);
  if (!order.resting || order.command.side != Side::kBuy || instrument.is_perpetual() ||
      order.command.type != OrderType::kLimit) {
    return Money{0};
  }
  return notional(order.command.price, instrument.price_scale,
                  order.command.quantity - order.filled, instrument.quantity_scale, Rounding::kUp)
      .value_or(Money{0});
}

Money SimulatedVenue::free_cash(std::size_t account) const {
  Money locked{0};
  for (const auto& order : live_orders_) {
    if (account_.account_of(order.command.instrument) == account) locked += resting_hold(order);
  }
  return account_.cash(account) - locked;
}

void SimulatedVenue::arrive(const OrderCommand& command, TimeNs now_ns) {
  seen_client_ids_.emplace(command.client_order_id.view());
  if (const std::int32_t error = check_filters(command); error != 0) {
    emit(ExecutionKind::kRejected, command, 0, now_ns, error);
    return;
  }
  if (instruments_.get(command.instrument).is_perpetual()) {
    if (const std::int32_t error = check_margin(command); error != 0) {
      emit(ExecutionKind::kRejected, command, 0, now_ns, error);
      return;
    }
  } else if (!has_balance_for(command)) {
    emit(ExecutionKind::kRejected, command, 0, now_ns, kNewOrderRejected);
    return;
  }
  LiveOrder order{command, next_venue_order_id_++, Quantity{0}, true};
  emit(ExecutionKind::kAccepted, command, order.venue_order_id, now_ns);
  live_orders_.push_back(order);
  LiveOrder& stored = live_orders_.back();
  if (markets_[command.instrument].has_quote) {
    match_against_quote(stored, now_ns);
    // Immediate-or-cancel (and market orders with nothing more to take) end on arrival when a
    // quote exists; on bar-only data they wait for the next bar.
    if (stored.resting && command.time_in_force == TimeInForce::kImmediateOrCancel &&
        command.type == OrderType::kLimit) {
      stored.resting = false;
      emit(ExecutionKind::kExpired, command, stored.venue_order_id, now_ns);
    }
  }
}

void SimulatedVenue::arrive_query(const OrderCommand& command, TimeNs now_ns) {
  for (const auto& order : live_orders_) {
    if (order.resting && order.command.client_order_id == command.client_order_id) {
      emit(ExecutionKind::kAccepted, order.command, order.venue_order_id, now_ns);
      return;
    }
  }
  // A finished order's answers were all delivered already; only an id never seen is news.
  if (!seen_client_ids_.contains(command.client_order_id.view())) {
    emit(ExecutionKind::kNotFound, command, 0, now_ns, kOrderDoesNotExist);
  }
}

void SimulatedVenue::arrive_cancel(const OrderCommand& command, TimeNs now_ns) {
  for (auto& order : live_orders_) {
    if (order.resting && order.command.client_order_id == command.client_order_id) {
      order.resting = false;
      emit(ExecutionKind::kCanceled, order.command, order.venue_order_id, now_ns);
      return;
    }
  }
  emit(ExecutionKind::kCancelRejected, command, 0, now_ns, kCancelRejected);
}

void SimulatedVenue::on_market(const InboundEvent& event) {
  const TimeNs now_ns = event.receive_time_ns();
  process_arrivals(now_ns);
  switch (event.kind) {
    case MarketEventKind::kBestBidOffer: {
      MarketState& market = markets_[event.best_bid_offer.instrument];
      if (market.best.bid_price != event.best_bid_offer.bid_price) market.bid_taken = Quantity{0};
      if (market.best.ask_price != event.best_bid_offer.ask_price) market.ask_taken = Quantity{0};
      if (market.best.bid_quantity != event.best_bid_offer.bid_quantity) {
        market.bid_taken = Quantity{0};
      }
      if (market.best.ask_quantity != event.best_bid_offer.ask_quantity) {
        market.ask_taken = Quantity{0};
      }
      market.best = event.best_bid_offer;
      market.has_quote = true;
      prices_.apply(event.best_bid_offer);
      for (auto& order : live_orders_) {
        if (order.resting && order.command.instrument == event.best_bid_offer.instrument) {
          match_against_quote(order, now_ns);
        }
      }
      break;
    }
    case MarketEventKind::kTrade:
      prices_.apply(event.trade);
      for (auto& order : live_orders_) {
        if (order.resting && order.command.instrument == event.trade.instrument) {
          match_against_trade(order, event.trade, now_ns);
        }
      }
      break;
    case MarketEventKind::kBar:
      if (!event.bar.closed) break;
      prices_.apply(event.bar);
      for (auto& order : live_orders_) {
        // A bar that began before the order existed is its past: wait for the next one.
        if (order.resting && order.command.instrument == event.bar.instrument &&
            order.command.created_time_ns - event.bar.open_time_ns <=
                (event.bar.close_time_ns - event.bar.open_time_ns) / 10'000 *
                    config_.bar_open_tolerance_bps) {
          match_against_bar(order, event.bar, now_ns);
        }
      }
      break;
    case MarketEventKind::kMarkPrice: {
      const MarkPrice& mark = event.mark_price;
      prices_.apply(mark);
      MarketState& market = markets_[mark.instrument];
      // The stream announced a rate for a funding time that has now passed: it settled.
      if (market.announced_funding_ns > 0 && mark.venue_time_ns >= market.announced_funding_ns) {
        settle_funding(mark.instrument, market.announced_funding_ns, market.announced_rate,
                       mark.mark_price, now_ns);
      }
      if (mark.next_funding_time_ns > 0) {
        market.announced_rate = mark.funding_rate;
        market.announced_funding_ns = mark.next_funding_time_ns;
      }
      break;
    }
    case MarketEventKind::kFundingRate:
      settle_funding(event.funding_rate.instrument, event.funding_rate.funding_time_ns,
                     event.funding_rate.rate, event.funding_rate.mark_price, now_ns);
      break;
    case MarketEventKind::kDepthLevel:
    case MarketEventKind::kTradingSignal:
    case MarketEventKind::kGrade:
    case MarketEventKind::kMarketDataReset:
      break;
  }
  liquidate_if_needed(now_ns);
  remove_finished();
}

void SimulatedVenue::settle_funding(InstrumentId instrument_id, TimeNs funding_time_ns, Rate rate,
                                    Price mark, TimeNs now_ns) {
  const Instrument& instrument = instruments_.get(instrument_id);
  MarketState& market = markets_[instrument_id];
  if (!instrument.is_perpetual() || funding_time_ns <= market.settled_funding_ns) return;
  market.settled_funding_ns = funding_time_ns;
  const Quantity position = account_.position(instrument_id).quantity;
  if (position.raw == 0) return;
  if (mark.raw <= 0) mark = prices_.quote(instrument_id).valuation();
  if (mark.raw <= 0) mark = account_.position(instrument_id).entry_price;
  const Money amount = funding_payment(instrument, position, mark, rate);
  account_.apply_funding(instrument_id, amount);
  ExecutionEvent event{};
  event.kind = ExecutionKind::kFunding;
  event.instrument = instrument_id;
  event.price = mark;
  event.quantity = position;
  event.funding = amount;
  event.venue_time_ns = funding_time_ns;
  outgoing_.push_back(Outgoing{now_ns + config_.order_latency_ns, event});
}

void SimulatedVenue::liquidate_if_needed(TimeNs now_ns) {
  if (!has_perpetuals_) return;
  // Cross margin is per account: one account's liquidation closes only its own positions.
  for (std::size_t account = 0; account < account_.accounts().size(); ++account)
    liquidate_account_if_needed(account, now_ns);
}

void SimulatedVenue::liquidate_account_if_needed(std::size_t account, TimeNs now_ns) {
  const AccountMargin margin = account_.account_margin(account, prices_);
  if (margin.maintenance_margin.raw == 0 || margin.margin_ratio_bps < 10'000) return;
  const auto of_account = [&](InstrumentId id) {
    return instruments_.get(id).is_perpetual() && account_.account_of(id) == account;
  };
  for (LiveOrder& order : live_orders_) {
    if (order.resting && of_account(order.command.instrument)) {
      order.resting = false;
      emit(ExecutionKind::kCanceled, order.command, order.venue_order_id, now_ns);
    }
  }
  for (const Instrument& instrument : instruments_.all()) {
    const Quantity position = account_.position(instrument.id).quantity;
    if (!of_account(instrument.id) || position.raw == 0) continue;
    Price mark = prices_.quote(instrument.id).valuation();
    if (mark.raw <= 0) mark = account_.position(instrument.id).entry_price;
    const Quantity size = magnitude(position);
    const Side side = position.raw > 0 ? Side::kSell : Side::kBuy;
    const auto value =
        notional(mark, instrument.price_scale, size, instrument.quantity_scale, Rounding::kDown);
    SIGEX_CHECK(value.has_value(), "liquidation notional overflow");
    const Money fee =
        apply_basis_points(*value, config_.liquidation_fee_bps, Rounding::kUp).value_or(*value);
    account_.apply_fill(instrument.id, side, mark, size, FillFee::in_quote(fee));
    ExecutionEvent event{};
    event.kind = ExecutionKind::kVenueFill;
    event.liquidity = Liquidity::kTaker;
    event.instrument = instrument.id;
    event.trade_id = next_trade_id_++;
    event.client_order_id = ClientOrderId::from("autoclose-" + std::to_string(event.trade_id));
    event.side = side;
    event.price = mark;
    event.quantity = size;
    event.fee = fee;
    event.fee_asset = FeeAsset::kQuote;
    event.venue_time_ns = now_ns;
    outgoing_.push_back(Outgoing{now_ns + config_.order_latency_ns, event});
  }
}

void SimulatedVenue::match_against_quote(LiveOrder& order, TimeNs now_ns) {
  MarketState& market = markets_[order.command.instrument];
  const bool buy = order.command.side == Side::kBuy;
  // The opposite side of the book is what the order trades against.
  const Price touch = buy ? market.best.ask_price : market.best.bid_price;
  const Quantity displayed = buy ? market.best.ask_quantity : market.best.bid_quantity;
  Quantity& taken = buy ? market.ask_taken : market.bid_taken;
  const bool marketable =
      buy ? is_marketable_buy(order.command, touch) : is_marketable_sell(order.command, touch);
  if (touch.raw <= 0 || !marketable) return;
  // Every quantity on the venue is a multiple of the step (what is displayed may be recorded
  // at a finer step than the instrument's, e.g. spot data replayed for a perpetual).
  const Instrument& instrument = instruments_.get(order.command.instrument);
  const Quantity take{
      round_to_multiple(std::min(order.command.quantity - order.filled, displayed - taken).raw,
                        instrument.step_size.raw, Rounding::kDown)};
  if (take.raw <= 0) return;
  taken += take;
  // A limit order that was resting before the touch came to it trades at its own price.
  const bool was_resting =
      order.filled.raw > 0 || order.command.created_time_ns + config_.order_latency_ns < now_ns;
  const bool maker = order.command.type == OrderType::kLimit && was_resting;
  fill(order, maker ? order.command.price : touch, take,
       maker ? Liquidity::kMaker : Liquidity::kTaker, now_ns);
  finish_if_done(order);
}

void SimulatedVenue::match_against_trade(LiveOrder& order, const TradeTick& trade, TimeNs now_ns) {
  if (order.command.type != OrderType::kLimit) return;
  const bool crosses = order.command.side == Side::kBuy ? trade.price <= order.command.price
                                                        : trade.price >= order.command.price;
  if (!crosses) return;
  const Quantity take{
      round_to_multiple(std::min(order.command.quantity - order.filled, trade.quantity).raw,
                        instruments_.get(order.command.instrument).step_size.raw, Rounding::kDown)};
  if (take.raw <= 0) return;
  fill(order, order.command.price, take, Liquidity::kMaker, now_ns);
  finish_if_done(order);
}

void SimulatedVenue::match_against_bar(LiveOrder& order, const Bar& bar, TimeNs now_ns) {
  const Instrument& instrument = instruments_.get(order.command.instrument);
  const auto cap = mul_div(bar.volume.raw, config_.bar_participation_bps, 10'000, Rounding::kDown);
  Quantity take = std::min(order.command.quantity - order.filled, Quantity{cap.value_or(0)});
  take = Quantity{round_to_multiple(take.raw, instrument.step_size.raw, Rounding::kDown)};
  Price price{0};
  Liquidity liquidity = Liquidity::kTaker;
  const OrderCommand& command = order.command;
  if (command.type == OrderType::kMarket) {
    price = bar.open;
  } else if (command.side == Side::kBuy) {
    if (bar.open <= command.price) {
      price = bar.open;
    } else if (bar.low <= command.price) {
      price = command.price;
      liquidity = Liquidity::kMaker;
    }
  } else {
    if (bar.open >= command.price) {
      price = bar.open;
    } else if (bar.high >= command.price) {
      price = command.price;
      liquidity = Liquidity::kMaker;
    }
  }
  if (price.raw > 0 && take.raw > 0) fill(order, price, take, liquidity, now_ns);
  if (order.resting && command.time_in_force == TimeInForce::kImmediateOrCancel &&
      order.filled < command.quantity) {
    order.resting = false;
    emit(ExecutionKind::kExpired, command, order.venue_order_id, now_ns);
    return;
  }
  finish_if_done(order);
}

void SimulatedVenue::fill(LiveOrder& order, Price price, Quantity quantity, Liquidity liquidity,
                          TimeNs now_ns) {
  const Instrument& instrument = instruments_.get(order.command.instrument);
  if (instrument.is_perpetual()) {
    // A reduce-only order closes at most the position.
    if (order.command.reduce_only) {
      const Quantity position = account_.position(order.command.instrument).quantity;
      const bool reduces = order.command.side == Side::kBuy ? position.raw < 0 : position.raw > 0;
      const Quantity held = magnitude(position);
      quantity = reduces ? std::min(quantity, held) : Quantity{0};
    }
  } else if (order.command.side == Side::kBuy) {
    // The account may not cover a market buy that walks up: trim to what its free cash allows
    // (a resting buy filling now holds its own part of what is locked).
    const SimulatedSpotFees fees = spot_fees(instrument);
    const std::int64_t fee_bps =
        liquidity == Liquidity::kMaker ? fees.maker_fee_bps : fees.taker_fee_bps;
    const auto affordable = quantity_for(
        apply_basis_points(free_cash(account_.account_of(instrument.id)) + resting_hold(order),
                           10'000LL * 10'000 / (10'000 + fee_bps), Rounding::kDown)
            .value_or(Money{0}),
        price, instrument.price_scale, instrument.quantity_scale, Rounding::kDown);
    if (affordable && *affordable < quantity) {
      quantity =
          Quantity{round_to_multiple(affordable->raw, instrument.step_size.raw, Rounding::kDown)};
    }
  } else {
    quantity = std::min(quantity, account_.position(order.command.instrument).quantity);
  }
  if (quantity.raw <= 0) {
    // Nothing affordable or nothing left to sell: the venue expires the rest.
    order.resting = false;
    emit(ExecutionKind::kExpired, order.command, order.venue_order_id, now_ns);
    return;
  }
  const auto value =
      notional(price, instrument.price_scale, quantity, instrument.quantity_scale, Rounding::kDown);
  SIGEX_CHECK(value.has_value(), "simulated fill notional overflow");
  const std::int64_t fee_bps =
      instrument.is_perpetual()
          ? (liquidity == Liquidity::kMaker ? config_.perpetual_maker_fee_bps
                                            : config_.perpetual_taker_fee_bps)
          : (liquidity == Liquidity::kMaker ? spot_fees(instrument).maker_fee_bps
                                            : spot_fees(instrument).taker_fee_bps);
  const FillFee fee = fee_for(instrument, order.command.side, price, quantity, *value, fee_bps);
  account_.apply_fill(order.command.instrument, order.command.side, price, quantity, fee);
  order.filled += quantity;

  ExecutionEvent event{};
  event.kind = ExecutionKind::kFill;
  event.liquidity = liquidity;
  event.instrument = order.command.instrument;
  event.client_order_id = order.command.client_order_id;
  event.venue_order_id = order.venue_order_id;
  event.trade_id = next_trade_id_++;
  event.price = price;
  event.quantity = quantity;
  event.fee = fee.value;
  event.fee_asset = fee.asset;
  event.fee_quantity = fee.quantity;
  event.fee_asset_code = fee.other_asset;
  event.venue_time_ns = now_ns;
  outgoing_.push_back(Outgoing{now_ns + config_.order_latency_ns, event});
}

SimulatedSpotFees SimulatedVenue::spot_fees(const Instrument& instrument) const {
  for (const SimulatedVenueFees& venue : config_.venue_fees) {
    if (venue.venue == instrument.venue) return venue.fees;
  }
  return {config_.maker_fee_bps, config_.taker_fee_bps, config_.fee_asset};
}

FillFee SimulatedVenue::fee_for(const Instrument& instrument, Side side, Price price,
                                Quantity quantity, Money value, std::int64_t fee_bps) const {
  const Money in_quote = apply_basis_points(value, fee_bps, Rounding::kUp).value_or(Money{0});
  if (instrument.is_perpetual()) return FillFee::in_quote(in_quote);  // futures: always USDT
  switch (spot_fees(instrument).fee_asset) {
    case SimulatedFeeAsset::kQuote:
      return FillFee::in_quote(in_quote);
    case SimulatedFeeAsset::kBase: {
      if (side == Side::kSell) return FillFee::in_quote(in_quote);  // the asset received
      const Quantity charged{mul_div(quantity.raw, fee_bps, 10'000, Rounding::kUp).value_or(0)};
      const Money worth =
          notional(price, instrument.price_scale, charged, instrument.quantity_scale, Rounding::kUp)
              .value_or(Money{0});
      return FillFee{worth, FeeAsset::kBase, charged, {}};
    }
    case SimulatedFeeAsset::kThird: {
      // The third asset's amount at 8 decimals: the quote value at its fixed price.
      const auto amount =
          mul_div(in_quote.raw, 100'000'000, config_.third_fee_asset_price.raw, Rounding::kUp);
      return FillFee{in_quote, FeeAsset::kOther, Quantity{amount.value_or(0)},
                     config_.third_fee_asset};
    }
  }
  return FillFee::in_quote(in_quote);
}

void SimulatedVenue::finish_if_done(LiveOrder& order) {
  if (order.filled >= order.command.quantity) order.resting = false;
}

void SimulatedVenue::emit(ExecutionKind kind, const OrderCommand& command,
                          VenueOrderId venue_order_id, TimeNs now_ns, std::int32_t error_code) {
  ExecutionEvent event{};
  event.kind = kind;
  event.instrument = command.instrument;
  event.venue_error_code = error_code;
  event.client_order_id = command.client_order_id;
  event.venue_order_id = venue_order_id;
  event.venue_time_ns = now_ns;
  // The in-process venue's answers never lag: "does not exist" is proof.
  if (kind == ExecutionKind::kNotFound) event.absence = AbsenceEvidence::kProven;
  // As Binance's: a filter failure or an insufficient balance cannot succeed by retrying.
  if (kind == ExecutionKind::kRejected) {
    event.rejection = error_code == kFilterFailure || error_code == kNewOrderRejected ||
                              error_code == kMarginInsufficient || error_code == kReduceOnlyRejected
                          ? RejectionKind::kFinal
                          : RejectionKind::kRetryable;
  }
  outgoing_.push_back(Outgoing{now_ns + config_.order_latency_ns, event});
}

void SimulatedVenue::remove_finished() {
  std::erase_if(live_orders_, [](const LiveOrder& order) { return !order.resting; });
}

}  // namespace sigex
