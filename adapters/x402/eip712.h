#pragma once

// Ethereum's hashing for x402 payments: Keccak-256 (Crypto++; Ethereum's pre-standard Keccak,
// not SHA3-256), EIP-712 typed structured data, and the EIP-3009 TransferWithAuthorization
// message that pays a USDC (or TMAI) transfer without a transaction of our own. Pure functions:
// fuzzed and tested against the EIP-712 specification's published example.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/result.h"

namespace sigex {

using Bytes32 = std::array<std::uint8_t, 32>;

Bytes32 keccak256(std::string_view bytes);
std::string to_hex(const std::uint8_t* data, std::size_t size);  // "0x" + lower-case hex
inline std::string to_hex(const Bytes32& bytes) { return to_hex(bytes.data(), bytes.size()); }
// "0x"-prefixed (or bare) hex of exactly `size` bytes; nullopt otherwise.
std::optional<std::string> from_hex(std::string_view text, std::size_t size);

// One struct of EIP-712 typed data, field by field in the order of its type: each field is
// encoded as one 32-byte word (atomic types as themselves, strings as their Keccak-256, nested
// structs as their hash).
class Eip712Struct {
 public:
  // `encoded_type`: the struct's type with the types it references appended, as EIP-712's
  // encodeType writes it ("Mail(Person from,Person to,string contents)Person(string name,...").
  explicit Eip712Struct(std::string_view encoded_type);
  // False when the value is not of the type (an address that is not 20 bytes of hex, a
  // number that is not decimal or does not fit 256 bits).
  bool address(std::string_view hex);
  bool uint256(std::string_view decimal);
  bool bytes32(std::string_view hex);
  void string(std::string_view text);
  void nested(const Bytes32& struct_hash);
  Bytes32 hash() const;  // hashStruct: keccak256(typeHash ‖ encodeData)

 private:
  std::string encoded_;
};

// keccak256("\x19\x01" ‖ domainSeparator ‖ hashStruct(message)): what is signed.
Bytes32 eip712_digest(const Bytes32& domain_separator, const Bytes32& message_hash);

struct Eip712Domain {
  std::string name;     // the token's EIP-712 name ("USD Coin", or as the server's `extra` says)
  std::string version;  // "2"
  std::uint64_t chain_id = 0;
  std::string verifying_contract;  // the token's address
};
tl::expected<Bytes32, std::string> domain_separator(const Eip712Domain& domain);

// EIP-3009 TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,
// uint256 validBefore,bytes32 nonce).
struct TransferAuthorization {
  std::string from, to;                   // addresses, 0x-hex
  std::string value;                      // atomic units, decimal
  std::string valid_after, valid_before;  // unix seconds, decimal
  std::string nonce;                      // 32 bytes, 0x-hex
};
tl::expected<Bytes32, std::string> transfer_digest(const Eip712Domain& domain,
                                                   const TransferAuthorization& authorization);

// The chain id of an x402 network name ("base" 8453, "base-sepolia" 84532); nullopt if unknown.
std::optional<std::uint64_t> chain_id_of(std::string_view network);

}  // namespace sigex
