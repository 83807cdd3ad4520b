#include "engine/book/quote_book.h"

namespace sigex {

Price Quote::reference() const {
  if (has_two_sided_quote()) return Price{bid.raw + (ask.raw - bid.raw) / 2};
  if (last_trade.raw > 0) return last_trade;
  return last_close;
}

void QuoteBook::apply(const BestBidOffer& update) {
  Quote& quote = quotes_[update.instrument];
  quote.bid = update.bid_price;
  quote.bid_quantity = update.bid_quantity;
  quote.ask = update.ask_price;
  quote.ask_quantity = update.ask_quantity;
  quote.last_update_ns = update.receive_time_ns;
}

void QuoteBook::apply(const MarkPrice& mark) { quotes_[mark.instrument].mark = mark.mark_price; }

void QuoteBook::apply(const TradeTick& trade) {
  Quote& quote = quotes_[trade.instrument];
  quote.last_trade = trade.price;
  quote.last_update_ns = trade.receive_time_ns;
}

void QuoteBook::apply(const Bar& bar) {
  if (!bar.closed) return;
  Quote& quote = quotes_[bar.instrument];
  quote.last_close = bar.close;
  quote.last_update_ns = bar.receive_time_ns;
}

}  // namespace sigex
