#include "adapters/recorded/recorded_file.h"

#include <cstring>

#include <simdjson.h>
#include <zlib.h>

#include "engine/core/errno_text.h"

namespace sigex {
namespace {

constexpr std::size_t kChunk = 1 << 20;
constexpr std::size_t kPadding = simdjson::SIMDJSON_PADDING;

}  // namespace

void InputProblems::report(const std::string& file, std::uint64_t line, std::string_view reason) {
  ++count_;
  if (details_.size() < kMaxDetails) {
    details_.push_back(file + ":" + std::to_string(line) + ": " + std::string(reason));
  }
}

RecordedFile::RecordedFile(std::string path) : path_(std::move(path)) {
  gz_ = gzopen(path_.c_str(), "rb");  // reads plain files transparently too
  if (gz_ == nullptr) {
    error_ = "cannot open " + path_ + ": " + errno_text(errno);
    return;
  }
  gzbuffer(static_cast<gzFile>(gz_), 256 * 1024);
  buffer_.resize(2 * kChunk + kPadding);
}

RecordedFile::~RecordedFile() {
  if (gz_ != nullptr) gzclose(static_cast<gzFile>(gz_));
}

std::uint64_t RecordedFile::compressed_offset() const {
  return gz_ == nullptr ? 0 : static_cast<std::uint64_t>(gzoffset(static_cast<gzFile>(gz_)));
}

bool RecordedFile::fill() {
  if (eof_) return false;
  // Move the unread tail to the front, grow if one line is larger than the buffer.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < kChunk + kPadding) buffer_.resize(end_ + kChunk + kPadding);
  const int read =
      gzread(static_cast<gzFile>(gz_), buffer_.data() + end_, static_cast<unsigned>(kChunk));
  int code = Z_OK;
  const char* message = gzerror(static_cast<gzFile>(gz_), &code);
  if (read < 0 || (code != Z_OK && code != Z_STREAM_END)) {
    // A truncated gzip stream reads as an early end (Z_BUF_ERROR), a damaged one as a data
    // error: either way the rest of the file is missing, which a backtest must not ignore.
    const std::uint64_t offset = compressed_offset();
    error_ = code == Z_BUF_ERROR
                 ? path_ + ": the gzip stream ends early at compressed byte " +
                       std::to_string(offset) +
                       " (the file is truncated; record or download it again)"
                 : path_ + ": unreadable at compressed byte " + std::to_string(offset) + ": " +
                       message + " (the file is damaged)";
    eof_ = true;
    return false;
  }
  if (read == 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<std::size_t>(read);
  bytes_read_ += static_cast<std::uint64_t>(read);
  return true;
}

bool RecordedFile::next(RecordedLine& line, InputProblems& problems) {
  if (gz_ == nullptr) return false;
  while (true) {
    const char* start = buffer_.data() + begin_;
    const void* newline = std::memchr(start, '\n', end_ - begin_);
    std::size_t length = 0;
    if (newline == nullptr) {
      if (fill()) continue;
      if (begin_ == end_) return false;
      length = end_ - begin_;  // last line without a newline
      start = buffer_.data() + begin_;
      std::memset(buffer_.data() + end_, 0, kPadding);
    } else {
      length = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
    }
    begin_ += length + (newline != nullptr ? 1 : 0);
    ++line_number_;
    std::string_view text(start, length);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.empty()) continue;

    // "<receive_time_ns> <frame>"
    std::size_t position = 0;
    TimeNs receive_ns = 0;
    while (position < text.size() && text[position] >= '0' && text[position] <= '9' &&
           position < 19) {
      receive_ns = receive_ns * 10 + (text[position] - '0');
      ++position;
    }
    if (position == 0 || position >= text.size() || text[position] != ' ') {
      problems.report(path_, line_number_, "expected '<receive_time_ns> <frame>'");
      continue;
    }
    if (receive_ns < last_time_ns_) {
      problems.report(path_, line_number_, "receive time goes backwards; line skipped");
      continue;
    }
    last_time_ns_ = receive_ns;
    ++lines_with_shape_;
    line.receive_time_ns = receive_ns;
    line.frame = text.substr(position + 1);
    line.line_number = line_number_;
    return true;
  }
}

}  // namespace sigex
