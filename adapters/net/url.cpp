#include "adapters/net/url.h"

namespace sigex {

Result<Url> parse_url(std::string_view text) {
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return fail(Errc::kSyntax, "URL without scheme");
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme == "ws" || url.scheme == "http") {
    url.tls = false;
  } else if (url.scheme == "wss" || url.scheme == "https") {
    url.tls = true;
  } else {
    return fail(Errc::kUnsupported, "URL scheme must be ws, wss, http or https");
  }
  std::string_view rest = text.substr(scheme_end + 3);
  const auto path_start = rest.find('/');
  std::string_view authority = rest.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(rest.substr(path_start));
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5) return fail(Errc::kSyntax, "bad port in URL");
    int value = 0;
    for (const char c : port) {
      if (c < '0' || c > '9') return fail(Errc::kSyntax, "bad port in URL");
      value = value * 10 + (c - '0');
    }
    if (value == 0 || value > 65535) return fail(Errc::kOutOfRange, "port out of range");
    url.port = std::string(port);
    authority = authority.substr(0, colon);
  } else {
    url.port = url.tls ? "443" : "80";
  }
  if (authority.empty()) return fail(Errc::kSyntax, "URL without host");
  url.host = std::string(authority);
  return url;
}

bool is_loopback_host(std::string_view host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]";
}

bool may_carry_secrets(const Url& url) {
  return url.scheme == "https" || url.scheme == "wss" ||
         ((url.scheme == "http" || url.scheme == "ws") && is_loopback_host(url.host));
}

}  // namespace sigex
