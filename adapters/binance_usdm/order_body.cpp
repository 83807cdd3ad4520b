#include "adapters/binance_usdm/order_body.h"

namespace sigex {

void usdm_new_order_body(const OrderCommand& command, const Instrument& instrument,
                         std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                         const RequestSigner& signer, std::string& body) {
  body.clear();
  append_order_shape(body, command, instrument);
  if (command.reduce_only) append_param(body, "reduceOnly", "true");
  append_param(body, "newClientOrderId", command.client_order_id.view());
  append_param(body, "newOrderRespType", "RESULT");
  append_param(body, "selfTradePreventionMode", "EXPIRE_TAKER");
  append_integer_param(body, "recvWindow", recv_window_ms);
  append_integer_param(body, "timestamp", timestamp_ms);
  sign_body(signer, body);
}

}  // namespace sigex
