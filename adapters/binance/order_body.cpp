#include "adapters/binance/order_body.h"

namespace sigex {
namespace {

bool is_usdm(BinanceMarket market) { return market == BinanceMarket::kUsdm; }

std::string_view side_text(Side side) { return side == Side::kBuy ? "BUY" : "SELL"; }

std::string_view time_in_force_text(TimeInForce time_in_force) {
  return time_in_force == TimeInForce::kGoodTillCancel ? "GTC" : "IOC";
}

std::string_view response_type(BinanceMarket market) { return is_usdm(market) ? "RESULT" : "FULL"; }

}  // namespace

void build_new_order_body(BinanceMarket market, const OrderCommand& command,
                          const Instrument& instrument, std::int64_t timestamp_ms,
                          std::int64_t recv_window_ms, const RequestSigner& signer,
                          std::string& body) {
  body.clear();
  append_order_shape(body, command, instrument);
  if (is_usdm(market) && command.reduce_only) append_param(body, "reduceOnly", "true");
  append_param(body, "newClientOrderId", command.client_order_id.view());
  append_param(body, "newOrderRespType", response_type(market));
  if (is_usdm(market)) append_param(body, "selfTradePreventionMode", "EXPIRE_TAKER");
  append_integer_param(body, "recvWindow", recv_window_ms);
  append_integer_param(body, "timestamp", timestamp_ms);
  sign_body(signer, body);
}

const NewOrderBodies::Template& NewOrderBodies::shape_of(const OrderCommand& command,
                                                         const Instrument& instrument) {
  const bool limit = command.type == OrderType::kLimit;
  const bool reduce_only = is_usdm(market_) && command.reduce_only;
  const std::size_t kind =
      !limit ? 2 : (command.time_in_force == TimeInForce::kGoodTillCancel ? 0 : 1);
  const std::size_t shape = (command.side == Side::kBuy ? 0 : 6) + kind * 2 + (reduce_only ? 1 : 0);
  if (instrument.id >= templates_.size()) templates_.resize(std::size_t{instrument.id} + 1);
  Template& found = templates_[instrument.id][shape];
  if (!found.head.empty() && found.symbol == instrument.symbol) return found;

  found = Template{};
  found.symbol = instrument.symbol;
  append_param(found.head, "symbol", instrument.symbol.view());
  append_param(found.head, "side", side_text(command.side));
  append_param(found.head, "type", limit ? "LIMIT" : "MARKET");
  if (limit) {
    append_param(found.head, "timeInForce", time_in_force_text(command.time_in_force));
    found.head += "&price=";
  } else {
    found.head += "&quantity=";
  }
  if (reduce_only) found.client_id += "&reduceOnly=true";
  found.client_id += "&newClientOrderId=";
  found.tail += "&newOrderRespType=";
  found.tail += response_type(market_);
  if (is_usdm(market_)) found.tail += "&selfTradePreventionMode=EXPIRE_TAKER";
  found.tail += "&recvWindow=";
  append_integer(found.tail, recv_window_ms_);
  found.tail += "&timestamp=";
  return found;
}

void NewOrderBodies::write(const OrderCommand& command, const Instrument& instrument,
                           std::int64_t timestamp_ms, const RequestSigner& signer,
                           std::string& body) {
  const Template& shape = shape_of(command, instrument);
  body.assign(shape.head);
  if (command.type == OrderType::kLimit) {
    append_decimal(body, command.price.raw, instrument.price_scale);
    body += "&quantity=";
  }
  append_decimal(body, command.quantity.raw, instrument.quantity_scale);
  body += shape.client_id;
  append_percent_encoded(body, command.client_order_id.view());
  body += shape.tail;
  append_integer(body, timestamp_ms);
  sign_body(signer, body);
}

}  // namespace sigex
