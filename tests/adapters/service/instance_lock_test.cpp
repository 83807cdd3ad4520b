#include "adapters/service/instance_lock.h"

#include <unistd.h>

#include <gtest/gtest.h>

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
    EXPECT_EQ(error, "state directory " + state + " is locked by PID " + std::to_string(::getpid()) +
                         " (another sigex is running on it; stop it first)");
  }
  InstanceLock again;
  EXPECT_TRUE(again.acquire(state, error)) << error;
}

}  // namespace
}  // namespace sigex
