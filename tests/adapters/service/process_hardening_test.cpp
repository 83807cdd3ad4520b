// Keys stay out of core dumps and out of the environment. Each test runs in its own process
// (gtest_discover_tests), so making it non-dumpable touches nothing else.

#include "adapters/service/process_hardening.h"

#include <sys/resource.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace sigex {
namespace {

TEST(ProcessHardening, CoreDumpsAreDisabledAndTheProcessIsNotDumpable) {
  ASSERT_TRUE(core_dumps_allowed());
  std::string error;
  ASSERT_TRUE(disable_core_dumps(error)) << error;
  EXPECT_FALSE(core_dumps_allowed());
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_CORE, &limit), 0);
  EXPECT_EQ(limit.rlim_cur, 0u);
  EXPECT_EQ(limit.rlim_max, 0u);
}

TEST(ProcessHardening, AScrubbedVariableIsGoneAndItsBytesAreOverwritten) {
  const std::string canary = "env-canary-4c1f9e2b";
  // NOLINTNEXTLINE(concurrency-mt-unsafe): no thread runs yet
  ASSERT_EQ(setenv("SIGEX_TEST_SECRET", canary.c_str(), 1), 0);
  const char* value = std::getenv("SIGEX_TEST_SECRET");
  ASSERT_NE(value, nullptr);
  scrub_environment_variable("SIGEX_TEST_SECRET");
  EXPECT_EQ(std::getenv("SIGEX_TEST_SECRET"), nullptr);
  // The entry still points where the bytes were (setenv's copy is not freed): all zero now.
  for (std::size_t i = 0; i < canary.size(); ++i) EXPECT_EQ(value[i], '\0') << "byte " << i;
  scrub_environment_variable("SIGEX_NOT_SET_ANYWHERE");  // nothing to do, no failure
  scrub_environment_variable("");
}

TEST(ProcessHardening, TheSystemdUnitForbidsCoreDumps) {
  std::ifstream unit(std::string(SIGEX_SOURCE_DIR) + "/config/sigex.service");
  std::stringstream text;
  text << unit.rdbuf();
  EXPECT_NE(text.str().find("\nLimitCORE=0\n"), std::string::npos);
}

}  // namespace
}  // namespace sigex
