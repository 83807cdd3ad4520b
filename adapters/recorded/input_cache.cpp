#include "adapters/recorded/input_cache.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

#include "adapters/recorded/binary_records.h"
#include "adapters/recorded/fnv64.h"
#include "adapters/recorded/recorded_file.h"

namespace sigex {
namespace {

// The entry's name, from the input's bytes and how they are read; nullopt if unreadable.
std::optional<std::string> entry_name(const std::string& path, BinanceMarket market,
                                      std::string_view snapshot_symbol) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return std::nullopt;
  Fnv64 content;
  std::vector<char> buffer(1 << 20);
  std::uint64_t size = 0;
  while (file) {
    file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(file.gcount());
    content.add(buffer.data(), got);
    size += got;
  }
  if (file.bad()) return std::nullopt;
  Fnv64 how;
  how.add_field(market == BinanceMarket::kUsdm ? "usdm" : "spot");
  how.add_field(snapshot_symbol);
  how.add_field(std::to_string(kBinaryRecordsVersion));
  how.add_field(std::to_string(kInputCacheGeneration));
  return fmt::format("{:016x}-{:x}-{:08x}{}", content.value(), size,
                     static_cast<std::uint32_t>(how.value()), kBinaryRecordsExtension);
}

}  // namespace

std::optional<std::string> InputCache::binary_for(const std::string& path, BinanceMarket market,
                                                  std::string_view snapshot_symbol,
                                                  std::string& note) {
  const auto name = entry_name(path, market, snapshot_symbol);
  if (!name) {
    note = path + ": cannot be read for the input cache";
    return std::nullopt;
  }
  const std::filesystem::path entry = std::filesystem::path(directory_) / *name;
  std::error_code error;
  if (std::filesystem::is_regular_file(entry, error)) {
    ++hits_;
    return entry.string();
  }
  // Convert: every line must have the recorded shape and hold what the format holds.
  RecordedFile file(path);
  InputProblems problems;
  std::vector<ImportedLine> lines;
  RecordedLine line;
  while (file.ok() && file.next(line, problems)) {
    lines.push_back({line.receive_time_ns, std::string(line.frame)});
  }
  if (!file.ok() || problems.count() != 0 || lines.empty()) {
    note = path + ": not cached (it has input problems; the replay reports them)";
    return std::nullopt;
  }
  std::filesystem::create_directories(directory_, error);
  if (error) {
    note = fmt::format("{}: the input cache directory cannot be made: {}", directory_,
                       error.message());
    return std::nullopt;
  }
  const std::string temporary = entry.string() + fmt::format(".tmp-{}", ::getpid());
  std::string why;
  if (!write_binary_records(temporary, market, lines, why, snapshot_symbol)) {
    std::remove(temporary.c_str());
    note = path + ": not cached (" + why + ")";
    return std::nullopt;
  }
  std::filesystem::rename(temporary, entry, error);
  if (error) {
    std::remove(temporary.c_str());
    note =
        fmt::format("{}: cannot be stored in the input cache: {}", entry.string(), error.message());
    return std::nullopt;
  }
  ++written_;
  return entry.string();
}

}  // namespace sigex
