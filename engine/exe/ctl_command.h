#pragma once

// `sigex ctl`: the operator's client for a running daemon's control socket. One request per
// call; the daemon's operator console answers it (engine/console/operator_console.h).

#include <string>

#include "engine/exe/app_config.h"

namespace sigex {

// Prints the answer. Exit codes: 0 ok, 1 the daemon refused the request, 3 the daemon cannot
// be reached.
int run_ctl(const AppConfig& config, const std::string& socket_override,
            const std::string& request);

// Where the control socket of `config` is.
std::string control_socket_path(const AppConfig& config);

}  // namespace sigex
