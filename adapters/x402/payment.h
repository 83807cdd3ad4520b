#pragma once

// The x402 v1 exchange (../shared/reference/token-metrics-api.md §6), without I/O:
//   402 {"x402Version":1,"accepts":[{"scheme":"exact","network":"base","maxAmountRequired":..,
//        "asset":..,"payTo":..,"resource":..,"maxTimeoutSeconds":..,"extra":{"name","version"}}]}
//   -> X-PAYMENT: base64 {"x402Version":1,"scheme":"exact","network":..,"payload":{"signature":..,
//        "authorization":{"from","to","value","validAfter","validBefore","nonce"}}}
//   <- X-PAYMENT-RESPONSE: base64 {"success":..,"transaction":..,"network":..,"payer":..}
// Only requirements for the configured network and asset, a payTo on the allow-list and an
// amount within the price limit are ever chosen. Fuzzed (tools/fuzz.sh webhook_fuzzer).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/x402/config.h"
#include "adapters/x402/eip712.h"
#include "engine/core/result.h"
#include "engine/core/time.h"

namespace sigex {

class EvmWallet;

struct PaymentRequirement {
  std::string scheme, network, asset, pay_to, resource, description;
  std::int64_t amount = 0;  // maxAmountRequired, atomic units
  std::int64_t max_timeout_s = 60;
  std::string token_name, token_version;  // extra: the token's EIP-712 domain
};

tl::expected<std::vector<PaymentRequirement>, std::string> parse_payment_required(
    std::string_view body);

// The requirement to pay, or why none may be paid (naming what did not match).
tl::expected<PaymentRequirement, std::string> choose_requirement(
    const std::vector<PaymentRequirement>& offered, const X402Config& config);

struct SignedPayment {
  std::string header;  // X-PAYMENT value
  TransferAuthorization authorization;
};
// Signs an EIP-3009 authorization of exactly `requirement.amount` to its payTo, valid from a
// minute ago until maxTimeoutSeconds from `now_ns`, with `nonce` (32 bytes, 0x-hex).
tl::expected<SignedPayment, std::string> sign_payment(const PaymentRequirement& requirement,
                                                      const EvmWallet& wallet, TimeNs now_ns,
                                                      const std::string& nonce);

struct PaymentReceipt {
  bool success = false;
  std::string transaction, network, payer, error;
};
tl::expected<PaymentReceipt, std::string> parse_payment_response(std::string_view header);

// The X-PAYMENT header decoded (the simulator's side; a facilitator does the same).
struct ReceivedPayment {
  std::string scheme, network, signature;
  TransferAuthorization authorization;
};
tl::expected<ReceivedPayment, std::string> parse_payment_header(std::string_view header);

// Atomic units as a decimal amount of the asset ("0.010000" for 10000 at 6 decimals).
std::string format_amount(std::int64_t atomic, int decimals = kUsdcDecimals);

}  // namespace sigex
