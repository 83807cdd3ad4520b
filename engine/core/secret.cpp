#include "engine/core/secret.h"

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <utility>

#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sigex {
namespace {

void trim(std::string& text) {
  const auto not_space = [](unsigned char c) {
    return c != ' ' && c != '\n' && c != '\r' && c != '\t';
  };
  std::size_t begin = 0;
  while (begin < text.size() && !not_space(static_cast<unsigned char>(text[begin]))) ++begin;
  std::size_t end = text.size();
  while (end > begin && !not_space(static_cast<unsigned char>(text[end - 1]))) --end;
  // Wipe what is cut off, then shrink in place (no copy of the secret is left behind).
  std::string kept(text.data() + begin, end - begin);
  wipe_string(text);
  text.swap(kept);
}

// Reads a whole file; "" with `error` set when it cannot be read.
bool read_file(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

}  // namespace

void wipe_string(std::string& text) {
  explicit_bzero(text.data(), text.capacity());
  text.clear();
}

Secret::Secret(std::string text) {
  if (!text.empty()) {
    const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
    mapped_ = (text.size() + page - 1) / page * page;
    void* pages =
        mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) throw std::bad_alloc();
    madvise(pages, mapped_, MADV_DONTDUMP);
    locked_ = mlock(pages, mapped_) == 0;
    bytes_ = static_cast<char*>(pages);
    size_ = text.size();
    std::memcpy(bytes_, text.data(), size_);
  }
  wipe_string(text);
}

Secret::~Secret() { release(); }

Secret::Secret(Secret&& other) noexcept
    : bytes_(std::exchange(other.bytes_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, 0)),
      locked_(std::exchange(other.locked_, false)) {}

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    release();
    bytes_ = std::exchange(other.bytes_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, 0);
    locked_ = std::exchange(other.locked_, false);
  }
  return *this;
}

void Secret::release() {
  if (bytes_ == nullptr) return;
  explicit_bzero(bytes_, mapped_);
  if (locked_) munlock(bytes_, mapped_);
  munmap(bytes_, mapped_);
  bytes_ = nullptr;
  size_ = 0;
  mapped_ = 0;
  locked_ = false;
}

std::string process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::string() : std::string(value);
}

tl::expected<SecretLoad, std::string> load_secret(const SecretSource& source,
                                                  EnvironmentLookup environment) {
  std::string looked;
  auto note = [&looked](const std::string& place) {
    if (!looked.empty()) looked += ", ";
    looked += place;
  };
  std::string text, error;
  if (!source.credential.empty()) {
    const std::string directory = environment("CREDENTIALS_DIRECTORY");
    if (!directory.empty()) {
      const std::string path = (std::filesystem::path(directory) / source.credential).string();
      if (std::filesystem::exists(path)) {
        if (!read_file(path, text, error)) return tl::unexpected(source.what + ": " + error);
        trim(text);
        if (text.empty())
          return tl::unexpected(source.what + ": systemd credential " + path + " is empty");
        return SecretLoad{Secret(std::move(text)), "systemd credential " + source.credential};
      }
      note("systemd credential " + path);
    } else {
      note("systemd credential " + source.credential + " ($CREDENTIALS_DIRECTORY is not set)");
    }
  }
  if (!source.file.empty()) {
    struct stat info {};
    if (::stat(source.file.c_str(), &info) == 0) {
      if ((info.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(info.st_mode & 07777));
        return tl::unexpected(source.what + ": key file " + source.file + " has mode " + mode +
                              " and may be read by group or others; run: chmod 600 " + source.file);
      }
      if (!read_file(source.file, text, error)) return tl::unexpected(source.what + ": " + error);
      trim(text);
      if (text.empty())
        return tl::unexpected(source.what + ": key file " + source.file + " is empty");
      return SecretLoad{Secret(std::move(text)), "key file " + source.file};
    }
    note("key file " + source.file);
  }
  if (!source.env.empty()) {
    text = environment(source.env);
    trim(text);
    if (!text.empty())
      return SecretLoad{Secret(std::move(text)), "environment variable " + source.env};
    note("environment variable " + source.env);
  }
  if (looked.empty()) return tl::unexpected(source.what + ": no source configured");
  return tl::unexpected(source.what + " not found (looked at " + looked + ")");
}

}  // namespace sigex
