#pragma once

// Latest prices per instrument as seen by the core thread: best bid/offer, last trade and last
// bar. Strategies and risk read it through the strategy context; the core thread writes it.

#include <vector>

#include "engine/core/time.h"
#include "engine/events/events.h"

namespace sigex {

struct Quote {
  Price bid;
  Quantity bid_quantity;
  Price ask;
  Quantity ask_quantity;
  Price last_trade;
  Price last_close;           // close of the latest bar
  Price mark;                 // perpetuals: the venue's mark price; 0 until one arrives
  TimeNs last_update_ns = 0;  // receive time of the latest market event, 0 = never

  bool has_two_sided_quote() const { return bid.raw > 0 && ask.raw > 0 && bid < ask; }

  // The best available reference price: mid of a two-sided quote, else last trade, else last
  // bar close. Zero when nothing has been seen.
  Price reference() const;

  // What positions are valued at: the mark price when the venue publishes one (perpetuals),
  // else the reference price.
  Price valuation() const { return mark.raw > 0 ? mark : reference(); }

  bool is_fresh(TimeNs now_ns, DurationNs max_age_ns) const {
    return last_update_ns != 0 && now_ns - last_update_ns <= max_age_ns;
  }
};

class QuoteBook {
 public:
  explicit QuoteBook(std::size_t instrument_count) : quotes_(instrument_count) {}

  void apply(const BestBidOffer& update);
  void apply(const TradeTick& trade);
  void apply(const Bar& bar);
  void apply(const MarkPrice& mark);  // does not make the quote fresh: only trading data does

  const Quote& quote(InstrumentId instrument) const { return quotes_[instrument]; }

 private:
  std::vector<Quote> quotes_;
};

}  // namespace sigex
