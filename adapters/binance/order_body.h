#pragma once

// The signed body of a new Binance order (POST /api/v3/order, POST /fapi/v1/order), every
// parameter in the form body so the signature covers it and nothing of the order is in the URL:
//
//   symbol=S&side=B&type=LIMIT&timeInForce=T&price=P&quantity=Q[&reduceOnly=true]
//   &newClientOrderId=ID&newOrderRespType=R[&selfTradePreventionMode=EXPIRE_TAKER]
//   &recvWindow=W&timestamp=TS&signature=SIG          (a MARKET order has no timeInForce, price)
//
// USD-M differs from spot (../shared/reference/binance-usdm-futures.md §3.3, §12):
// `reduceOnly=true` on orders that may only shrink the position (one-way mode: no
// `positionSide`), `newOrderRespType=RESULT` (futures has no FULL answer) and
// `selfTradePreventionMode=EXPIRE_TAKER` set explicitly (the default changed in 2026-07).
//
// Everything but P, Q, ID and TS is the same for every order of one instrument, side, type,
// time in force and reduce-only flag, so NewOrderBodies writes that text once per such shape
// and per order writes only the four values: decimals and integers as digits (they never need
// percent-encoding), the client order id as it is when it is of the unreserved alphabet (every
// id sigex mints is). build_new_order_body() writes the same body parameter by parameter,
// percent-encoding every value: it is the reference the templates are tested against.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "adapters/binance/market.h"
#include "adapters/binance/signer.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"

namespace sigex {

// Writes the signed body into `body` (cleared first), parameter by parameter.
void build_new_order_body(BinanceMarket market, const OrderCommand& command,
                          const Instrument& instrument, std::int64_t timestamp_ms,
                          std::int64_t recv_window_ms, const RequestSigner& signer,
                          std::string& body);

// New-order bodies from per-shape templates; byte for byte what build_new_order_body writes.
// A shape's template is built at its first order (the only allocation); after that, write()
// allocates nothing once `body` has the capacity.
class NewOrderBodies {
 public:
  NewOrderBodies(BinanceMarket market, std::int64_t recv_window_ms)
      : market_(market), recv_window_ms_(recv_window_ms) {}

  void write(const OrderCommand& command, const Instrument& instrument, std::int64_t timestamp_ms,
             const RequestSigner& signer, std::string& body);

 private:
  // side (2) x type and time in force (LIMIT GTC, LIMIT IOC, MARKET) x reduce-only (2)
  static constexpr std::size_t kShapes = 12;
  struct Template {
    Symbol symbol;          // the instrument it was built for (ids are reused across registries)
    std::string head;       // up to "price=" (LIMIT) or "quantity=" (MARKET)
    std::string client_id;  // "[&reduceOnly=true]&newClientOrderId="
    std::string tail;       // "&newOrderRespType=...&recvWindow=W&timestamp="
  };
  const Template& shape_of(const OrderCommand& command, const Instrument& instrument);

  BinanceMarket market_;
  std::int64_t recv_window_ms_;
  std::vector<std::array<Template, kShapes>> templates_;  // by instrument id
};

}  // namespace sigex
