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

// 127.0.0.1, ::1 or localhost: the only hosts a key may be sent to over plain http.
bool is_loopback_host(std::string_view host);
// https://, or http:// to a loopback host (a test simulator): where API keys may go.
bool may_carry_secrets(const Url& url);

}  // namespace sigex
