#pragma once

// A status line for long commands (record, fetch-history). On a terminal it is rewritten in
// place; when asked for explicitly (--progress always) on anything else, each update is its
// own line; by default (auto) nothing is written unless the output is a terminal, so logs
// and pipes stay quiet.

#include <cstdio>
#include <string>
#include <string_view>

namespace sigex {

enum class ProgressMode { kAuto, kAlways, kNever };

// "auto", "always", "never"; false for anything else.
bool parse_progress_mode(std::string_view text, ProgressMode& mode);

class ProgressLine {
 public:
  explicit ProgressLine(ProgressMode mode, std::FILE* out = stderr);
  ~ProgressLine() { finish(); }
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  bool enabled() const { return enabled_; }
  void update(std::string_view text);
  // Ends the line on a terminal (the next output starts on its own line).
  void finish();

 private:
  std::FILE* out_;
  bool enabled_;
  bool terminal_;
  bool open_ = false;
};

}  // namespace sigex
