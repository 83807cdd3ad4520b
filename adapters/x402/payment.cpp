#include "adapters/x402/payment.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>
#include <simdjson.h>

#include "adapters/net/digest.h"
#include "adapters/x402/wallet.h"
#include "engine/core/decimal.h"

namespace sigex {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool read_amount(std::string_view text, std::int64_t& out) {
  const auto [end, code] = std::from_chars(text.data(), text.data() + text.size(), out);
  return code == std::errc() && end == text.data() + text.size() && out >= 0;
}

std::string text_of(simdjson::dom::element element, const char* field) {
  std::string_view text;
  return element[field].get_string().get(text) ? std::string() : std::string(text);
}

}  // namespace

tl::expected<std::vector<PaymentRequirement>, std::string> parse_payment_required(
    std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size()).get(root))
    return tl::unexpected(std::string("the 402 body is not JSON"));
  std::int64_t version = 0;
  if (root["x402Version"].get_int64().get(version) || version != 1)
    return tl::unexpected(std::string("the 402 body is not x402 version 1 (x402Version)"));
  simdjson::dom::array accepts;
  if (root["accepts"].get_array().get(accepts))
    return tl::unexpected(std::string("the 402 body has no accepts array"));
  std::vector<PaymentRequirement> offered;
  for (simdjson::dom::element entry : accepts) {
    PaymentRequirement requirement;
    requirement.scheme = text_of(entry, "scheme");
    requirement.network = text_of(entry, "network");
    requirement.asset = lower(text_of(entry, "asset"));
    requirement.pay_to = lower(text_of(entry, "payTo"));
    requirement.resource = text_of(entry, "resource");
    requirement.description = text_of(entry, "description");
    const std::string amount = text_of(entry, "maxAmountRequired");
    if (!read_amount(amount, requirement.amount))
      return tl::unexpected("maxAmountRequired \"" + amount.substr(0, 40) +
                            "\" is not an amount in atomic units");
    std::int64_t timeout = 0;
    if (!entry["maxTimeoutSeconds"].get_int64().get(timeout))
      requirement.max_timeout_s = std::clamp<std::int64_t>(timeout, 10, 3600);
    simdjson::dom::element extra;
    if (!entry["extra"].get(extra)) {
      requirement.token_name = text_of(extra, "name");
      requirement.token_version = text_of(extra, "version");
    }
    offered.push_back(std::move(requirement));
  }
  if (offered.empty()) return tl::unexpected(std::string("the 402 body offers no payment"));
  return offered;
}

tl::expected<PaymentRequirement, std::string> choose_requirement(
    const std::vector<PaymentRequirement>& offered, const X402Config& config) {
  std::string why;
  for (const PaymentRequirement& requirement : offered) {
    auto refuse = [&](const std::string& reason) {
      if (!why.empty()) why += "; ";
      why += reason;
    };
    if (requirement.scheme != "exact") {
      refuse("scheme " + requirement.scheme + " (only exact)");
    } else if (requirement.network != config.network) {
      refuse("network " + requirement.network + " (configured: " + config.network + ")");
    } else if (requirement.asset != lower(config.asset)) {
      refuse("asset " + requirement.asset + " (configured: " + lower(config.asset) + ")");
    } else if (std::find(config.pay_to.begin(), config.pay_to.end(), requirement.pay_to) ==
               config.pay_to.end()) {
      refuse("payTo " + requirement.pay_to + " is not on the allow-list (pay_to)");
    } else if (requirement.amount > config.max_price) {
      refuse(fmt::format("price {} is over the limit of {} per call (max_price)",
                         format_amount(requirement.amount), format_amount(config.max_price)));
    } else if (requirement.amount <= 0) {
      refuse("an amount of 0");
    } else if (requirement.token_name.empty() || requirement.token_version.empty()) {
      refuse("no token name and version (extra) to sign for");
    } else {
      return requirement;
    }
  }
  return tl::unexpected(why);
}

tl::expected<SignedPayment, std::string> sign_payment(const PaymentRequirement& requirement,
                                                      const EvmWallet& wallet, TimeNs now_ns,
                                                      const std::string& nonce) {
  const auto chain = chain_id_of(requirement.network);
  if (!chain) return tl::unexpected("unknown network " + requirement.network);
  SignedPayment payment;
  const std::int64_t now_s = now_ns / kNsPerSecond;
  payment.authorization = {wallet.address(),
                           requirement.pay_to,
                           std::to_string(requirement.amount),
                           std::to_string(now_s - 60),
                           std::to_string(now_s + requirement.max_timeout_s),
                           nonce};
  const auto digest = transfer_digest(
      {requirement.token_name, requirement.token_version, *chain, requirement.asset},
      payment.authorization);
  if (!digest) return tl::unexpected(digest.error());
  const TransferAuthorization& a = payment.authorization;
  const std::string json = fmt::format(
      R"({{"x402Version":1,"scheme":"exact","network":"{}","payload":{{"signature":"{}",)"
      R"("authorization":{{"from":"{}","to":"{}","value":"{}","validAfter":"{}",)"
      R"("validBefore":"{}","nonce":"{}"}}}}}})",
      requirement.network, wallet.sign(*digest), a.from, a.to, a.value, a.valid_after,
      a.valid_before, a.nonce);
  payment.header = base64_encode(json);
  return payment;
}

tl::expected<PaymentReceipt, std::string> parse_payment_response(std::string_view header) {
  const auto json = base64_decode(header);
  if (!json) return tl::unexpected(std::string("X-PAYMENT-RESPONSE is not base64"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*json).get(root))
    return tl::unexpected(std::string("X-PAYMENT-RESPONSE is not JSON"));
  PaymentReceipt receipt;
  if (root["success"].get_bool().get(receipt.success))
    return tl::unexpected(std::string("X-PAYMENT-RESPONSE has no success flag"));
  receipt.transaction = text_of(root, "transaction");
  receipt.network = text_of(root, "network");
  receipt.payer = lower(text_of(root, "payer"));
  receipt.error = text_of(root, "errorReason");
  return receipt;
}

tl::expected<ReceivedPayment, std::string> parse_payment_header(std::string_view header) {
  const auto json = base64_decode(header);
  if (!json) return tl::unexpected(std::string("X-PAYMENT is not base64"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(*json).get(root)) return tl::unexpected(std::string("X-PAYMENT is not JSON"));
  ReceivedPayment payment;
  payment.scheme = text_of(root, "scheme");
  payment.network = text_of(root, "network");
  simdjson::dom::element payload, authorization;
  if (root["payload"].get(payload) || payload["authorization"].get(authorization))
    return tl::unexpected(std::string("X-PAYMENT has no payload.authorization"));
  payment.signature = text_of(payload, "signature");
  payment.authorization = {
      lower(text_of(authorization, "from")), lower(text_of(authorization, "to")),
      text_of(authorization, "value"),       text_of(authorization, "validAfter"),
      text_of(authorization, "validBefore"), lower(text_of(authorization, "nonce"))};
  return payment;
}

std::string format_amount(std::int64_t atomic, int decimals) {
  return format_decimal(atomic, decimals);
}

}  // namespace sigex
