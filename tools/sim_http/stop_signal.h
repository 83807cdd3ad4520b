#pragma once

// The simulators' command-line programs run until SIGINT or SIGTERM. Block both before any
// thread starts (every thread inherits the mask, so none is killed by them), start the
// simulator, then wait.

#include <pthread.h>
#include <csignal>

namespace sigex {

class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
  }
  // Returns once SIGINT or SIGTERM arrives.
  void wait() const {
    int received = 0;
    sigwait(&signals_, &received);
  }

 private:
  sigset_t signals_{};
};

}  // namespace sigex
