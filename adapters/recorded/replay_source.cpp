#include "adapters/recorded/replay_source.h"

#include <filesystem>

namespace sigex {

ReplaySource::ReplaySource(const InstrumentRegistry& instruments, std::vector<ReplayInput> inputs,
                           TimeNs start_ns, TimeNs end_ns)
    : instruments_(instruments),
      inputs_(std::move(inputs)),
      start_ns_(start_ns),
      end_ns_(end_ns),
      binance_(instruments),
      token_metrics_(instruments) {}

bool ReplaySource::open(std::string& error) {
  streams_.clear();
  for (const auto& input : inputs_) {
    Stream stream;
    stream.file = std::make_unique<RecordedFile>(input.path);
    if (!stream.file->ok()) {
      error += stream.file->error() + "\n";
      continue;
    }
    std::error_code size_error;
    stream.size_bytes = std::filesystem::file_size(input.path, size_error);
    total_size_bytes_ += size_error ? 0 : stream.size_bytes;
    stream.input = input;
    streams_.push_back(std::move(stream));
  }
  if (!error.empty()) return false;
  for (auto& stream : streams_) advance(stream);
  return true;
}

void ReplaySource::advance(Stream& stream) {
  while (true) {
    stream.has_line = stream.file->next(stream.line, problems_);
    if (!stream.has_line) return check_ended(stream);
    if (stream.line.receive_time_ns >= start_ns_) break;
  }
  if (stream.line.receive_time_ns >= end_ns_) stream.has_line = false;
}

void ReplaySource::check_ended(const Stream& stream) {
  const RecordedFile& file = *stream.file;
  if (!file.ok()) {
    fatal_.push_back(file.error());
  } else if (file.lines_read() == 0) {
    fatal_.push_back(file.path() + ": the file is empty (no input at all)");
  } else if (file.lines_with_shape() == 0) {
    fatal_.push_back(
        file.path() + ": none of its " + std::to_string(file.lines_read()) +
        " line(s) has the shape '<receive_time_ns> <frame>' (receive time in ns since 1970, a "
        "space, then the frame as received) that sigex record, sigex fetch-history and "
        "tools/make_bundled_data.py write");
  }
}

bool ReplaySource::next(std::vector<InboundEvent>& out) {
  out.clear();
  while (true) {
    Stream* earliest = nullptr;
    for (auto& stream : streams_) {
      if (stream.has_line &&
          (earliest == nullptr || stream.line.receive_time_ns < earliest->line.receive_time_ns)) {
        earliest = &stream;
      }
    }
    // A held row due before the next line (or after the last) goes first; ties keep the line
    // first, as it was in the input before the row's publication. Rows published only after
    // the replay's end are not part of it.
    if (schedule_ && schedule_->holding() && schedule_->next_release_ns() >= end_ns_)
      schedule_->discard();
    if (schedule_ && schedule_->holding() &&
        (earliest == nullptr || schedule_->next_release_ns() < earliest->line.receive_time_ns)) {
      schedule_->release(out);
      stats_.events += out.size();
      return true;
    }
    if (earliest == nullptr) {
      stats_.bytes = 0;
      for (const auto& stream : streams_) stats_.bytes += stream.file->bytes_read();
      return false;
    }
    const RecordedLine& line = earliest->line;
    ++stats_.lines;
    Result<std::size_t> parsed = fail(Errc::kUnsupported, "unrecognised frame");
    if (line.frame.starts_with("{\"result\"")) {
      ++stats_.control_frames;  // a websocket control answer, e.g. to SUBSCRIBE: no market data
      parsed = std::size_t{0};
    } else if (TokenMetricsParser::recognises(line.frame)) {
      parsed = token_metrics_.parse(line.frame, line.receive_time_ns, out);
      if (parsed && !written_by_fetch_history(line.frame)) observations_.observe(out, 0);
      if (parsed && schedule_) schedule_->admit(out, 0);
    } else if (BinanceParser::recognises(line.frame)) {
      parsed = binance_.parse(line.frame, line.receive_time_ns, earliest->input.snapshot_instrument,
                              out, earliest->input.market);
    }
    if (!parsed) {
      if (parsed.error().code == Errc::kUnknownInstrument) {
        ++stats_.unknown_instrument;  // a symbol we do not trade: not a fault
      } else {
        ++stats_.frames_rejected;
        problems_.report(
            earliest->input.path, line.line_number,
            std::string(to_string(parsed.error().code)) + ": " + std::string(parsed.error().what));
      }
    }
    advance(*earliest);
    if (!out.empty()) {
      stats_.events += out.size();
      return true;
    }
  }
}

double ReplaySource::progress() const {
  if (total_size_bytes_ == 0) return 0.0;
  std::uint64_t consumed = 0;
  for (const auto& stream : streams_) consumed += stream.file->compressed_offset();
  return static_cast<double>(consumed) / static_cast<double>(total_size_bytes_);
}

}  // namespace sigex
