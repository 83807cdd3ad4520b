#include "engine/order/order_state.h"

#include <gtest/gtest.h>

#include <map>
#include <utility>

namespace sigex {
namespace {

using S = OrderState;
using E = OrderEvent;

constexpr S kStates[] = {S::kIntent,          S::kSent,          S::kUnknown, S::kAccepted,
                         S::kPartiallyFilled, S::kPendingCancel, S::kFilled,  S::kCanceled,
                         S::kRejected,        S::kExpired};
constexpr E kEvents[] = {E::kSend,           E::kAccept,  E::kReject,        E::kOutcomeUnknown,
                         E::kPartialFill,    E::kFill,    E::kCancelRequest, E::kCanceled,
                         E::kCancelRejected, E::kExpired, E::kResend};

// Every allowed transition; everything else must be refused.
const std::map<std::pair<S, E>, S> kAllowed = {
    {{S::kIntent, E::kSend}, S::kSent},
    {{S::kIntent, E::kOutcomeUnknown}, S::kUnknown},
    {{S::kSent, E::kAccept}, S::kAccepted},
    {{S::kSent, E::kReject}, S::kRejected},
    {{S::kSent, E::kOutcomeUnknown}, S::kUnknown},
    {{S::kSent, E::kPartialFill}, S::kPartiallyFilled},
    {{S::kSent, E::kFill}, S::kFilled},
    {{S::kSent, E::kExpired}, S::kExpired},
    {{S::kSent, E::kCanceled}, S::kCanceled},
    {{S::kUnknown, E::kAccept}, S::kAccepted},
    {{S::kUnknown, E::kReject}, S::kRejected},
    {{S::kUnknown, E::kOutcomeUnknown}, S::kUnknown},
    {{S::kUnknown, E::kPartialFill}, S::kPartiallyFilled},
    {{S::kUnknown, E::kFill}, S::kFilled},
    {{S::kUnknown, E::kExpired}, S::kExpired},
    {{S::kUnknown, E::kCanceled}, S::kCanceled},
    {{S::kUnknown, E::kResend}, S::kSent},
    {{S::kAccepted, E::kAccept}, S::kAccepted},
    {{S::kAccepted, E::kPartialFill}, S::kPartiallyFilled},
    {{S::kAccepted, E::kFill}, S::kFilled},
    {{S::kAccepted, E::kCancelRequest}, S::kPendingCancel},
    {{S::kAccepted, E::kCanceled}, S::kCanceled},
    {{S::kAccepted, E::kExpired}, S::kExpired},
    {{S::kPartiallyFilled, E::kAccept}, S::kPartiallyFilled},
    {{S::kPartiallyFilled, E::kPartialFill}, S::kPartiallyFilled},
    {{S::kPartiallyFilled, E::kFill}, S::kFilled},
    {{S::kPartiallyFilled, E::kCancelRequest}, S::kPendingCancel},
    {{S::kPartiallyFilled, E::kCanceled}, S::kCanceled},
    {{S::kPartiallyFilled, E::kExpired}, S::kExpired},
    {{S::kPendingCancel, E::kPartialFill}, S::kPendingCancel},
    {{S::kPendingCancel, E::kFill}, S::kFilled},
    {{S::kPendingCancel, E::kCanceled}, S::kCanceled},
    {{S::kPendingCancel, E::kExpired}, S::kExpired},
    {{S::kPendingCancel, E::kCancelRejected}, S::kAccepted},
};

TEST(OrderStateMachine, EveryStateEventPairMatchesTheTable) {
  int allowed = 0;
  int refused = 0;
  for (const S state : kStates) {
    for (const E event : kEvents) {
      const auto next = next_state(state, event);
      const auto expected = kAllowed.find({state, event});
      if (expected == kAllowed.end()) {
        EXPECT_FALSE(next.has_value())
            << to_string(event) << " must be refused in " << to_string(state);
        ++refused;
      } else {
        ASSERT_TRUE(next.has_value()) << to_string(event) << " in " << to_string(state);
        EXPECT_EQ(*next, expected->second) << to_string(event) << " in " << to_string(state);
        ++allowed;
      }
    }
  }
  EXPECT_EQ(allowed, static_cast<int>(kAllowed.size()));
  EXPECT_EQ(refused, 110 - static_cast<int>(kAllowed.size()));
}

TEST(OrderStateMachine, TerminalStatesAcceptNothing) {
  for (const S state : {S::kFilled, S::kCanceled, S::kRejected, S::kExpired}) {
    EXPECT_TRUE(is_terminal(state));
    for (const E event : kEvents) EXPECT_FALSE(next_state(state, event).has_value());
  }
  EXPECT_FALSE(is_terminal(S::kUnknown));
}

TEST(OrderStateMachine, NamesRoundTrip) {
  for (const S state : kStates) EXPECT_EQ(order_state_from_string(to_string(state)), state);
  EXPECT_FALSE(order_state_from_string("BOGUS").has_value());
}

}  // namespace
}  // namespace sigex
