#include "adapters/x402/wallet.h"

#include <cstring>

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

namespace sigex {
namespace {

// The address of an uncompressed public key (65 bytes, 0x04 ‖ X ‖ Y).
std::string address_of(const unsigned char (&uncompressed)[65]) {
  const Bytes32 hash =
      keccak256(std::string_view(reinterpret_cast<const char*>(uncompressed) + 1, 64));
  return to_hex(hash.data() + 12, 20);
}

}  // namespace

tl::expected<std::unique_ptr<EvmWallet>, std::string> EvmWallet::from_private_key(
    const Secret& key) {
  auto raw = from_hex(key.reveal(), 32);
  if (!raw)
    return tl::unexpected(
        std::string("the wallet key must be 32 bytes of hex (64 hex digits, with or without 0x)"));
  Secret bytes(std::move(*raw));
  secp256k1_context* context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  const auto* seckey = reinterpret_cast<const unsigned char*>(bytes.reveal().data());
  secp256k1_pubkey pubkey;
  if (secp256k1_ec_seckey_verify(context, seckey) != 1 ||
      secp256k1_ec_pubkey_create(context, &pubkey, seckey) != 1) {
    secp256k1_context_destroy(context);
    return tl::unexpected(std::string("the wallet key is not a valid secp256k1 private key"));
  }
  unsigned char uncompressed[65];
  std::size_t length = sizeof uncompressed;
  secp256k1_ec_pubkey_serialize(context, uncompressed, &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  return std::unique_ptr<EvmWallet>(
      new EvmWallet(context, std::move(bytes), address_of(uncompressed)));
}

EvmWallet::EvmWallet(secp256k1_context* context, Secret key, std::string address)
    : context_(context), key_(std::move(key)), address_(std::move(address)) {}

EvmWallet::~EvmWallet() { secp256k1_context_destroy(context_); }

std::string EvmWallet::sign(const Bytes32& digest) const {
  secp256k1_ecdsa_recoverable_signature signature;
  secp256k1_ecdsa_sign_recoverable(context_, &signature, digest.data(),
                                   reinterpret_cast<const unsigned char*>(key_.reveal().data()),
                                   nullptr, nullptr);
  unsigned char compact[65];
  int recovery_id = 0;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(context_, compact, &recovery_id,
                                                          &signature);
  compact[64] = static_cast<unsigned char>(27 + recovery_id);
  return to_hex(compact, sizeof compact);
}

std::optional<std::string> recover_address(const Bytes32& digest, std::string_view signature) {
  const auto bytes = from_hex(signature, 65);
  if (!bytes) return std::nullopt;
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes->data());
  int v = raw[64];
  if (v >= 27) v -= 27;
  if (v < 0 || v > 3) return std::nullopt;
  static secp256k1_context* const context = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_ecdsa_recoverable_signature parsed;
  secp256k1_pubkey pubkey;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context, &parsed, raw, v) != 1 ||
      secp256k1_ecdsa_recover(context, &pubkey, &parsed, digest.data()) != 1)
    return std::nullopt;
  unsigned char uncompressed[65];
  std::size_t length = sizeof uncompressed;
  secp256k1_ec_pubkey_serialize(context, uncompressed, &length, &pubkey, SECP256K1_EC_UNCOMPRESSED);
  return address_of(uncompressed);
}

}  // namespace sigex
