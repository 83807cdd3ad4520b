#include "adapters/net/key_set.h"

#include <algorithm>

#include "adapters/net/digest.h"
#include "engine/logging/log.h"

namespace sigex {

bool configured(const SecretSource& source) {
  return !source.credential.empty() || !source.file.empty() || !source.env.empty();
}

tl::expected<std::vector<LoadedKey>, std::string> load_keys(const std::vector<KeySlot>& slots,
                                                            const std::vector<LoadedKey>& previous,
                                                            EnvironmentLookup environment) {
  std::vector<LoadedKey> keys;
  for (const KeySlot& slot : slots) {
    if (!slot.required && !configured(slot.source)) continue;
    const bool env_only = slot.source.credential.empty() && slot.source.file.empty();
    if (env_only) {
      const auto kept = std::find_if(previous.begin(), previous.end(),
                                     [&](const LoadedKey& key) { return key.slot == slot.name; });
      if (kept != previous.end()) {
        keys.push_back(*kept);
        continue;
      }
    }
    auto loaded = load_secret(slot.source, environment);
    if (!loaded) return tl::unexpected(loaded.error());
    LoadedKey key;
    key.fingerprint = fingerprint(loaded->secret);
    key.secret = std::make_shared<const Secret>(std::move(loaded->secret));
    key.origin = std::move(loaded->origin);
    key.slot = slot.name;
    keys.push_back(std::move(key));
  }
  return keys;
}

bool KeySet::replace(std::vector<LoadedKey> keys) {
  std::lock_guard lock(mutex_);
  auto prints = [](const std::vector<LoadedKey>& list) {
    std::vector<std::string> out;
    for (const auto& key : list) out.push_back(key.fingerprint);
    std::sort(out.begin(), out.end());
    return out;
  };
  const bool changed = prints(keys) != prints(keys_);
  for (const LoadedKey& old : keys_) {
    const bool kept = std::any_of(keys.begin(), keys.end(), [&](const LoadedKey& key) {
      return key.fingerprint == old.fingerprint;
    });
    if (!kept) retired_.push_back(old.secret);
  }
  keys_ = std::move(keys);
  active_ = 0;
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (std::find(refused_.begin(), refused_.end(), keys_[i].fingerprint) == refused_.end()) {
      active_ = i;
      break;
    }
  }
  return changed;
}

std::size_t KeySet::retiring() const {
  std::lock_guard lock(mutex_);
  std::erase_if(retired_, [](const std::weak_ptr<const Secret>& key) { return key.expired(); });
  return retired_.size();
}

std::vector<LoadedKey> KeySet::keys() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

LoadedKey KeySet::active() const {
  std::lock_guard lock(mutex_);
  return keys_.empty() ? LoadedKey{} : keys_[active_];
}

std::optional<LoadedKey> KeySet::fail_over(std::string_view refused) {
  std::lock_guard lock(mutex_);
  if (std::find(refused_.begin(), refused_.end(), refused) == refused_.end())
    refused_.emplace_back(refused);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (std::find(refused_.begin(), refused_.end(), keys_[i].fingerprint) != refused_.end())
      continue;
    active_ = i;
    fail_overs_.fetch_add(1);
    return keys_[i];
  }
  return std::nullopt;
}

namespace {

void log_keys(const std::vector<LoadedKey>& keys, std::string_view what, std::string_view when) {
  for (const LoadedKey& key : keys)
    log_info("{}{} {} {} from {}", when, what, key.slot, key.fingerprint, key.origin);
}

}  // namespace

tl::expected<std::shared_ptr<KeySet>, std::string> open_key_set(const std::vector<KeySlot>& slots,
                                                                std::string_view what) {
  auto loaded = load_keys(slots);
  if (!loaded) return tl::unexpected(loaded.error());
  log_keys(*loaded, what, "");
  return std::make_shared<KeySet>(std::move(*loaded));
}

tl::expected<bool, std::string> reload_key_set(KeySet& keys, const std::vector<KeySlot>& slots,
                                               std::string_view what) {
  auto loaded = load_keys(slots, keys.keys());
  if (!loaded) return tl::unexpected(loaded.error());
  log_keys(*loaded, what, "reload: ");
  return keys.replace(std::move(*loaded));
}

void add_key_status(DaemonStatus& status, std::string_view what, const KeySet& keys,
                    bool all_in_use) {
  const LoadedKey active = keys.active();
  for (const LoadedKey& key : keys.keys()) {
    status.keys.push_back({std::string(what), key.slot, key.fingerprint, key.origin,
                           all_in_use || key.fingerprint == active.fingerprint});
  }
}

std::shared_ptr<KeySet> key_set_of(Secret secret, std::string slot) {
  LoadedKey key;
  key.fingerprint = fingerprint(secret);
  key.secret = std::make_shared<const Secret>(std::move(secret));
  key.origin = "given";
  key.slot = std::move(slot);
  return std::make_shared<KeySet>(std::vector<LoadedKey>{std::move(key)});
}

}  // namespace sigex
