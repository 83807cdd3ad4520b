#pragma once

// API keys and signing secrets. A Secret cannot be printed, formatted or logged: it has no
// stream or fmt support, and its text is reachable only through reveal(), which the HTTP layer
// calls when it builds a request header. Its bytes live in their own pages, locked in RAM
// (mlock: never written to swap) and excluded from core dumps (MADV_DONTDUMP), and are wiped
// when it is destroyed. The text it was built from is wiped as it is taken over.
//
// Secrets are loaded from, in order of preference (the first configured source that exists):
//  1. a systemd credential: $CREDENTIALS_DIRECTORY/<credential> (LoadCredential= in the unit);
//  2. a key file that only its owner may read (mode 0600 or 0400; anything readable by group
//     or others is refused);
//  3. an environment variable.
// Errors name the source (path or variable name), never the content.

#include <string>
#include <string_view>

#include "engine/core/result.h"

namespace sigex {

class Secret {
 public:
  Secret() = default;
  // Takes the text over: the argument's bytes are wiped.
  explicit Secret(std::string text);
  ~Secret();
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;

  bool empty() const { return size_ == 0; }
  // Only for building a request (a header value or a signature). Never log the result.
  std::string_view reveal() const { return {bytes_, size_}; }
  // Whether the pages are locked in RAM (false when RLIMIT_MEMLOCK refused it; still wiped
  // and kept out of core dumps).
  bool locked() const { return locked_; }

 private:
  void release();
  char* bytes_ = nullptr;
  std::size_t size_ = 0;
  std::size_t mapped_ = 0;
  bool locked_ = false;
};

// Overwrites `text`'s bytes with zeros in a way the compiler may not remove, then clears it.
void wipe_string(std::string& text);

struct SecretSource {
  std::string credential;  // file name under $CREDENTIALS_DIRECTORY; empty = not used
  std::string file;        // owner-only key file; empty = not used
  std::string env;         // environment variable; empty = not used
  std::string what;        // for messages, e.g. "Token Metrics API key"
};

struct SecretLoad {
  Secret secret;
  std::string origin;  // e.g. "systemd credential token-metrics-api-key", for the start-up log
};

// Fails with a message naming every place that was looked at. Surrounding whitespace (a
// trailing newline in a key file) is removed. `credentials_directory` and `environment` are
// injected so tests need not touch the process environment; the composition root passes
// getenv("CREDENTIALS_DIRECTORY") and a getenv wrapper.
using EnvironmentLookup = std::string (*)(const std::string& name);
std::string process_environment(const std::string& name);

tl::expected<SecretLoad, std::string> load_secret(
    const SecretSource& source, EnvironmentLookup environment = process_environment);

}  // namespace sigex
