// libFuzzer target for what sigex's own HTTP intake and its x402 payments read from the
// network: a whole webhook request (Beast's parser with the webhook's limits), its X-Sigex-*
// headers, the signature check and the JSON body; and x402's 402 requirements, X-PAYMENT and
// X-PAYMENT-RESPONSE. None may crash, hang or read out of bounds; a body that parses must come
// back the same through signal_body() (what `sigex signal send` writes).

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>

#include "adapters/webhook/request.h"
#include "adapters/x402/payment.h"

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
  if (const auto offered = sigex::parse_payment_required(input)) {
    sigex::X402Config config;
    config.pay_to = {"0x7d6c00b1bb2d7fbc3e1e6c4e8f4c42a1a2b3c4d5"};
    (void)sigex::choose_requirement(*offered, config);
  }
  (void)sigex::parse_payment_response(input);
  if (const auto payment = sigex::parse_payment_header(input)) {
    (void)sigex::transfer_digest(
        {"USD Coin", "2", 8453, "0x833589fcd6edb6e08f4c7c32d4f71b54bda02913"},
        payment->authorization);
  }

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
