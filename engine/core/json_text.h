#pragma once

// Text for the inside of a JSON string literal: quotes, backslashes and control characters
// escaped. For the JSON sigex writes by hand (summary.json, `ctl status --json`).

#include <string>
#include <string_view>

namespace sigex {

std::string json_escape(std::string_view text);

}  // namespace sigex
