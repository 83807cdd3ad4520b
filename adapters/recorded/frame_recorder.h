#pragma once

// Writes raw frames with their receive times to a recorded file ("<receive_time_ns> <frame>"
// per line, gzip when the path ends in .gz), the format `sigex backtest` replays. Producers
// (I/O threads) only copy the frame into a lock-free queue; a writer thread of its own does
// the compression and file I/O, so a slow disk never stalls a socket. Recording is not on the
// trading path: each frame costs one string allocation.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include <blockingconcurrentqueue.h>

#include "engine/core/time.h"

namespace sigex {

class FrameRecorder {
 public:
  FrameRecorder() = default;
  ~FrameRecorder();
  FrameRecorder(const FrameRecorder&) = delete;
  FrameRecorder& operator=(const FrameRecorder&) = delete;

  // Creates (truncates) the file and starts the writer; false with the reason otherwise.
  bool open(const std::string& path, std::string& error);
  // Any thread. Frames containing a newline are refused (the format is one frame per line).
  void record(TimeNs receive_time_ns, std::string_view frame);
  // Writes everything queued, closes the file. False when any write failed (see error()).
  bool close();

  std::uint64_t frames_written() const { return frames_written_.load(); }
  std::uint64_t frames_refused() const { return frames_refused_.load(); }
  const std::string& error() const { return error_; }

 private:
  void write_loop();
  void write(std::string& line);

  moodycamel::BlockingConcurrentQueue<std::string> queue_;
  void* file_ = nullptr;  // gzFile
  std::thread writer_;
  std::atomic<bool> closing_{false};
  std::atomic<std::uint64_t> frames_written_{0};
  std::atomic<std::uint64_t> frames_refused_{0};
  std::string path_;
  std::string error_;
};

}  // namespace sigex
