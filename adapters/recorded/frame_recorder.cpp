#include "adapters/recorded/frame_recorder.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

#include <zlib.h>

#include "engine/core/errno_text.h"

namespace sigex {

FrameRecorder::~FrameRecorder() { close(); }

bool FrameRecorder::open(const std::string& path, std::string& error) {
  path_ = path;
  const bool compressed = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  // "T" writes plain text through the same zlib file API.
  file_ = gzopen(path.c_str(), compressed ? "wb6" : "wbT");
  if (file_ == nullptr) {
    error = "cannot create " + path + ": " + errno_text(errno);
    return false;
  }
  writer_ = std::thread([this] { write_loop(); });
  return true;
}

void FrameRecorder::record(TimeNs receive_time_ns, std::string_view frame) {
  if (frame.find('\n') != std::string_view::npos) {
    ++frames_refused_;
    return;
  }
  std::string line = std::to_string(receive_time_ns);
  line.reserve(line.size() + frame.size() + 2);
  line += ' ';
  line += frame;
  line += '\n';
  queue_.enqueue(std::move(line));
}

void FrameRecorder::write(std::string& line) {
  const auto size = static_cast<unsigned>(line.size());
  if (error_.empty() &&
      gzwrite(static_cast<gzFile>(file_), line.data(), size) != static_cast<int>(size)) {
    int code = 0;
    error_ = "write to " + path_ + " failed: " + gzerror(static_cast<gzFile>(file_), &code);
  }
  if (error_.empty()) ++frames_written_;
}

void FrameRecorder::write_loop() {
  std::vector<std::string> lines(256);
  while (true) {
    // Sleeps while there is nothing to write; wakes at least every 100 ms to see close().
    const std::size_t count =
        queue_.wait_dequeue_bulk_timed(lines.begin(), lines.size(), std::chrono::milliseconds(100));
    for (std::size_t i = 0; i < count; ++i) write(lines[i]);
    if (count == 0 && closing_.load()) break;
  }
}

bool FrameRecorder::close() {
  if (file_ == nullptr) return error_.empty();
  closing_.store(true);
  if (writer_.joinable()) writer_.join();
  if (gzclose(static_cast<gzFile>(file_)) != Z_OK && error_.empty()) {
    error_ = "closing " + path_ + " failed";
  }
  file_ = nullptr;
  return error_.empty();
}

}  // namespace sigex
