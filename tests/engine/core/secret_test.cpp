#include "engine/core/secret.h"

#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace sigex {
namespace {

using sigex::testing::TemporaryDirectory;

std::map<std::string, std::string>& fake_environment() {
  static std::map<std::string, std::string> values;
  return values;
}
std::string lookup(const std::string& name) {
  const auto found = fake_environment().find(name);
  return found == fake_environment().end() ? std::string() : found->second;
}

void write(const std::filesystem::path& path, const std::string& text,
           std::filesystem::perms perms) {
  std::ofstream(path) << text;
  std::filesystem::permissions(path, perms);
}

constexpr auto kOwnerOnly =
    std::filesystem::perms::owner_read | std::filesystem::perms::owner_write;

TEST(Secret, PrefersTheSystemdCredential) {
  TemporaryDirectory directory;
  write(directory.path() / "tm-key", "tm-from-credential\n", kOwnerOnly);
  write(directory.path() / "key-file", "tm-from-file", kOwnerOnly);
  fake_environment() = {{"CREDENTIALS_DIRECTORY", directory.path().string()},
                        {"TM_KEY", "tm-from-env"}};
  const SecretSource source{"tm-key", (directory.path() / "key-file").string(), "TM_KEY",
                            "API key"};
  const auto loaded = load_secret(source, lookup);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->secret.reveal(), "tm-from-credential");  // trailing newline trimmed
  EXPECT_EQ(loaded->origin, "systemd credential tm-key");
}

TEST(Secret, FallsBackToKeyFileThenEnvironment) {
  TemporaryDirectory directory;
  write(directory.path() / "key-file", "  tm-from-file \n", kOwnerOnly);
  fake_environment() = {{"TM_KEY", "tm-from-env"}};
  SecretSource source{"tm-key", (directory.path() / "key-file").string(), "TM_KEY", "API key"};
  auto loaded = load_secret(source, lookup);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->secret.reveal(), "tm-from-file");
  source.file = (directory.path() / "missing").string();
  loaded = load_secret(source, lookup);
  ASSERT_TRUE(loaded) << loaded.error();
  EXPECT_EQ(loaded->secret.reveal(), "tm-from-env");
  EXPECT_EQ(loaded->origin, "environment variable TM_KEY");
}

TEST(Secret, RefusesAKeyFileOthersCanRead) {
  TemporaryDirectory directory;
  const auto path = directory.path() / "key-file";
  write(path, "tm-canary-readable",
        kOwnerOnly | std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  fake_environment() = {};
  const auto loaded = load_secret({"", path.string(), "", "API key"}, lookup);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("mode 0644"), std::string::npos) << loaded.error();
  EXPECT_NE(loaded.error().find("chmod 600"), std::string::npos);
  EXPECT_EQ(loaded.error().find("tm-canary-readable"), std::string::npos);
}

TEST(Secret, MissingEverywhereNamesEveryPlaceLooked) {
  fake_environment() = {};
  const auto loaded =
      load_secret({"tm-key", "/nonexistent/key", "TM_KEY", "Token Metrics API key"}, lookup);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().find("Token Metrics API key not found"), std::string::npos)
      << loaded.error();
  EXPECT_NE(loaded.error().find("$CREDENTIALS_DIRECTORY is not set"), std::string::npos);
  EXPECT_NE(loaded.error().find("key file /nonexistent/key"), std::string::npos);
  EXPECT_NE(loaded.error().find("environment variable TM_KEY"), std::string::npos);
}

TEST(Secret, MovingLeavesNothingBehind) {
  Secret first(std::string("tm-secret-value"));
  Secret second(std::move(first));
  EXPECT_TRUE(first.empty());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(second.reveal(), "tm-secret-value");
}

TEST(Secret, LivesInLockedPagesAndWipesWhatItWasBuiltFrom) {
  std::string text(100, 'k');
  Secret secret(std::move(text));
  EXPECT_EQ(secret.reveal(), std::string(100, 'k'));
  // Locked in RAM (never swapped) where RLIMIT_MEMLOCK allows it, as it does for root and
  // for the default 8 MiB of an unprivileged user.
  EXPECT_TRUE(secret.locked());
  std::string kept(64, 's');
  wipe_string(kept);
  EXPECT_TRUE(kept.empty());
  for (std::size_t i = 0; i < 64; ++i) EXPECT_EQ(kept.data()[i], '\0');
}

}  // namespace
}  // namespace sigex
