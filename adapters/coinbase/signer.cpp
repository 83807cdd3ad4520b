#include "adapters/coinbase/signer.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <fmt/format.h>

#include "adapters/net/digest.h"
#include "engine/core/json_text.h"

namespace sigex {
namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};

constexpr std::size_t kCoordinate = 32;  // P-256: r and s are 32 bytes each

// CDP's key file is JSON: its PEM arrives with literal "\n" sequences when copied from it.
std::string unescape_newlines(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      out += '\n';
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

PkeyPtr read_pem_key(std::string_view pem) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

bool is_p256(EVP_PKEY* key) {
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                     &length) != 1) {
    return false;
  }
  const std::string_view name(group, length);
  return name == "prime256v1" || name == "P-256" || name == "secp256r1";
}

// DER ECDSA-Sig-Value -> JOSE r‖s (RFC 7518 §3.4), and back.
std::string jose_from_der(const unsigned char* der, std::size_t size) {
  const unsigned char* cursor = der;
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> signature(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(size)));
  if (!signature) return {};
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(signature.get(), &r, &s);
  std::string out(2 * kCoordinate, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, bytes, kCoordinate) != static_cast<int>(kCoordinate) ||
      BN_bn2binpad(s, bytes + kCoordinate, kCoordinate) != static_cast<int>(kCoordinate)) {
    return {};
  }
  return out;
}

std::string der_from_jose(std::string_view jose) {
  if (jose.size() != 2 * kCoordinate) return {};
  const auto* bytes = reinterpret_cast<const unsigned char*>(jose.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> signature(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes, kCoordinate, nullptr);
  BIGNUM* s = BN_bin2bn(bytes + kCoordinate, kCoordinate, nullptr);
  if (!signature || r == nullptr || s == nullptr || ECDSA_SIG_set0(signature.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(signature.get(), &der);
  if (size <= 0) return {};
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(size));
  OPENSSL_free(der);
  return out;
}

std::string random_nonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // The DRBG cannot fail once seeded; a token without its nonce would be refused anyway.
    return std::string(2 * sizeof bytes, '0');
  }
  return hex_encode(bytes, sizeof bytes);
}

}  // namespace

std::string_view jwt_algorithm(CdpKeyKind kind) {
  return kind == CdpKeyKind::kEs256 ? "ES256" : "EdDSA";
}

struct CoinbaseSigner::Key {
  PkeyPtr pkey;
};

CoinbaseSigner::CoinbaseSigner(Secret key_name, CdpKeyKind kind, std::unique_ptr<Key> key)
    : key_name_(std::move(key_name)), kind_(kind), key_(std::move(key)) {}

CoinbaseSigner::~CoinbaseSigner() = default;

std::unique_ptr<CoinbaseSigner> CoinbaseSigner::make(Secret key_name, const Secret& private_key,
                                                     std::string& error) {
  if (key_name.empty()) {
    error = "the CDP API key name is empty (organizations/{org_id}/apiKeys/{key_id})";
    return nullptr;
  }
  for (const char c : key_name.reveal()) {
    if (static_cast<unsigned char>(c) < 0x21 || c == '"' || c == '\\') {
      error = "the CDP API key name holds a space, quote or control character";
      return nullptr;
    }
  }
  auto key = std::make_unique<Key>();
  const std::string_view text = private_key.reveal();
  if (text.find("-----BEGIN") != std::string_view::npos) {
    std::string pem = unescape_newlines(text);
    key->pkey = read_pem_key(pem);
    wipe_string(pem);
    if (!key->pkey) {
      error = "the CDP API secret is not a PEM private key";
      return nullptr;
    }
    if (EVP_PKEY_id(key->pkey.get()) == EVP_PKEY_ED25519) {
      return std::unique_ptr<CoinbaseSigner>(
          new CoinbaseSigner(std::move(key_name), CdpKeyKind::kEdDsa, std::move(key)));
    }
    if (EVP_PKEY_id(key->pkey.get()) != EVP_PKEY_EC || !is_p256(key->pkey.get())) {
      error = "the CDP API secret is not an EC P-256 (ES256) or Ed25519 key";
      return nullptr;
    }
    return std::unique_ptr<CoinbaseSigner>(
        new CoinbaseSigner(std::move(key_name), CdpKeyKind::kEs256, std::move(key)));
  }
  std::string trimmed(text);
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) trimmed.pop_back();
  std::optional<std::string> raw = base64_decode(trimmed);
  wipe_string(trimmed);
  if (!raw || (raw->size() != 32 && raw->size() != 64)) {
    if (raw) wipe_string(*raw);
    error = "the CDP API secret is neither a PEM EC key nor a base64 Ed25519 key (32 or 64 bytes)";
    return nullptr;
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(raw->data());
  key->pkey.reset(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes, 32));
  bool matches = key->pkey != nullptr;
  if (matches && raw->size() == 64) {
    // seed ‖ public key: the public half must be the seed's.
    unsigned char derived[32];
    std::size_t length = sizeof derived;
    matches = EVP_PKEY_get_raw_public_key(key->pkey.get(), derived, &length) == 1 && length == 32 &&
              CRYPTO_memcmp(derived, bytes + 32, 32) == 0;
  }
  wipe_string(*raw);
  if (!matches) {
    error = "the CDP API secret's Ed25519 public half does not match its private half";
    return nullptr;
  }
  return std::unique_ptr<CoinbaseSigner>(
      new CoinbaseSigner(std::move(key_name), CdpKeyKind::kEdDsa, std::move(key)));
}

std::string CoinbaseSigner::sign(std::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, MdContextDeleter> context(EVP_MD_CTX_new());
  const EVP_MD* digest = kind_ == CdpKeyKind::kEs256 ? EVP_sha256() : nullptr;
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, digest, nullptr, key_->pkey.get()) != 1) {
    return {};
  }
  unsigned char signature[80];
  std::size_t size = sizeof signature;
  if (EVP_DigestSign(context.get(), signature, &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return {};
  }
  if (kind_ == CdpKeyKind::kEs256) return jose_from_der(signature, size);
  return {reinterpret_cast<const char*>(signature), size};
}

std::string CoinbaseSigner::public_key_pem() const {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get()) != 1) return {};
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return {data, static_cast<std::size_t>(size)};
}

std::string CoinbaseSigner::token_with_nonce(std::string_view uri, TimeNs now_ns,
                                             std::string_view nonce) const {
  const std::string name = json_escape(key_name_.reveal());
  const std::string header = fmt::format(R"({{"alg":"{}","kid":"{}","nonce":"{}","typ":"JWT"}})",
                                         jwt_algorithm(kind_), name, nonce);
  const std::int64_t now_s = now_ns / kNsPerSecond;
  std::string claims = fmt::format(R"({{"sub":"{}","iss":"cdp","nbf":{},"exp":{})", name, now_s,
                                   now_s + kJwtLifetimeNs / kNsPerSecond);
  if (!uri.empty()) claims += fmt::format(R"(,"uri":"{}")", json_escape(uri));
  claims += '}';
  std::string token = base64url(header);
  token += '.';
  token += base64url(claims);
  const std::string signature = sign(token);
  token += '.';
  token += base64url(signature);
  return token;
}

std::string CoinbaseSigner::token(std::string_view uri, TimeNs now_ns) const {
  return token_with_nonce(uri, now_ns, random_nonce());
}

std::string CoinbaseSigner::rest_token(std::string_view method, std::string_view host,
                                       std::string_view path, TimeNs now_ns) const {
  const std::string_view without_query = path.substr(0, path.find('?'));
  return token(fmt::format("{} {}{}", method, host, without_query), now_ns);
}

std::string CoinbaseSigner::websocket_token(TimeNs now_ns) const { return token({}, now_ns); }

std::string base64url(std::string_view bytes) {
  std::string text = base64_encode(bytes);
  while (!text.empty() && text.back() == '=') text.pop_back();
  for (char& c : text) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return text;
}

bool verify_jwt(std::string_view token, std::string_view public_key_pem, std::string& header,
                std::string& claims, std::string& error) {
  const std::size_t first = token.find('.');
  const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) return (error = "not a compact JWS", false);
  const auto decoded_header = base64_decode(token.substr(0, first));
  const auto decoded_claims = base64_decode(token.substr(first + 1, second - first - 1));
  const auto signature = base64_decode(token.substr(second + 1));
  if (!decoded_header || !decoded_claims || !signature)
    return (error = "a part of the token is not base64url", false);
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size())));
  PkeyPtr key(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) return (error = "not a PEM public key", false);
  const bool ec = EVP_PKEY_id(key.get()) == EVP_PKEY_EC;
  const std::string wanted = ec ? R"("alg":"ES256")" : R"("alg":"EdDSA")";
  if (decoded_header->find(wanted) == std::string::npos)
    return (error = "the header's alg does not match the key", false);
  const std::string raw = ec ? der_from_jose(*signature) : *signature;
  std::unique_ptr<EVP_MD_CTX, MdContextDeleter> context(EVP_MD_CTX_new());
  const std::string_view signed_part = token.substr(0, second);
  if (raw.empty() || !context ||
      EVP_DigestVerifyInit(context.get(), nullptr, ec ? EVP_sha256() : nullptr, nullptr,
                           key.get()) != 1 ||
      EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(raw.data()),
                       raw.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) != 1) {
    return (error = "bad signature", false);
  }
  header = *decoded_header;
  claims = *decoded_claims;
  return true;
}

}  // namespace sigex
