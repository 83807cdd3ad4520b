#pragma once

// Result<T>: the return type of everything that handles untrusted input. Errors carry a code
// and a static description; they never allocate, so the hot path can fail cheaply.

#include <cstdint>
#include <string_view>

#include <tl/expected.hpp>

namespace sigex {

enum class Errc : std::uint8_t {
  kEmpty,
  kSyntax,
  kTooPrecise,
  kOverflow,
  kOutOfRange,
  kMissingField,
  kWrongType,
  kUnknownInstrument,
  kUnsupported,
  kIo,
};

std::string_view to_string(Errc code);

struct Error {
  Errc code;
  std::string_view what;  // static text; never owns memory
};

template <typename T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(Errc code, std::string_view what) {
  return tl::unexpected<Error>(Error{code, what});
}

}  // namespace sigex
