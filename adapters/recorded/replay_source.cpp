#include "adapters/recorded/replay_source.h"

#include <algorithm>
#include <filesystem>
#include <functional>

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
  heap_built_ = false;
  heap_valid_ = false;
  for (const auto& input : inputs_) {
    Stream stream;
    std::string read_path = input.path;  // what is read: the input, or its cache entry
    if (!is_binary_records_path(input.path) && cache_ != nullptr) {
      const std::string_view snapshot_symbol =
          input.snapshot_instrument == kNoInstrument
              ? std::string_view()
              : instruments_.get(input.snapshot_instrument).symbol.view();
      std::string note;
      if (auto entry = cache_->binary_for(input.path, input.market, snapshot_symbol, note)) {
        auto reader = std::make_unique<BinaryRecordsReader>(*entry, instruments_);
        if (reader->open()) {
          stream.binary = std::move(reader);
          read_path = *entry;
        } else {
          cache_notes_.push_back(reader->error() + " (the text is replayed instead)");
        }
      } else {
        cache_notes_.push_back(note);
      }
    }
    if (!stream.binary && is_binary_records_path(input.path)) {
      stream.binary = std::make_unique<BinaryRecordsReader>(input.path, instruments_);
      if (!stream.binary->open()) {
        error += stream.binary->error() + "\n";
        continue;
      }
    } else if (!stream.binary) {  // text, not replayed from a cache entry
      stream.file = std::make_unique<RecordedFile>(input.path);
      if (!stream.file->ok()) {
        error += stream.file->error() + "\n";
        continue;
      }
    }
    std::error_code size_error;
    stream.size_bytes = std::filesystem::file_size(read_path, size_error);
    total_size_bytes_ += size_error ? 0 : stream.size_bytes;
    stream.input = input;
    streams_.push_back(std::move(stream));
  }
  if (!error.empty()) return false;
  for (auto& stream : streams_) advance(stream);
  return true;
}

std::uint64_t ReplaySource::Stream::bytes_read() const {
  return binary ? binary->position() * 80 : file->bytes_read();
}

std::uint64_t ReplaySource::Stream::offset() const {
  return binary ? binary->size_bytes() * binary->position() /
                      std::max<std::uint64_t>(binary->record_count(), 1)
                : file->compressed_offset();
}

void ReplaySource::advance(Stream& stream) {
  if (stream.binary) {
    BinaryRecordsReader& reader = *stream.binary;
    while (!reader.at_end() && reader.next_time() < start_ns_) reader.skip();
    stream.has_line = !reader.at_end();
    if (!stream.has_line) return check_ended(stream);
    stream.time_ns = reader.next_time();
    if (stream.time_ns >= end_ns_) stream.has_line = false;
    return;
  }
  while (true) {
    stream.has_line = stream.file->next(stream.line, problems_);
    if (!stream.has_line) return check_ended(stream);
    if (stream.line.receive_time_ns >= start_ns_) break;
  }
  stream.time_ns = stream.line.receive_time_ns;
  if (stream.line.receive_time_ns >= end_ns_) stream.has_line = false;
}

void ReplaySource::check_ended(const Stream& stream) {
  if (stream.binary) {
    if (stream.binary->record_count() == 0)
      fatal_.push_back(stream.binary->path() + ": the file holds no records");
    return;
  }
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
    // The stream with the earliest line (the first listed among equal times): the top of
    // the heap, which holds every stream with a line. Its entry is refreshed after advance().
    if (!heap_valid_) rebuild_heap();
    Stream* earliest = heap_.empty() ? nullptr : &streams_[heap_.front().second];
    // A held row due before the next line (or after the last) goes first; ties keep the line
    // first, as it was in the input before the row's publication. Rows published only after
    // the replay's end are not part of it.
    if (schedule_ && schedule_->holding() && schedule_->next_release_ns() >= end_ns_)
      schedule_->discard();
    if (schedule_ && schedule_->holding() &&
        (earliest == nullptr || schedule_->next_release_ns() < earliest->time_ns)) {
      schedule_->release(out);
      stats_.events += out.size();
      return true;
    }
    if (earliest == nullptr) {
      stats_.bytes = 0;
      for (const auto& stream : streams_) stats_.bytes += stream.bytes_read();
      return false;
    }
    heap_valid_ = false;  // advance() below moves the earliest stream on
    if (earliest->binary) {
      next_from_binary(*earliest, out);
      if (!out.empty()) {
        stats_.events += out.size();
        return true;
      }
      continue;
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
    } else if (RelayFrameParser::recognises(line.frame)) {
      // One parser per file: the relay's sequences are followed per recording.
      if (!earliest->relay) earliest->relay = std::make_unique<RelayFrameParser>(instruments_);
      parsed = earliest->relay->parse(line.frame, line.receive_time_ns, out);
    } else if (CoinbaseParser::recognises(line.frame)) {
      // One parser per file: Coinbase's sequence numbers are per connection, so per recording.
      if (!earliest->coinbase) earliest->coinbase = std::make_unique<CoinbaseParser>(instruments_);
      parsed = earliest->coinbase->parse(line.frame, line.receive_time_ns, out);
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

// One line's records at a time, counted and refused as the text parser counts and refuses
// that line: a line with a record its instrument cannot express gives none of its records.
void ReplaySource::next_from_binary(Stream& stream, std::vector<InboundEvent>& out) {
  BinaryRecordsReader& reader = *stream.binary;
  const std::size_t line_begin = out.size();
  bool unknown_line = false;
  std::string line_problem;
  do {
    bool unknown = false;
    std::string problem;
    if (!reader.take(out, unknown, problem)) {
      unknown_line = unknown_line || unknown;
      if (line_problem.empty()) line_problem = std::move(problem);
    }
  } while (!reader.at_end() && !reader.next_starts_line());
  ++stats_.lines;
  if (!line_problem.empty()) {
    out.resize(line_begin);
    ++stats_.frames_rejected;
    problems_.report(stream.input.path, reader.line_number(), line_problem);
  } else if (unknown_line) {
    ++stats_.unknown_instrument;  // a symbol we do not trade: not a fault
  }
  advance(stream);
}

void ReplaySource::rebuild_heap() {
  // After the earliest stream moved on, only the top entry changed: it sinks to its place
  // (or leaves the heap when its stream ended).
  if (heap_built_ && !heap_.empty()) {
    const std::size_t index = heap_.front().second;
    if (streams_[index].has_line) {
      heap_.front().first = streams_[index].time_ns;
    } else {
      heap_.front() = heap_.back();
      heap_.pop_back();
    }
    const std::size_t size = heap_.size();
    std::size_t at = 0;
    while (true) {
      const std::size_t left = 2 * at + 1;
      if (left >= size) break;
      std::size_t child = left;
      if (left + 1 < size && heap_[left + 1] < heap_[left]) child = left + 1;
      if (!(heap_[child] < heap_[at])) break;
      std::swap(heap_[child], heap_[at]);
      at = child;
    }
  } else {
    heap_.clear();
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      if (streams_[i].has_line) heap_.emplace_back(streams_[i].time_ns, i);
    }
    std::make_heap(heap_.begin(), heap_.end(), std::greater<>());
    heap_built_ = true;
  }
  heap_valid_ = true;
}

double ReplaySource::progress() const {
  if (total_size_bytes_ == 0) return 0.0;
  std::uint64_t consumed = 0;
  for (const auto& stream : streams_) consumed += stream.offset();
  return static_cast<double>(consumed) / static_cast<double>(total_size_bytes_);
}

}  // namespace sigex
