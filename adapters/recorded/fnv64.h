#pragma once

// FNV-1a over bytes, eight at a time (a tail shorter than eight byte by byte): the checksum of
// `.sigexbin` records and the content hash that names input cache entries. Not cryptographic:
// it detects damage and changed files, not tampering.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sigex {

class Fnv64 {
 public:
  void add(const void* bytes, std::size_t size) {
    const auto* data = static_cast<const unsigned char*>(bytes);
    std::size_t at = 0;
    for (; at + 8 <= size; at += 8) {
      std::uint64_t word = 0;
      std::memcpy(&word, data + at, 8);
      hash_ = (hash_ ^ word) * kPrime;
    }
    for (; at < size; ++at) hash_ = (hash_ ^ data[at]) * kPrime;
  }
  // A piece of text and a separator, so that ("ab", "c") and ("a", "bc") differ.
  void add_field(std::string_view text) {
    add(text.data(), text.size());
    add("\x1f", 1);
  }
  std::uint64_t value() const { return hash_; }

 private:
  static constexpr std::uint64_t kPrime = 0x100000001b3ULL;
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

}  // namespace sigex
