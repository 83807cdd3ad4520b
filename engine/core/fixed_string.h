#pragma once

// A fixed-capacity, NUL-padded string that is trivially copyable, so symbols and client order
// ids can travel inside queue records.

#include <algorithm>
#include <array>
#include <cstddef>
#include <functional>
#include <string_view>

namespace sigex {

template <std::size_t Capacity>
class FixedString {
 public:
  constexpr FixedString() = default;

  // Returns false (and leaves the value empty) when text does not fit.
  constexpr bool assign(std::string_view text) {
    chars_.fill('\0');
    if (text.size() > Capacity) return false;
    std::copy(text.begin(), text.end(), chars_.begin());
    return true;
  }

  static constexpr FixedString from(std::string_view text) {
    FixedString value;
    value.assign(text);
    return value;
  }

  constexpr std::string_view view() const {
    std::size_t length = 0;
    while (length < Capacity && chars_[length] != '\0') ++length;
    return {chars_.data(), length};
  }

  constexpr bool empty() const { return chars_[0] == '\0'; }
  static constexpr std::size_t capacity() { return Capacity; }

  friend constexpr bool operator==(const FixedString&, const FixedString&) = default;
  friend constexpr auto operator<=>(const FixedString& left, const FixedString& right) {
    return left.view() <=> right.view();
  }

 private:
  std::array<char, Capacity> chars_{};
};

// For unordered containers keyed by a FixedString.
struct FixedStringHash {
  template <std::size_t Capacity>
  std::size_t operator()(const FixedString<Capacity>& value) const {
    return std::hash<std::string_view>{}(value.view());
  }
};

}  // namespace sigex
