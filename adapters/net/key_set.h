#pragma once

// Keys that rotate without a restart: a current key and, during a rotation, a next one
// (Token Metrics API keys, webhook secrets). Loaded from their SecretSources at start-up and
// again at each reload (`SIGHUP`, `sigex ctl reload`), so a key file replaced on disk is picked
// up without stopping. A request takes one key (a shared pointer) and keeps it until it is
// answered: a reload never changes a request half-way. Only fingerprints (adapters/net/
// digest.h) are ever shown. Every method is safe from any thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/result.h"
#include "engine/core/secret.h"
#include "engine/status/daemon_status.h"

namespace sigex {

struct KeySlot {
  std::string name;  // "current", "next": for messages and status
  SecretSource source;
  bool required = false;  // the current key must load; the next only when configured
};

struct LoadedKey {
  std::shared_ptr<const Secret> secret;
  std::string fingerprint;
  std::string origin;  // where it came from (never the key)
  std::string slot;
};

// Whether any source of `source` is configured.
bool configured(const SecretSource& source);

// Loads every configured slot. A slot whose only source is an environment variable (foreground
// use; sigex removes it from its environment once read) keeps the key of `previous` in the same
// slot at a reload. Fails with the first slot that cannot be read, naming where it looked.
tl::expected<std::vector<LoadedKey>, std::string> load_keys(
    const std::vector<KeySlot>& slots, const std::vector<LoadedKey>& previous = {},
    EnvironmentLookup environment = process_environment);

class KeySet {
 public:
  KeySet() = default;
  explicit KeySet(std::vector<LoadedKey> keys) { replace(std::move(keys)); }

  // A reload: the first key not refused before in this process becomes the one in use (so a
  // reload after a fail-over does not go back to a key the server refused), else the first.
  // Returns whether the set of keys changed.
  bool replace(std::vector<LoadedKey> keys);
  std::vector<LoadedKey> keys() const;
  // The key to send now.
  LoadedKey active() const;
  // The server refused `refused` (401/403): the other key, now in use, unless there is none
  // or it was refused as well.
  std::optional<LoadedKey> fail_over(std::string_view refused);
  // Keys replaced by a reload that a request still holds (it finishes with the key it was
  // sent with). Once 0, no request can use them again: the operator may revoke them.
  std::size_t retiring() const;
  std::uint64_t fail_overs() const { return fail_overs_.load(); }

 private:
  mutable std::mutex mutex_;
  std::vector<LoadedKey> keys_;
  std::size_t active_ = 0;
  std::vector<std::string> refused_;  // fingerprints refused by the server
  mutable std::vector<std::weak_ptr<const Secret>> retired_;
  std::atomic<std::uint64_t> fail_overs_{0};
};

// Start-up: the keys of `slots` as a new set, each logged by slot, fingerprint and origin
// (`what`: "Token Metrics API key", "webhook secret").
tl::expected<std::shared_ptr<KeySet>, std::string> open_key_set(const std::vector<KeySlot>& slots,
                                                                std::string_view what);
// A reload: reads `slots` again into `keys` (logged the same way); true when the keys changed.
// When a source cannot be read the keys in use are kept and the error says why.
tl::expected<bool, std::string> reload_key_set(KeySet& keys, const std::vector<KeySlot>& slots,
                                               std::string_view what);

// Adds the keys of `keys` to `ctl status` (fingerprints, where each came from, the one in use).
// `all_in_use`: every key of the set is used at once (webhook secrets: either is accepted).
void add_key_status(DaemonStatus& status, std::string_view what, const KeySet& keys,
                    bool all_in_use = false);

// A set of one key (tests, and tools given a key directly).
std::shared_ptr<KeySet> key_set_of(Secret secret, std::string slot = "current");

}  // namespace sigex
