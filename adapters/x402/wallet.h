#pragma once

// The EVM wallet that signs x402 payments: a secp256k1 private key (Debian's libsecp256k1, with
// its recovery module) loaded like every other secret, its address (the last 20 bytes of the
// Keccak-256 of the public key), and recoverable signatures over EIP-712 digests (r ‖ s ‖ v,
// v = 27 + recovery id, deterministic nonces: RFC 6979). The key is never printed; only the
// address is.

#include <memory>
#include <optional>
#include <string>

#include "adapters/x402/eip712.h"
#include "engine/core/result.h"
#include "engine/core/secret.h"

struct secp256k1_context_struct;

namespace sigex {

class EvmWallet {
 public:
  // From 32 bytes of hex (with or without 0x); an error names the problem, never the key.
  static tl::expected<std::unique_ptr<EvmWallet>, std::string> from_private_key(const Secret& key);
  ~EvmWallet();
  EvmWallet(const EvmWallet&) = delete;
  EvmWallet& operator=(const EvmWallet&) = delete;

  const std::string& address() const { return address_; }  // 0x + 40 lower-case hex
  // "0x" + 130 hex: r ‖ s ‖ v.
  std::string sign(const Bytes32& digest) const;

 private:
  EvmWallet(secp256k1_context_struct* context, Secret key, std::string address);
  secp256k1_context_struct* context_;
  Secret key_;  // the 32 raw bytes, in locked pages
  std::string address_;
};

// The address that made `signature` (r ‖ s ‖ v, hex) over `digest`; nullopt when it is not a
// valid signature. (The simulator's and the tests' check; a facilitator does the same.)
std::optional<std::string> recover_address(const Bytes32& digest, std::string_view signature);

}  // namespace sigex
