#include "adapters/service/process_hardening.h"

#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdlib>

#include "engine/core/errno_text.h"

extern char** environ;

namespace sigex {

bool disable_core_dumps(std::string& error) {
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    error = std::string("prctl(PR_SET_DUMPABLE, 0) failed: ") + errno_text(errno);
    return false;
  }
  const rlimit none{0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    error = std::string("setrlimit(RLIMIT_CORE, 0) failed: ") + errno_text(errno);
    return false;
  }
  return true;
}

bool core_dumps_allowed() { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0; }

void scrub_environment_variable(std::string_view name) {
  if (name.empty()) return;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view text(*entry);
    if (text.size() > name.size() && text.starts_with(name) && text[name.size()] == '=') {
      explicit_bzero(*entry + name.size() + 1, text.size() - name.size() - 1);
    }
  }
  // The threads running by now (journal writer, venue and feed I/O) never read the
  // environment, and OpenSSL read its variables when the TLS contexts were made.
  unsetenv(std::string(name).c_str());  // NOLINT(concurrency-mt-unsafe)
}

}  // namespace sigex
