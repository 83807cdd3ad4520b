// SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, but remain supported;
// see HmacSigner for why they are used.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "adapters/binance/request_signer.h"

#include <algorithm>
#include <memory>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

namespace sigex {
namespace {

// HMAC-SHA256 (RFC 2104) with the key's inner and outer SHA-256 states computed once: each
// signature copies them (plain structs) and hashes only the payload. The low-level SHA-256
// functions are used on purpose: OpenSSL 3's EVP layer takes provider locks on every context
// copy, which cost more than the hashing itself here. sign() only reads the keyed states, so
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

  std::string sign(std::string_view payload) const override {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX context = inner_;
    SHA256_Update(&context, payload.data(), payload.size());
    SHA256_Final(digest, &context);
    context = outer_;
    SHA256_Update(&context, digest, sizeof digest);
    SHA256_Final(digest, &context);
    OPENSSL_cleanse(&context, sizeof context);
    return hex_encode(digest, sizeof digest);
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
  std::string sign(std::string_view payload) const override {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    unsigned char signature[64];
    std::size_t length = sizeof signature;
    const bool ok = context != nullptr && EVP_DigestSignInit(context, nullptr, nullptr, nullptr, key_.get()) == 1 &&
                    EVP_DigestSign(context, signature, &length,
                                   reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) == 1;
    EVP_MD_CTX_free(context);
    return ok ? base64_encode(signature, length) : std::string();
  }
  bool needs_url_encoding() const override { return true; }

 private:
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key_;
};

}  // namespace

std::string hex_encode(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text(size * 2, '0');
  for (std::size_t i = 0; i < size; ++i) {
    text[2 * i] = kDigits[data[i] >> 4];
    text[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return text;
}

std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::string text(4 * ((size + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), data, static_cast<int>(size));
  text.resize(static_cast<std::size_t>(written));
  return text;
}

namespace {

// Appends `text` percent-encoded (RFC 3986 unreserved characters kept) to `out`.
void append_percent_encoded(std::string& out, std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
        byte == '-' || byte == '_' || byte == '.' || byte == '~') {
      out += c;
    } else {
      out += '%';
      out += kDigits[byte >> 4];
      out += kDigits[byte & 0xf];
    }
  }
}

}  // namespace

std::string percent_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_percent_encoded(out, text);
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
  return hex_encode(digest, length);
}

std::unique_ptr<RequestSigner> make_hmac_signer(Secret secret) {
  return std::make_unique<HmacSigner>(std::move(secret));
}

std::unique_ptr<RequestSigner> make_ed25519_signer(const Secret& pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.reveal().data(), static_cast<int>(pem.reveal().size()));
  EVP_PKEY* key = bio != nullptr ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
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

QueryString& QueryString::add(std::string_view name, std::string_view value) {
  if (!text_.empty()) text_ += '&';
  text_.append(name);
  text_ += '=';
  append_percent_encoded(text_, value);
  return *this;
}

std::pair<std::string, std::string> sign_rest(const RequestSigner& signer, std::string query, std::string body) {
  std::string signature = body.empty() ? signer.sign(query) : query.empty() ? signer.sign(body) : signer.sign(query + body);
  std::string& target = body.empty() ? query : body;
  if (!target.empty()) target += '&';
  target += "signature=";
  if (signer.needs_url_encoding()) {
    append_percent_encoded(target, signature);
  } else {
    target += signature;
  }
  return {std::move(query), std::move(body)};
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
