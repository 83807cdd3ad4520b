#pragma once

// Engine-minted client order ids: the idempotency key of every order. The id is a pure
// function of (strategy, instrument, intent key, sequence), so the same intent after a restart
// yields the same id. Format: "<strategy tag>-<16 hex digits>-<sequence>", at most 36 chars of
// [a-zA-Z0-9_-] (Binance's ^[a-zA-Z0-9-_]{1,36}$).

#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "engine/events/events.h"

namespace sigex {

// What caused an order, as a stable 64-bit key chosen by the strategy (e.g. the identity of
// the signal that triggered it). Build it from stable parts with IntentKey::of.
struct IntentKey {
  std::uint64_t value = 0;
  static IntentKey of(std::initializer_list<std::string_view> parts);
  static IntentKey of(std::initializer_list<std::int64_t> parts);
  friend bool operator==(IntentKey, IntentKey) = default;
};

// FNV-1a over bytes; stable across platforms and runs.
std::uint64_t stable_hash(std::string_view bytes, std::uint64_t seed = 14695981039346656037ULL);

// strategy_tag: 1..8 chars of [a-zA-Z0-9]; sequence < 10^6. Checked.
ClientOrderId mint_client_order_id(std::string_view strategy_tag, std::string_view symbol,
                                   IntentKey intent, std::uint32_t sequence);

bool is_valid_client_order_id(std::string_view text);

}  // namespace sigex
