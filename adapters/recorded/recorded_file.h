#pragma once

// Reads recorded input: one raw frame per line, "<receive_time_ns> <frame>\n", plain or gzip
// (detected from the content). Lines are handed out as views into an internal buffer that
// keeps SIMDJSON_PADDING readable bytes after every line, so they can be parsed in place.
// Used by one thread at a time.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/time.h"

namespace sigex {

struct RecordedLine {
  TimeNs receive_time_ns = 0;
  std::string_view frame;  // valid until the next call to next()
  std::uint64_t line_number = 0;
};

// Problems in input files, reported with file and line. Details are kept for the first
// `kMaxDetails`; everything is counted.
class InputProblems {
 public:
  static constexpr std::size_t kMaxDetails = 50;
  void report(const std::string& file, std::uint64_t line, std::string_view reason);
  std::uint64_t count() const { return count_; }
  const std::vector<std::string>& details() const { return details_; }

 private:
  std::uint64_t count_ = 0;
  std::vector<std::string> details_;
};

class RecordedFile {
 public:
  // Opens `path`; on failure ok() is false and error() says why.
  explicit RecordedFile(std::string path);
  ~RecordedFile();
  RecordedFile(const RecordedFile&) = delete;
  RecordedFile& operator=(const RecordedFile&) = delete;

  // False when the file could not be opened, or when reading it failed: a gzip stream that
  // ends early (a truncated file) or fails its check (a corrupt one). error() names the file
  // and the compressed byte offset. A file read to its end with no such error stays ok().
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  // Lines read so far, and how many of them had the "<receive_time_ns> <frame>" shape.
  std::uint64_t lines_read() const { return line_number_; }
  std::uint64_t lines_with_shape() const { return lines_with_shape_; }
  const std::string& path() const { return path_; }

  // Advances to the next well-formed line. Malformed prefixes and lines whose receive time goes
  // backwards are reported to `problems` and skipped. Returns false at end of file.
  bool next(RecordedLine& line, InputProblems& problems);

  std::uint64_t bytes_read() const { return bytes_read_; }  // decompressed bytes
  std::uint64_t compressed_offset() const;                  // position in the file

 private:
  bool fill();

  std::string path_;
  std::string error_;
  void* gz_ = nullptr;  // gzFile
  std::vector<char> buffer_;
  std::size_t begin_ = 0;  // start of unread data
  std::size_t end_ = 0;    // end of valid data
  bool eof_ = false;
  std::uint64_t line_number_ = 0;
  std::uint64_t lines_with_shape_ = 0;
  std::uint64_t bytes_read_ = 0;
  TimeNs last_time_ns_ = 0;
};

}  // namespace sigex
