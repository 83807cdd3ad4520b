#include "engine/config/config_reader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace sigex {
namespace {

using namespace sigex::testing;

std::string write(const TemporaryDirectory& directory, const std::string& text) {
  auto path = (directory.path() / "test.toml").string();
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigReader, ReadsTypedValuesExactly) {
  TemporaryDirectory directory;
  ConfigErrors errors;
  const auto table = parse_toml_file(
      write(directory, "[a]\nsize = \"0.00001\"\ncount = 3\nflag = true\nname = \"x\"\n"), errors);
  ASSERT_TRUE(table);
  ConfigSection root(table.get(), "", "test.toml", errors);
  ConfigSection a = root.child("a");
  std::int64_t size = 0, count = 0;
  bool flag = false;
  std::string name;
  a.decimal("size", 8, size);
  a.integer("count", count, 0, 10);
  a.boolean("flag", flag);
  a.text("name", name);
  a.finish();
  root.finish();
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(size, 1000);
  EXPECT_EQ(count, 3);
  EXPECT_TRUE(flag);
  EXPECT_EQ(name, "x");
}

// Paths in a file are relative to the file's directory; a secret's source is three keys.
TEST(ConfigReader, PathsResolveAgainstTheFilesDirectoryAndSecretSourcesReadThreeKeys) {
  TemporaryDirectory directory;
  ConfigErrors errors;
  const std::string file = write(directory,
                                 "[a]\nlog = \"logs/x.log\"\nabsolute = \"/etc/x\"\n"
                                 "api_key_credential = \"c\"\napi_key_file = \"keys/k\"\n"
                                 "api_key_env = \"E\"\n");
  const auto table = parse_toml_file(file, errors);
  ASSERT_TRUE(table);
  ConfigSection root(table.get(), "", file, errors);
  ConfigSection a = root.child("a");
  std::string log, absolute;
  SecretSource key;
  a.path("log", log);
  a.path("absolute", absolute);
  a.secret_source("api_key", key);
  a.finish();
  root.finish();
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(log, (directory.path() / "logs/x.log").string());
  EXPECT_EQ(absolute, "/etc/x");
  EXPECT_EQ(key.credential, "c");
  EXPECT_EQ(key.file, (directory.path() / "keys/k").string());
  EXPECT_EQ(key.env, "E");
}

TEST(ConfigReader, ReportsEveryProblemWithItsLocation) {
  TemporaryDirectory directory;
  ConfigErrors errors;
  const auto path = write(directory,
                          "[a]\n"
                          "size = 0.1\n"      // float: refused
                          "count = 99\n"      // out of range
                          "flag = \"yes\"\n"  // wrong type
                          "typo = 1\n"        // unknown key
                          "[b]\n");           // unknown section
  const auto table = parse_toml_file(path, errors);
  ASSERT_TRUE(table);
  ConfigSection root(table.get(), "", path, errors);
  ConfigSection a = root.child("a");
  std::int64_t size = 0, count = 0;
  bool flag = false;
  a.decimal("size", 8, size);
  a.integer("count", count, 0, 10);
  a.boolean("flag", flag);
  a.finish();
  root.finish();
  ASSERT_EQ(errors.messages().size(), 5u);
  EXPECT_NE(errors.messages()[0].find(path + ":2:"), std::string::npos) << errors.messages()[0];
  EXPECT_NE(errors.messages()[0].find("write it as a string: size = \"0.1\""), std::string::npos)
      << errors.messages()[0];
  EXPECT_NE(errors.messages()[1].find("between 0 and 10"), std::string::npos);
  EXPECT_NE(errors.messages()[2].find("true or false"), std::string::npos);
  EXPECT_NE(errors.messages()[3].find("unknown key 'typo' in [a]"), std::string::npos);
  EXPECT_NE(errors.messages()[4].find("unknown key 'b'"), std::string::npos);
}

TEST(ConfigReader, SyntaxErrorsNameFileLineAndColumn) {
  TemporaryDirectory directory;
  ConfigErrors errors;
  const auto path = write(directory, "[a]\nsize = = 1\n");
  EXPECT_FALSE(parse_toml_file(path, errors));
  ASSERT_EQ(errors.messages().size(), 1u);
  EXPECT_NE(errors.messages()[0].find(path + ":2:"), std::string::npos) << errors.messages()[0];
}

TEST(ConfigReader, OverridesSetTypedValuesCreateTablesAndRefuseArrays) {
  TemporaryDirectory directory;
  ConfigErrors errors;
  const auto path = write(
      directory, "[risk]\nmax_order_notional = \"100\"\n[[instruments]]\nsymbol = \"BTCUSDT\"\n");
  auto table = parse_toml_file(path, errors);
  ASSERT_TRUE(table);
  EXPECT_TRUE(apply_override(*table, "risk.max_order_notional=\"500\"", errors));
  EXPECT_TRUE(apply_override(*table, "strategy.signal_follow.stop_loss_bps=250", errors));
  EXPECT_TRUE(
      apply_override(*table, "strategy.signal_follow.tag=abc", errors));  // a bare word: a string
  EXPECT_EQ((*table)["risk"]["max_order_notional"].value<std::string>(), "500");
  EXPECT_EQ((*table)["strategy"]["signal_follow"]["stop_loss_bps"].value<std::int64_t>(), 250);
  EXPECT_EQ((*table)["strategy"]["signal_follow"]["tag"].value<std::string>(), "abc");
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(apply_override(*table, "instruments.symbol=\"ETHUSDT\"", errors));
  EXPECT_FALSE(apply_override(*table, "risk.max_order_notional.deeper=1", errors));
  EXPECT_FALSE(apply_override(*table, "no equals sign", errors));
  ASSERT_EQ(errors.messages().size(), 3u);
  EXPECT_NE(errors.messages()[0].find("keys inside [[arrays]] cannot be set"), std::string::npos);
  EXPECT_NE(errors.messages()[1].find("'risk.max_order_notional' is not a table"),
            std::string::npos);
  EXPECT_NE(errors.messages()[2].find("expected KEY=VALUE"), std::string::npos);
}

}  // namespace
}  // namespace sigex
