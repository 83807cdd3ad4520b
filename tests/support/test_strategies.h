#pragma once

// Small strategies for engine-level tests.

#include <string>
#include <string_view>

#include "engine/ports/strategy.h"
#include "support/test_support.h"

namespace sigex::testing {

// Buys 0.01 at the ask on each quote (or only the first), each time with a new intent;
// counts what risk let through.
class BuyOnQuote final : public Strategy {
 public:
  enum class Times : std::uint8_t { kEveryQuote, kOnce };
  BuyOnQuote(std::string tag, Times times) : tag_(std::move(tag)), times_(times) {}
  std::string_view tag() const override { return tag_; }
  void on_quote(StrategyContext& context, const BestBidOffer& quote) override {
    if (times_ == Times::kOnce && tried > 0) return;
    ++tried;
    OrderIntent intent;
    intent.instrument = quote.instrument;
    intent.side = Side::kBuy;
    intent.price = quote.ask_price;
    intent.quantity = quantity("0.01");
    intent.intent = IntentKey{static_cast<std::uint64_t>(tried)};
    accepted += context.submit(intent).has_value() ? 1 : 0;
  }
  int tried = 0;
  int accepted = 0;

 private:
  std::string tag_;
  Times times_;
};

}  // namespace sigex::testing
