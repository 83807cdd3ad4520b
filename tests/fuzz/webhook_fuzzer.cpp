// libFuzzer target for what the signal webhook reads from the network: a whole HTTP request
// (Beast's parser with the webhook's limits), its X-Sigex-* headers, the signature check and
// the JSON body. None may crash, hang or read out of bounds; a body that parses must come back
// the same through signal_body() (what `sigex signal send` writes).

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "adapters/webhook/request.h"

namespace http = boost::beast::http;

namespace {

void check_body(std::string_view body) {
  const auto signal = sigex::parse_signal_body(body);
  if (!signal) return;
  const auto again = sigex::parse_signal_body(sigex::signal_body(*signal));
  if (!again || again->token != signal->token || again->signal != signal->signal ||
      again->grade_hundredths != signal->grade_hundredths ||
      again->timeframe != signal->timeframe ||
      (signal->grade_hundredths && again->grade_kind != signal->grade_kind)) {
    std::abort();  // what the client writes, the server must read back the same
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_body(input);

  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(4096);
  parser.eager(true);
  boost::beast::error_code error;
  parser.put(boost::asio::buffer(input.data(), input.size()), error);
  if (error || !parser.is_done()) return 0;
  const auto& request = parser.get();
  auto header = [&](const char* name) {
    const auto value = request[name];
    return std::string_view(value.data(), value.size());
  };
  const auto headers = sigex::read_signed_headers(
      header("X-Sigex-Timestamp"), header("X-Sigex-Nonce"), header("X-Sigex-Signature"));
  if (headers) {
    static const sigex::Secret secret(std::string("fuzz-secret"));
    (void)sigex::signature_matches({&secret}, *headers, request.body());
  }
  check_body(request.body());
  return 0;
}
