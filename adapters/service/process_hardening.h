#pragma once

// What a process holding exchange keys does to keep them out of places they could leak from:
// no core dump and no ptrace by other processes of the same user (non-dumpable), and no secret
// left in the environment block that /proc/<pid>/environ shows.

#include <string>
#include <string_view>

namespace sigex {

// prctl(PR_SET_DUMPABLE, 0) and RLIMIT_CORE = 0. False with the reason.
bool disable_core_dumps(std::string& error);
// Whether this process may be dumped (prctl(PR_GET_DUMPABLE)).
bool core_dumps_allowed();

// Overwrites the value of the environment variable `name` in place (the bytes that
// /proc/<pid>/environ reads) and removes it from the environment. Nothing when it is unset.
void scrub_environment_variable(std::string_view name);

}  // namespace sigex
