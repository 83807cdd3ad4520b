#pragma once

// One sigex per state directory. The lock is an flock(2) on <state_dir>/sigex.lock, held for
// the life of the process and released by the kernel when it exits, however it exits (a crash
// leaves no stale lock). The file holds the owner's PID so a second instance can say who.

#include <string>

namespace sigex {

class InstanceLock {
 public:
  // False with "state directory D is locked by PID N ..." when another process holds it.
  bool acquire(const std::string& state_dir, std::string& error);
  ~InstanceLock();
  InstanceLock() = default;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace sigex
