// The signals a long-running command answers: SIGTERM/SIGINT ask it to stop (each taken once),
// SIGHUP to reload only when the command reloads, and what was installed before comes back.

#include "engine/exe/process_signals.h"

#include <csignal>

#include <gtest/gtest.h>

namespace sigex {
namespace {

extern "C" void previous_handler(int) {}

TEST(ProcessSignals, StopAndReloadAreTakenOnceAndThePreviousHandlersComeBack) {
  std::signal(SIGHUP, previous_handler);
  {
    const ProcessSignals signals(ProcessSignals::Reload::kOnSighup);
    EXPECT_EQ(signals.take_stop(), 0);
    EXPECT_FALSE(signals.take_reload());
    std::raise(SIGHUP);
    EXPECT_TRUE(signals.take_reload());
    EXPECT_FALSE(signals.take_reload());
    std::raise(SIGTERM);
    EXPECT_EQ(signals.take_stop(), SIGTERM);
    EXPECT_EQ(signals.take_stop(), 0);
    std::raise(SIGINT);
    EXPECT_EQ(signals.take_stop(), SIGINT);
    std::raise(SIGPIPE);  // ignored: a client that hung up does not end the process
  }
  struct sigaction now {};
  sigaction(SIGHUP, nullptr, &now);
  EXPECT_EQ(now.sa_handler, &previous_handler);
  sigaction(SIGTERM, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
  sigaction(SIGPIPE, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
  std::signal(SIGHUP, SIG_DFL);
}

TEST(ProcessSignals, ACommandWithoutReloadLeavesSighupAsItWas) {
  std::signal(SIGHUP, previous_handler);
  {
    const ProcessSignals signals(ProcessSignals::Reload::kNo);
    struct sigaction now {};
    sigaction(SIGHUP, nullptr, &now);
    EXPECT_EQ(now.sa_handler, &previous_handler);
  }
  std::signal(SIGHUP, SIG_DFL);
}

}  // namespace
}  // namespace sigex
