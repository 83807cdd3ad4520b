#pragma once

// Hashes, MACs and encodings over OpenSSL, for every adapter that signs, verifies or
// fingerprints: one place, so each is written once.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engine/core/secret.h"

namespace sigex {

// Lower-case hex of `size` bytes into `out` (2 * size characters, no terminator).
void write_hex(const unsigned char* data, std::size_t size, char* out);
std::string hex_encode(const unsigned char* data, std::size_t size);
// Standard base64 (RFC 4648 §4) with padding.
std::string base64_encode(const unsigned char* data, std::size_t size);
std::string base64_encode(std::string_view bytes);
// Standard or URL-safe base64, padded or not; nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

std::string sha256_hex(std::string_view bytes);
// RFC 4231-style raw HMAC-SHA256 (binary key), lower-case hex.
std::string hmac_sha256_hex(std::string_view key, std::string_view message);

// Equal length and bytes, in a time that depends only on the length (signature checks).
bool constant_time_equal(std::string_view a, std::string_view b);

// What identifies a key in logs, `ctl status` and metrics without revealing it:
// "sha256:" and the first 12 hex digits of the SHA-256 of the key (48 bits: enough to tell
// two keys apart, far too few to recover or test guesses of a random key offline).
std::string fingerprint(const Secret& secret);

}  // namespace sigex
