#pragma once

// Engine-minted client order ids: the idempotency key of every order. The id is a pure
// function of (strategy, journal identity, instrument, intent key, sequence), so the same
// intent after a restart yields the same id, and a different journal (a lost or new one) can
// never mint an id an earlier journal used. Format:
// "<strategy tag>-<journal identity>-<12 hex digits>-<sequence>", at most 35 chars of
// [a-zA-Z0-9_-] (Binance's ^[a-zA-Z0-9-_]{1,36}$).

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
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

// Mints the ids of one strategy on one instrument under one journal. The names are checked
// and hashed once, here, so an order's id costs the hash of its intent key and the text.
// strategy_tag: 1..8 chars of [a-zA-Z0-9]; journal_identity: 6 chars of [0-9A-Za-z]. Checked.
class ClientOrderIdMinter {
 public:
  ClientOrderIdMinter(std::string_view strategy_tag, std::string_view journal_identity,
                      std::string_view symbol);
  // sequence < 10^6. Checked.
  ClientOrderId mint(IntentKey intent, std::uint32_t sequence) const;
  std::string_view strategy_tag() const { return {prefix_.data(), tag_length_}; }

 private:
  std::uint64_t names_digest_ = 0;  // of the tag, the journal identity and the symbol
  std::array<char, 16> prefix_{};   // "<tag>-<identity>-"
  std::size_t prefix_length_ = 0;
  std::size_t tag_length_ = 0;
};

ClientOrderId mint_client_order_id(std::string_view strategy_tag, std::string_view journal_identity,
                                   std::string_view symbol, IntentKey intent,
                                   std::uint32_t sequence);

// The parts of an id minted by sigex; nullopt for any other text (an order placed by hand).
struct MintedIdParts {
  std::string_view strategy_tag;
  std::string_view journal_identity;  // empty: minted before journals had identities
};
std::optional<MintedIdParts> parse_minted_id(std::string_view id);

bool is_valid_client_order_id(std::string_view text);

}  // namespace sigex
