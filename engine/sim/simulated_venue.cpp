#include "engine/sim/simulated_venue.h"

#include <algorithm>

#include "engine/core/check.h"

namespace sigex {
namespace {

constexpr std::int32_t kFilterFailure = -1013;
constexpr std::int32_t kNewOrderRejected = -2010;
constexpr std::int32_t kCancelRejected = -2011;
constexpr std::int32_t kOrderDoesNotExist = -2013;

bool is_marketable_buy(const OrderCommand& command, Price ask) {
  return command.type == OrderType::kMarket || command.price >= ask;
}
bool is_marketable_sell(const OrderCommand& command, Price bid) {
  return command.type == OrderType::kMarket || command.price <= bid;
}

}  // namespace

SimulatedVenue::SimulatedVenue(const InstrumentRegistry& instruments, SimulatedVenueConfig config,
                               Money starting_cash)
    : instruments_(instruments),
      config_(config),
      account_(instruments, starting_cash),
      markets_(instruments.size()) {}

void SimulatedVenue::restore(const std::vector<Order>& orders, const std::vector<FillRow>& fills) {
  for (const FillRow& fill : fills) {
    account_.apply_fill(fill.instrument, fill.side, fill.price, fill.quantity, fill.fee);
    next_trade_id_ = std::max(next_trade_id_, fill.trade_id + 1);
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
    if (!value || *value < instrument.min_notional) return kFilterFailure;  // NOTIONAL
  }
  return 0;
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
  const MarketState& market = markets_[command.instrument];
  const Price price = command.type == OrderType::kLimit ? command.price : market.best.ask_price;
  const auto value = notional(price, instrument.price_scale, command.quantity,
                              instrument.quantity_scale, Rounding::kUp);
  const auto fee = value ? apply_basis_points(*value, config_.taker_fee_bps, Rounding::kUp)
                         : Result<Money>(Money{0});
  return value && fee && *value + *fee <= account_.cash();
}

void SimulatedVenue::arrive(const OrderCommand& command, TimeNs now_ns) {
  seen_client_ids_.emplace(command.client_order_id.view());
  if (const std::int32_t error = check_filters(command); error != 0) {
    emit(ExecutionKind::kRejected, command, 0, now_ns, error);
    return;
  }
  if (!has_balance_for(command)) {
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
      for (auto& order : live_orders_) {
        if (order.resting && order.command.instrument == event.best_bid_offer.instrument) {
          match_against_quote(order, now_ns);
        }
      }
      break;
    }
    case MarketEventKind::kTrade:
      for (auto& order : live_orders_) {
        if (order.resting && order.command.instrument == event.trade.instrument) {
          match_against_trade(order, event.trade, now_ns);
        }
      }
      break;
    case MarketEventKind::kBar:
      if (!event.bar.closed) break;
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
    case MarketEventKind::kDepthLevel:
    case MarketEventKind::kTradingSignal:
    case MarketEventKind::kGrade:
    case MarketEventKind::kMarketDataReset:
      break;
  }
  remove_finished();
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
  const Quantity take = std::min(order.command.quantity - order.filled, displayed - taken);
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
  const Quantity take = std::min(order.command.quantity - order.filled, trade.quantity);
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
  // The account may not cover a market buy that walks up: trim to what the cash allows.
  if (order.command.side == Side::kBuy) {
    const std::int64_t fee_bps =
        liquidity == Liquidity::kMaker ? config_.maker_fee_bps : config_.taker_fee_bps;
    const auto affordable = quantity_for(
        apply_basis_points(account_.cash(), 10'000LL * 10'000 / (10'000 + fee_bps), Rounding::kDown)
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
      liquidity == Liquidity::kMaker ? config_.maker_fee_bps : config_.taker_fee_bps;
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

FillFee SimulatedVenue::fee_for(const Instrument& instrument, Side side, Price price,
                                Quantity quantity, Money value, std::int64_t fee_bps) const {
  const Money in_quote = apply_basis_points(value, fee_bps, Rounding::kUp).value_or(Money{0});
  switch (config_.fee_asset) {
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
    event.rejection = error_code == kFilterFailure || error_code == kNewOrderRejected
                          ? RejectionKind::kFinal
                          : RejectionKind::kRetryable;
  }
  outgoing_.push_back(Outgoing{now_ns + config_.order_latency_ns, event});
}

void SimulatedVenue::remove_finished() {
  std::erase_if(live_orders_, [](const LiveOrder& order) { return !order.resting; });
}

}  // namespace sigex
