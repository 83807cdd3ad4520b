#pragma once

// The port through which the core asks a market data feed for repairs. Implemented by live
// feeds (which fetch a new depth snapshot); a replay cannot refetch and only counts requests.

#include "engine/core/instrument.h"

namespace sigex {

class MarketDataControl {
 public:
  virtual ~MarketDataControl() = default;
  // Core thread; must not block. Asks for a fresh depth snapshot of `instrument`: its book is
  // invalid until the snapshot's records arrive through the inbound queue.
  virtual void request_resync(InstrumentId instrument) = 0;
};

}  // namespace sigex
