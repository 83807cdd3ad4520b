#include "adapters/service/instance_lock.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace sigex {
namespace {

TEST(InstanceLock, ASecondHolderIsRefusedWithTheOwnersPidAndTheLockIsFreedOnRelease) {
  testing::TemporaryDirectory directory;
  const std::string state = (directory.path() / "state").string();
  std::string error;
  {
    InstanceLock first;
    ASSERT_TRUE(first.acquire(state, error)) << error;
    InstanceLock second;  // flock is per open file: a second open in one process conflicts too
    EXPECT_FALSE(second.acquire(state, error));
    EXPECT_EQ(error, "state directory " + state + " is locked by PID " +
                         std::to_string(::getpid()) +
                         " (another sigex is running on it; stop it first)");
  }
  InstanceLock again;
  EXPECT_TRUE(again.acquire(state, error)) << error;
}

TEST(InstanceLock, AStateDirectoryThatCannotBeCreatedNamesTheReason) {
  testing::TemporaryDirectory directory;
  // A file where a directory of the path should be (root may write anywhere, so not a
  // permission bit: the error is the operating system's, named as it is).
  std::ofstream(directory.path() / "not-a-directory") << "x";
  const std::string state = (directory.path() / "not-a-directory" / "state").string();
  InstanceLock lock;
  std::string error;
  EXPECT_FALSE(lock.acquire(state, error));
  EXPECT_EQ(error.rfind("cannot create state directory " + state + ": Not a directory", 0), 0u)
      << error;
}

}  // namespace
}  // namespace sigex
