#pragma once

// The order state machine. Every venue answer is Accepted, Rejected (definite) or Unknown;
// transitions not in the table are refused (and counted by the caller), never forced.
//
//   Intent --send--> Sent --accept--> Accepted --fill--> PartiallyFilled --fill--> Filled
//                     |  \--reject--> Rejected              |
//                     \--unknown--> Unknown --(resolution: accept/reject/fill)--> ...
//                                   Unknown --resend (proven absent, same id)--> Sent
//   Accepted|PartiallyFilled --cancel_request--> PendingCancel --canceled--> Canceled
//   Accepted|PartiallyFilled|PendingCancel --expired--> Expired

#include <cstdint>
#include <optional>
#include <string_view>

namespace sigex {

enum class OrderState : std::uint8_t {
  kIntent,   // written to the journal, not yet sent
  kSent,     // left the process, no answer yet
  kUnknown,  // outcome unknown; must be resolved by asking the venue
  kAccepted,
  kPartiallyFilled,
  kPendingCancel,
  kFilled,
  kCanceled,
  kRejected,
  kExpired,
};

enum class OrderEvent : std::uint8_t {
  kSend,
  kAccept,
  kReject,
  kOutcomeUnknown,
  kPartialFill,
  kFill,  // the fill that completes the order
  kCancelRequest,
  kCanceled,
  kCancelRejected,
  kExpired,
  kResend,  // Unknown -> Sent: the venue proved it never got the order; same client id
};

// The next state, or nullopt when the event is not allowed in `state`.
std::optional<OrderState> next_state(OrderState state, OrderEvent event);

bool is_terminal(OrderState state);
// True while the order may still trade or is waiting for an answer.
inline bool is_open(OrderState state) { return !is_terminal(state); }

std::string_view to_string(OrderState state);
std::string_view to_string(OrderEvent event);
std::optional<OrderState> order_state_from_string(std::string_view text);

}  // namespace sigex
