#include "engine/order/order_state.h"

#include <array>

namespace sigex {

std::optional<OrderState> next_state(OrderState state, OrderEvent event) {
  using S = OrderState;
  using E = OrderEvent;
  switch (state) {
    case S::kIntent:
      if (event == E::kSend) return S::kSent;
      // Restart recovery: a journaled intent whose send may or may not have happened.
      if (event == E::kOutcomeUnknown) return S::kUnknown;
      return std::nullopt;
    case S::kSent:
    case S::kUnknown:
      switch (event) {
        case E::kAccept:
          return S::kAccepted;
        case E::kReject:
          return S::kRejected;
        case E::kOutcomeUnknown:
          return S::kUnknown;
        case E::kPartialFill:
          return S::kPartiallyFilled;
        case E::kFill:
          return S::kFilled;
        case E::kExpired:
          return S::kExpired;
        case E::kCanceled:
          return S::kCanceled;
        case E::kResend:
          if (state == S::kUnknown) return S::kSent;
          return std::nullopt;
        default:
          return std::nullopt;
      }
    case S::kAccepted:
    case S::kPartiallyFilled:
      switch (event) {
        case E::kAccept:
          return state;  // duplicate acknowledgement: harmless
        case E::kPartialFill:
          return S::kPartiallyFilled;
        case E::kFill:
          return S::kFilled;
        case E::kCancelRequest:
          return S::kPendingCancel;
        case E::kCanceled:
          return S::kCanceled;
        case E::kExpired:
          return S::kExpired;
        default:
          return std::nullopt;
      }
    case S::kPendingCancel:
      switch (event) {
        case E::kPartialFill:
          return S::kPendingCancel;
        case E::kFill:
          return S::kFilled;
        case E::kCanceled:
          return S::kCanceled;
        case E::kExpired:
          return S::kExpired;
        case E::kCancelRejected:
          return S::kAccepted;
        default:
          return std::nullopt;
      }
    case S::kFilled:
    case S::kCanceled:
    case S::kRejected:
    case S::kExpired:
      return std::nullopt;
  }
  return std::nullopt;
}

bool is_terminal(OrderState state) {
  return state == OrderState::kFilled || state == OrderState::kCanceled ||
         state == OrderState::kRejected || state == OrderState::kExpired;
}

namespace {
constexpr std::array<std::string_view, 10> kStateNames = {
    "INTENT",         "SENT",   "UNKNOWN",  "ACCEPTED", "PARTIALLY_FILLED",
    "PENDING_CANCEL", "FILLED", "CANCELED", "REJECTED", "EXPIRED",
};
}  // namespace

std::string_view to_string(OrderState state) {
  return kStateNames[static_cast<std::size_t>(state)];
}

std::optional<OrderState> order_state_from_string(std::string_view text) {
  for (std::size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == text) return static_cast<OrderState>(i);
  }
  return std::nullopt;
}

std::string_view to_string(OrderEvent event) {
  switch (event) {
    case OrderEvent::kSend:
      return "send";
    case OrderEvent::kAccept:
      return "accept";
    case OrderEvent::kReject:
      return "reject";
    case OrderEvent::kOutcomeUnknown:
      return "outcome_unknown";
    case OrderEvent::kPartialFill:
      return "partial_fill";
    case OrderEvent::kFill:
      return "fill";
    case OrderEvent::kCancelRequest:
      return "cancel_request";
    case OrderEvent::kCanceled:
      return "canceled";
    case OrderEvent::kCancelRejected:
      return "cancel_rejected";
    case OrderEvent::kExpired:
      return "expired";
    case OrderEvent::kResend:
      return "resend";
  }
  return "?";
}

}  // namespace sigex
