#include "adapters/net/http_types.h"

#include <boost/beast/core/string.hpp>

#include "adapters/net/beast_response.h"

namespace sigex {

std::optional<std::string_view> HttpResponse::header(std::string_view name) const {
  for (const auto& header : headers) {
    if (boost::beast::iequals(header.name, boost::beast::string_view(name.data(), name.size())))
      return std::string_view(header.value);
  }
  return std::nullopt;
}

void fill_response(HttpResponse& out,
                   boost::beast::http::response<boost::beast::http::string_body>&& in) {
  out.status = static_cast<int>(in.result_int());
  out.headers.clear();
  for (const auto& field : in) {
    out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  out.body = std::move(in.body());
}

}  // namespace sigex
