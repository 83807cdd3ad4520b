#pragma once

// The signed body of a new Binance USD-M order (POST /fapi/v1/order), every parameter in the
// form body so the signature covers it and nothing of the order is in the URL. Differences
// from spot (../shared/reference/binance-usdm-futures.md §3.3, §12):
//  * `reduceOnly=true` on orders that may only shrink the position (one-way mode: no
//    `positionSide`, which defaults to BOTH);
//  * `newOrderRespType=RESULT` (futures has no FULL answer and no fills[]);
//  * `selfTradePreventionMode=EXPIRE_TAKER` set explicitly (the default changed in 2026-07);
//  * a client order id of sigex's own alphabet, which the futures rule (wider) accepts.

#include <cstdint>
#include <string>

#include "adapters/binance/signer.h"
#include "engine/core/instrument.h"
#include "engine/events/events.h"

namespace sigex {

// Writes the signed body into `body` (cleared first; no allocation once it has the capacity).
void usdm_new_order_body(const OrderCommand& command, const Instrument& instrument,
                         std::int64_t timestamp_ms, std::int64_t recv_window_ms,
                         const RequestSigner& signer, std::string& body);

}  // namespace sigex
