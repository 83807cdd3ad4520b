#pragma once

// Pre-trade checks run on every order intent, in every mode, before the OMS mints an id.
// A denial carries a reason code; nothing denied reaches a venue. Owned by the core thread.

#include <array>
#include <cstdint>
#include <string_view>

#include "engine/book/quote_book.h"
#include "engine/oms/order.h"
#include "engine/portfolio/portfolio.h"

namespace sigex {

enum class RiskDenial : std::uint8_t {
  kNone,
  kTradingHalted,
  kMarketDataStale,
  kBookInvalid,
  kNoReferencePrice,
  kPriceCollar,
  kMaxOrderNotional,
  kMaxPositionNotional,
  kInsufficientBalance,
  kInsufficientPosition,
  kOutcomeUnknown,
  kInvalidOrder,
  kVenueFilter,  // the venue's trading rules (tick, step, notional) cannot be met
  kCount,
};

std::string_view to_string(RiskDenial denial);

struct RiskConfig {
  Money max_order_notional{100'000 * 100'000'000LL};     // per order, quote asset
  Money max_position_notional{250'000 * 100'000'000LL};  // per instrument after the order
  std::int64_t price_collar_bps = 500;      // limit price within ±5 % of the reference
  DurationNs max_quote_age_ns = 2 * kNsPerDay;  // older market data: instrument untradeable
};

// Everything a check needs to know about the world at the moment of the order.
struct RiskView {
  const Instrument& instrument;
  const Quote& quote;
  const Position& position;
  TimeNs now_ns;
  Money available_cash;           // cash minus what open buy orders may spend
  Quantity available_to_sell;     // position minus what open sell orders may sell
  bool outcome_unknown_pending;   // an order on this instrument has an unknown outcome
  bool trading_halted;
  bool book_invalid = false;      // depth book awaiting a snapshot or broken
};

class RiskEngine {
 public:
  explicit RiskEngine(RiskConfig config) : config_(config) {}

  RiskDenial check(const OrderIntent& intent, const RiskView& view);

  std::uint64_t denials(RiskDenial reason) const {
    return denials_[static_cast<std::size_t>(reason)];
  }
  std::uint64_t approvals() const { return denials_[0]; }
  const RiskConfig& config() const { return config_; }

 private:
  RiskDenial evaluate(const OrderIntent& intent, const RiskView& view) const;

  RiskConfig config_;
  std::array<std::uint64_t, static_cast<std::size_t>(RiskDenial::kCount)> denials_{};
};

}  // namespace sigex
