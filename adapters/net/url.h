#pragma once

// Endpoint URLs from configuration: ws://, wss://, http:// and https://.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/result.h"

namespace sigex {

struct Url {
  std::string scheme;  // "ws", "wss", "http" or "https"
  std::string host;
  std::string port;    // explicit, or the scheme's default
  std::string target;  // path and query, at least "/"
  bool tls = false;
};

// Rejects anything but the four schemes, empty hosts and bad ports.
Result<Url> parse_url(std::string_view text);

}  // namespace sigex
