#pragma once

// Writes a command's output files (a backtest's report, a sweep's tables) into one directory,
// each replaced whole; false with the failing path in `error`.

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

namespace sigex {

inline bool write_output_files(
    const std::filesystem::path& directory,
    std::initializer_list<std::pair<std::string_view, const std::string*>> files,
    std::string& error) {
  for (const auto& [name, content] : files) {
    const std::filesystem::path path = directory / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << *content;
    if (!out) {
      error = "cannot write " + path.string();
      return false;
    }
  }
  return true;
}

}  // namespace sigex
