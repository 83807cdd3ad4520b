#include "adapters/x402/eip712.h"

#include <crypto++/keccak.h>

namespace sigex {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_word(std::string& out, const Bytes32& word) {
  out.append(reinterpret_cast<const char*>(word.data()), word.size());
}

}  // namespace

Bytes32 keccak256(std::string_view bytes) {
  CryptoPP::Keccak_256 hash;
  hash.Update(reinterpret_cast<const CryptoPP::byte*>(bytes.data()), bytes.size());
  Bytes32 digest{};
  hash.Final(digest.data());
  return digest;
}

std::string to_hex(const std::uint8_t* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  text.reserve(2 + 2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    text += kDigits[data[i] >> 4];
    text += kDigits[data[i] & 0xf];
  }
  return text;
}

std::optional<std::string> from_hex(std::string_view text, std::size_t size) {
  if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
  if (text.size() != 2 * size) return std::nullopt;
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    const int high = hex_value(text[2 * i]);
    const int low = hex_value(text[2 * i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes[i] = static_cast<char>(high * 16 + low);
  }
  return bytes;
}

Eip712Struct::Eip712Struct(std::string_view encoded_type) {
  append_word(encoded_, keccak256(encoded_type));
}

bool Eip712Struct::address(std::string_view hex) {
  const auto bytes = from_hex(hex, 20);
  if (!bytes) return false;
  encoded_.append(12, '\0');
  encoded_ += *bytes;
  return true;
}

bool Eip712Struct::uint256(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 78) return false;
  Bytes32 word{};  // big-endian; word = word * 10 + digit
  for (const char c : decimal) {
    if (c < '0' || c > '9') return false;
    unsigned carry = static_cast<unsigned>(c - '0');
    for (std::size_t i = word.size(); i-- > 0;) {
      const unsigned value = word[i] * 10U + carry;
      word[i] = static_cast<std::uint8_t>(value & 0xff);
      carry = value >> 8;
    }
    if (carry != 0) return false;  // over 2^256 - 1
  }
  append_word(encoded_, word);
  return true;
}

bool Eip712Struct::bytes32(std::string_view hex) {
  const auto bytes = from_hex(hex, 32);
  if (!bytes) return false;
  encoded_ += *bytes;
  return true;
}

void Eip712Struct::string(std::string_view text) { append_word(encoded_, keccak256(text)); }

void Eip712Struct::nested(const Bytes32& struct_hash) { append_word(encoded_, struct_hash); }

Bytes32 Eip712Struct::hash() const { return keccak256(encoded_); }

Bytes32 eip712_digest(const Bytes32& domain_separator, const Bytes32& message_hash) {
  std::string payload("\x19\x01", 2);
  append_word(payload, domain_separator);
  append_word(payload, message_hash);
  return keccak256(payload);
}

tl::expected<Bytes32, std::string> domain_separator(const Eip712Domain& domain) {
  Eip712Struct encoded(
      "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  encoded.string(domain.name);
  encoded.string(domain.version);
  encoded.uint256(std::to_string(domain.chain_id));
  if (!encoded.address(domain.verifying_contract))
    return tl::unexpected("the asset " + domain.verifying_contract + " is not an address");
  return encoded.hash();
}

tl::expected<Bytes32, std::string> transfer_digest(const Eip712Domain& domain,
                                                   const TransferAuthorization& authorization) {
  const auto separator = domain_separator(domain);
  if (!separator) return tl::unexpected(separator.error());
  Eip712Struct message(
      "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,"
      "uint256 validBefore,bytes32 nonce)");
  if (!message.address(authorization.from))
    return tl::unexpected(std::string("from is not an address"));
  if (!message.address(authorization.to))
    return tl::unexpected(std::string("to is not an address"));
  if (!message.uint256(authorization.value))
    return tl::unexpected(std::string("value is not a uint256"));
  if (!message.uint256(authorization.valid_after))
    return tl::unexpected(std::string("validAfter is not a uint256"));
  if (!message.uint256(authorization.valid_before))
    return tl::unexpected(std::string("validBefore is not a uint256"));
  if (!message.bytes32(authorization.nonce))
    return tl::unexpected(std::string("nonce is not 32 bytes"));
  return eip712_digest(*separator, message.hash());
}

std::optional<std::uint64_t> chain_id_of(std::string_view network) {
  if (network == "base") return 8453;
  if (network == "base-sepolia") return 84532;
  return std::nullopt;
}

}  // namespace sigex
