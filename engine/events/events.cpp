#include "engine/events/events.h"

namespace sigex {

TimeNs InboundEvent::receive_time_ns() const {
  switch (kind) {
    case MarketEventKind::kBestBidOffer:
      return best_bid_offer.receive_time_ns;
    case MarketEventKind::kTrade:
      return trade.receive_time_ns;
    case MarketEventKind::kDepthLevel:
      return depth.receive_time_ns;
    case MarketEventKind::kBar:
      return bar.receive_time_ns;
    case MarketEventKind::kTradingSignal:
      return trading_signal.receive_time_ns;
    case MarketEventKind::kGrade:
      return grade.receive_time_ns;
    case MarketEventKind::kMarketDataReset:
      return reset.receive_time_ns;
    case MarketEventKind::kMarkPrice:
      return mark_price.receive_time_ns;
    case MarketEventKind::kFundingRate:
      return funding_rate.receive_time_ns;
  }
  return 0;
}

std::string_view to_string(Side side) {
  switch (side) {
    case Side::kBuy:
      return "BUY";
    case Side::kSell:
      return "SELL";
  }
  return "?";
}

std::string_view to_string(ExecutionKind kind) {
  switch (kind) {
    case ExecutionKind::kAccepted:
      return "ACCEPTED";
    case ExecutionKind::kRejected:
      return "REJECTED";
    case ExecutionKind::kUnknown:
      return "UNKNOWN";
    case ExecutionKind::kFill:
      return "FILL";
    case ExecutionKind::kCanceled:
      return "CANCELED";
    case ExecutionKind::kExpired:
      return "EXPIRED";
    case ExecutionKind::kCancelRejected:
      return "CANCEL_REJECTED";
    case ExecutionKind::kNotFound:
      return "NOT_FOUND";
    case ExecutionKind::kFunding:
      return "FUNDING";
    case ExecutionKind::kVenueFill:
      return "VENUE_FILL";
    case ExecutionKind::kPositionReport:
      return "POSITION_REPORT";
    case ExecutionKind::kAccountCash:
      return "ACCOUNT_CASH";
  }
  return "?";
}

std::string_view to_string(OrderType type) {
  switch (type) {
    case OrderType::kLimit:
      return "LIMIT";
    case OrderType::kMarket:
      return "MARKET";
  }
  return "?";
}

std::string_view to_string(TimeInForce time_in_force) {
  switch (time_in_force) {
    case TimeInForce::kGoodTillCancel:
      return "GTC";
    case TimeInForce::kImmediateOrCancel:
      return "IOC";
  }
  return "?";
}

}  // namespace sigex
