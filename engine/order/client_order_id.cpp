#include "engine/order/client_order_id.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "engine/core/check.h"

namespace sigex {

std::uint64_t stable_hash(std::string_view bytes, std::uint64_t seed) {
  std::uint64_t hash = seed;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

IntentKey IntentKey::of(std::initializer_list<std::string_view> parts) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const auto part : parts) {
    hash = stable_hash(part, hash);
    hash = stable_hash(std::string_view("\x1f", 1), hash);  // separator: ("ab","c") != ("a","bc")
  }
  return IntentKey{hash};
}

IntentKey IntentKey::of(std::initializer_list<std::int64_t> parts) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const auto part : parts) {
    std::array<char, sizeof(part)> bytes{};
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      bytes[i] = static_cast<char>((static_cast<std::uint64_t>(part) >> (8 * i)) & 0xFF);
    }
    hash = stable_hash(std::string_view(bytes.data(), bytes.size()), hash);
  }
  return IntentKey{hash};
}

ClientOrderIdMinter::ClientOrderIdMinter(std::string_view strategy_tag,
                                         std::string_view journal_identity,
                                         std::string_view symbol) {
  SIGEX_CHECK(!strategy_tag.empty() && strategy_tag.size() <= 8, "strategy tag must be 1..8 chars");
  SIGEX_CHECK(journal_identity.size() == 6, "journal identity must be 6 chars");
  names_digest_ = stable_hash(strategy_tag);
  names_digest_ = stable_hash(std::string_view("\x1f", 1), names_digest_);
  names_digest_ = stable_hash(journal_identity, names_digest_);
  names_digest_ = stable_hash(std::string_view("\x1f", 1), names_digest_);
  names_digest_ = stable_hash(symbol, names_digest_);
  for (const char c : strategy_tag) prefix_[prefix_length_++] = c;
  tag_length_ = prefix_length_;
  prefix_[prefix_length_++] = '-';
  for (const char c : journal_identity) prefix_[prefix_length_++] = c;
  prefix_[prefix_length_++] = '-';
  // What mint() adds (hex digits, '-', decimal digits) is always valid.
  SIGEX_CHECK(is_valid_client_order_id(std::string_view(prefix_.data(), prefix_length_)),
              "minted client order id breaks the venue rule");
}

ClientOrderId mint_client_order_id(std::string_view strategy_tag, std::string_view journal_identity,
                                   std::string_view symbol, IntentKey intent,
                                   std::uint32_t sequence) {
  return ClientOrderIdMinter(strategy_tag, journal_identity, symbol).mint(intent, sequence);
}

ClientOrderId ClientOrderIdMinter::mint(IntentKey intent, std::uint32_t sequence) const {
  SIGEX_CHECK(sequence < 1'000'000, "order sequence exhausted for one intent");
  std::uint64_t digest = names_digest_ ^ (intent.value * 0x9E3779B97F4A7C15ULL);
  digest = stable_hash(std::string_view(reinterpret_cast<const char*>(&intent.value), 8), digest);

  std::array<char, 37> text{};
  std::size_t length = prefix_length_;
  std::copy_n(prefix_.begin(), prefix_length_, text.begin());
  constexpr char kHex[] = "0123456789abcdef";
  for (int shift = 44; shift >= 0; shift -= 4) text[length++] = kHex[(digest >> shift) & 0xF];
  text[length++] = '-';
  std::array<char, 7> digits{};
  std::size_t digit_count = 0;
  std::uint32_t remaining = sequence;
  do {
    digits[digit_count++] = static_cast<char>('0' + remaining % 10);
    remaining /= 10;
  } while (remaining != 0);
  while (digit_count > 0) text[length++] = digits[--digit_count];

  return ClientOrderId::from(std::string_view(text.data(), length));
}

std::optional<MintedIdParts> parse_minted_id(std::string_view id) {
  const auto is_alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  const auto is_hex = [](char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); };
  const auto all = [](std::string_view part, auto predicate) {
    return !part.empty() && std::all_of(part.begin(), part.end(), predicate);
  };
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= id.size(); ++i) {
    if (i == id.size() || id[i] == '-') {
      parts.push_back(id.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  const auto sequence_ok = [&](std::string_view part) {
    return all(part, [](char c) { return c >= '0' && c <= '9'; }) && part.size() <= 6;
  };
  if (parts.size() == 4 && all(parts[0], is_alnum) && parts[0].size() <= 8 &&
      parts[1].size() == 6 && all(parts[1], is_alnum) && parts[2].size() == 12 &&
      all(parts[2], is_hex) && sequence_ok(parts[3])) {
    return MintedIdParts{parts[0], parts[1]};
  }
  if (parts.size() == 3 && all(parts[0], is_alnum) && parts[0].size() <= 8 &&
      parts[1].size() == 16 && all(parts[1], is_hex) && sequence_ok(parts[2])) {
    return MintedIdParts{parts[0], {}};
  }
  return std::nullopt;
}

bool is_valid_client_order_id(std::string_view text) {
  if (text.empty() || text.size() > 36) return false;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace sigex
