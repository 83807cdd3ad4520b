#include "engine/logging/progress.h"

#include <unistd.h>

namespace sigex {

bool parse_progress_mode(std::string_view text, ProgressMode& mode) {
  if (text == "auto")
    mode = ProgressMode::kAuto;
  else if (text == "always")
    mode = ProgressMode::kAlways;
  else if (text == "never")
    mode = ProgressMode::kNever;
  else
    return false;
  return true;
}

ProgressLine::ProgressLine(ProgressMode mode, std::FILE* out)
    : out_(out), terminal_(::isatty(::fileno(out)) == 1) {
  enabled_ = mode == ProgressMode::kAlways || (mode == ProgressMode::kAuto && terminal_);
}

void ProgressLine::update(std::string_view text) {
  if (!enabled_) return;
  if (terminal_) {
    std::fprintf(out_, "\r\033[K%.*s", static_cast<int>(text.size()),
                 text.data());  // rewrite the line
    open_ = true;
  } else {
    std::fprintf(out_, "%.*s\n", static_cast<int>(text.size()), text.data());
  }
  std::fflush(out_);
}

void ProgressLine::finish() {
  if (!open_) return;
  std::fputc('\n', out_);
  std::fflush(out_);
  open_ = false;
}

}  // namespace sigex
