#include "engine/console/flatten_strategy.h"

#include "engine/logging/log.h"

namespace sigex {
namespace {
constexpr DurationNs kRetryNs = 500 * kNsPerMs;
constexpr int kMaxRefusals = 3;
}  // namespace

void FlattenStrategy::on_start(StrategyContext& context) {
  context_ = &context;
  refusals_.assign(context.instruments().size(), 0);
}

void FlattenStrategy::flatten(std::uint64_t request_id) {
  flattening_ = true;
  request_id_ = request_id;
  refusals_.assign(refusals_.size(), 0);
  if (context_ != nullptr) step(*context_);
}

void FlattenStrategy::on_order_update(StrategyContext& context, const Order&, OrderEvent) {
  if (flattening_) step(context);
}

void FlattenStrategy::on_timer(StrategyContext& context, std::uint64_t) {
  if (flattening_) step(context);
}

void FlattenStrategy::step(StrategyContext& context) {
  bool waiting = false;
  for (InstrumentId id = 0; id < context.instruments().size(); ++id) {
    const Position& position = context.position(id);
    // Longs are sold; shorts (perpetuals) are bought back.
    if (position.quantity.raw == 0 || refusals_[id] >= kMaxRefusals) continue;
    // Resting orders (being canceled) and our own sells in flight come first.
    if (context.has_open_order(id) || !context.is_tradeable(id)) {
      waiting = true;
      continue;
    }
    OrderIntent intent;
    intent.instrument = id;
    intent.side = position.quantity.raw > 0 ? Side::kSell : Side::kBuy;
    intent.type = OrderType::kMarket;
    intent.quantity = magnitude(position.quantity);
    intent.reduce_only = true;
    intent.reason = "flatten";
    intent.intent =
        IntentKey::of({static_cast<std::int64_t>(request_id_), static_cast<std::int64_t>(id),
                       static_cast<std::int64_t>(++attempt_)});
    if (context.submit(intent)) {
      waiting = true;
    } else if (++refusals_[id] == kMaxRefusals) {
      log_error(
          "flatten: {} position {} cannot be closed (refused {} times; see the risk denials); left "
          "as is",
          context.instruments().get(id).symbol.view(), position.quantity.raw, kMaxRefusals);
    } else {
      waiting = true;
    }
  }
  if (waiting) {
    context.set_timer(context.now_ns() + kRetryNs, 0);
    return;
  }
  flattening_ = false;
  log_info("flatten: done, every position is flat or left as logged");
}

}  // namespace sigex
