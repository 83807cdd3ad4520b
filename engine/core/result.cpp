#include "engine/core/result.h"

namespace sigex {

std::string_view to_string(Errc code) {
  switch (code) {
    case Errc::kEmpty:
      return "empty";
    case Errc::kSyntax:
      return "syntax";
    case Errc::kTooPrecise:
      return "too_precise";
    case Errc::kOverflow:
      return "overflow";
    case Errc::kOutOfRange:
      return "out_of_range";
    case Errc::kMissingField:
      return "missing_field";
    case Errc::kWrongType:
      return "wrong_type";
    case Errc::kUnknownInstrument:
      return "unknown_instrument";
    case Errc::kUnsupported:
      return "unsupported";
    case Errc::kIo:
      return "io";
  }
  return "unknown";
}

}  // namespace sigex
