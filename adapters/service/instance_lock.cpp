#include "adapters/service/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "engine/core/errno_text.h"

namespace sigex {

bool InstanceLock::acquire(const std::string& state_dir, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(state_dir, ec);
  if (ec) {
    error = "cannot create state directory " + state_dir + ": " + ec.message() +
            " (it must be writable by the user sigex runs as)";
    return false;
  }
  const std::string path = (std::filesystem::path(state_dir) / "sigex.lock").string();
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    error = "cannot open lock file " + path + ": " + errno_text(errno);
    return false;
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int lock_errno = errno;
    char pid[32] = {};
    const ssize_t length = ::pread(fd_, pid, sizeof pid - 1, 0);
    std::string owner = length > 0 ? std::string(pid, static_cast<std::size_t>(length)) : "?";
    while (!owner.empty() && (owner.back() == '\n' || owner.back() == ' ')) owner.pop_back();
    ::close(fd_);
    fd_ = -1;
    error = lock_errno == EWOULDBLOCK
                ? "state directory " + state_dir + " is locked by PID " + owner +
                      " (another sigex is running on it; stop it first)"
                : "cannot lock " + path + ": " + errno_text(lock_errno);
    return false;
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 ||
      ::pwrite(fd_, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    error = "cannot write PID to " + path + ": " + errno_text(errno);
    return false;
  }
  return true;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace sigex
