#pragma once

// Request headers and responses shared by the HTTP clients. Request headers may carry API
// keys: they are never logged or copied into error text.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/system/error_code.hpp>

namespace sigex {

struct HttpHeader {
  std::string name;
  std::string value;
};

struct HttpResponse {
  boost::system::error_code error;  // transport failure; `step` names the phase
  std::string step;
  int status = 0;
  std::vector<HttpHeader> headers;
  std::string body;

  bool transport_failed() const { return static_cast<bool>(error); }
  // Case-insensitive; nullopt when absent.
  std::optional<std::string_view> header(std::string_view name) const;
};

}  // namespace sigex
