// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but remain supported;
// see HmacSigner for why they are used.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "adapters/binance/signer.h"

#include <algorithm>
#include <charconv>
#include <memory>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include "engine/core/decimal.h"

namespace sigex {
namespace {

// HMAC-SHA256 (RFC 2104) with the key's inner and outer SHA-256 states computed once: each
// signature copies them (plain structs) and hashes only the payload. The low-level SHA-256
// functions are used on purpose: OpenSSL 3's EVP layer takes provider locks on every context
// copy, which cost more than the hashing itself here. sign_to() only reads the keyed states, so
// two threads may sign at once.
class HmacSigner final : public RequestSigner {
 public:
  explicit HmacSigner(Secret secret) {
    constexpr std::size_t kBlock = SHA256_CBLOCK;
    unsigned char key[kBlock] = {};
    std::string_view text = secret.reveal();
    if (text.size() > kBlock) {
      SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), key);
    } else {
      std::copy(text.begin(), text.end(), key);
    }
    unsigned char pad[kBlock];
    for (std::size_t i = 0; i < kBlock; ++i) pad[i] = key[i] ^ 0x36;
    SHA256_Init(&inner_);
    SHA256_Update(&inner_, pad, kBlock);
    for (std::size_t i = 0; i < kBlock; ++i) pad[i] = key[i] ^ 0x5c;
    SHA256_Init(&outer_);
    SHA256_Update(&outer_, pad, kBlock);
    OPENSSL_cleanse(key, sizeof key);
    OPENSSL_cleanse(pad, sizeof pad);
  }
  ~HmacSigner() override {
    OPENSSL_cleanse(&inner_, sizeof inner_);
    OPENSSL_cleanse(&outer_, sizeof outer_);
  }

  std::size_t sign_to(std::string_view payload, char (&out)[kMaxSignature]) const override {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX context = inner_;
    SHA256_Update(&context, payload.data(), payload.size());
    SHA256_Final(digest, &context);
    context = outer_;
    SHA256_Update(&context, digest, sizeof digest);
    SHA256_Final(digest, &context);
    OPENSSL_cleanse(&context, sizeof context);
    static_assert(2 * sizeof digest <= kMaxSignature);
    write_hex(digest, sizeof digest, out);
    return 2 * sizeof digest;
  }
  bool needs_url_encoding() const override { return false; }

 private:
  SHA256_CTX inner_;
  SHA256_CTX outer_;
};

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

class Ed25519Signer final : public RequestSigner {
 public:
  explicit Ed25519Signer(EVP_PKEY* key) : key_(key) {}
  std::size_t sign_to(std::string_view payload, char (&out)[kMaxSignature]) const override {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    unsigned char signature[64];
    std::size_t length = sizeof signature;
    const bool ok =
        context != nullptr &&
        EVP_DigestSignInit(context, nullptr, nullptr, nullptr, key_.get()) == 1 &&
        EVP_DigestSign(context, signature, &length,
                       reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) == 1;
    EVP_MD_CTX_free(context);
    if (!ok) return 0;
    static_assert(4 * ((sizeof signature + 2) / 3) + 1 <= kMaxSignature);
    return static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out),
                                                    signature, static_cast<int>(length)));
  }
  bool needs_url_encoding() const override { return true; }

 private:
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key_;
};

}  // namespace

namespace {

bool is_unreserved(unsigned char byte) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
         (byte >= '0' && byte <= '9') || byte == '-' || byte == '_' || byte == '.' || byte == '~';
}

}  // namespace

// Runs of unreserved characters (all of a typical order parameter) are appended at once.
void append_percent_encoded(std::string& out, std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (is_unreserved(byte)) continue;
    out.append(text.data() + run, i - run);
    const char escaped[3] = {'%', kDigits[byte >> 4], kDigits[byte & 0xf]};
    out.append(escaped, 3);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_percent_encoded(out, text);
  return out;
}

std::unique_ptr<RequestSigner> make_hmac_signer(Secret secret) {
  return std::make_unique<HmacSigner>(std::move(secret));
}

std::unique_ptr<RequestSigner> make_signer(std::string_view key_type, Secret secret,
                                           std::string& error) {
  return key_type == "ed25519" ? make_ed25519_signer(secret, error)
                               : make_hmac_signer(std::move(secret));
}

std::unique_ptr<RequestSigner> make_ed25519_signer(const Secret& pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.reveal().data(), static_cast<int>(pem.reveal().size()));
  EVP_PKEY* key =
      bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (key == nullptr) {
    error = "the Ed25519 key is not a PKCS#8 PEM private key";
    return nullptr;
  }
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    error = "the private key is not an Ed25519 key";
    return nullptr;
  }
  return std::make_unique<Ed25519Signer>(key);
}

void append_param(std::string& out, std::string_view name, std::string_view value) {
  if (!out.empty()) out += '&';
  out.append(name);
  out += '=';
  append_percent_encoded(out, value);
}

void append_decimal(std::string& out, std::int64_t raw, int scale) {
  char text[kMaxDecimalText];
  out.append(text, write_decimal(raw, scale, text, DecimalZeros::kTrimmed));
}

void append_integer(std::string& out, std::int64_t value) {
  char text[24];
  out.append(text,
             static_cast<std::size_t>(std::to_chars(text, text + sizeof text, value).ptr - text));
}

void append_decimal_param(std::string& out, std::string_view name, std::int64_t raw, int scale) {
  append_param(out, name, "");
  append_decimal(out, raw, scale);
}

void append_integer_param(std::string& out, std::string_view name, std::int64_t value) {
  append_param(out, name, "");
  append_integer(out, value);
}

void append_order_shape(std::string& body, const OrderCommand& command,
                        const Instrument& instrument) {
  append_param(body, "symbol", instrument.symbol.view());
  append_param(body, "side", command.side == Side::kBuy ? "BUY" : "SELL");
  append_param(body, "type", command.type == OrderType::kLimit ? "LIMIT" : "MARKET");
  if (command.type == OrderType::kLimit) {
    append_param(body, "timeInForce",
                 command.time_in_force == TimeInForce::kGoodTillCancel ? "GTC" : "IOC");
    append_decimal_param(body, "price", command.price.raw, instrument.price_scale);
  }
  append_decimal_param(body, "quantity", command.quantity.raw, instrument.quantity_scale);
}

QueryString& QueryString::add(std::string_view name, std::string_view value) {
  append_param(text_, name, value);
  return *this;
}

namespace {

// Signs `payload` and appends the signature parameter to `target` (which may hold `payload`:
// the signature is computed before anything is appended).
void append_signature(const RequestSigner& signer, std::string_view payload, std::string& target) {
  char signature[RequestSigner::kMaxSignature];
  const std::size_t length = signer.sign_to(payload, signature);
  const std::string_view text(signature, length);
  if (signer.needs_url_encoding()) {
    append_param(target, "signature", text);
  } else {
    if (!target.empty()) target += '&';
    target += "signature=";
    target += text;
  }
}

}  // namespace

std::pair<std::string, std::string> sign_rest(const RequestSigner& signer, std::string query,
                                              std::string body) {
  if (body.empty()) {
    append_signature(signer, query, query);
  } else if (query.empty()) {
    append_signature(signer, body, body);
  } else {
    append_signature(signer, query + body, body);
  }
  return {std::move(query), std::move(body)};
}

void sign_body(const RequestSigner& signer, std::string& body) {
  append_signature(signer, body, body);
}

std::string ws_api_payload(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string payload;
  for (const auto& [name, value] : params) {
    if (name == "signature") continue;
    if (!payload.empty()) payload += '&';
    payload += name + "=" + value;
  }
  return payload;
}

}  // namespace sigex
