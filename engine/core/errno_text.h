#pragma once

// The words for an errno value, safe from any thread (std::strerror may share one buffer
// between threads; the standard library's category asks strerror_r).

#include <string>
#include <system_error>

namespace sigex {

inline std::string errno_text(int error) { return std::generic_category().message(error); }

}  // namespace sigex
