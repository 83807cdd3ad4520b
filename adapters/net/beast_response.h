#pragma once

// Internal to adapters/net: a Beast response into the client-neutral HttpResponse.

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "adapters/net/http_types.h"

namespace sigex {

void fill_response(HttpResponse& out,
                   boost::beast::http::response<boost::beast::http::string_body>&& in);

}  // namespace sigex
